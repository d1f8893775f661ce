"""Supply-chain links and green-electricity claims in a product file (the city plan's 供应链碳足迹溯源).

A process input may cite another registry label instead of a factor::

    inputs:
      - {supplier_label: CD-PCF-2026-000042, amount: 0.41}     # in that label's declared unit (kWp here)

A process input may also carry a supplier's document: a PACT ProductFootprint (``supplier_pact: {...}``, the
object a PACT ``GET /3/footprints/{id}`` answers, with ``amount`` in its declared unit), read by a
:class:`SupplierDocumentReader` that the composition root hands over (:mod:`registry.interop` holds the formats;
certification imports none of them). It becomes supplier-specific data (e.g. ``pact.<footprint id>``, kg CO2e per
declared unit), and the product file, which keeps the whole document, keeps its provenance.

The registry turns each citation into an ordinary factor (``label.<id>``: the cited label's certified value per
its declared unit, booked as unsplit CO2e) before it calls the footprint engine, which stays pure. A bill-of-
materials line of an electronics file may cite a label the same way.

Market-based electricity entries list the green-certificate (绿证) serials or PPA contract ids they rest on::

    electricity:
      contracts:
        - {kind: green_certificate, kwh: 120, factor_kg_per_kwh: 0, serials: [GEC2024SC0001000..GEC2024SC0001119]}

A serial is ``PREFIX`` + digits; ``A..B`` is the inclusive range of serials between two with the same prefix;
a text without trailing digits (a PPA contract id) stands for itself. Ranges are stored as (prefix, first,
last) so that overlaps are one indexed query.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from footprint.errors import UnitMismatch
from footprint.model import UNSPLIT, FactorData, FactorSet
from footprint.units import parse_unit
from registry.errors import InvalidCitation, InvalidSerial, RegistryError

LABEL_FACTOR_PREFIX = "label."
_SERIAL = re.compile(r"^(?P<prefix>[A-Za-z0-9\-_/.:]*?)(?P<num>\d+)$")
MAX_RANGE = 10**9  # certificates in one range; a GEC certificate is 1 MWh, so 1 TWh


@dataclass(frozen=True, slots=True)
class CitedInput:
    """An input that cites a supplier label."""

    field: str  # path in the product file, e.g. processes[2].inputs[0]
    label_id: str
    amount: float


@dataclass(frozen=True, slots=True)
class SerialRange:
    """A range of certificate serials (or one contract id) as claimed in the product file."""

    field: str
    kind: str
    text: str
    prefix: str
    first: int
    last: int
    kwh: float


def cited_inputs(document: dict[str, Any]) -> list[CitedInput]:
    """Every input of the product file that cites a supplier label."""
    found = []
    for pi, process in enumerate(_list(document.get("processes"))):
        for ii, inp in enumerate(_list(process.get("inputs") if isinstance(process, dict) else None)):
            if isinstance(inp, dict) and "supplier_label" in inp:
                found.append(_cited(inp, f"processes[{pi}].inputs[{ii}]"))
    for bi, line in enumerate(_list(document.get("bom"))):
        if isinstance(line, dict) and "supplier_label" in line:
            found.append(_cited(line, f"bom[{bi}]"))
    return found


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _cited(inp: dict[str, Any], field: str) -> CitedInput:
    label_id = inp.get("supplier_label")
    if not isinstance(label_id, str) or not label_id:
        raise InvalidCitation("supplier_label must be a label id such as CD-PCF-2026-000042", f"{field}.supplier_label")
    amount = inp.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int | float) or not 0 <= amount < 1e12:
        raise InvalidCitation("amount must be a number >= 0 in the cited label's declared unit", f"{field}.amount")
    return CitedInput(field, label_id, float(amount))


def declared_unit_parts(declared_unit: str) -> tuple[float, str]:
    """``"1 kWp"`` -> (1.0, "kWp"); a declared unit whose unit pint does not know counts pieces."""
    number, _, rest = declared_unit.strip().partition(" ")
    try:
        quantity = float(number)
    except ValueError:
        quantity, rest = 1.0, declared_unit.strip()
    unit = rest.split(" ")[0] if rest else "piece"
    try:
        parse_unit(unit)
    except UnitMismatch:  # a declared unit pint cannot read ("1 monitor over 6 years") counts items
        unit = "piece"
    return (quantity if 0 < quantity < float("inf") else 1.0), unit


def label_factor(label_id: str, value: str, unit: str, declared_unit: str) -> FactorData:
    """The factor that stands for a cited label: kg CO2e per one unit of its declared unit."""
    quantity, ref_unit = declared_unit_parts(declared_unit)
    kg = Decimal(value) / Decimal(1000 if unit.startswith("g ") else 1) / Decimal(str(quantity))
    return FactorData(id=LABEL_FACTOR_PREFIX + label_id, unit=ref_unit, value_kg_co2e=float(kg),
                      name=f"supplier label {label_id}", category="component", gases={UNSPLIT: float(kg)},
                      source=f"pcf-registry label {label_id}", basis="supplier_specific")


class SupplierDocumentReader(Protocol):
    """Reads one kind of supplier document carried by a product-file input (a PACT footprint, an EPD...).

    ``key`` is the input's field that holds the document (``supplier_pact``); :meth:`factor` turns the document
    into supplier-specific data, kg CO2e per one unit of its declared unit, raising a :class:`RegistryError`
    whose ``field`` is relative to the document. The composition root (:class:`registry.services.Registry`) hands
    the readers to certification, which imports none of the exchange formats."""

    key: str
    description: str

    def factor(self, document: Any) -> FactorData: ...


def supplier_documents(document: dict[str, Any], keys: Sequence[str]) -> list[tuple[str, str, Any, float]]:
    """Every input that carries a supplier document: (field, key, document, amount).

    Raises:
        InvalidCitation: naming the field of a document that is not an object or an amount that is not a number.
    """
    found = []
    for pi, process in enumerate(_list(document.get("processes"))):
        for ii, inp in enumerate(_list(process.get("inputs") if isinstance(process, dict) else None)):
            for key in keys:
                if isinstance(inp, dict) and key in inp:
                    where = f"processes[{pi}].inputs[{ii}]"
                    doc, amount = inp[key], inp.get("amount")
                    if not isinstance(doc, dict):
                        raise InvalidCitation(f"{key} must be an object", f"{where}.{key}")
                    if isinstance(amount, bool) or not isinstance(amount, int | float) or not 0 <= amount < 1e12:
                        raise InvalidCitation("amount must be a number >= 0 in the document's declared unit",
                                              f"{where}.amount")
                    found.append((where, key, doc, float(amount)))
    return found


def supplier_factors(document: dict[str, Any], readers: Sequence[SupplierDocumentReader]) -> dict[str, FactorData]:
    """The factors of the supplier documents a product file carries, keyed by the input's field.

    Raises:
        RegistryError: a reader's error, its field prefixed with the input's path.
    """
    by_key = {r.key: r for r in readers}
    out: dict[str, FactorData] = {}
    for where, key, doc, _ in supplier_documents(document, list(by_key)):
        try:
            out[where] = by_key[key].factor(doc)
        except RegistryError as exc:
            exc.field = f"{where}.{key}.{exc.field}" if exc.field else f"{where}.{key}"
            raise
    return out


def rewrite(document: dict[str, Any], factors: dict[str, FactorData],
            supplied: dict[str, FactorData] | None = None) -> dict[str, Any]:
    """A copy of ``document`` whose citing inputs name factors instead (the engine's form): ``label.<id>`` for a
    cited label (from ``factors``), the reader's factor for an input carrying a supplier document (``supplied``,
    keyed by the input's field)."""
    out = copy.deepcopy(document)
    supplied = supplied or {}
    for pi, process in enumerate(_list(out.get("processes"))):
        for ii, inp in enumerate(_list(process.get("inputs") if isinstance(process, dict) else None)):
            _rewrite_one(inp, factors, supplied.get(f"processes[{pi}].inputs[{ii}]"))
    for line in _list(out.get("bom")):
        _rewrite_one(line, factors, None)
    return out


def _rewrite_one(inp: Any, factors: dict[str, FactorData], supplied: FactorData | None) -> None:
    if not isinstance(inp, dict):
        return
    if supplied is not None:
        for key in [k for k in inp if k.startswith("supplier_") and k != "supplier_label"]:
            inp.pop(key)
        inp["factor"] = supplied.id
        inp.setdefault("unit", supplied.unit)
        inp.setdefault("label", supplied.name[:120])
    if "supplier_label" in inp:
        factor = factors[LABEL_FACTOR_PREFIX + inp.pop("supplier_label")]
        inp["factor"] = factor.id
        inp.setdefault("unit", factor.unit)
        inp.setdefault("label", factor.name)


def with_label_factors(base: FactorSet, extra: dict[str, FactorData]) -> FactorSet:
    """``base`` plus the cited labels' factors."""
    if not extra:
        return base
    return FactorSet(release_id=base.release_id, release_sha256=base.release_sha256,
                     factors={**base.factors, **extra}, gwp100=base.gwp100)


def green_serials(document: dict[str, Any]) -> list[SerialRange]:
    """The serial ranges listed on the file's electricity contracts, parsed.

    Raises:
        InvalidSerial: naming the field of a malformed serial or range.
    """
    electricity = document.get("electricity")
    contracts = _list(electricity.get("contracts")) if isinstance(electricity, dict) else []
    out: list[SerialRange] = []
    for ci, contract in enumerate(contracts):
        if not isinstance(contract, dict):
            continue
        serials = contract.get("serials", [])
        if not isinstance(serials, list):
            raise InvalidSerial("serials must be a list of serials or ranges", f"electricity.contracts[{ci}].serials")
        for si, text in enumerate(serials):
            field = f"electricity.contracts[{ci}].serials[{si}]"
            prefix, first, last = parse_serial(text, field)
            out.append(SerialRange(field, str(contract.get("kind", "")), text, prefix, first, last,
                                   float(contract.get("kwh") or 0)))
    seen: list[SerialRange] = []
    for r in out:
        for s in seen:
            if r.prefix == s.prefix and r.first <= s.last and s.first <= r.last:
                raise InvalidSerial(f"{r.text} overlaps {s.text} in the same file", r.field)
        seen.append(r)
    return out


def parse_serial(text: Any, field: str) -> tuple[str, int, int]:
    """``"GEC001..GEC099"`` -> ("GEC", 1, 99); ``"GEC007"`` -> ("GEC", 7, 7); ``"PPA-A"`` -> ("PPA-A", 0, 0)."""
    if not isinstance(text, str) or not 1 <= len(text) <= 200 or not text.isprintable() or " " in text:
        raise InvalidSerial("a serial is a printable text of 1-200 characters without spaces", field)
    if ".." in text:
        a, _, b = text.partition("..")
        ma, mb = _SERIAL.match(a), _SERIAL.match(b)
        if not ma or not mb or ma["prefix"] != mb["prefix"] or len(ma["num"]) != len(mb["num"]):
            raise InvalidSerial(f"{text!r}: a range joins two serials of the same prefix and width with '..'", field)
        first, last = int(ma["num"]), int(mb["num"])
        if last < first or last - first >= MAX_RANGE:
            raise InvalidSerial(f"{text!r}: the range is empty or longer than {MAX_RANGE:,}", field)
        return ma["prefix"] + f"#{len(ma['num'])}", first, last
    m = _SERIAL.match(text)
    if m:
        return m["prefix"] + f"#{len(m['num'])}", int(m["num"]), int(m["num"])
    return text, 0, 0
