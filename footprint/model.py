"""The engine's data: the factor set it is given, the product specification, and the result.

The factor set is plain frozen data built by :mod:`factors_db` from a release; the engine never reads
a database or a file itself.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import rfc8785
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from footprint.errors import GridFactorMissing, SpecificationError, UnknownFactor

STAGES: tuple[str, ...] = ("raw_materials", "production", "distribution", "use", "end_of_life")
Stage = Literal["raw_materials", "production", "distribution", "use", "end_of_life"]

#: Gas keys the engine knows; a factor's total CO2e that its source does not split by gas is booked
#: on ``CO2e-unsplit`` (characterisation factor 1).
UNSPLIT = "CO2e-unsplit"
BIOGENIC = "CO2-biogenic"


def canonical_sha256(data: Any) -> str:
    """SHA-256 (hex) of the RFC 8785 (JSON Canonicalization Scheme) serialisation of ``data``."""
    return hashlib.sha256(rfc8785.dumps(data)).hexdigest()


# --------------------------------------------------------------------------------------------- factors
Law = Literal["triangular", "uniform", "lognormal"]


@dataclass(frozen=True, slots=True)
class AmountLaw:
    """The distribution of an amount, in the amount's own unit: ``triangular`` (minimum, mode = the stated amount,
    maximum), ``uniform`` (minimum, maximum; the stated amount lies between) or ``lognormal`` (median = the stated
    amount, ``gsd``). Monte Carlo draws the amount from it once per iteration."""

    distribution: Law
    minimum: float | None = None
    maximum: float | None = None
    gsd: float | None = None

    def __post_init__(self) -> None:
        if self.distribution == "lognormal":
            if self.gsd is None or not math.isfinite(self.gsd) or self.gsd < 1:
                raise ValueError(f"a lognormal amount needs a gsd of at least 1, got {self.gsd!r}")
        elif (self.minimum is None or self.maximum is None or not math.isfinite(self.minimum)
              or not math.isfinite(self.maximum) or self.minimum < 0 or self.minimum > self.maximum):
            raise ValueError(f"a {self.distribution} amount needs 0 <= minimum <= maximum, got "
                             f"{self.minimum!r}..{self.maximum!r}")

    def check(self, amount: float, what: str) -> None:
        """Raise ``ValueError`` when ``amount`` lies outside the law's range."""
        if self.distribution != "lognormal" and not (
                self.minimum - 1e-12 * abs(amount) <= amount <= self.maximum + 1e-12 * abs(amount)):  # type: ignore[operator]
            raise ValueError(f"{what} {amount:g} lies outside its range {self.minimum:g}..{self.maximum:g}")

    def relative(self, amount: float) -> tuple[str, float, float, float]:
        """(distribution, low, high, gsd) of the multiplier ``drawn / amount`` (1 = the stated amount)."""
        if self.distribution == "lognormal":
            return ("lognormal", math.nan, math.nan, float(self.gsd))  # type: ignore[arg-type]
        return (self.distribution, float(self.minimum) / amount, float(self.maximum) / amount, math.nan)  # type: ignore[arg-type]

    def text(self) -> str:
        """``triangular(66.5,72)``, ``uniform(6.03,17.7)`` or ``lognormal(1.2)``: the factor-table notation."""
        if self.distribution == "lognormal":
            return f"lognormal({self.gsd:g})"
        return f"{self.distribution}({self.minimum:g},{self.maximum:g})"


@dataclass(frozen=True, slots=True)
class ExchangeData:
    """One input of a unit process stored in the factor database (e.g. electricity of a PV step)."""

    amount: float
    unit: str
    factor: str | None = None  # another factor id
    electricity: bool = False  # electricity at the consuming process's location
    law: AmountLaw | None = None  # the amount's distribution, when the source gives a range

    def __post_init__(self) -> None:
        if (self.factor is None) == (not self.electricity):
            raise ValueError(f"exchange needs exactly one of factor or electricity, got {self!r}")
        if self.law is not None:
            self.law.check(self.amount, "exchange amount")


