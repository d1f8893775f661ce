"""A registry label as printable files: the adapter between :mod:`registry` (data) and :mod:`label` (rendering)."""

from __future__ import annotations

from datetime import date

from label import LabelData, qr_content, render_pdf, render_png, render_svg
from registry.public.labels import LabelView
from registry.services import Registry

MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}


def label_data(registry: Registry, view: LabelView, base_url: str) -> LabelData:
    """What the printed label shows, with the QR content (GS1 Digital Link when the product has a GTIN).

    Only what the signed claim says is printed: no grade or benchmark badge (the claim signs no comparison with a
    threshold, and no other programme has certified the product; issue 16)."""
    lab, product = view.label, view.product
    signed = view.to_json()  # value, unit, boundary and validity from the signed claim; status "damaged" if the
    content = qr_content(base_url, lab.label_id, gtin=product.gtin, payload=lab.payload)  # row differs from it
    return LabelData(
        label_id=lab.label_id, version=lab.version, product_name=product.name, model=product.model or None,
        manufacturer=view.manufacturer.name_zh or view.manufacturer.name_en, value=signed["value"],
        unit=signed["unit"], declared_unit=signed["declared_unit"], boundary=signed["boundary"],
        certifier=view.certifier.name_zh or view.certifier.name_en,
        valid_from=date.fromisoformat(signed["valid_from"]), valid_until=date.fromisoformat(signed["valid_until"]),
        qr_content=content, status=view.status, certificate=signed["claim"].get("certificate_number"),
        primary_data_share=signed["claim"].get("primary_data_share"))


def render(registry: Registry, label_id: str, fmt: str, base_url: str) -> bytes:
    """The label as SVG, PNG (300 dpi) or PDF bytes."""
    data = label_data(registry, registry.public.label_view(label_id), base_url)
    if fmt == "svg":
        return render_svg(data).encode("utf-8")
    if fmt == "png":
        return render_png(data)
    if fmt == "pdf":
        return render_pdf(data)
    raise ValueError(f"format must be svg, png or pdf, got {fmt!r}")
