"""The factor database and the footprint engine over HTTP (``/api/v1``): nothing here is stored."""

from __future__ import annotations

import math
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.settings import Settings
from registry.services import Registry

#: Variants one API request may cross (the command line allows more).
API_MAX_VARIANTS = 100_000
#: Years a factor can have (filters outside answer an empty list, not an error from the database).
YEARS = (1900, 2200)


class VariantsRequest(BaseModel):
    """A product document and the fields to vary (``{"regions.cell": ["CN-SC", "CN-XJ"]}``)."""

    model_config = ConfigDict(extra="forbid")
    product: dict[str, Any]
    vary: dict[str, list[Any]] = Field(min_length=1)
    rows: int = Field(default=100, ge=0, le=10_000, description="lowest variants to return")

    @field_validator("rows", mode="before")
    @classmethod
    def _integer_not_boolean(cls, value: Any) -> Any:
        # Litestar validates bodies with strict=False, which reads true/false as 1/0 (the document says integer)
        if isinstance(value, bool):
            raise ValueError("an integer, not true or false")
        return value


class FactorsController(Controller):
    path = "/api/v1"
    tags = ("factors and footprints",)

    @get("/factors", sync_to_thread=True)
    def list_factors(self, registry: NamedDependency[Registry], q: Annotated[str, Parameter(max_length=200)] = "",
                     geo: FromQuery[str | None] = None,
                     year: Annotated[int | None, Parameter(ge=YEARS[0], le=YEARS[1])] = None,
                     category: FromQuery[str | None] = None, unit: FromQuery[str | None] = None,
                     limit: Annotated[int, Parameter(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
        """Search factors (all words of ``q``), with filters."""
        from factors_db.store import SearchQuery, search

        found = search(registry.engine, SearchQuery(q[:200], geo, year, category, unit, limit=min(max(limit, 1), 500)))
        return [f.public() for f in found]

    @get("/factors/{factor_id:str}", sync_to_thread=True)
    def show_factor(self, registry: NamedDependency[Registry], factor_id: FromPath[str]) -> dict[str, Any]:
        from factors_db.store import get_factor

        return get_factor(registry.engine, factor_id).public()

    @get("/releases", sync_to_thread=True)
    def list_releases(self, registry: NamedDependency[Registry]) -> list[dict[str, Any]]:
        from factors_db.store import releases

        return [r.model_dump() for r in releases(registry.engine)]

    @post("/footprints", sync_to_thread=True, status_code=200)
    def footprint(self, settings: NamedDependency[Settings], data: JSONBody[dict[str, Any]],
                  mc: Annotated[int, Parameter(ge=0, le=100_000, description="Monte Carlo iterations")] = 0,
                  seed: Annotated[int | None, Parameter(ge=0, le=2**32 - 1)] = None) -> dict[str, Any]:
        """Compute the footprint of a product document (the same fields as a product file); nothing is stored."""
        from factors_db.release import factor_set
        from footprint.calculate import calculate
        from footprint.products import to_spec

        factors = factor_set(settings.release)
        return calculate(to_spec(data, factors), factors, iterations=mc, seed=seed).to_json()

    @post("/variants", sync_to_thread=True, status_code=200)
    def variants(self, settings: NamedDependency[Settings], data: JSONBody[VariantsRequest]) -> dict[str, Any]:
        """Every crossing of the values given for some fields of a product document, with per-value effects."""
        from factors_db.release import factor_set
        from footprint.errors import VariantError
        from footprint.variants.axes import axes_from
        from footprint.variants.run import run_variants

        axes = axes_from(data.vary)
        count = math.prod(len(a.values) for a in axes)
        if count > API_MAX_VARIANTS:
            raise VariantError(f"{count:,} variants: at most {API_MAX_VARIANTS:,} per request", "vary")
        return run_variants(data.product, axes, factor_set(settings.release)).to_json(rows=data.rows)