@dataclass(frozen=True, slots=True)
class FactorData:
    """What the engine needs of one factor: its unit, its CO2e and the gases behind it."""

    id: str
    unit: str
    value_kg_co2e: float
    name: str = ""
    category: str = ""
    geography: str = "GLO"
    year: int | None = None
    series: str | None = None
    gases: Mapping[str, float] = field(default_factory=dict)  # kg of gas per reference unit
    exchanges: tuple[ExchangeData, ...] = ()
    pedigree: tuple[int, int, int, int, int] | None = None
    gsd: float | None = None  # geometric standard deviation of the basic uncertainty
    source: str = ""
    #: what the factor rests on when an input uses it: "" (a database factor: secondary; a ``fit.`` class fit:
    #: estimate), or ``supplier_specific`` for a supplier's own footprint (a cited label, a PACT footprint)
    basis: str = ""


@dataclass(frozen=True)
class FactorSet:
    """The factors of one release, with the GWP100 values that characterise their gases."""

    release_id: str
    release_sha256: str
    factors: Mapping[str, FactorData]
    gwp100: Mapping[str, float]

    def get(self, factor_id: str, path: str = "factor") -> FactorData:
        """The factor ``factor_id``.

        Raises:
            UnknownFactor: naming the closest ids.
        """
        try:
            return self.factors[factor_id]
        except KeyError:
            close = difflib.get_close_matches(factor_id, list(self.factors), n=5, cutoff=0.5)
            hint = f"; closest: {', '.join(close)}" if close else ""
            raise UnknownFactor(f"unknown factor id {factor_id!r}{hint}", path) from None

    def grid_ids(self, series: str | None = None, region: str | None = None) -> list[str]:
        """Ids of electricity factors, filtered by series and region."""
        return sorted(
            f.id
            for f in self.factors.values()
            if f.category == "electricity"
            and (series is None or f.series == series)
            and (region is None or f.geography == region)
        )

    def grid(
        self, region: str, year: int, series: str, *, fallback_to_national: bool = False, path: str = ""
    ) -> tuple[FactorData, str | None]:
        """The grid factor of ``region`` for ``year`` and ``series``.

        Returns the factor and, when the national factor replaced a missing regional one, a note saying so.

        Raises:
            GridFactorMissing: naming the years and series that exist for the region.
        """
        found = self.factors.get(grid_factor_id(series, region, year))
        if found is not None:
            return found, None
        if fallback_to_national and region != "CN":
            national = self.factors.get(grid_factor_id(series, "CN", year))
            if national is not None:
                return national, f"no {series} factor for {region} {year}: national factor CN used instead"
        have = [f for f in self.factors.values() if f.category == "electricity" and f.geography == region]
        if have:
            offers = sorted({f"{f.series} {f.year}" for f in have})
            detail = f"{region} has: {', '.join(offers)}"
        else:
            regions = sorted({f.geography for f in self.factors.values() if f.category == "electricity"})
            detail = f"no electricity factor for {region!r}; regions: {', '.join(regions)}"
        raise GridFactorMissing(f"no {series!r} grid factor for {region} in {year}; {detail}", path)


def national_region(region: str) -> str:
    """The country of a grid region: ``CN-SC`` and ``CN-GRID-EAST`` -> ``CN``; ``DE`` -> ``DE``."""
    return region.split("-")[0]


def grid_factor_id(series: str, region: str, year: int) -> str:
    """Stable id of an official grid factor, e.g. ``cn.grid.co2_average.CN-SC.2023``."""
    return f"cn.grid.{series}.{region}.{year}"


# ----------------------------------------------------------------------------------------- specification
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PositiveAmount = Annotated[float, Field(ge=0, allow_inf_nan=False)]

