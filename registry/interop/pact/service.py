"""PACT use cases over the registry's database: data recipients and their tokens, partners, footprints, events.

* Clients. A data recipient is a :class:`PactClient` (OAuth2 client credentials). :func:`create_client` makes a
  256-bit secret and stores only its SHA-256; :func:`token_for` checks it and issues a stateless access token,
  ``pact1.<client id, base64url>.<expiry, unix s>.<HMAC-SHA256, base64url>``, keyed by HKDF of the registry's
  master secret. :func:`check_token` tells a malformed or forged token (:class:`InvalidAccessToken`) from an
  expired one (:class:`AccessTokenExpired`) and from one of a revoked client (:class:`PactAccessDenied`).
* Partners. :func:`add_partner` records the credentials for calling a partner's PACT host back (its event
  ``source``); the secret is sealed with AES-256-GCM under an HKDF key of the master secret, bound to the
  partner's URL. Only ``https://`` URLs, or ``http://`` to a loopback host, are accepted.
* Footprints. Every issued label is one footprint per generation (a reinstated label starts a new one, see
  :mod:`registry.pact`); labels :func:`registry.pact.to_product_footprint` cannot map (a component without a
  CPC code or mass) are left out. Every label is public, so every client sees every footprint. Lists are
  ordered by label id and generation and paged with an opaque keyset cursor that never expires.
* Events. :func:`receive_event` checks and records an incoming CloudEvent (nothing is stored for a bad one);
  :func:`answer_request` computes the answer to a RequestCreated event and POSTs it to the requester with the
  credentials recorded for it. Every event in and out is a :class:`PactEvent` row with its outcome.

Errors (each also a :mod:`registry.errors` class, so the CLI and problem details know them)::

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

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import secrets
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlmodel import Session, select

from registry.certification.service import Registry
from registry.errors import Forbidden, InvalidInput, NotFound, RegistryError, Unauthenticated
from registry.interop.pact import mapping as pact
from registry.store.tables import AuditEvent, Declaration, Label, PactClient, PactEvent, PactPartner

if TYPE_CHECKING:  # httpx is imported where an answer is sent, so that reading footprints does not need it
    import httpx

log = logging.getLogger("pcf.pact")

ACCESS_TOKEN_SECONDS = 3600
TOKEN_PREFIX = "pact1"
MAX_PAGE = 1000
DEFAULT_PAGE = 100
_SEAL_MAGIC = b"PPS1"  # "PACT partner secret", format 1: magic | 12-byte nonce | AES-GCM ciphertext and tag
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


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


# ------------------------------------------------------------------------------------------ keys
def _derived_key(registry: Registry, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"pcf-registry pact " + purpose).derive(
        registry.secret)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# ------------------------------------------------------------------------------------------ clients and tokens
def create_client(registry: Registry, client_id: str, name: str = "") -> str:
    """Create a data recipient; returns its secret (shown once: only the SHA-256 is stored).

    Raises:
        InvalidInput: a client id that is empty, too long or not URL-safe; an existing one.
    """
    if not re.fullmatch(r"[A-Za-z0-9._~-]{1,80}", client_id or ""):
        raise InvalidInput("a client id has 1 to 80 letters, digits, '.', '_', '~' or '-'", "client_id")
    secret = secrets.token_urlsafe(32)
    with registry.tx() as s:
        if s.get(PactClient, client_id) is not None:
            raise InvalidInput(f"PACT client {client_id} exists already", "client_id")
        s.add(PactClient(client_id=client_id, secret_sha256=_sha256(secret), name=name[:200],
                         created_at=registry.clock()))
    return secret


def token_for(registry: Registry, client_id: str, secret: str) -> tuple[str, int]:
    """An access token for a client's credentials, and its lifetime in seconds.

    Raises:
        InvalidClient: unknown client, wrong secret, or a revoked client (one message for all three).
    """
    with Session(registry.engine) as s:
        row = s.get(PactClient, client_id) if len(client_id) <= 80 else None
    # compare even for an unknown client, so that timing does not tell which client ids exist
    expected = row.secret_sha256 if row is not None else "0" * 64
    if not hmac.compare_digest(expected, _sha256(secret)) or row is None or row.revoked_at is not None:
        raise InvalidClient("client authentication failed", "client_id")
    expiry = int(registry.clock().timestamp()) + ACCESS_TOKEN_SECONDS
    body = f"{TOKEN_PREFIX}.{_b64(client_id.encode())}.{expiry}"
    mac = hmac.new(_derived_key(registry, b"access token"), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}", ACCESS_TOKEN_SECONDS


def check_token(registry: Registry, token: str) -> str:
    """The client id of a valid access token.

    Raises:
        InvalidAccessToken: missing, malformed or forged. AccessTokenExpired: genuine but expired.
        PactAccessDenied: genuine, unexpired, but its client was revoked or deleted.
    """
    parts = (token or "").strip().split(".")
    if len(parts) != 4 or parts[0] != TOKEN_PREFIX or not parts[2].isdigit() or len(parts[2]) > 12:
        raise InvalidAccessToken("invalid access token")
    body = ".".join(parts[:3])
    mac = hmac.new(_derived_key(registry, b"access token"), body.encode(), hashlib.sha256).digest()
    try:
        given = _unb64(parts[3])
        client_id = _unb64(parts[1]).decode()
    except (ValueError, UnicodeDecodeError):
        raise InvalidAccessToken("invalid access token") from None
    if not hmac.compare_digest(mac, given):
        raise InvalidAccessToken("invalid access token")
    if int(parts[2]) <= registry.clock().timestamp():
        raise AccessTokenExpired("the access token has expired; request a new one at /auth/token")
    with Session(registry.engine) as s:
        row = s.get(PactClient, client_id)
    if row is None or row.revoked_at is not None:
        raise PactAccessDenied("the client of this access token has no access any more")
    return client_id


def revoke_client(registry: Registry, client_id: str) -> None:
    """Revoke a data recipient: its tokens stop working at once.

    Raises:
        NotFound: no such client.
    """
    with registry.tx() as s:
        row = s.get(PactClient, client_id)
        if row is None:
            raise NotFound(f"no PACT client {client_id}", "client_id")
        row.revoked_at = row.revoked_at or registry.clock()
        s.add(row)


# ------------------------------------------------------------------------------------------ partners
def partner_base(url: str) -> str:
    """The base URL of a partner's PACT host: lower-case scheme and host, no trailing ``/`` or ``/{2|3}/events``.

    Raises:
        InvalidPartnerUrl: not ``https://``, nor ``http://`` to 127.0.0.0/8, ::1 or localhost; user info, a
            query or a fragment; longer than 300 characters.
    """
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        raise InvalidPartnerUrl(f"not a URL: {text[:100]!r}", "source") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not host:
        raise InvalidPartnerUrl(f"a partner URL is https://<host>[/path], got {text[:100]!r}", "source")
    if parts.username is not None or parts.query or parts.fragment:
        raise InvalidPartnerUrl("a partner URL has no user info, query or fragment", "source")
    if scheme == "http" and not is_loopback_host(host):
        raise InvalidPartnerUrl(f"plain http is allowed only for loopback hosts, not {host}", "source")
    path = re.sub(r"/[23]/events/?$", "", parts.path).rstrip("/")
    base = f"{scheme}://{parts.netloc.lower()}{path}"
    if len(base) > 300:
        raise InvalidPartnerUrl("a partner URL has at most 300 characters", "source")
    return base


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1, or the name localhost."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def seal_partner_secret(registry: Registry, source: str, secret: str) -> bytes:
    """The partner's client secret encrypted (AES-256-GCM, a fresh nonce, the source URL as associated data)."""
    nonce = os.urandom(12)
    return _SEAL_MAGIC + nonce + AESGCM(_derived_key(registry, b"partner secret")).encrypt(
        nonce, secret.encode(), source.encode())


