"""Witnesses of the log: registered by an administrator, they send cosignatures of the checkpoints they have
checked (``pcf log witness``); the registry keeps and serves them, and says how many independent witnesses have
seen a label's log entry (a cosigned checkpoint larger than the entry's index).

A cosignature is accepted only from a registered witness, only for a checkpoint the registry signed, and only if
it verifies (:mod:`registry.trust.tlog.cosign`). Each accepted cosignature is audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from registry.accounts.actors import Actor
from registry.errors import Conflict, InvalidInput, NotFound
from registry.log import store as tlog_store
from registry.store.tables import Checkpoint, Cosignature, Witness
from registry.trust.tlog import cosign
from registry.work import RegistryContext

#: Cosignatures kept per witness (the newest; older ones add nothing a newer one does not say).
KEEP_PER_WITNESS = 1000


def checkpoint_body(note: str) -> str:
    """The body of a signed checkpoint note: its text up to the blank line before the signatures."""
    body, sep, _ = note.partition("\n\n")
    if not sep:
        raise ValueError("not a signed note")
    return body + "\n"


class Witnesses:
    """Register witnesses, accept their cosignatures, count who has seen what."""

    def __init__(self, ctx: RegistryContext) -> None:
        self.ctx = ctx

    def add_witness(self, actor: Actor, vkey: str) -> str:
        """Register a witness by its verifier key (``<name>+<key id>+<base64(0x04 || key)>``); returns its name.

        Raises:
            InvalidInput: not a cosignature/v1 verifier key. Conflict: another key has this name.
        """
        actor.require("admin")
        try:
            name, public_raw = cosign.parse_witness_vkey(vkey)
        except ValueError as exc:
            raise InvalidInput(f"not a witness verifier key: {exc}", "vkey") from None
        with self.ctx.work(actor) as w:
            existing = w.session.get(Witness, name)
            if existing is not None and existing.public_key != public_raw:
                raise Conflict(f"a witness named {name} has another key", "vkey")
            if existing is None:
                row = Witness(name=name, public_key=public_raw, created_at=w.now)
                w.session.add(row)
                w.session.flush()
                w.audit("witness.add", row, name)
        return name

    def accept(self, name: str, size: int, line: str) -> dict[str, Any]:
        """Accept the cosignature ``line`` of the registered witness ``name`` on the checkpoint of ``size``.

        Raises:
            NotFound: no such witness, or no checkpoint of that size. InvalidInput: the cosignature does not
                verify (``field`` ``cosignature``).
        """
        if len(line) > 400:
            raise InvalidInput("a cosignature line has at most 400 characters", "cosignature")
        with self.ctx.read() as s:
            witness = s.get(Witness, name)
            cp = tlog_store.checkpoint_at(s, size)
        if witness is None:
            raise NotFound(f"no registered witness {name[:80]!r}", "witness")
        if cp is None:
            raise NotFound(f"no checkpoint of size {size}", "size")
        opened = cosign.open_cosignature(checkpoint_body(cp.note), line, name, witness.public_key)
        if not opened.valid or opened.timestamp is None:
            raise InvalidInput(f"the cosignature does not verify: {opened.detail}", "cosignature")
        with self.ctx.work(Actor("witness", "witness", f"witness:{name}"[:80])) as w:
            s = w.session
            same = s.exec(select(Cosignature).where(Cosignature.witness == name, Cosignature.size == size)).first()
            if same is not None:
                return {"witness": name, "size": size, "accepted": "already"}
            row = Cosignature(witness=name, size=size, root=cp.root, line=line, timestamp=opened.timestamp,
                              created_at=w.now)
            s.add(row)
            s.flush()
            w.audit("witness.cosign", row, f"{name}@{size}")
            old = list(s.exec(select(Cosignature.id).where(Cosignature.witness == name)
                              .order_by(col(Cosignature.size).desc()).offset(KEEP_PER_WITNESS)))
            for old_id in old:
                stale = s.get(Cosignature, old_id)
                if stale is not None:
                    s.delete(stale)
        return {"witness": name, "size": size, "accepted": "new"}

    def of_checkpoint(self, size: int) -> list[str]:
        """The cosignature lines of the checkpoint of ``size``."""
        with self.ctx.read() as s:
            return list(s.exec(select(Cosignature.line).where(Cosignature.size == size).order_by(Cosignature.witness)))

    def seen_by(self, log_index: int) -> int:
        """How many registered witnesses have cosigned a checkpoint that includes the leaf ``log_index``."""
        with self.ctx.read() as s:
            return int(s.exec(select(func.count(func.distinct(Cosignature.witness)))
                              .where(Cosignature.size > log_index)).one())

    def latest_checkpoint(self) -> Checkpoint | None:
        with self.ctx.read() as s:
            return tlog_store.latest_checkpoint(s)
