"""Organisations (manufacturers, certifiers, the registry's admins) and their API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import select

from label.model import LIMITS, text_problem
from registry.accounts.actors import Actor
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from registry.ids import new_id, uscc
from registry.keys.service import create_key
from registry.store.tables import ROLES, ApiToken, Organisation

__all__ = ["ROLES", "Organisations", "aware"]
from registry.work import RegistryContext, record_sha256


def aware(dt: datetime) -> datetime:
    """A stored time as an aware UTC time (SQLite returns naive times)."""
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class Organisations:
    """Organisations and their bearer tokens."""

    def __init__(self, ctx: RegistryContext) -> None:
        self.ctx = ctx

    def create_organisation(self, actor: Actor, *, role: str, name_zh: str, name_en: str, org_id: str | None = None,
                            uscc_code: str | None = None, accreditation_no: str | None = None) -> Organisation:
        """A new organisation (admin only); a certifier also gets its first signing key."""
        actor.require("admin")
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}", "role")
        if not name_zh.strip() and not name_en.strip():
            raise InvalidInput("an organisation needs a name in Chinese or English", "name_zh")
        for field_name, text in (("name_zh", name_zh.strip()), ("name_en", name_en.strip())):
            problem = text_problem(text, LIMITS["manufacturer"]) if text else None
            if problem is not None:  # printed on labels (label.model.LIMITS)
                raise InvalidInput(f"the organisation's name {problem}", field_name)
        if role == "certifier" and not accreditation_no:
            raise InvalidInput("a certifier needs its accreditation number (CNAS or CNCA approval)", "accreditation_no")
        with self.ctx.work(actor) as w:
            s = w.session
            org = Organisation(id=org_id or new_id("org"), role=role, name_zh=name_zh.strip(), name_en=name_en.strip(),
                               uscc=uscc(uscc_code) if uscc_code else None, accreditation_no=accreditation_no,
                               created_at=w.now)
            if s.get(Organisation, org.id) is not None:
                raise Conflict(f"organisation {org.id} exists", "id")
            if org.uscc and s.exec(select(Organisation).where(Organisation.uscc == org.uscc)).first():
                raise Conflict(f"an organisation with unified social credit code {org.uscc} exists", "uscc")
            s.add(org)
            s.flush()
            w.audit("organisation.create", org, org.id)
            if role == "certifier":
                create_key(w, org.id)
            return org

    def exists(self, org_id: str) -> bool:
        """Whether an organisation with this id exists."""
        with self.ctx.read() as s:
            return s.get(Organisation, org_id) is not None

    def create_token(self, actor: Actor, org_id: str, *, name: str = "", days: int | None = 365) -> tuple[ApiToken, str]:
        """A bearer token for ``org_id`` (its own admin or the registry admin). Returns the row and the secret,
        shown once: only its SHA-256 is stored."""
        if actor.role != "admin" and actor.org_id != org_id:
            raise Forbidden("only an administrator creates tokens for another organisation")
        if days is not None and not 1 <= days <= 3650:
            raise InvalidInput("a token lives 1-3650 days", "days")
        with self.ctx.work(actor) as w:
            org = w.session.get(Organisation, org_id)
            if org is None:
                raise NotFound(f"no organisation {org_id!r}", "org_id")
            tid = new_id("tok")
            secret = f"pcf_{tid}_{secrets.token_urlsafe(32)}"
            row = ApiToken(id=tid, org_id=org_id, role=org.role, name=name[:100], created_at=w.now,
                           secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
                           expires_at=w.now + timedelta(days=days) if days else None)
            w.session.add(row)
            w.session.flush()
            w.audit("token.create", row, tid)
            return row, secret

    def revoke_token(self, actor: Actor, token_id: str) -> ApiToken:
        """Revoke a token (its organisation or the registry admin)."""
        with self.ctx.work(actor) as w:
            row = w.session.get(ApiToken, token_id)
            if row is None or (actor.role != "admin" and row.org_id != actor.org_id):
                raise NotFound(f"no token {token_id!r}", "token_id")
            before = record_sha256(row)
            row.revoked_at = row.revoked_at or w.now
            w.session.add(row)
            w.audit("token.revoke", row, token_id, before)
            return row

    def authenticate(self, bearer: str) -> Actor:
        """The actor a bearer token stands for.

        Raises:
            Unauthenticated: unknown, expired or revoked token.
        """
        digest = hashlib.sha256(bearer.encode("utf-8", "replace")).hexdigest()
        with self.ctx.read() as s:
            row = s.exec(select(ApiToken).where(ApiToken.secret_sha256 == digest)).first()
        if row is None:
            raise Unauthenticated("unknown token")
        if row.revoked_at is not None:
            raise Unauthenticated("this token was revoked")
        if row.expires_at is not None and aware(row.expires_at) <= self.ctx.clock():
            raise Unauthenticated("this token has expired")
        return Actor(row.org_id, row.role, row.id)