def open_partner_secret(registry: Registry, source: str, blob: bytes) -> str:
    """The secret sealed by :func:`seal_partner_secret`.

    Raises:
        RegistryError: another master secret, another source, or a damaged blob.
    """
    if not blob.startswith(_SEAL_MAGIC) or len(blob) < len(_SEAL_MAGIC) + 12 + 16:
        raise RegistryError("not a sealed partner secret", "sealed_secret")
    nonce, sealed = blob[4:16], blob[16:]
    try:
        return AESGCM(_derived_key(registry, b"partner secret")).decrypt(nonce, sealed, source.encode()).decode()
    except InvalidTag:
        raise RegistryError("the partner secret does not open: another master secret or a damaged row",
                            "sealed_secret") from None


def add_partner(registry: Registry, source: str, client_id: str, client_secret: str) -> str:
    """Record (or replace) the credentials for calling a partner back; returns the partner's base URL.

    Raises:
        InvalidPartnerUrl: see :func:`partner_base`. InvalidInput: an empty client id or secret.
    """
    base = partner_base(source)
    if not client_id or len(client_id) > 200:
        raise InvalidInput("the partner's client id has 1 to 200 characters", "client_id")
    if not client_secret:
        raise InvalidInput("the partner's client secret is empty", "client_secret")
    with registry.tx() as s:
        row = s.get(PactPartner, base) or PactPartner(source=base, client_id=client_id, sealed_secret=b"",
                                                      created_at=registry.clock())
        row.client_id, row.sealed_secret = client_id, seal_partner_secret(registry, base, client_secret)
        s.add(row)
    return base


