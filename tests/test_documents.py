"""The reader of product files and uploads (api/documents.py): limits, positions, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar.testing import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from api.console.forms import NOT_A_FILE
from api.console.forms import parse_document as console_document
from api.documents import MAX_BYTES, MAX_DEPTH, format_of, load_text, parse_document, read_document
from api.pages.forms import Form
from footprint.errors import SpecificationError
from tests.services import app_settings

ROOT = Path(__file__).resolve().parents[1]

#: The classic alias bomb, 9 levels of 9 aliases each: 9^9 = 387,420,489 leaves from 11 lines.
ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def nested(levels: int) -> str:
    """``levels`` lists inside each other, the innermost holding 1."""
    return "[" * levels + "1" + "]" * levels


@pytest.mark.parametrize(("fmt", "text", "message"), [
    ("yaml", "a: &a [*a]\nkind: custom\n", "f cannot be read: the alias *a is not accepted (write the values out) "
                                            "at line 1, column 8"),
    ("yaml", ALIAS_BOMB, "the alias *a is not accepted (write the values out) at line 2, column 8"),
    ("yaml", "base: &b {x: 1}\nother:\n  <<: *b\n", "the alias *b is not accepted"),
    ("yaml", nested(MAX_DEPTH + 1), "f cannot be read: more than 64 levels of nesting at line 1, column 65"),
    ("yaml", "[" * 100_000 + "]" * 100_000, "more than 64 levels of nesting at line 1, column 65"),
    ("json", nested(MAX_DEPTH + 1), "f cannot be read: more than 64 levels of nesting at line 1, column 65"),
    # line 1 opens level 1; on line 2 the k-th '"a": {' opens level 1 + k at column 6k: level 65 at column 384
    ("json", "{\n" + '"a": {' * 100_000 + "}" * 100_001, "more than 64 levels of nesting at line 2, column 384"),
    ("yaml", "kind: monitor\nname: 2026-02-30\n", "f cannot be read: cannot read the value: day is out of range for "
                                                  "month at line 2, column 7"),
    ("yaml", "a: " + "1" * 5000 + "\n", "Exceeds the limit (4300 digits)"),
    ("json", '{"a":\n ' + "1" * 5000 + "}", "at line 2, column 2"),
    ("yaml", "x: [1\n", "f is not valid YAML: while parsing a flow sequence, expected ',' or ']', but got "
                        "'<stream end>' at line 2, column 1"),
    ("yaml", "a: 1\n\x00", "f is not valid YAML: unacceptable character #x0000 at line 2, column 1"),
    ("yaml", "---\n---\n", "expected a single document in the stream, but found another document at line 2"),
    ("yaml", "a: !!python/object/apply:os.system ['true']\n", "could not determine a constructor"),
    ("json", '{"a": 1,\n "b": }', "f is not valid JSON: Expecting value at line 2, column 7"),
], ids=["alias-self", "alias-bomb", "merge-key", "yaml-65", "yaml-100k", "json-65", "json-100k", "yaml-date",
        "yaml-int", "json-int", "yaml-syntax", "yaml-control", "yaml-two-docs", "yaml-python-tag", "json-syntax"])
def test_bad_documents_are_one_line_errors_with_a_position(fmt, text, message):
    with pytest.raises(SpecificationError) as err:
        load_text(text, "f", fmt=fmt, field="product_file")
    assert message in err.value.message and "\n" not in err.value.message
    assert err.value.path == "product_file" and err.value.code == "invalid-specification"


@pytest.mark.parametrize(("fmt", "text", "value"), [
    ("yaml", nested(MAX_DEPTH), json.loads(nested(MAX_DEPTH))),  # exactly the limit passes
    ("json", nested(MAX_DEPTH), json.loads(nested(MAX_DEPTH))),
    ("yaml", "a: &x 1\nb: 2\n", {"a": 1, "b": 2}),  # an anchor nothing refers to is harmless
    ("json", '{"a": "' + "[" * 70 + '\\"{{"}', {"a": "[" * 70 + '"{{'}),  # brackets in strings are not nesting
    ("json", '{"a": "\\\\", "b": [1]}', {"a": "\\", "b": [1]}),  # an escaped backslash ends before the quote
    ("json", "\ufeff{}", {}),  # a byte-order mark is dropped, as in the calculator before
])
def test_good_documents_within_the_limits(fmt, text, value):
    assert load_text(text, "f", fmt=fmt) == value


def test_size_is_checked_on_bytes_before_parsing(tmp_path):
    with pytest.raises(SpecificationError, match=r"^big\.yaml is larger than 1 MiB$"):
        load_text(b"a: " + b"x" * MAX_BYTES, "big.yaml", fmt="yaml")
    with pytest.raises(SpecificationError, match=r"^f is larger than 2 KiB$"):
        load_text("a: " + "é" * 1024, "f", fmt="yaml", max_bytes=2048)  # 1,024 characters, 2,051 bytes
    assert load_text(b"[" + b"1," * 600_000 + b"1]", "f", fmt="json", max_bytes=None)[-1] == 1
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b" " * 4096 + b"]")
    with pytest.raises(SpecificationError, match=r"^big\.json is larger than 4 KiB$"):
        read_document(path, max_bytes=4096)


def test_read_document_picks_the_format_by_name_and_wants_a_mapping(tmp_path):
    assert format_of("A.JSON") == "json" and format_of("a.yml") == "yaml" and format_of("a") == "yaml"
    doc = read_document(ROOT / "examples" / "pv_perc_sichuan.yaml")
    assert doc["kind"] == "pv_module"
    (tmp_path / "p.json").write_text(json.dumps(doc), encoding="utf-8")
    assert read_document(tmp_path / "p.json") == doc
    (tmp_path / "list.yaml").write_text("- 1\n", encoding="utf-8")
    with pytest.raises(SpecificationError, match=r"^list\.yaml must hold a mapping of fields$"):
        read_document(tmp_path / "list.yaml")
    (tmp_path / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(SpecificationError, match=r"^latin1\.yaml is not UTF-8 text \(byte 10\)$"):
        read_document(tmp_path / "latin1.yaml")
    with pytest.raises(SpecificationError, match=r"^missing\.yaml cannot be opened: "):
        read_document(tmp_path / "missing.yaml")
    with pytest.raises(SpecificationError, match="must hold a mapping"):
        parse_document("[]", "f", fmt="json")


def test_the_command_line_refuses_an_alias_bomb_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PCF_DATA_DIR", str(tmp_path))
    path = tmp_path / "bomb.yaml"
    path.write_text("kind: custom\nextra:\n  " + ALIAS_BOMB.replace("\n", "\n  "), encoding="utf-8")
    for args in (["footprint", str(path)], ["variants", str(path), "--vary", "name=a,b"]):
        out = CliRunner().invoke(cli, args)
        assert out.exit_code == 2 and out.output.count("\n") == 1, out.output
        assert out.output.startswith("error [invalid-specification]: bomb.yaml cannot be read: the alias *a")


def test_the_calculator_upload_and_the_console_form_use_the_reader(tmp_path):
    with TestClient(create_app(app_settings(tmp_path))) as client:
        r = client.post("/calculate", files={"product_file": ("bomb.yaml", ALIAS_BOMB.encode(), "application/yaml")},
                        headers={"Accept-Language": "en"})
        assert r.status_code == 400 and 'id="f-product_file-error"' in r.text
        assert "the file cannot be read: the alias *a is not accepted" in r.text
        deep = nested(100_000).encode()
        r = client.post("/calculate", files={"product_file": ("deep.json", deep, "application/json")},
                        headers={"Accept-Language": "en"})
        assert r.status_code == 400 and "more than 64 levels of nesting at line 1, column 65" in r.text
    for text in (ALIAS_BOMB, nested(1000), "kind: [unclosed"):
        form = Form({})
        assert console_document(text, form, "document") is None and form.errors == {"document": NOT_A_FILE}
    form = Form({})
    assert console_document('{"kind": "laptop"}', form, "document") == {"kind": "laptop"} and not form.errors
