"""A registry label as printable files: the adapter between :mod:`registry` (data) and :mod:`label` (rendering)."""

from __future__ import annotations

from label import Grade, LabelData, qr_content, render_pdf, render_png, render_svg
from registry import rules
from registry.public.labels import LabelView
from registry.services import Registry

MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}


def label_grade(registry: Registry, view: LabelView) -> Grade | None:
    """The benchmark grade, only where the category rule names a sourced benchmark."""
    certified = registry.public.certified_result(view.label)
    if certified is None:
        return None
    rule_ref, result = certified
    rule_id, _, version = rule_ref.partition("@")
    rule = rules.load_rule(rule_id, version or None)
    if rule.benchmark is None:
        return None
    got = rules.grade(rule, rules.label_value(rule, result))
    if got is None:
        return None
    def short(text: str, n: int) -> str:
        text = text.split(" (")[0].strip()
        return text if len(text) <= n else text[: n - 1] + "…"

    return Grade(letter="".join(w[0] for w in got.id.split("-")).upper()[:3],
                 name=short(f"{got.name.zh.split(' (')[0]} {got.name.en}", 40), benchmark=short(got.benchmark, 80),
                 source=short(got.source.split(" <")[0], 120), threshold=f"{got.threshold_kg_co2e:g}",
                 threshold_unit=f"kg CO2e/{got.declared_unit.removeprefix('1 ')}")


def label_data(registry: Registry, view: LabelView, base_url: str) -> LabelData:
    """What the printed label shows, with the QR content (GS1 Digital Link when the product has a GTIN)."""
    lab, product = view.label, view.product
    content = qr_content(base_url, lab.label_id, gtin=product.gtin, payload=lab.payload)
    return LabelData(
        label_id=lab.label_id, version=lab.version, product_name=product.name, model=product.model or None,
        manufacturer=view.manufacturer.name_zh or view.manufacturer.name_en, value=lab.value, unit=lab.unit,
        declared_unit=lab.declared_unit, boundary=lab.boundary,
        certifier=view.certifier.name_zh or view.certifier.name_en, valid_from=lab.valid_from,
        valid_until=lab.valid_until, qr_content=content, grade=label_grade(registry, view), status=view.status)


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