# ------------------------------------------------------------------------------------------ filters
@dataclass(frozen=True)
class Filters:
    """Criteria of ``ListFootprints`` and of a RequestCreated event: OR within one criterion, AND across them.

    Values match case-insensitively. ``geography`` matches a footprint's country, subdivision or region, and a
    country matches its subdivisions (``CN`` matches ``CN-SC``). ``times`` holds v2 ``$filter`` comparisons
    (field ``created`` or ``updated``, operator ``eq|ge|gt|le|lt``, instant).
    """

    product_ids: tuple[str, ...] = ()
    company_ids: tuple[str, ...] = ()
    geography: tuple[str, ...] = ()
    classification: tuple[str, ...] = ()
    pf_ids: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    valid_on: datetime | None = None
    valid_after: datetime | None = None
    valid_before: datetime | None = None
    times: tuple[tuple[str, str, datetime], ...] = field(default=())


def parse_instant(text: str, name: str) -> datetime:
    """An RFC 3339 date-time (``Z`` or an offset; a bare date is midnight UTC).

    Raises:
        InvalidInput: naming the parameter.
    """
    value = (text or "").strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return datetime.combine(datetime.fromisoformat(value).date(), dtime(), UTC)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?", value):
            raise ValueError
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"not an RFC 3339 date-time such as 2026-01-01T00:00:00Z: {text[:60]!r}", name) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_V2_TIME = re.compile(r"^\(?\s*(created|updated)\s*\)?\s+(eq|ge|gt|le|lt)\s+'([^']*)'$")
_V2_ANY = re.compile(r"^(productIds|companyIds)/any\(\s*(\w+)\s*:\s*\(?\s*\2\s+eq\s+'([^']*)'\s*\)?\s*\)$")
_V2_GEO = re.compile(r"^\(?\s*pcf/(geographyCountry|geographyCountrySubdivision|geographyRegionOrSubregion)\s*\)?"
                     r"\s+eq\s+'([^']*)'$")


def v2_filter(expression: str) -> tuple[Filters, ...]:
    """The supported subset of the v2 ODataV4 ``$filter``, one :class:`Filters` per term (all must match):
    terms joined by ``and``, each one of ``created|updated eq|ge|gt|le|lt '<date-time>'``,
    ``productIds/any(p:(p eq '<urn>'))`` (also ``companyIds``) and ``pcf/geographyCountry eq '<code>'`` (or
    ``geographyCountrySubdivision``, ``geographyRegionOrSubregion``).

    Raises:
        PactNotImplemented: any other expression. InvalidInput: a malformed date-time.
    """
    out: list[Filters] = []
    for term in re.split(r"\s+and\s+", expression.strip()):
        term = term.strip()
        if m := _V2_TIME.match(term):
            out.append(Filters(times=((m.group(1), m.group(2), parse_instant(m.group(3), "$filter")),)))
        elif m := _V2_ANY.match(term):
            wanted = (m.group(3),)
            out.append(Filters(product_ids=wanted) if m.group(1) == "productIds" else Filters(company_ids=wanted))
        elif m := _V2_GEO.match(term):
            out.append(Filters(geography=(m.group(2),)))
        else:
            raise PactNotImplemented(f"$filter term not supported: {term[:120]!r} (supported: created/updated "
                                     "comparisons, productIds/any, companyIds/any, pcf/geography... eq)", "$filter")
    return tuple(out)


