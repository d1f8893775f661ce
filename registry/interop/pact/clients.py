"""PACT data recipients (clients) and their tokens, and partners the registry answers (each change audited).

A data recipient is a :class:`~registry.store.tables.PactClient` (OAuth2 client credentials).
:meth:`PactClients.create_client` makes a 256-bit secret and stores only its SHA-256; :meth:`PactClients.token_for`
checks it and issues a stateless access token, ``pact1.<client id, base64url>.<expiry, unix s>.<HMAC-SHA256,
base64url>``, keyed by HKDF of the registry's master secret; :meth:`PactClients.check_token` tells a malformed or
forged token (:class:`InvalidAccessToken`) from an expired one (:class:`AccessTokenExpired`) and from one of a
revoked client (:class:`PactAccessDenied`). :meth:`PactClients.add_partner` records the credentials for calling a
partner's PACT host back (its event ``source``); the secret is sealed with AES-256-GCM under an HKDF key of the
master secret, bound to the partner's URL. Only ``https://`` URLs, or ``http://`` to a loopback host, are accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from registry.accounts.actors import Actor
from registry.errors import InvalidInput, NotFound, RegistryError
from registry.interop.pact.errors import (
    AccessTokenExpired,
    InvalidAccessToken,
    InvalidClient,
    InvalidPartnerUrl,
    PactAccessDenied,
)
from registry.store.tables import PactClient, PactPartner
from registry.work import RegistryContext, record_sha256

ACCESS_TOKEN_SECONDS = 3600
TOKEN_PREFIX = "pact1"
_SEAL_MAGIC = b"PPS1"  # "PACT partner secret", format 1: magic | 12-byte nonce | AES-GCM ciphertext and tag
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


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


class PactClients:
    """Clients (data recipients) and partners of the registry's PACT host."""

    def __init__(self, ctx: RegistryContext) -> None:
        self.ctx = ctx

    def _derived_key(self, purpose: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"pcf-registry pact " + purpose).derive(
            self.ctx.secret)

    def create_client(self, actor: Actor, client_id: str, name: str = "") -> str:
        """Create a data recipient; returns its secret (shown once: only the SHA-256 is stored).

        Raises:
            InvalidInput: a client id that is empty, too long or not URL-safe; an existing one.
        """
        actor.require("admin")
        if not re.fullmatch(r"[A-Za-z0-9._~-]{1,80}", client_id or ""):
            raise InvalidInput("a client id has 1 to 80 letters, digits, '.', '_', '~' or '-'", "client_id")
        secret = secrets.token_urlsafe(32)
        with self.ctx.work(actor) as w:
            if w.session.get(PactClient, client_id) is not None:
                raise InvalidInput(f"PACT client {client_id} exists already", "client_id")
            row = PactClient(client_id=client_id, secret_sha256=_sha256(secret), name=name[:200], created_at=w.now)
            w.session.add(row)
            w.session.flush()
            w.audit("pact.client.create", row, client_id)
        return secret

    def token_for(self, client_id: str, secret: str) -> tuple[str, int]:
        """An access token for a client's credentials, and its lifetime in seconds.

        Raises:
            InvalidClient: unknown client, wrong secret, or a revoked client (one message for all three).
        """
        with self.ctx.read() as s:
            row = s.get(PactClient, client_id) if len(client_id) <= 80 else None
        # compare even for an unknown client, so that timing does not tell which client ids exist
        expected = row.secret_sha256 if row is not None else "0" * 64
        if not hmac.compare_digest(expected, _sha256(secret)) or row is None or row.revoked_at is not None:
            raise InvalidClient("client authentication failed", "client_id")
        expiry = int(self.ctx.clock().timestamp()) + ACCESS_TOKEN_SECONDS
        body = f"{TOKEN_PREFIX}.{b64url(client_id.encode())}.{expiry}"
        mac = hmac.new(self._derived_key(b"access token"), body.encode(), hashlib.sha256).digest()
        return f"{body}.{b64url(mac)}", ACCESS_TOKEN_SECONDS

    def check_token(self, token: str) -> str:
        """The client id of a valid access token.

        Raises:
            InvalidAccessToken: missing, malformed or forged. AccessTokenExpired: genuine but expired.
            PactAccessDenied: genuine, unexpired, but its client was revoked or deleted.
        """
        parts = (token or "").strip().split(".")
        if len(parts) != 4 or parts[0] != TOKEN_PREFIX or not parts[2].isdigit() or len(parts[2]) > 12:
            raise InvalidAccessToken("invalid access token")
        body = ".".join(parts[:3])
        mac = hmac.new(self._derived_key(b"access token"), body.encode(), hashlib.sha256).digest()
        try:
            given = unb64url(parts[3])
            client_id = unb64url(parts[1]).decode()
        except (ValueError, UnicodeDecodeError):
            raise InvalidAccessToken("invalid access token") from None
        if not hmac.compare_digest(mac, given):
            raise InvalidAccessToken("invalid access token")
        if int(parts[2]) <= self.ctx.clock().timestamp():
            raise AccessTokenExpired("the access token has expired; request a new one at /auth/token")
        with self.ctx.read() as s:
            row = s.get(PactClient, client_id)
        if row is None or row.revoked_at is not None:
            raise PactAccessDenied("the client of this access token has no access any more")
        return client_id

    def revoke_client(self, actor: Actor, client_id: str) -> None:
        """Revoke a data recipient: its tokens stop working at once.

        Raises:
            NotFound: no such client.
        """
        actor.require("admin")
        with self.ctx.work(actor) as w:
            row = w.session.get(PactClient, client_id)
            if row is None:
                raise NotFound(f"no PACT client {client_id}", "client_id")
            before = record_sha256(row)
            row.revoked_at = row.revoked_at or w.now
            w.session.add(row)
            w.audit("pact.client.revoke", row, client_id, before)

    def seal_partner_secret(self, source: str, secret: str) -> bytes:
        """The partner's client secret encrypted (AES-256-GCM, a fresh nonce, the source URL as associated data)."""
        nonce = os.urandom(12)
        return _SEAL_MAGIC + nonce + AESGCM(self._derived_key(b"partner secret")).encrypt(
            nonce, secret.encode(), source.encode())

    def open_partner_secret(self, source: str, blob: bytes) -> str:
        """The secret sealed by :func:`seal_partner_secret`.

        Raises:
            RegistryError: another master secret, another source, or a damaged blob.
        """
        if not blob.startswith(_SEAL_MAGIC) or len(blob) < len(_SEAL_MAGIC) + 12 + 16:
            raise RegistryError("not a sealed partner secret", "sealed_secret")
        nonce, sealed = blob[4:16], blob[16:]
        try:
            return AESGCM(self._derived_key(b"partner secret")).decrypt(nonce, sealed, source.encode()).decode()
        except InvalidTag:
            raise RegistryError("the partner secret does not open: another master secret or a damaged row",
                                "sealed_secret") from None

    def add_partner(self, actor: Actor, source: str, client_id: str, client_secret: str, *,
                    for_client: str | None = None) -> str:
        """Record (or replace) the credentials for calling a partner back; returns the partner's base URL.

        ``for_client`` is the one PACT client of ours whose requests are answered to this partner (a request
        naming the partner as its source from any other client is refused); without it no request is answered.

        Raises:
            InvalidPartnerUrl: see :func:`partner_base`. InvalidInput: an empty client id or secret.
        """
        actor.require("admin")
        base = partner_base(source)
        if not client_id or len(client_id) > 200:
            raise InvalidInput("the partner's client id has 1 to 200 characters", "client_id")
        if not client_secret:
            raise InvalidInput("the partner's client secret is empty", "client_secret")
        with self.ctx.work(actor) as w:
            existing = w.session.get(PactPartner, base)
            before = record_sha256(existing) if existing is not None else None
            row = existing or PactPartner(source=base, client_id=client_id, sealed_secret=b"", created_at=w.now)
            row.client_id, row.sealed_secret = client_id, self.seal_partner_secret(base, client_secret)
            row.for_client = for_client
            w.session.add(row)
            w.session.flush()
            w.audit("pact.partner.replace" if existing else "pact.partner.add", row, base, before)
        return base
