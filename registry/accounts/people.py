"""People who sign in to the web platform, their sessions and CSRF tokens: use cases over ``person`` and
``web_session``.

- Passwords: Argon2id (argon2-cffi's RFC 9106 "low memory" defaults: t=3, m=64 MiB, p=4); only the encoded hash is
  stored, and a hash made with older parameters is replaced at the next sign-in.
- Sign-in answers one uniform error for an unknown e-mail, a wrong password and a disabled person (an unknown
  e-mail is checked against a dummy hash, so the time taken does not tell either). Failed attempts are counted in
  memory per e-mail and per client address: 5 per e-mail or 30 per address within 15 minutes, then sign-in is
  refused until the window passes (:class:`TooManyAttempts`). A process restart forgets the counts; several
  workers each count their own (a shared limiter would be the next step).
- Sessions: the cookie carries a random 256-bit secret; the table keeps only its SHA-256, the person, the CSRF
  token (synchroniser token, 256 bits) and an absolute expiry (12 hours by default). Signing out revokes the row.

Every change writes an audit event (``person.create``, ``session.create``, ``session.revoke``, ``log.verify``) in
the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import select

from registry.accounts.actors import SYSTEM, Actor
from registry.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from registry.ids import new_id
from registry.log.service import Log
from registry.store.tables import ApiToken, AuditEvent, Organisation, Person, WebSession
from registry.work import RegistryContext, record_sha256

SESSION_HOURS = 12
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # Argon2 takes any length; a bound keeps a huge body from costing CPU before the check
EMAIL_TAKEN = "a person with this e-mail exists already"
#: Argon2 checks run at once per process (each takes ~64 MiB and tens of ms); others wait up to HASH_QUEUE_S.
MAX_CONCURRENT_HASHES = 4
HASH_QUEUE_S = 10.0
EMAIL_RE = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']+\.[^@\s<>\"']+$")


class SignInFailed(Unauthenticated):
    """The e-mail and password do not match a person who may sign in (one message for every cause)."""

    code = "sign-in-failed"


class TooManyAttempts(Unauthenticated):
    """Too many failed sign-ins for this e-mail or this address; ``retry_after`` seconds to wait."""

    code = "too-many-attempts"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, "email")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class WebIdentity:
    """A signed-in person, their organisation, and the session's CSRF token."""

    person: Person
    organisation: Organisation
    csrf_token: str
    expires_at: datetime

    @property
    def actor(self) -> Actor:
        """The actor of the registry's use cases: the organisation in its role, the person for the audit trail."""
        return Actor(self.organisation.id, self.organisation.role, self.person.id)


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just created: ``secret`` goes into the cookie and is never stored."""

    secret: str
    identity: WebIdentity


class Throttle:
    """Failed attempts per key in a sliding window, in memory (bounded: the oldest keys are dropped)."""

    def __init__(self, limit: int, window_s: float, max_keys: int = 100_000) -> None:
        self.limit, self.window_s, self.max_keys = limit, window_s, max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.get(key, deque())
        while hits and hits[0] <= now - self.window_s:
            hits.popleft()
        return hits

    def blocked_for(self, key: str, now: float | None = None) -> int:
        """Seconds until ``key`` may try again (0: it may now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._recent(key, now)
            if len(hits) < self.limit:
                return 0
            return max(1, int(hits[0] + self.window_s - now) + 1)

    def admit(self, key: str, now: float | None = None) -> int:
        """Count an attempt for ``key`` if it may try now, in one step (so that concurrent attempts cannot all pass
        the check before any is counted). Returns 0 when admitted and counted, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._recent(key, now)
            if len(hits) >= self.limit:
                return max(1, int(hits[0] + self.window_s - now) + 1)
            hits.append(now)
            self._hits.pop(key, None)
            self._hits[key] = hits
            while len(self._hits) > self.max_keys:
                self._hits.pop(next(iter(self._hits)))
            return 0

    def forget_one(self, key: str) -> None:
        """Take back the newest attempt counted for ``key`` (it succeeded)."""
        with self._lock:
            hits = self._hits.get(key)
            if hits:
                hits.pop()

    def hit(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._recent(key, now)
            hits.append(now)
            self._hits.pop(key, None)
            self._hits[key] = hits  # most recent last, so the oldest keys go first
            while len(self._hits) > self.max_keys:
                self._hits.pop(next(iter(self._hits)))

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


def normalise_email(email: str) -> str:
    """The e-mail as stored: trimmed and lower-case.

    Raises:
        InvalidInput: not an e-mail address (field ``email``).
    """
    email = (email or "").strip().lower()
    if len(email) > 254 or not EMAIL_RE.match(email):
        raise InvalidInput("enter an e-mail address such as name@example.com", "email")
    return email


def check_password_rules(password: str) -> None:
    """A new password: 12 to 1024 characters.

    Raises:
        InvalidInput: too short or too long (field ``password``).
    """
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD} characters", "password")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"a password has at most {MAX_PASSWORD} characters", "password")


def generate_password() -> str:
    """A random password of 20 URL-safe characters (120 bits)."""
    return secrets.token_urlsafe(15)


def session_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


class Accounts:
    """People, sessions and CSRF tokens over the registry's database (one object per process).

    Args:
        ctx: the registry's context (its database and clock).
        log: the log service (an administrator's full log verification is recorded here).
        hasher: the Argon2id hasher (tests may pass cheaper parameters).
        session_hours: absolute lifetime of a session.
        per_email: failed sign-ins allowed per e-mail in ``window_s``; ``per_address`` per client address.
    """

    def __init__(self, ctx: RegistryContext, log: Log, *, hasher: PasswordHasher | None = None,
                 session_hours: float = SESSION_HOURS, per_email: int = 5, per_address: int = 30,
                 window_s: float = 900) -> None:
        self.ctx = ctx
        self.log = log
        self.hasher = hasher or PasswordHasher()  # argon2id by default
        self.session_hours = session_hours
        self.by_email = Throttle(per_email, window_s)
        self.by_address = Throttle(per_address, window_s)
        self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))
        self._hashing = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)

    def _now(self) -> datetime:
        return self.ctx.clock()

    # ------------------------------------------------------------------------------------------- people
    def add_person(self, actor: Actor, *, org_id: str, email: str, password: str, name: str = "") -> Person:
        """A person of ``org_id`` who signs in with ``email`` and ``password`` (administrators only).

        Raises:
            InvalidInput: a malformed e-mail, a short password or a long name (``field`` names it).
            NotFound: no organisation ``org_id``. Conflict: the e-mail is taken.
        """
        actor.require("admin")
        for field, message in self.person_errors(org_id=org_id, email=email, password=password, name=name).items():
            if field == "org_id":
                raise NotFound(f"no organisation {org_id}", "org_id")
            raise (Conflict if message == EMAIL_TAKEN else InvalidInput)(message, field)
        email = normalise_email(email)
        with self.ctx.work(actor) as w:
            if w.session.exec(select(Person).where(Person.email == email)).first() is not None:
                raise Conflict(EMAIL_TAKEN, "email")
            person = Person(id=new_id("psn"), org_id=org_id, email=email, name=name.strip(),
                            password_hash=self.hasher.hash(password), created_at=w.now)
            w.session.add(person)
            w.session.flush()
            w.audit("person.create", person, person.id)
            return person

    def person_errors(self, *, org_id: str, email: str, password: str, name: str = "") -> dict[str, str]:
        """Every problem of a new person's fields, by field (empty: none); nothing is stored."""
        errors: dict[str, str] = {}
        try:
            email = normalise_email(email)
        except InvalidInput as e:
            errors["email"] = e.message
        try:
            check_password_rules(password)
        except InvalidInput as e:
            errors["password"] = e.message
        if len(name) > 200:
            errors["name"] = "a name has at most 200 characters"
        with self.ctx.read() as s:
            if not org_id or s.get(Organisation, org_id) is None:
                errors["org_id"] = "choose an organisation"
            if "email" not in errors and s.exec(select(Person).where(Person.email == email)).first() is not None:
                errors["email"] = EMAIL_TAKEN
        return errors

    def people(self, actor: Actor) -> list[tuple[Person, Organisation]]:
        """Every person with their organisation (administrators), or the people of the actor's organisation."""
        with self.ctx.read() as s:
            q = select(Person, Organisation).join(Organisation, Organisation.id == Person.org_id)  # type: ignore[arg-type]
            if actor.role != "admin":
                q = q.where(Person.org_id == actor.org_id)
            return list(s.exec(q.order_by(Person.created_at)))  # type: ignore[arg-type]

    def organisations(self, actor: Actor) -> list[Organisation]:
        """Every organisation (administrators only)."""
        actor.require("admin")
        with self.ctx.read() as s:
            return list(s.exec(select(Organisation).order_by(Organisation.created_at)))  # type: ignore[arg-type]

    def tokens(self, actor: Actor) -> list[ApiToken]:
        """The API tokens of the actor's organisation (every token for administrators), newest first."""
        with self.ctx.read() as s:
            q = select(ApiToken).order_by(ApiToken.created_at.desc())  # type: ignore[attr-defined]
            if actor.role != "admin":
                q = q.where(ApiToken.org_id == actor.org_id)
            return list(s.exec(q))

    # ----------------------------------------------------------------------------------------- sign-in
    def sign_in(self, email: str, password: str, *, address: str = "") -> NewSession:
        """Check the e-mail and password and open a session.

        Raises:
            TooManyAttempts: too many failures for this e-mail or address lately (nothing is checked).
            SignInFailed: unknown e-mail, wrong password or disabled person (one message).
        """
        key = (email or "").strip().lower()[:254]
        # Every attempt is counted before the password hash is computed (Argon2 is the expensive part), in one
        # step with the check, so that concurrent guesses at one e-mail cannot all get through.
        wait = self.by_email.admit("e:" + key)
        if not wait:
            wait = self.by_address.admit("a:" + address)
            if wait:
                self.by_email.forget_one("e:" + key)
        if wait:
            raise TooManyAttempts(f"too many failed sign-ins: try again in {(wait + 59) // 60} minutes", wait)
        password = password if isinstance(password, str) else ""
        with self.ctx.read() as s:
            person = s.exec(select(Person).where(Person.email == key)).first() if key else None
        if not self._hashing.acquire(timeout=HASH_QUEUE_S):  # a bounded number of Argon2 checks at once
            raise TooManyAttempts("the sign-in service is busy: try again in a minute", 60)
        ok = False
        try:
            ok = self.hasher.verify(person.password_hash if person else self._dummy_hash, password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            ok = False
        finally:
            self._hashing.release()
        if not ok or person is None or person.disabled_at is not None:
            raise SignInFailed("the e-mail address or the password is not right", "email")
        self.by_email.clear("e:" + key)
        self.by_address.forget_one("a:" + address)
        if self.hasher.check_needs_rehash(person.password_hash):
            self._rehash(person, password)
        return self._open_session(person)

    def _rehash(self, person: Person, password: str) -> None:
        with self.ctx.work(Actor(person.org_id, "person", person.id)) as w:
            row = w.session.get(Person, person.id)
            if row is not None:
                before = record_sha256(row)
                row.password_hash = self.hasher.hash(password)
                w.session.add(row)
                w.audit("person.rehash", row, row.id, before)

    def _open_session(self, person: Person) -> NewSession:
        secret = secrets.token_urlsafe(32)  # 256 bits
        now = self._now()
        with self.ctx.read() as s:
            org = s.get(Organisation, person.org_id)
        assert org is not None
        who = Actor(org.id, org.role, person.id)
        with self.ctx.work(who) as w:
            row = WebSession(id_sha256=session_digest(secret), person_id=person.id, csrf_token=secrets.token_hex(32),
                             created_at=now, expires_at=now + timedelta(hours=self.session_hours))
            w.session.add(row)
            w.session.flush()
            w.audit("session.create", row, person.id)
        return NewSession(secret, WebIdentity(person, org, row.csrf_token, row.expires_at))

    def identity(self, secret: str | None) -> WebIdentity | None:
        """The person signed in with this cookie secret, or None (unknown, expired, revoked, person disabled)."""
        if not secret or len(secret) > 200:
            return None
        with self.ctx.read() as s:
            row = s.get(WebSession, session_digest(secret))
            if row is None or row.revoked_at is not None or _aware(row.expires_at) <= self._now():
                return None
            person = s.get(Person, row.person_id)
            if person is None or person.disabled_at is not None:
                return None
            org = s.get(Organisation, person.org_id)
            if org is None:
                return None
            return WebIdentity(person, org, row.csrf_token, _aware(row.expires_at))

    def sign_out(self, secret: str) -> None:
        """Revoke the session of this cookie secret (nothing happens for an unknown one)."""
        with self.ctx.work(SYSTEM) as w:
            s = w.session
            row = s.get(WebSession, session_digest(secret))
            if row is None or row.revoked_at is not None:
                return
            before = record_sha256(row)
            row.revoked_at = w.now
            s.add(row)
            person = s.get(Person, row.person_id)
            org = s.get(Organisation, person.org_id) if person else None
            who = Actor(org.id, org.role, row.person_id) if org else Actor("?", "?", row.person_id)
            w.audit("session.revoke", row, row.person_id, before, actor=who)

    @staticmethod
    def csrf_ok(identity: WebIdentity, token: str | None) -> bool:
        """Whether a form's token is the session's (constant-time comparison)."""
        return bool(token) and hmac.compare_digest(identity.csrf_token.encode(), str(token).encode())

    # ------------------------------------------------------------------------------------- log health
    def verify_log_now(self, actor: Actor) -> dict[str, Any]:
        """Run the registry's full log verification and record its outcome (administrators only)."""
        actor.require("admin")
        report = self.log.verify_log()
        with self.ctx.work(actor) as w:
            if w.session.get(Organisation, actor.org_id) is None:
                raise Forbidden("unknown organisation")
            summary = {k: report[k] for k in ("ok", "tree_size", "checkpoints", "labels")}
            w.audit("log.verify", None, "log", object_type="log", **summary, problems=report["problems"][:20])
        return report

    def last_log_verification(self) -> dict[str, Any] | None:
        """The latest recorded full verification: when, by whom, and its outcome; None if never run."""
        with self.ctx.read() as s:
            ev = s.exec(select(AuditEvent).where(AuditEvent.action == "log.verify")
                        .order_by(AuditEvent.id.desc()).limit(1)).first()  # type: ignore[union-attr]
        if ev is None:
            return None
        return {"at": _aware(ev.at), "by": ev.actor, **json.loads(ev.detail)}


def _aware(dt: datetime) -> datetime:
    from datetime import UTC

    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
