"""A certifier's review of submitted declarations: reject, or approve and issue a signed, logged label.

Signing: the registry signs a label with the certifier's sealed key, or, when the certifier keeps its own key
(registered with :meth:`registry.keys.service.Keys.rotate_key` and a public key), the certifier signs:
:meth:`Review.prepare` fixes the claim and reserves its label number, :meth:`Review.approve` with the two
signatures issues it (:mod:`registry.trust.external_signing`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import rfc8785
from sqlmodel import col, select

from registry.accounts.actors import Actor
from registry.certification import issuance
from registry.certification.declarations import visible_declaration
from registry.certification.status import reason_text
from registry.errors import Conflict, InvalidInput, KeyUnavailable
from registry.keys import custody
from registry.store.tables import Declaration, Label, SigningKey
from registry.trust import external_signing, payload, signing
from registry.work import RegistryContext, Work, record_sha256

PENDING_CLAIM_TTL = issuance.PENDING_CLAIM_TTL


class Review:
    """Certifiers review submitted declarations."""

    def __init__(self, ctx: RegistryContext) -> None:
        self.ctx = ctx

    def reject(self, actor: Actor, declaration_id: str, reason: str) -> Declaration:
        """Send a submitted declaration back with a reason."""
        actor.require("certifier")
        reason = reason_text(reason)
        with self.ctx.work(actor) as w:
            dec = visible_declaration(w.session, actor, declaration_id)
            if dec.status != "submitted":
                raise Conflict(f"declaration {dec.id} is {dec.status}; only a submitted one is reviewed", "status")
            before = record_sha256(dec)
            dec.status, dec.comments = "rejected", reason
            dec.pending_claim = None  # a new claim is prepared after resubmission; pending_label_id stays reserved
            dec.decided_at, dec.decided_by = w.now, actor.org_id
            w.session.add(dec)
            w.audit("declaration.reject", dec, dec.id, before, reason=reason)
            return dec

    def approve(self, actor: Actor, declaration_id: str, comment: str = "", *, signature: bytes | str | None = None,
                payload_signature: bytes | str | None = None) -> Label:
        """Certify a submitted declaration: issue a signed label, log it, supersede the product's previous label.

        A certifier whose current key is sealed in the registry approves in one step (no signatures: the registry
        signs). A certifier that keeps its own key first calls :meth:`prepare`, signs the two byte strings it
        answers, and passes both signatures here; the label is issued with exactly the pending claim.

        Args:
            signature: Ed25519 over the pending claim's RFC 8785 JSON (``to_sign``): bytes or base64 text.
            payload_signature: Ed25519 over the pending claim's COSE Sig_structure (``payload_to_sign``): bytes
                or base64 text.

        Raises:
            KeyUnavailable: the certifier keeps its key and sent no signatures: prepare and sign first.
            InvalidInput: a signature is missing, malformed or does not verify (``field``: ``signature`` or
                ``payload_signature``); or signatures were sent although the registry keeps the key. Nothing is
                written.
            Conflict: the declaration is not submitted, has no pending claim, or its pending claim is out of
                date (prepare again).
        """
        if signature is None and payload_signature is None:
            return self.approve_many(actor, [declaration_id], comment)[0]
        actor.require("certifier")
        with self.ctx.work(actor) as w:
            w.lock_log()  # as approve_many: label numbers and log indexes stay gap-free
            label = self._approve_one(w, declaration_id, comment, (signature, payload_signature))
            w.checkpoint()
            return label

    def approve_many(self, actor: Actor, declaration_ids: list[str], comment: str = "") -> list[Label]:
        """Certify several submitted declarations in one unit of work (one durable commit, one signed checkpoint):
        a certifier clearing its queue. All or nothing: one refused declaration refuses the batch. Only for a
        certifier whose key the registry keeps (one that keeps its own signs each claim: :meth:`approve`)."""
        actor.require("certifier")
        if not 1 <= len(declaration_ids) <= 1000 or len(set(declaration_ids)) != len(declaration_ids):
            raise InvalidInput("give 1-1000 distinct declaration ids", "declaration_ids")
        with self.ctx.work(actor) as w:
            w.lock_log()  # serialises issuance: label numbers and log indexes stay gap-free
            # one query loads the batch (held here: the session's identity map is weak), then each look-up hits it
            loaded = list(w.session.exec(select(Declaration).where(col(Declaration.id).in_(declaration_ids))))
            labels = [self._approve_one(w, dec_id, comment) for dec_id in declaration_ids]
            del loaded
            w.checkpoint()
            return labels

    def prepare(self, actor: Actor, declaration_id: str) -> external_signing.Prepared:
        """Fix the claim of a submitted declaration for a certifier that keeps its own key to sign (step 1 of 2).

        The claim is built as a one-step approval would build it now: the label number is reserved (allocated
        under the log-head lock like every issuance, and recorded on the declaration as ``pending_label_id``), and
        ``issued_at``, validity, version and the certifier's current key id are fixed. The claim is stored as the
        declaration's ``pending_claim`` and answered with the two byte strings to sign. Preparing again answers
        the same claim while it is current (same certifier and key, same previous label, younger than
        :data:`PENDING_CLAIM_TTL`); otherwise a new claim with the same label number replaces it.

        A reserved number is never given to another declaration: if the declaration is rejected, or never
        approved, its number stays unused (the one gap label numbers can have); when it is resubmitted, its
        label gets that number. Nothing is logged: the log records issuance, not intent.

        Raises:
            Conflict: the declaration is not submitted, or the registry keeps the certifier's key (approve directly).
            CitationNotActive: a cited supplier label is no longer active.
        """
        actor.require("certifier")
        with self.ctx.work(actor) as w:
            s = w.session
            w.lock_log()  # label numbers are allocated under the same lock as issuance
            dec = self._reviewable(w, declaration_id)
            key_row = custody.current_key(s, actor.org_id)
            if key_row.sealed_private_key is not None:
                raise Conflict(f"the registry keeps key {key_row.key_id} and signs with it: approve directly, "
                               "without preparing", "key_id")
            now = w.now
            claim, _, stale = self._pending(w, dec, key_row)
            if claim is None:
                before = record_sha256(dec)
                label_id = dec.pending_label_id or issuance.next_label_id(s, now.year)
                claim, _ = issuance.build_claim(s, actor, dec, key_row, label_id, now)
                dec.pending_label_id, dec.pending_claim = label_id, rfc8785.dumps(claim).decode()
                s.add(dec)
                replaced: dict[str, Any] = {"replaces": stale} if stale else {}
                w.audit("declaration.prepare", dec, dec.id, before, label_id=label_id, key_id=key_row.key_id,
                        **replaced)
            tbs = external_signing.to_be_signed(claim)
            return external_signing.Prepared(dec.id, claim, tbs.statement, tbs.payload)

    def _reviewable(self, w: Work, declaration_id: str) -> Declaration:
        """A submitted declaration the certifier may certify, its cited supplier labels still active."""
        dec = visible_declaration(w.session, w.actor, declaration_id)
        if dec.status != "submitted":
            raise Conflict(f"declaration {dec.id} is {dec.status}; only a submitted one is certified", "status")
        # Recomputed at submission with the pinned (immutable) release; what can change since is the status
        # of the cited supplier labels, checked again here.
        issuance.check_citations(w.session, dec, w.now.date())
        return dec

    def _pending(self, w: Work, dec: Declaration,
                 key_row: SigningKey) -> tuple[dict[str, Any] | None, Label | None, str]:
        """The declaration's pending claim and the product's previous label when the claim is still current,
        else ``(None, None, why not)``. Current: prepared for this certifier and its current key, younger than
        :data:`PENDING_CLAIM_TTL`, and equal to the claim that would be built now at its ``issued_at`` (so the
        version and the superseded label still hold)."""
        if dec.pending_claim is None:
            return None, None, ""
        claim = json.loads(dec.pending_claim)
        issued = datetime.fromtimestamp(claim["issued_at"], UTC)
        if claim["certifier_id"] != w.actor.org_id:
            return None, None, f"prepared for {claim['certifier_id']}"
        if claim["key_id"] != key_row.key_id:
            return None, None, f"prepared for key {claim['key_id']}, now retired"
        if w.now - issued > PENDING_CLAIM_TTL:
            return None, None, f"prepared more than {PENDING_CLAIM_TTL} ago"
        fresh, previous = issuance.build_claim(w.session, w.actor, dec, key_row, claim["label_id"], issued)
        if fresh != claim:
            return None, None, "the product's labels changed since"
        return claim, previous, ""

    def _approve_one(self, w: Work, declaration_id: str, comment: str,
                     signatures: tuple[bytes | str | None, bytes | str | None] | None = None) -> Label:
        s, actor = w.session, w.actor
        dec = self._reviewable(w, declaration_id)
        now = w.now
        key_row = custody.current_key(s, actor.org_id)
        if key_row.sealed_private_key is not None:
            if signatures is not None:
                raise InvalidInput(f"the registry keeps key {key_row.key_id} and signs with it: approve without "
                                   "signatures", "signature")
            # a number reserved by an earlier prepare (for this declaration only) is used, else the next one
            label_id = dec.pending_label_id or issuance.next_label_id(s, now.year)
            claim, previous = issuance.build_claim(s, actor, dec, key_row, label_id, now)
            private = custody.private_key(key_row, self.ctx.secret)
            sig, text = signing.sign_claim(claim, private), payload.encode_payload(claim, private)
        else:
            if signatures is None:
                raise KeyUnavailable(
                    f"{actor.org_id} keeps key {key_row.key_id} itself: prepare declaration {dec.id}, sign its "
                    "to_sign and payload_to_sign, and approve with signature and payload_signature", "signature")
            pending, previous, stale = self._pending(w, dec, key_row)
            if pending is None:
                why = f"its pending claim is out of date ({stale})" if stale else "it has no pending claim"
                raise Conflict(f"declaration {dec.id}: {why}; prepare it and sign the claim it answers",
                               "pending_claim")
            claim = pending
            text = external_signing.accept(claim, key_row.public_key, *signatures)
            sig = external_signing.signature_bytes(signatures[0], "signature")
        return issuance.issue(w, dec, claim, previous, sig, text, comment)
