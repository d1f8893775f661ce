"""One way to write a use case: the registry's context and its unit of work.

Every use case of every service (certification, keys, accounts, PACT, surveillance...) is a method that opens one
unit of work, changes rows, and records what it did::

    with self.ctx.work(actor) as w:
        row = w.session.get(Thing, thing_id)
        before = record_sha256(row)
        ...change row...
        w.audit("thing.change", row, thing_id, before, reason=reason)
        w.log({"thing_id": thing_id, ...}, "thing.changed", thing_id)   # where the public log records it

The state change, its audit event and its log leaf commit together or not at all. Reads open
:meth:`RegistryContext.read` (on SQLite a deferred transaction that takes no write lock).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session

from registry.accounts.actors import Actor, utcnow
from registry.keys import custody
from registry.log import store as log_store
from registry.store.db import read_only
from registry.store.tables import AuditEvent


def record_sha256(row: Any) -> str:
    """SHA-256 of a row's columns as sorted-key compact JSON (the audit trail's before/after hashes; bytes as
    base64, times in ISO 8601). Plain ``json`` rather than RFC 8785: rows hold long JSON texts, which rfc8785
    escapes character by character (~1 ms a row), and the columns are strings, integers and ISO times only."""
    data = {k: (base64.b64encode(v).decode() if isinstance(v, bytes)
                else v.isoformat() if isinstance(v, datetime | date) else v)
            for k, v in row.model_dump().items()}
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode()).hexdigest()


@dataclass
class RegistryContext:
    """What every service of the registry shares.

    Attributes:
        engine: the database (migrated).
        secret: the master secret that seals private keys at rest.
        origin: the log's origin line in checkpoints, e.g. ``pcf-registry.example/log``.
        release: the factor release new declarations are pinned to.
        clock: the time source (tests move it).
    """

    engine: Engine
    secret: bytes
    origin: str = "pcf-registry.local/log"
    release: str = ""
    clock: Callable[[], datetime] = utcnow
    read_engine: Engine = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.release:
            from factors_db.release import DEFAULT_RELEASE

            self.release = DEFAULT_RELEASE
        self.read_engine = read_only(self.engine)

    @contextmanager
    def work(self, actor: Actor) -> Iterator[Work]:
        """One unit of work: committed on success (with its audit events and log leaves), rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            yield Work(self, s, actor)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session that only reads (no write lock on SQLite; sees the last commit)."""
        with Session(self.read_engine) as s:
            yield s


@dataclass
class Work:
    """A use case's transaction: its session, who acts, and how it records what it did."""

    ctx: RegistryContext
    session: Session
    actor: Actor

    @property
    def now(self) -> datetime:
        return self.ctx.clock()

    def audit(self, action: str, obj: Any, obj_id: str, before: str | None = None, *, actor: Actor | None = None,
              object_type: str | None = None, **detail: Any) -> None:
        """The audit event of a change: who, what, the object's hashes before and after, and details.

        ``obj`` is the changed row (its after-hash is recorded), or None for an action on no row (then give
        ``object_type``)."""
        who = actor or self.actor
        self.session.execute(insert(AuditEvent), [{
            "at": self.now, "actor_org": who.org_id, "actor": who.who[:80], "action": action,
            "object_type": object_type or type(obj).__tablename__, "object_id": obj_id, "before_sha256": before,
            "after_sha256": record_sha256(obj) if obj is not None else None,
            "detail": json.dumps(detail, ensure_ascii=False, default=str)}])

    def lock_log(self) -> None:
        """Take the log head's lock (serialises label numbers and log indexes across processes)."""
        log_store.lock_head(self.session)

    def log(self, event: dict[str, Any], kind: str, subject: str, *, checkpoint: bool = True) -> int:
        """Append a leaf to the transparency log in this transaction; sign a checkpoint unless a batch signs one
        at its end (:meth:`checkpoint`). Returns the leaf's index."""
        index = log_store.append(self.session, {"v": 1, "type": kind, **event}, kind=kind, subject=subject,
                                 now=self.now)
        if checkpoint:
            self.checkpoint()
        return index

    def checkpoint(self) -> None:
        """Sign a checkpoint of the log as it stands in this transaction, with the registry's key."""
        row = custody.current_key(self.session, custody.REGISTRY_ORG)
        log_store.sign_checkpoint(self.session, now=self.now, origin=self.ctx.origin, key_name=self.ctx.origin,
                                  key=custody.private_key(row, self.ctx.secret))