#: What an input rests on (issue 17), best first:
#: ``primary``: activity data measured at the manufacturer's or a named supplier's site (a process with
#: ``primary_data: true``: meters, bills of materials), with a database factor;
#: ``supplier_specific``: a supplier's own footprint (a cited label or PACT footprint);
#: ``secondary``: a database factor for activity data that is not measured;
#: ``estimate``: a spec-only class fit (``fit.*`` factors) or a proxy.
BASES = ("primary", "supplier_specific", "secondary", "estimate")
Basis = Literal["primary", "supplier_specific", "secondary", "estimate"]
#: A result with at least this share of its footprint on estimates is a screening estimate, never certified.
SCREENING_ESTIMATE_SHARE = 0.5


class AmountUncertainty(_Strict):
    """What is known of an input's amount: its distribution, in the input's unit (see :class:`AmountLaw`).

    Inputs naming the same ``parameter`` are drawn together (one draw per iteration, fully correlated); they must
    then have the same range relative to their amounts.
    """

    distribution: Law
    minimum: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    maximum: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    gsd: float | None = Field(default=None, ge=1, allow_inf_nan=False)
    parameter: str | None = Field(default=None, max_length=200, description="shared name: drawn once for all uses")
    description: str = Field(default="", description="the parameter in its own units and its sources")

    def law(self) -> AmountLaw:
        """The engine's law (raises ``ValueError`` for an incomplete one)."""
        return AmountLaw(self.distribution, self.minimum, self.maximum, self.gsd)


class Input(_Strict):
    """An input of a process: a factor, another process, or electricity at the process's location."""

    factor: str | None = None
    process: str | None = None
    electricity: bool = False
    amount: PositiveAmount
    unit: str
    location: str | None = Field(default=None, description="Electricity region of a unit-process factor")
    label: str | None = None
    uncertainty: AmountUncertainty | None = Field(default=None, description="distribution of the amount (Monte Carlo)")
    basis: Basis | None = Field(default=None, description="what the input rests on; default from its process and "
                                                          "factor (see footprint.model.BASES)")

    @model_validator(mode="after")
    def _one_kind(self) -> Input:
        kinds = (self.factor is not None) + (self.process is not None) + self.electricity
        if kinds != 1:
            raise ValueError("an input names exactly one of: factor, process, electricity: true")
        if self.uncertainty is not None:
            self.uncertainty.law().check(self.amount, "amount")
        return self


class Process(_Strict):
    """A process of the product system: one output, inputs, direct emissions, a location."""

    id: str = Field(min_length=1, max_length=120)
    name: str | None = None
    stage: Stage
    output_amount: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    output_unit: str = "piece"
    location: str | None = None
    inputs: tuple[Input, ...] = ()
    emissions: Mapping[str, PositiveAmount] = Field(default_factory=dict, description="kg gas per output")
    allocation: float = Field(default=1.0, gt=0, le=1, description="share of burden kept by this product")
    primary_data: bool = False
    basis: Basis | None = Field(default=None, description="what the direct emissions rest on (default: primary "
                                                          "with primary_data, else secondary)")


class Contract(_Strict):
    """A market instrument for electricity (green certificate, PPA) covering some kWh."""

    kind: Literal["green_certificate", "ppa"]
    kwh: PositiveAmount
    factor_kg_per_kwh: float | None = Field(default=None, ge=0)
    factor: str | None = Field(default=None, description="factor id giving the contract's kg CO2e/kWh")
    process: str | None = Field(default=None, description="process the contract covers; all when absent")
    serials: tuple[str, ...] = Field(default=(), description="green-certificate serials or ranges (A..B), or PPA "
                                     "contract ids: the registry refuses one that another declaration claims")

    @model_validator(mode="after")
    def _one_factor(self) -> Contract:
        if (self.factor_kg_per_kwh is None) == (self.factor is None):
            raise ValueError("a contract gives exactly one of factor_kg_per_kwh or factor")
        return self


