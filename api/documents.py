"""Product files and uploaded documents (YAML or JSON) -> Python values, within limits, or a one-line error.

The one reader of the command line (``pcf footprint``, ``pcf variants``) and of the HTTP paths that take a
file or a text (the calculator's upload, the console's declaration form, PACT events). The engine
(``footprint``) takes the parsed mapping; it never reads files.

Limits, so that no input costs more than its size:

- size: :data:`MAX_BYTES` (1 MiB) of UTF-8 unless the caller sets its own (the calculator: 256 KiB);
- nesting: at most :data:`MAX_DEPTH` (64) levels of lists and mappings, in YAML and in JSON (the deepest
  bundled example has 4); deeper input is refused before it is built, at the position where it gets too deep;
- YAML aliases (``*name``) are refused: a 500-byte file of nested aliases expands to billions of nodes, and a
  product file has no need of them (anchors without aliases are harmless and pass).

Every problem (size, encoding, syntax, depth, alias, a value Python cannot hold such as the date 2026-02-30 or
an integer of 5,000 digits, a document that is not a mapping) is a :class:`SpecificationError` on one line,
with the line and column where the reader can tell them.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, Literal

import yaml

from footprint.errors import SpecificationError

Format = Literal["yaml", "json"]

#: Bytes of one document (UTF-8); the bundled examples have under 1.1 KB.
MAX_BYTES = 1024 * 1024
#: Levels of nested lists and mappings; the top-level mapping is level 1.
MAX_DEPTH = 64
#: Longest excerpt of a Python error quoted in a message.
_DETAIL = 120
#: The characters that open, close or escape something in JSON; everything else is skipped in one step.
_JSON_SPECIAL = re.compile(r'[\[\]{}"\\]')


class _Refused(Exception):
    """A limit of this reader, raised inside the YAML loader with the position of the offending node."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem)
        self.problem = problem
        self.mark = mark


class _Unreadable(Exception):
    """Why a text could not be parsed: the end of a sentence that starts with the document's name, on one line."""

    def __init__(self, text: str) -> None:
        super().__init__(" ".join(text.split()))


