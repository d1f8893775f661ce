"""The factor schema: a validated pydantic model (its tables are in :mod:`factors_db.tables`).

Values are stored exactly, as decimal strings (``"0.1564"``), never as rounded floats; the engine reads
them as floats. Every factor has a source and a licence.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from footprint.errors import UnitMismatch
from footprint.model import AmountLaw, ExchangeData, FactorData, Law
from footprint.units import check_unit

Category = Literal["electricity", "fuel", "heat", "material", "component", "intermediate", "transport", "waste"]
Boundary = Literal["cradle-to-gate", "cradle-to-grave", "gate-to-gate", "gate-to-grave"]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[A-Za-z0-9_\-]+)+$")
#: Geographies the release knows: China, its grids and provinces (ISO 3166-2), and wider areas.
PROVINCES = {
    "CN-AH": ("安徽", "Anhui"), "CN-BJ": ("北京", "Beijing"), "CN-CQ": ("重庆", "Chongqing"),
    "CN-FJ": ("福建", "Fujian"), "CN-GD": ("广东", "Guangdong"), "CN-GS": ("甘肃", "Gansu"),
    "CN-GX": ("广西", "Guangxi"), "CN-GZ": ("贵州", "Guizhou"), "CN-HA": ("河南", "Henan"),
    "CN-HB": ("湖北", "Hubei"), "CN-HE": ("河北", "Hebei"), "CN-HI": ("海南", "Hainan"),
    "CN-HL": ("黑龙江", "Heilongjiang"), "CN-HN": ("湖南", "Hunan"), "CN-JL": ("吉林", "Jilin"),
    "CN-JS": ("江苏", "Jiangsu"), "CN-JX": ("江西", "Jiangxi"), "CN-LN": ("辽宁", "Liaoning"),
    "CN-NM": ("内蒙古", "Inner Mongolia"), "CN-NX": ("宁夏", "Ningxia"), "CN-QH": ("青海", "Qinghai"),
    "CN-SC": ("四川", "Sichuan"), "CN-SD": ("山东", "Shandong"), "CN-SH": ("上海", "Shanghai"),
    "CN-SN": ("陕西", "Shaanxi"), "CN-SX": ("山西", "Shanxi"), "CN-TJ": ("天津", "Tianjin"),
    "CN-XJ": ("新疆", "Xinjiang"), "CN-XZ": ("西藏", "Tibet"), "CN-YN": ("云南", "Yunnan"),
    "CN-ZJ": ("浙江", "Zhejiang"),
}
GRIDS = {
    "CN-GRID-NORTH": ("华北", "North China"), "CN-GRID-NORTHEAST": ("东北", "Northeast China"),
    "CN-GRID-EAST": ("华东", "East China"), "CN-GRID-CENTRAL": ("华中", "Central China"),
    "CN-GRID-NORTHWEST": ("西北", "Northwest China"), "CN-GRID-SOUTH": ("南方", "South China"),
    "CN-GRID-SOUTHWEST": ("西南", "Southwest China"),
}
GEOGRAPHIES: dict[str, tuple[str, str]] = {
    "CN": ("全国", "China"), "GLO": ("全球", "Global"), "EU": ("欧盟", "European Union"),
    "RER": ("欧洲", "Europe"), "US": ("美国", "United States"), "DE": ("德国", "Germany"),
    "FR": ("法国", "France"), "HU": ("匈牙利", "Hungary"), "PL": ("波兰", "Poland"), "SE": ("瑞典", "Sweden"),
    "KR": ("韩国", "South Korea"), "JP": ("日本", "Japan"), **GRIDS, **PROVINCES,
}
#: Gases a factor may be split into (keys of the GWP100 table, plus biogenic CO2).
GASES = ("CO2", "CO2-biogenic", "CH4", "CH4-fossil", "CH4-non-fossil", "N2O", "SF6", "NF3", "CF4", "C2F6",
         "C3F8", "c-C4F8", "HFC-23", "HFC-32", "HFC-125", "HFC-134a")


class Pedigree(BaseModel):
    """Pedigree scores, 1 (best) to 5, of the ecoinvent / Weidema data-quality system."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    reliability: int = Field(ge=1, le=5)
    completeness: int = Field(ge=1, le=5)
    temporal: int = Field(ge=1, le=5)
    geographical: int = Field(ge=1, le=5)
    technological: int = Field(ge=1, le=5)

    def as_tuple(self) -> tuple[int, int, int, int, int]:
        return (self.reliability, self.completeness, self.temporal, self.geographical, self.technological)

    @classmethod
    def parse(cls, text: str) -> Pedigree:
        """Read ``"2;1;1;1;1"``."""
        parts = [int(x) for x in re.split(r"[;,\s]+", text.strip()) if x]
        if len(parts) != 5:
            raise ValueError(f"pedigree needs 5 scores, got {text!r}")
        return cls(**dict(zip(("reliability", "completeness", "temporal", "geographical", "technological"),
                              parts, strict=True)))

    def __str__(self) -> str:
        return ";".join(str(x) for x in self.as_tuple())