#: Electricity accounting modes a result names (issue 20 item 5): the label scheme's rule, the EU battery draft's
#: national-mix rule, and market-based with contracts. Every result reports all three (see footprint.electricity).
ElectricityMode = Literal["label_scheme", "eu_national_mix", "market_based"]
ELECTRICITY_MODES: tuple[str, ...] = ElectricityMode.__args__  # type: ignore[attr-defined]


class ElectricitySettings(_Strict):
    """How grid electricity is accounted (location-based) and which contracts apply (market-based).

    ``mode`` names the accounting the declaration claims: ``label_scheme`` (each kWh at the life-cycle factor of the
    region where it is used), ``eu_national_mix`` (each kWh at its country's national factor: the engine maps
    ``CN-SC`` to ``CN`` before solving) or ``market_based`` (contracts first, the residual factor for the rest; the
    engine's total stays location-based and the claimed figure is ``electricity.mode_total_kg_co2e``).
    """

    series: str = Field(default="cfp_grid_average", description="GB/T 24067 asks for the life-cycle series")
    mode: ElectricityMode = "label_scheme"
    year: int = Field(default=2024, ge=2000, le=2100)
    fallback_to_national: bool = False
    residual_series: str = "co2_average_excl_market_nonfossil"
    residual_year: int = 2023
    contracts: tuple[Contract, ...] = ()


class Identity(_Strict):
    """What the product is."""

    name: str = Field(min_length=1, max_length=200)
    model: str | None = None
    manufacturer: str | None = None
    gtin: str | None = Field(default=None, pattern=r"^\d{8,14}$")


class ProductSpec(_Strict):
    """A product as a process tree; ``reference_process`` makes the declared unit."""

    identity: Identity
    declared_unit: str = "1 piece"
    boundary: Literal["cradle-to-gate", "cradle-to-grave"] = "cradle-to-gate"
    reference_process: str | None = None
    processes: tuple[Process, ...] = Field(min_length=1)
    electricity: ElectricitySettings = ElectricitySettings()
    data_gaps: tuple[str, ...] = ()
    extra: Mapping[str, Any] = Field(default_factory=dict, description="kind-specific figures (PV, ...)")

    @field_validator("processes")
    @classmethod
    def _unique_ids(cls, processes: tuple[Process, ...]) -> tuple[Process, ...]:
        seen: set[str] = set()
        for p in processes:
            if p.id in seen:
                raise ValueError(f"duplicate process id {p.id!r}")
            seen.add(p.id)
        return processes

    @model_validator(mode="after")
    def _references(self) -> ProductSpec:
        ids = {p.id for p in self.processes}
        if self.reference_process is not None and self.reference_process not in ids:
            raise ValueError(f"reference_process {self.reference_process!r} is not a process id")
        for i, p in enumerate(self.processes):
            for j, inp in enumerate(p.inputs):
                if inp.process is not None and inp.process not in ids:
                    raise SpecificationError(
                        f"unknown process {inp.process!r}", f"processes[{i}].inputs[{j}].process"
                    )
        if self.boundary == "cradle-to-gate":
            late = [p.id for p in self.processes if p.stage in ("use", "end_of_life")]
            if late:
                raise ValueError(f"cradle-to-gate boundary but processes in use/end_of_life: {late}")
        return self

    @property
    def reference(self) -> str:
        """Id of the process whose output is the declared unit."""
        return self.reference_process or self.processes[0].id

    _input_sha256: str | None = PrivateAttr(default=None)

    def sha256(self) -> str:
        """SHA-256 of the input: the RFC 8785 canonical JSON of the product file it was read from (see
        :func:`footprint.products.to_spec`), else of this specification itself. Computed once (the model is
        frozen)."""
        if self._input_sha256 is None:
            # an input without uncertainty hashes as it did before the field existed
            dumped = self.model_dump(mode="json")
            for p in dumped["processes"]:
                for inp in p["inputs"]:
                    if inp.get("uncertainty") is None:
                        inp.pop("uncertainty", None)
            self._input_sha256 = canonical_sha256(dumped)
        return self._input_sha256

    def from_document(self, document: Mapping[str, Any]) -> ProductSpec:
        """Record that this specification was built from ``document`` (its hash becomes the input hash)."""
        # A value JSON cannot hold (a YAML date in ``extra``...) leaves the specification's own hash;
        # rfc8785.CanonicalizationError is a ValueError.
        with contextlib.suppress(TypeError, ValueError):
            self._input_sha256 = canonical_sha256(document)
        return self


