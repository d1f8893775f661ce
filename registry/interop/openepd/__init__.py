"""openEPD export of certified labels: :func:`epd_document` (the mapping, see
:mod:`registry.interop.openepd.mapping`)."""

from registry.interop.openepd.mapping import epd_document

__all__ = ["epd_document"]
