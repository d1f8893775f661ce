"""Bearer-token authentication: the ``actor`` dependency of every write endpoint (tokens are checked against
their SHA-256 in the database; unknown, expired and revoked tokens answer 401)."""

from __future__ import annotations

from litestar import Request
from litestar.di import NamedDependency

from registry.accounts.actors import Actor
from registry.errors import Unauthenticated
from registry.services import Registry


def actor(request: Request, registry: NamedDependency[Registry]) -> Actor:
    """The acting organisation and role of the request's bearer token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("this needs a bearer token (Authorization: Bearer <token>)")
    return registry.organisations.authenticate(token.strip())