# ------------------------------------------------------------------------------------------------ result
class Contribution(BaseModel):
    """One process's own share: its inputs and its direct emissions."""

    process: str
    name: str
    stage: str
    kg_co2e: float
    share: float


class GasResult(BaseModel):
    """A gas: its mass and its CO2e."""

    kg: float
    kg_co2e: float


class ElectricityResult(BaseModel):
    """Location-based and market-based electricity accounting, side by side."""

    kwh: float
    series: str
    series_label: str
    year: int
    location_based_kg_co2e: float
    market_based_kg_co2e: float
    total_market_based_kg_co2e: float
    covered_kwh: float
    residual_factor: str | None
    by_process: list[dict[str, Any]]
    notes: list[str]
    mode: str = Field(default="label_scheme", description="the accounting mode the declaration claims")
    mode_total_kg_co2e: float | None = Field(default=None, description="the total under ``mode``")
    modes: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="every mode side by side: rule, electricity and total kg CO2e, method")


class UncertaintyResult(BaseModel):
    """Monte Carlo summary of the total."""

    iterations: int
    seed: int | None
    mean: float
    median: float
    p2_5: float
    p97_5: float
    stages_p2_5: dict[str, float]
    stages_p97_5: dict[str, float]
    method: str
    parameters: list[dict[str, Any]] = Field(
        default_factory=list, description="amounts drawn from their own distributions (parameter uncertainty)")


class DataQuality(BaseModel):
    """Contribution-weighted pedigree scores and the PEF-style rating."""

    reliability: float
    completeness: float
    temporal: float
    geographical: float
    technological: float
    rating: float
    label: str


class Result(BaseModel):
    """The footprint of one declared unit."""

    product: str
    declared_unit: str
    boundary: str
    total_kg_co2e: float
    stages: dict[str, float]
    gases: dict[str, GasResult]
    fossil_kg_co2e: float
    biogenic_kg_co2e: float
    contributions: list[Contribution]
    primary_data_share: float
    data_quality: DataQuality | None
    #: the share of the footprint resting on each basis (:data:`BASES`), summing to 1
    data_basis: dict[str, float] = Field(default_factory=dict)
    #: True when estimates carry at least :data:`SCREENING_ESTIMATE_SHARE` of the footprint
    screening_estimate: bool = False
    electricity: ElectricityResult
    uncertainty: UncertaintyResult | None = None
    factor_release: dict[str, str]
    method: dict[str, str]
    input_sha256: str
    data_gaps: list[str]
    extra: dict[str, Any] = Field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON the command line and the API print: the result plus the PV per-unit figures on top."""
        data = self.model_dump(mode="json")
        data["per_kwp_kg_co2e"] = self.extra.get("per_kwp_kg_co2e")
        data["per_kwh_g_co2e"] = self.extra.get("per_kwh_g_co2e")
        for key in ("battery.kg_co2e_per_kwh_capacity", "battery.lifetime_energy_kwh",
                    "battery.kg_co2e_per_kwh_lifetime", "battery.electricity_mode", "battery.application",
                    "battery.regions", "display.kg_co2e_per_m2",
                    "display.kg_co2e_per_panel", "display.area_m2", "display.extrapolation"):
            if key in self.extra:
                data[key] = self.extra[key]
        return data
