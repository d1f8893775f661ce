"""ILCD+EPD v1.3 export of certified labels: :func:`process_xml` (the mapping, see
:mod:`registry.interop.ilcd.mapping`) and :func:`process_errors` (validation against the vendored official
schemas)."""

from registry.interop.ilcd.mapping import process_xml
from registry.interop.ilcd.schema import process_errors

__all__ = ["process_errors", "process_xml"]
