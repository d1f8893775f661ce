"""The SQLModel tables the factor database is stored in (one row per release, one per factor of a release).

Apart from :mod:`factors_db.schema` so that loading a release for a footprint (the command line's ``pcf
footprint``) does not import SQLModel and SQLAlchemy (about 0.25 s); the store, the search and the catalogue
import them from here.
"""

from __future__ import annotations

import json

from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from factors_db.schema import GEOGRAPHIES, Factor


class ReleaseRow(SQLModel, table=True):
    """A loaded release: immutable once loaded."""

    __tablename__ = "factor_release"
    id: str = SQLField(primary_key=True)
    sha256: str
    title: str
    published: str
    factor_count: int
    bundled: bool = True


class FactorRow(SQLModel, table=True):
    """A factor of one release."""

    __tablename__ = "factor"
    release_id: str = SQLField(primary_key=True, foreign_key="factor_release.id")
    id: str = SQLField(primary_key=True)
    name_zh: str = SQLField(index=True)
    name_en: str = SQLField(index=True)
    category: str = SQLField(index=True)
    unit: str = SQLField(index=True)
    value_kg_co2e: str  # exact decimal text
    geography: str = SQLField(index=True)
    year: int = SQLField(index=True)
    series: str | None = SQLField(default=None, index=True)
    boundary: str
    source: str
    licence: str
    document: str  # the whole factor as JSON
    search_text: str  # lower-cased id, names, series, geography names: what a search matches

    @classmethod
    def from_factor(cls, release_id: str, f: Factor) -> FactorRow:
        zh, en = GEOGRAPHIES.get(f.geography, ("", ""))
        text = " ".join([f.id, f.name_zh, f.name_en, f.series or "", f.geography, zh, en, f.category]).lower()
        return cls(
            release_id=release_id, id=f.id, name_zh=f.name_zh, name_en=f.name_en, category=f.category,
            unit=f.unit, value_kg_co2e=str(f.value_kg_co2e), geography=f.geography, year=f.year,
            series=f.series, boundary=f.boundary, source=f.source, licence=f.licence,
            document=f.model_dump_json(), search_text=text,
        )

    def to_factor(self) -> Factor:
        return Factor.model_validate(json.loads(self.document))
