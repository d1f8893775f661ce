"""PACT errors (each also a :mod:`registry.errors` class, so the CLI and problem details know them)::

    Unauthenticated
     ├── InvalidClient          pact-invalid-client     /auth/token: unknown client or wrong secret
     ├── InvalidAccessToken     pact-invalid-token      missing, malformed or forged token (PACT BadRequest)
     └── AccessTokenExpired     pact-token-expired      (PACT TokenExpired, 401)
    Forbidden
     └── PactAccessDenied       pact-access-denied      the token's client was revoked (PACT AccessDenied, 403)
    NotFound
     └── FootprintNotFound      pact-no-such-footprint  (PACT NoSuchFootprint on /2, NotFound on /3, 404)
    InvalidInput
     ├── PactNotImplemented     pact-not-implemented    a v2 ``$filter`` beyond the supported subset
     ├── UnknownPartner         pact-unknown-partner    a request from a source with no recorded credentials
     └── InvalidPartnerUrl      pact-invalid-url        not https, nor http to a loopback host
"""

from __future__ import annotations

from registry.errors import Forbidden, InvalidInput, NotFound, Unauthenticated


class InvalidClient(Unauthenticated):
    """``/auth/token``: unknown client id, wrong secret, or a revoked client (OAuth2 ``invalid_client``)."""

    code = "pact-invalid-client"


class InvalidAccessToken(Unauthenticated):
    """A PACT request without a bearer token, or with a malformed or forged one (PACT ``BadRequest``)."""

    code = "pact-invalid-token"
    pact_code = "BadRequest"


class AccessTokenExpired(Unauthenticated):
    """A genuine PACT access token past its expiry (PACT ``TokenExpired``, HTTP 401)."""

    code = "pact-token-expired"
    pact_code = "TokenExpired"


class PactAccessDenied(Forbidden):
    """A genuine token whose client has been revoked since (PACT ``AccessDenied``, HTTP 403)."""

    code = "pact-access-denied"
    pact_code = "AccessDenied"


class FootprintNotFound(NotFound):
    """No footprint has this id (PACT ``NoSuchFootprint`` on /2, ``NotFound`` on /3)."""

    code = "pact-no-such-footprint"


class PactNotImplemented(InvalidInput):
    """A v2 ``$filter`` expression beyond the supported subset (PACT ``NotImplemented``, HTTP 400)."""

    code = "pact-not-implemented"
    pact_code = "NotImplemented"


class UnknownPartner(InvalidInput):
    """A RequestCreated event from a source whose credentials were never recorded (``pcf pact partner add``)."""

    code = "pact-unknown-partner"


class InvalidPartnerUrl(InvalidInput):
    """A partner URL that is not ``https://``, nor ``http://`` to a loopback host, or has a query or user info."""

    code = "pact-invalid-url"