def request_filters(event: pact.Event) -> Filters:
    """The criteria of a RequestCreated event: v3 ``data`` filters, or the v2 ``data.pf`` fragment's ``id``,
    ``productIds`` and ``companyIds``."""
    data = event.data
    if event.version == "2":
        pf: Mapping[str, Any] = data["pf"] if isinstance(data.get("pf"), Mapping) else {}
        ids = pf.get("id")
        return Filters(product_ids=_strings(pf.get("productIds")), company_ids=_strings(pf.get("companyIds")),
                       pf_ids=(ids,) if isinstance(ids, str) else ())

    def when(name: str) -> datetime | None:
        return parse_instant(data[name], f"data.{name}") if isinstance(data.get(name), str) else None

    status = data.get("status")
    return Filters(product_ids=_strings(data.get("productId")), company_ids=_strings(data.get("companyId")),
                   geography=_strings(data.get("geography")), classification=_strings(data.get("classification")),
                   status=(status,) if isinstance(status, str) else (), valid_on=when("validOn"),
                   valid_after=when("validAfter"), valid_before=when("validBefore"))


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _any(wanted: Sequence[str], have: Sequence[str]) -> bool:
    lowered = {h.lower() for h in have}
    return any(w.lower() in lowered for w in wanted)


def _geo_match(wanted: Sequence[str], pcf: Mapping[str, Any]) -> bool:
    have = [str(pcf[k]).lower() for k in ("geographyCountry", "geographyCountrySubdivision",
                                          "geographyRegionOrSubregion") if pcf.get(k)]
    return any(w.lower() == h or h.startswith(w.lower() + "-") for w in wanted for h in have)


def _instant(text: Any) -> datetime | None:
    try:
        return parse_instant(text, "footprint") if isinstance(text, str) else None
    except InvalidInput:
        return None


_OPS: dict[str, Callable[[datetime, datetime], bool]] = {
    "eq": lambda a, b: a == b, "ge": lambda a, b: a >= b, "gt": lambda a, b: a > b,
    "le": lambda a, b: a <= b, "lt": lambda a, b: a < b,
}


def matches(pf: Mapping[str, Any], f: Filters) -> bool:
    """Whether a ProductFootprint meets every criterion of ``f``."""
    pcf = pf.get("pcf") or {}
    start, end = _instant(pf.get("validityPeriodStart")), _instant(pf.get("validityPeriodEnd"))
    checks = [
        not f.product_ids or _any(f.product_ids, pf.get("productIds") or []),
        not f.company_ids or _any(f.company_ids, pf.get("companyIds") or []),
        not f.classification or _any(f.classification, pf.get("productClassifications") or []),
        not f.geography or _geo_match(f.geography, pcf),
        not f.pf_ids or _any(f.pf_ids, [pf["id"]]),
        not f.status or _any(f.status, [pf["status"]]),
        f.valid_on is None or (start is not None and end is not None and start <= f.valid_on <= end),
        f.valid_after is None or (start is not None and start > f.valid_after),
        f.valid_before is None or (end is not None and end < f.valid_before),
    ]
    for name, op, at in f.times:
        value = _instant(pf.get(name))
        checks.append(value is not None and _OPS[op](value, at))
    return all(checks)


# ------------------------------------------------------------------------------------------ footprints
@dataclass(frozen=True)
class _Generation:
    """One footprint of a label: generation n after n reinstatements; earlier ones are Deprecated."""

    generation: int
    status: str | None  # None: the label's own status; else the status this generation ended with
    reason: str
    changed_at: datetime | None