class _ProductLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases, with a nesting limit and values Python cannot hold reported."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(f"the alias *{event.anchor} is not accepted (write the values out)", event.start_mark)
        nested = isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent)
        if nested:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(f"more than {MAX_DEPTH} levels of nesting", event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            if nested:
                self._depth -= 1

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except ValueError as exc:  # a date like 2026-02-30, an integer of more than 4,300 digits
            raise _Refused(f"cannot read the value: {_excerpt(exc)}", node.start_mark) from None


def format_of(filename: str) -> Format:
    """JSON for a ``.json`` file name, else YAML (YAML also reads most JSON)."""
    return "json" if filename.lower().endswith(".json") else "yaml"


def read_document(path: Path, *, max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """A product file (YAML, or JSON when its name ends in ``.json``) as a mapping.

    Raises:
        SpecificationError: the file cannot be read, is too large or is not a mapping (the message names it).
    """
    try:
        with path.open("rb") as f:
            data = f.read(max_bytes + 1)  # no more than the limit is ever read
    except OSError as exc:
        raise SpecificationError(f"{path.name} cannot be opened: {exc.strerror or type(exc).__name__}") from None
    return parse_document(data, path.name, fmt=format_of(path.name), max_bytes=max_bytes)


def parse_document(
    data: bytes | str, name: str, *, fmt: Format, field: str = "", max_bytes: int | None = MAX_BYTES
) -> dict[str, Any]:
    """A YAML or JSON document that must hold a mapping (a product file).

    Args:
        data: the document, as bytes (UTF-8, a byte-order mark is dropped) or text.
        name: what the messages call it (``pv.yaml``, ``the file``).
        fmt: ``yaml`` or ``json``.
        field: the ``path`` of the errors (the form field the document came from).
        max_bytes: the most UTF-8 bytes accepted; None: no limit of this reader's own.

    Raises:
        SpecificationError: see :func:`load_text`; also when the document is not a mapping.
    """
    doc = load_text(data, name, fmt=fmt, field=field, max_bytes=max_bytes)
    if not isinstance(doc, dict):
        raise SpecificationError(f"{name} must hold a mapping of fields", field)
    return doc


def load_text(
    data: bytes | str, name: str, *, fmt: Format, field: str = "", max_bytes: int | None = MAX_BYTES
) -> Any:
    """A YAML or JSON document as Python values, of any shape, within the limits of this module.

    Raises:
        SpecificationError: too large, not UTF-8, not valid YAML/JSON, too deep, a YAML alias, or a value Python
            cannot hold; one line, with the position where there is one.
    """
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:
            raise SpecificationError(f"{name} is not UTF-8 text", field) from None
    if max_bytes is not None and len(data) > max_bytes:
        raise SpecificationError(f"{name} is larger than {_size(max_bytes)}", field)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecificationError(f"{name} is not UTF-8 text (byte {exc.start + 1})", field) from None
    try:
        return _load_json(text) if fmt == "json" else _load_yaml(text)
    except _Unreadable as exc:
        raise SpecificationError(f"{name} {exc}", field) from None


def _load_yaml(text: str) -> Any:
    loader: _ProductLoader | None = None
    try:
        loader = _ProductLoader(text)  # the reader checks every character here
        return loader.get_single_data()
    except _Refused as exc:
        raise _Unreadable(f"cannot be read: {exc.problem}{_at(exc.mark.line + 1, exc.mark.column + 1)}") from None
    except yaml.reader.ReaderError as exc:  # a control character: its position is an offset into the text
        line, column = _line_column(text, exc.position)
        raise _Unreadable(f"is not valid YAML: unacceptable character #x{exc.character:04x}{_at(line, column)}") \
            from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _at(mark.line + 1, mark.column + 1) if mark is not None else ""
        problem = ", ".join(p for p in (exc.context, exc.problem) if p) or type(exc).__name__
        raise _Unreadable(f"is not valid YAML: {problem}{where}") from None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:  # pragma: no cover - the cases above cover PyYAML
        raise _Unreadable(f"cannot be read: {type(exc).__name__}: {_excerpt(exc)}") from None
    finally:
        if loader is not None:
            loader.dispose()


def _load_json(text: str) -> Any:
    too_deep = _json_too_deep(text)
    if too_deep is not None:
        raise _Unreadable(f"cannot be read: more than {MAX_DEPTH} levels of nesting"
                          f"{_at(*_line_column(text, too_deep))}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Unreadable(f"is not valid JSON: {exc.msg}{_at(exc.lineno, exc.colno)}") from None
    except ValueError as exc:  # only an integer of more than sys.get_int_max_str_digits() digits gets here
        long_number = re.search(rf"\d{{{sys.get_int_max_str_digits() + 1},}}", text)
        where = _at(*_line_column(text, long_number.start())) if long_number else ""
        raise _Unreadable(f"cannot be read: {_excerpt(exc)}{where}") from None


def _json_too_deep(text: str) -> int | None:
    """The offset of the first bracket that opens level ``MAX_DEPTH + 1``, or None.

    A linear scan over the special characters only, strings skipped: json.loads recurses once per level, and a
    text of 100,000 brackets would otherwise end in a RecursionError after building them all.
    """
    depth = 0
    in_string = False
    escaped_at = -1
    for m in _JSON_SPECIAL.finditer(text):
        i = m.start()
        if i == escaped_at:
            continue
        c = text[i]
        if in_string:
            if c == "\\":
                escaped_at = i + 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return i
        elif c in "]}":
            depth -= 1
    return None


def _line_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _at(line: int, column: int) -> str:
    return f" at line {line}, column {column}"


def _excerpt(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= _DETAIL else text[: _DETAIL - 3] + "..."


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n % (1024 * 1024) == 0 else f"{n // 1024} KiB"
