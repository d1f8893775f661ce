"""The Litestar application: JSON API over the factor database and the footprint engine."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig

from api.errors import domain_error, http_error, internal_error
from api.settings import Settings
from factors_db.errors import FactorDbError
from footprint.errors import FootprintError


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/api/factors", sync_to_thread=True)
def list_factors(state: State, q: str = "", geo: str | None = None, year: int | None = None,
                 category: str | None = None, unit: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Search factors (all words of ``q``), with filters."""
    from factors_db.store import SearchQuery, search

    found = search(state.engine, SearchQuery(q, geo, year, category, unit, limit=min(max(limit, 1), 500)))
    return [f.public() for f in found]


@get("/api/factors/{factor_id:str}", sync_to_thread=True)
def show_factor(state: State, factor_id: str) -> dict[str, Any]:
    from factors_db.store import get_factor

    return get_factor(state.engine, factor_id).public()


@get("/api/releases", sync_to_thread=True)
def list_releases(state: State) -> list[dict[str, Any]]:
    from factors_db.store import releases

    return [r.model_dump() for r in releases(state.engine)]


@post("/api/footprint", sync_to_thread=True, status_code=200)
def footprint(state: State, data: dict[str, Any], mc: int = 0, seed: int | None = None) -> dict[str, Any]:
    """Compute the footprint of a product document (the same fields as a product file)."""
    from factors_db.release import factor_set
    from footprint.calculate import calculate
    from footprint.loader import to_spec

    if not 0 <= mc <= 100_000:
        raise HTTPException(status_code=400, detail="mc must be between 0 and 100000")
    factors = factor_set(state.settings.release)
    return calculate(to_spec(data, factors), factors, iterations=mc, seed=seed).to_json()


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the application; the database engine lives in the app state."""
    from factors_db.store import load_bundled, make_engine

    settings = settings or Settings()
    engine = make_engine(settings.db_url)
    load_bundled(engine)
    return Litestar(
        route_handlers=[health, list_factors, show_factor, list_releases, footprint],
        state=State({"engine": engine, "settings": settings}),
        exception_handlers={
            FactorDbError: domain_error, FootprintError: domain_error, HTTPException: http_error,
            500: internal_error,
        },
        openapi_config=OpenAPIConfig(title="pcf-registry", version="0.1.0"),
    )