def _generations(s: Session, label: Label, status: str) -> list[_Generation]:
    events = list(s.exec(select(AuditEvent).where(AuditEvent.object_id == label.label_id,
                                                  AuditEvent.action.in_(  # type: ignore[attr-defined]
                                                      ("label.suspended", "label.active", "label.revoked",
                                                       "label.supersede")))
                         .order_by(AuditEvent.at, AuditEvent.id)))  # type: ignore[arg-type]
    out: list[_Generation] = []
    last_change: AuditEvent | None = None
    for ev in events:
        if ev.action == "label.active":  # a reinstatement ends the generation its suspension deprecated
            ended_by = last_change or ev
            reason = str(json.loads(ended_by.detail or "{}").get("reason") or "")
            out.append(_Generation(len(out), "suspended", reason, ended_by.at))
            last_change = None
        else:
            last_change = ev
    changed = last_change.at if last_change is not None and status != "active" else None
    if status == "expired":
        changed = datetime.combine(label.valid_until + timedelta(days=1), dtime(), UTC)
    out.append(_Generation(len(out), None, "", changed))
    return out


def _footprints_of(registry: Registry, s: Session, label: Label, version: pact.PactVersion,
                   domain: str) -> list[tuple[tuple[str, int], dict[str, Any]]]:
    # Registry._view builds the public view inside this session: a second session here would wait for the
    # write lock that this one holds on SQLite (every transaction is BEGIN IMMEDIATE, see registry.db).
    view = registry.view_in(s, label)
    dec = s.get(Declaration, label.declaration_id)
    result = json.loads(dec.result) if dec is not None else None
    data = view.to_json()
    out = []
    for gen in _generations(s, label, view.status):
        doc = dict(data)
        if gen.status is not None:
            doc |= {"status": gen.status, "status_reason": gen.reason}
        if gen.generation > 0:
            doc["supersedes"] = None  # the previous generation is the preceding footprint
        try:
            pf = pact.to_product_footprint(doc, result, version, domain=domain, generation=gen.generation,
                                           status_changed_at=gen.changed_at)
        except pact.PactUnmappable as exc:
            log.debug("label %s is not exported over PACT: %s", label.label_id, exc)
            return []
        out.append(((label.label_id, gen.generation), pf))
    return out


def _cursor(key: tuple[str, int]) -> str:
    return _b64(json.dumps(list(key)).encode())


def _cursor_key(cursor: str) -> tuple[str, int]:
    try:
        label_id, generation = json.loads(_unb64(cursor))
        if not isinstance(label_id, str) or not isinstance(generation, int) or isinstance(generation, bool):
            raise ValueError
    except (ValueError, TypeError):
        raise InvalidInput("invalid pagination cursor", "cursor") from None
    return label_id, generation


