"""The Litestar application: JSON API over the factor database and the footprint engine."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.params import FromPath, FromQuery, JSONBody
from pydantic import BaseModel, ConfigDict, Field

from api.errors import domain_error, http_error, internal_error
from api.settings import Settings
from factors_db.errors import FactorDbError
from footprint.errors import FootprintError


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/api/factors", sync_to_thread=True)
def list_factors(state: State, q: FromQuery[str] = "", geo: FromQuery[str | None] = None,
                 year: FromQuery[int | None] = None, category: FromQuery[str | None] = None,
                 unit: FromQuery[str | None] = None, limit: FromQuery[int] = 50) -> list[dict[str, Any]]:
    """Search factors (all words of ``q``), with filters."""
    from factors_db.store import SearchQuery, search

    found = search(state.engine, SearchQuery(q, geo, year, category, unit, limit=min(max(limit, 1), 500)))
    return [f.public() for f in found]


@get("/api/factors/{factor_id:str}", sync_to_thread=True)
def show_factor(state: State, factor_id: FromPath[str]) -> dict[str, Any]:
    from factors_db.store import get_factor

    return get_factor(state.engine, factor_id).public()


@get("/api/releases", sync_to_thread=True)
def list_releases(state: State) -> list[dict[str, Any]]:
    from factors_db.store import releases

    return [r.model_dump() for r in releases(state.engine)]


@post("/api/footprint", sync_to_thread=True, status_code=200)
def footprint(state: State, data: JSONBody[dict[str, Any]], mc: FromQuery[int] = 0,
              seed: FromQuery[int | None] = None) -> dict[str, Any]:
    """Compute the footprint of a product document (the same fields as a product file)."""
    from factors_db.release import factor_set
    from footprint.calculate import calculate
    from footprint.loader import to_spec

    if not 0 <= mc <= 100_000:
        raise HTTPException(status_code=400, detail="mc must be between 0 and 100000")
    factors = factor_set(state.settings.release)
    return calculate(to_spec(data, factors), factors, iterations=mc, seed=seed).to_json()


class VariantsRequest(BaseModel):
    """A product document and the fields to vary (``{"regions.cell": ["CN-SC", "CN-XJ"]}``)."""

    model_config = ConfigDict(extra="forbid")
    product: dict[str, Any]
    vary: dict[str, list[Any]] = Field(min_length=1)
    rows: int = Field(default=100, ge=0, le=10_000, description="lowest variants to return")


#: Variants one API request may cross (the command line allows more).
API_MAX_VARIANTS = 100_000


@post("/api/variants", sync_to_thread=True, status_code=200)
def variants(state: State, data: JSONBody[VariantsRequest]) -> dict[str, Any]:
    """Every crossing of the values given for some fields of a product document, with per-value effects."""
    import math

    from factors_db.release import factor_set
    from footprint.variants import VariantError, axes_from, run_variants

    axes = axes_from(data.vary)
    count = math.prod(len(a.values) for a in axes)
    if count > API_MAX_VARIANTS:
        raise VariantError(f"{count:,} variants: at most {API_MAX_VARIANTS:,} per request", "vary")
    return run_variants(data.product, axes, factor_set(state.settings.release)).to_json(rows=data.rows)


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application; the database engine lives in the app state."""
    from factors_db.store import load_bundled, make_engine

    settings = settings or Settings()
    engine = make_engine(settings.db_url)
    load_bundled(engine)
    return Litestar(
        route_handlers=[health, list_factors, show_factor, list_releases, footprint, variants],
        state=State({"engine": engine, "settings": settings}),
        exception_handlers={
            FactorDbError: domain_error, FootprintError: domain_error, HTTPException: http_error,
            500: internal_error,
        },
        openapi_config=OpenAPIConfig(title="pcf-registry", version="0.1.0"),
    )
