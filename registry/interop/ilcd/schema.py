"""Validation against the official ILCD+EPD v1.3 XML schemas vendored in ``schemas/`` (provenance and licence in
``schemas/README.md``).

``xmlschema`` is used rather than lxml, whose XSD 1.0 processor trips over the ``xs:unique`` constraints of these
schemas. The schemas load from this folder only (``allow="local"``): the one remote import, the W3C ``xml.xsd``,
is built into ``xmlschema``, so validating never touches the network. Loading takes about a second, so the
schema is built once per process, on first use.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
PROCESS_SCHEMA = SCHEMA_DIR / "EPD_DataSet.xsd"


@cache
def _process_schema() -> Any:
    import xmlschema

    return xmlschema.XMLSchema(str(PROCESS_SCHEMA), allow="local")


def process_errors(xml: bytes, limit: int = 20) -> list[str]:
    """The schema errors of an ILCD+EPD process data set (at most ``limit``), each "path: reason"; [] when valid."""
    import io

    out = []
    for error in _process_schema().iter_errors(io.BytesIO(xml)):
        out.append(f"{error.path}: {error.reason}")
        if len(out) >= limit:
            break
    return out