def footprints(registry: Registry, version: pact.PactVersion, filters: Filters | Sequence[Filters] = (),
               limit: int | None = None, cursor: str | None = None, *,
               domain: str = pact.DEFAULT_DOMAIN) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the footprints meeting ``filters`` (every one of them, if a sequence), and the next cursor.

    Raises:
        InvalidInput: a limit below 1 or a damaged cursor.
    """
    wanted = [filters] if isinstance(filters, Filters) else list(filters)
    size = DEFAULT_PAGE if limit is None else limit
    if size < 1:
        raise InvalidInput("limit must be at least 1", "limit")
    size = min(size, MAX_PAGE)
    after = _cursor_key(cursor) if cursor else None
    page: list[dict[str, Any]] = []
    last: tuple[str, int] | None = None
    with Session(registry.engine) as s:
        q = select(Label).order_by(Label.label_id)  # type: ignore[arg-type]
        if after is not None:
            q = q.where(Label.label_id >= after[0])
        for label in s.exec(q):
            for key, pf in _footprints_of(registry, s, label, version, domain):
                if after is not None and key <= after:
                    continue
                if not all(matches(pf, f) for f in wanted):
                    continue
                if len(page) == size:
                    return page, _cursor(cast(tuple[str, int], last))
                page.append(pf)
                last = key
    return page, None


def footprint(registry: Registry, version: pact.PactVersion, pf_id: str, *,
              domain: str = pact.DEFAULT_DOMAIN) -> dict[str, Any]:
    """The footprint with this id (a Deprecated one too).

    Raises:
        InvalidInput: not a UUID. FootprintNotFound: no such footprint.
    """
    try:
        wanted = str(uuid.UUID(pf_id))
    except (ValueError, TypeError, AttributeError):
        raise InvalidInput(f"a footprint id is a UUID, got {str(pf_id)[:60]!r}", "id") from None
    with Session(registry.engine) as s:
        label = s.exec(select(Label).where(Label.pact_id == wanted)).first()
        candidates = [label] if label is not None else []
        if not candidates:  # a later generation of a reinstated label
            reinstated = s.exec(select(AuditEvent.object_id).where(AuditEvent.action == "label.active").distinct())
            candidates = [lab for lid in reinstated if (lab := s.get(Label, lid)) is not None]
        for lab in candidates:
            for _, pf in _footprints_of(registry, s, lab, version, domain):
                if pf["id"] == wanted:
                    return pf
    raise FootprintNotFound(f"no footprint {wanted}", "id")


# ------------------------------------------------------------------------------------------ events
@dataclass(frozen=True)
class Received:
    """An accepted incoming event and whether a RequestFulfilled/Rejected answer is due."""

    event: pact.Event
    answer_due: bool
    partner: str | None  # the requester's base URL when an answer is due


def receive_event(registry: Registry, version: pact.PactVersion, body: Any, client_id: str) -> Received:
    """Check and record an incoming CloudEvent.

    Published, RequestFulfilled and RequestRejected events are recorded as accepted. A RequestCreated event
    needs an answer; it is refused at once (and recorded as refused) when its source is not a recorded partner,
    because the answer could not be delivered. A repeated event (same source and id) is accepted again and
    not answered twice.

    Raises:
        PactError: an invalid event (nothing is stored). UnknownPartner, InvalidPartnerUrl: a request that
            cannot be answered.
    """
    event = pact.parse_event(body, version)
    if len(event.id) > 200:
        raise pact.PactError("id has at most 200 characters", "id")
    if len(event.source) > 300:
        raise pact.PactError("source has at most 300 characters", "source")
    if event.kind == "published":
        for i, pf_id in enumerate(event.data.get("pfIds") or []):
            try:
                uuid.UUID(str(pf_id))
            except ValueError:
                raise pact.PactError(f"not a footprint id (UUID): {str(pf_id)[:60]!r}", f"data.pfIds[{i}]") from None
    if event.kind == "request_created":
        request_filters(event)  # malformed validOn & co. are a bad request
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    partner: str | None = None
    refusal: RegistryError | None = None
    if event.kind == "request_created":
        try:
            partner = partner_base(event.source)
            with Session(registry.engine) as s:
                if s.get(PactPartner, partner) is None:
                    raise UnknownPartner(f"no credentials are recorded for {partner}: the answer could not be "
                                         "delivered (the registry operator runs `pcf pact partner add`)", "source")
        except (UnknownPartner, InvalidPartnerUrl) as exc:
            refusal = exc
    with registry.tx() as s:
        duplicate = s.exec(select(PactEvent.id).where(PactEvent.direction == "in", PactEvent.event_id == event.id,
                                                      PactEvent.source == event.source)).first() is not None
        status = (f"refused: {refusal.code}" if refusal else "duplicate" if duplicate
                  else "accepted, answer due" if event.kind == "request_created" else "accepted")
        s.add(PactEvent(direction="in", event_id=event.id, type=event.type, source=event.source, body=text,
                        status=status[:40], created_at=registry.clock()))
    if refusal is not None:
        raise refusal
    return Received(event, event.kind == "request_created" and not duplicate, partner)


def answer_for(registry: Registry, event: pact.Event, own_source: str, *,
               domain: str = pact.DEFAULT_DOMAIN) -> dict[str, Any]:
    """The RequestFulfilled event (every footprint meeting the request's criteria) or, when none does, the
    RequestRejected event (``NotFound``) answering a RequestCreated event."""
    try:
        criteria = request_filters(event)
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page, cursor = footprints(registry, event.version, criteria, MAX_PAGE, cursor, domain=domain)
            found += page
            if cursor is None:
                break
    except InvalidInput as exc:
        return pact.rejected_event(event, "BadRequest", exc.message, own_source)
    if not found:
        # "NotFound": the Error schema of both versions' RequestRejected events has no NoSuchFootprint
        return pact.rejected_event(event, "NotFound", "no footprint meets the request's criteria", own_source)
    return pact.fulfilled_event(event, found, own_source)


def answer_request(registry: Registry, received: Received, own_source: str, *, domain: str = pact.DEFAULT_DOMAIN,
                   client: httpx.Client | None = None, attempts: int = 3, backoff_s: float = 0.5) -> str:
    """Compute the answer to a RequestCreated event and deliver it: ``POST {partner}/auth/token`` with the
    recorded credentials (HTTP Basic, client credentials grant), then ``POST {partner}/{2|3}/events`` with the
    bearer token. Tries ``attempts`` times (waiting ``backoff_s``, then twice as long ...); redirects are not
    followed. Records the outgoing event and the outcome; returns the outcome (``sent`` or ``failed: ...``).

    Args:
        client: the HTTP client (tests pass one with their own transport); default a new one, 10 s timeouts.
    """
    import httpx

    event = received.event
    answer = answer_for(registry, event, own_source, domain=domain)
    partner = received.partner or partner_base(event.source)
    outcome = "failed: no attempt"
    own = client is None
    http = client or httpx.Client(timeout=10.0, follow_redirects=False)
    try:
        for attempt in range(attempts):
            outcome = _deliver(registry, http, partner, event.version, answer)
            if outcome == "sent":
                break
            if attempt + 1 < attempts:
                time.sleep(backoff_s * 2 ** attempt)
    finally:
        if own:
            http.close()
    with registry.tx() as s:
        s.add(PactEvent(direction="out", event_id=answer["id"], type=answer["type"], source=partner,
                        body=json.dumps(answer, ensure_ascii=False, separators=(",", ":")), status=outcome[:40],
                        created_at=registry.clock()))
        for row in s.exec(select(PactEvent).where(PactEvent.direction == "in", PactEvent.event_id == event.id,
                                                  PactEvent.source == event.source)):
            kind = "fulfilled" if answer["type"].endswith(("Fulfilled.v1", "FulfilledEvent.3")) else "rejected"
            row.status = (f"answered: {kind}" if outcome == "sent" else f"answer failed: {kind}")[:40]
            s.add(row)
    if outcome != "sent":
        log.warning("PACT answer %s to %s not delivered: %s", answer["id"], partner, outcome)
    return outcome


def _deliver(registry: Registry, http: httpx.Client, partner: str, version: str, answer: Mapping[str, Any]) -> str:
    import httpx
    with Session(registry.engine) as s:
        row = s.get(PactPartner, partner)
    if row is None:
        return "failed: partner removed"
    try:
        secret = open_partner_secret(registry, partner, row.sealed_secret)
    except RegistryError:
        return "failed: partner secret does not open"
    try:
        r = http.post(f"{partner}/auth/token", data={"grant_type": "client_credentials"},
                      auth=(row.client_id, secret), headers={"Accept": "application/json"})
        if r.status_code != 200:
            return f"failed: token HTTP {r.status_code}"
        token = r.json().get("access_token") if isinstance(r.json(), dict) else None
        if not isinstance(token, str) or not token:
            return "failed: no access_token"
        r = http.post(f"{partner}/{version}/events", content=json.dumps(answer).encode(),
                      headers={"Content-Type": "application/cloudevents+json; charset=UTF-8",
                               "Authorization": f"Bearer {token}"})
    except (httpx.HTTPError, ValueError) as exc:
        return f"failed: {type(exc).__name__}"
    return "sent" if 200 <= r.status_code < 300 else f"failed: events HTTP {r.status_code}"


def events(registry: Registry, limit: int = 50) -> list[PactEvent]:
    """The newest PACT events, in and out, newest first (for the CLI)."""
    with Session(registry.engine) as s:
        return list(s.exec(select(PactEvent).order_by(PactEvent.id.desc()).limit(limit)))  # type: ignore[union-attr]
