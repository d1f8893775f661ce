"""Bearer-token authentication: the ``actor`` dependency of every write endpoint (tokens are checked against
their SHA-256 in the database; unknown, expired and revoked tokens answer 401)."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import State

from registry.accounts.actors import Actor
from registry.errors import Unauthenticated


def actor(request: Request, state: State) -> Actor:
    """The acting organisation and role of the request's bearer token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("this needs a bearer token (Authorization: Bearer <token>)")
    return state.registry.organisations.authenticate(token.strip())