class Uncertainty(BaseModel):
    """Lognormal geometric standard deviation, and/or a min-max range."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    gsd: float | None = Field(default=None, ge=1.0)
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Uncertainty:
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("uncertainty minimum above maximum")
        return self


class Exchange(BaseModel):
    """An input of a unit-process factor; ``distribution`` with ``minimum``/``maximum`` (or ``gsd``) when its source
    gives a range (table notation ``electricity=70 kWh triangular(66.5,72)``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    factor: str | None = None
    electricity: bool = False
    amount: float = Field(ge=0)
    unit: str
    distribution: Law | None = None
    minimum: float | None = None
    maximum: float | None = None
    gsd: float | None = None

    @model_validator(mode="after")
    def _one(self) -> Exchange:
        if (self.factor is None) == (not self.electricity):
            raise ValueError("an exchange names a factor or electricity: true")
        law = self.law()
        if law is not None:
            law.check(self.amount, "exchange amount")
        return self

    def law(self) -> AmountLaw | None:
        """The engine's law of the amount, if any."""
        if self.distribution is None:
            return None
        return AmountLaw(self.distribution, self.minimum, self.maximum, self.gsd)


class Factor(BaseModel):
    """One emission factor: kg CO2e per reference unit, with everything needed to trust and use it."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(min_length=3, max_length=160)
    name_zh: str = Field(min_length=1)
    name_en: str = ""
    category: Category
    unit: str
    value_kg_co2e: Decimal
    gases: dict[str, Decimal] = Field(default_factory=dict, description="kg of each gas per reference unit")
    boundary: Boundary
    geography: str
    year: int = Field(ge=1990, le=2100)
    series: str | None = None
    source: str = Field(min_length=3)
    licence: str = Field(min_length=2)
    pedigree: Pedigree | None = None
    uncertainty: Uncertainty = Uncertainty()
    exchanges: tuple[Exchange, ...] = ()
    is_removal: bool = False
    notes: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_PATTERN.match(v):
            raise ValueError(f"id {v!r} must be dotted lower-case words (region codes may be upper-case)")
        return v

    @field_validator("unit")
    @classmethod
    def _unit(cls, v: str) -> str:
        try:
            check_unit(v)
        except UnitMismatch as exc:
            raise ValueError(exc.message) from None
        return v

    @field_validator("geography")
    @classmethod
    def _geo(cls, v: str) -> str:
        if v not in GEOGRAPHIES:
            raise ValueError(f"unknown geography {v!r}; known: {', '.join(sorted(GEOGRAPHIES))}")
        return v

    @field_validator("gases")
    @classmethod
    def _gases(cls, v: dict[str, Decimal]) -> dict[str, Decimal]:
        unknown = sorted(set(v) - set(GASES))
        if unknown:
            raise ValueError(f"unknown gases {unknown}; known: {', '.join(GASES)}")
        return v

    @model_validator(mode="after")
    def _sign(self) -> Factor:
        if self.value_kg_co2e < 0 and not self.is_removal:
            raise ValueError("negative value: allowed only for a factor marked is_removal")
        if self.category == "electricity" and not self.series:
            raise ValueError("an electricity factor names its series (co2_average, cfp_grid_average, ...)")
        return self

    def to_engine(self) -> FactorData:
        """The engine's view of this factor."""
        return FactorData(
            id=self.id,
            unit=self.unit,
            value_kg_co2e=float(self.value_kg_co2e),
            name=self.name_en or self.name_zh,
            category=self.category,
            geography=self.geography,
            year=self.year,
            series=self.series,
            gases={k: float(v) for k, v in self.gases.items()},
            exchanges=tuple(
                ExchangeData(amount=e.amount, unit=e.unit, factor=e.factor, electricity=e.electricity, law=e.law())
                for e in self.exchanges
            ),
            pedigree=self.pedigree.as_tuple() if self.pedigree else None,
            gsd=self.uncertainty.gsd,
            source=self.source,
        )

    def public(self) -> dict[str, Any]:
        """The JSON of a factor, as the API and ``--json`` print it (decimals as strings)."""
        data = self.model_dump(mode="json")
        data["pedigree"] = self.pedigree.model_dump() if self.pedigree else None
        return data
