"""The registry's use cases: one method, one transaction.

Manufacturers create products and declarations and submit them; the server recomputes every footprint from the
product file with the pinned factor release and checks the category rule. Certifiers approve (a signed label is
issued and logged) or reject; they suspend, reinstate and revoke labels. A new certified declaration of the same
product supersedes its previous label. Expiry follows from the dates (no scheduler). Every state change writes
its audit event and, for labels and keys, a transparency-log leaf in the same transaction.

Signing: the registry signs a label with the certifier's sealed key, or, when the certifier keeps its own key
(registered with ``rotate_key(public_key=...)``), the certifier signs: ``prepare`` fixes the claim and reserves
its label number, ``approve`` with the two signatures issues it (:mod:`registry.external_signing`).

Visibility: a manufacturer sees only its own unpublished work (another organisation's draft is "not found");
certifiers see submitted declarations; everyone sees issued labels and their history.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine, func, insert
from sqlmodel import Session, col, select

from factors_db.release import factor_set
from footprint.calculate import STANDARD, calculate
from footprint.model import Result
from footprint.products import to_spec
from registry import rules
from registry.accounts.actors import SYSTEM, Actor, utcnow
from registry.certification import supply
from registry.errors import (
    CitationNotActive,
    Conflict,
    Forbidden,
    InvalidCitation,
    InvalidInput,
    KeyUnavailable,
    NotFound,
    ResultMismatch,
    RuleFailed,
    SerialClaimed,
    Unauthenticated,
)
from registry.ids import gtin14, new_id, uscc
from registry.interop.pact.mapping import PACT_NAMESPACE
from registry.keys import custody as keys
from registry.log import store as tlog_store
from registry.log.service import LogUseCases
from registry.public.labels import LabelReads, effective_status
from registry.store.db import read_only
from registry.store.tables import (
    ROLES,
    ApiToken,
    AuditEvent,
    Citation,
    Declaration,
    GreenClaim,
    Label,
    Organisation,
    Product,
    SigningKey,
)
from registry.trust import external_signing, payload, signing

#: A submitted result may differ from the server's by this relative amount (float rounding only).
RESULT_RTOL = 1e-6
LABEL_PREFIX = "CD-PCF"
#: Labels whose public JSON a process keeps (a few kB each).
PUBLIC_CACHE_SIZE = 20_000
METHOD = f"{STANDARD}; IPCC AR6 GWP100"
#: A claim prepared for a certifier to sign stays current this long; after it, prepare answers a new claim (same
#: label number) and approve refuses the old one, so a label's signed issued_at is at most a day before its issue.
PENDING_CLAIM_TTL = timedelta(days=1)


def record_sha256(row: Any) -> str:
    """SHA-256 of a row's columns as sorted-key compact JSON (the audit trail's before/after hashes; bytes as
    base64, times in ISO 8601). Plain ``json`` rather than RFC 8785: rows hold long JSON texts, which rfc8785
    escapes character by character (~1 ms a row), and the columns are strings, integers and ISO times only."""
    data = {k: (base64.b64encode(v).decode() if isinstance(v, bytes)
                else v.isoformat() if isinstance(v, datetime | date) else v)
            for k, v in row.model_dump().items()}
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                          .encode()).hexdigest()


def round_sig(x: float, digits: int = 12) -> str:
    """A float as plain decimal text (its shortest repr; below 1e-6, ``digits`` significant figures): the stored
    total of a declaration. Labels round per their category rule instead."""
    if x == 0 or not math.isfinite(x):
        return "0"
    return format(Decimal(repr(x)).normalize(), "f") if abs(x) >= 1e-6 else f"{x:.{digits}g}"


@dataclass
class Computed:
    """The server's calculation of a product file."""

    result: Result
    result_json: dict[str, Any]
    rule: rules.CategoryRule
    checklist: rules.Checklist
    citations: list[tuple[supply.CitedInput, Label]]
    serials: list[supply.SerialRange]


class Registry(LabelReads, LogUseCases):
    """The registry's use cases over one database.

    Args:
        engine: the database (migrated).
        secret: the master secret that seals private keys at rest.
        origin: the log's origin line in checkpoints, e.g. ``pcf-registry.example/log``.
        release: the factor release new declarations are pinned to.
        clock: the time source (tests move it).
    """

    def __init__(self, engine: Engine, secret: bytes, *, origin: str = "pcf-registry.local/log",
                 release: str | None = None, clock: Callable[[], datetime] = utcnow) -> None:
        from factors_db.release import DEFAULT_RELEASE

        self.engine = engine
        self.read_engine = read_only(engine)
        self.secret = secret
        self.origin = origin
        self.release = release or DEFAULT_RELEASE
        self.clock = clock
        self._public_cache: dict[str, tuple[tuple[int, date], dict[str, Any]]] = {}

    # ------------------------------------------------------------------------------------------ plumbing
    @contextmanager
    def tx(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def _audit(self, s: Session, actor: Actor, action: str, obj: Any, obj_id: str, before: str | None,
               **detail: Any) -> None:
        s.execute(insert(AuditEvent), [{
            "at": self.clock(), "actor_org": actor.org_id, "actor": actor.who, "action": action,
            "object_type": type(obj).__tablename__, "object_id": obj_id, "before_sha256": before,
            "after_sha256": record_sha256(obj), "detail": json.dumps(detail, ensure_ascii=False)}])

    def _log(self, s: Session, event: dict[str, Any], kind: str, subject: str, *, checkpoint: bool = True) -> int:
        index = tlog_store.append(s, {"v": 1, "type": kind, **event}, kind=kind, subject=subject, now=self.clock())
        if checkpoint:
            self._sign_checkpoint(s)
        return index

    def _sign_checkpoint(self, s: Session) -> None:
        row = keys.current_key(s, keys.REGISTRY_ORG)
        tlog_store.sign_checkpoint(s, now=self.clock(), origin=self.origin, key_name=self.origin,
                                   key=keys.private_key(row, self.secret))

    def init(self) -> bool:
        """Create the registry organisation, its log key and the log head if missing. Returns True if created."""
        with self.tx() as s:
            tlog_store.lock_head(s)
            if s.get(Organisation, keys.REGISTRY_ORG) is not None:
                return False
            s.add(Organisation(id=keys.REGISTRY_ORG, role="admin", name_zh="碳足迹标识登记处",
                               name_en="PCF label registry", created_at=self.clock()))
            s.flush()
            row, _ = keys.create_key(s, keys.REGISTRY_ORG, self.secret, self.clock())
            self._log(s, self._key_event(row), "key.created", row.key_id)
            self._audit(s, SYSTEM, "registry.init", row, row.key_id, None)
            return True

    @staticmethod
    def _key_event(row: SigningKey) -> dict[str, Any]:
        return {"key_id": row.key_id, "org_id": row.org_id, "status": row.status,
                "public_key": base64.b64encode(row.public_key).decode(),
                "not_before": row.not_before.isoformat(),
                "not_after": row.not_after.isoformat() if row.not_after else None}

    # ------------------------------------------------------------------------------- organisations, tokens
    def create_organisation(self, actor: Actor, *, role: str, name_zh: str, name_en: str, org_id: str | None = None,
                            uscc_code: str | None = None, accreditation_no: str | None = None) -> Organisation:
        """A new organisation (admin only); a certifier also gets its first signing key."""
        actor.require("admin")
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}", "role")
        if not name_zh.strip() and not name_en.strip():
            raise InvalidInput("an organisation needs a name in Chinese or English", "name_zh")
        if role == "certifier" and not accreditation_no:
            raise InvalidInput("a certifier needs its accreditation number (CNAS or CNCA approval)", "accreditation_no")
        with self.tx() as s:
            org = Organisation(id=org_id or new_id("org"), role=role, name_zh=name_zh.strip(), name_en=name_en.strip(),
                               uscc=uscc(uscc_code) if uscc_code else None, accreditation_no=accreditation_no,
                               created_at=self.clock())
            if s.get(Organisation, org.id) is not None:
                raise Conflict(f"organisation {org.id} exists", "id")
            if org.uscc and s.exec(select(Organisation).where(Organisation.uscc == org.uscc)).first():
                raise Conflict(f"an organisation with unified social credit code {org.uscc} exists", "uscc")
            s.add(org)
            s.flush()
            self._audit(s, actor, "organisation.create", org, org.id, None)
            if role == "certifier":
                row, _ = keys.create_key(s, org.id, self.secret, self.clock())
                self._log(s, self._key_event(row), "key.created", row.key_id)
            return org

    def create_token(self, actor: Actor, org_id: str, *, name: str = "", days: int | None = 365) -> tuple[ApiToken, str]:
        """A bearer token for ``org_id`` (its own admin or the registry admin). Returns the row and the secret,
        shown once: only its SHA-256 is stored."""
        if actor.role != "admin" and actor.org_id != org_id:
            raise Forbidden("only an administrator creates tokens for another organisation")
        if days is not None and not 1 <= days <= 3650:
            raise InvalidInput("a token lives 1-3650 days", "days")
        import secrets as _secrets

        with self.tx() as s:
            org = s.get(Organisation, org_id)
            if org is None:
                raise NotFound(f"no organisation {org_id!r}", "org_id")
            tid = new_id("tok")
            secret = f"pcf_{tid}_{_secrets.token_urlsafe(32)}"
            now = self.clock()
            row = ApiToken(id=tid, org_id=org_id, role=org.role, name=name[:100], created_at=now,
                           secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
                           expires_at=now + timedelta(days=days) if days else None)
            s.add(row)
            s.flush()
            self._audit(s, actor, "token.create", row, tid, None)
            return row, secret

    def revoke_token(self, actor: Actor, token_id: str) -> ApiToken:
        """Revoke a token (its organisation or the registry admin)."""
        with self.tx() as s:
            row = s.get(ApiToken, token_id)
            if row is None or (actor.role != "admin" and row.org_id != actor.org_id):
                raise NotFound(f"no token {token_id!r}", "token_id")
            before = record_sha256(row)
            row.revoked_at = row.revoked_at or self.clock()
            s.add(row)
            self._audit(s, actor, "token.revoke", row, token_id, before)
            return row

    def authenticate(self, bearer: str) -> Actor:
        """The actor a bearer token stands for.

        Raises:
            Unauthenticated: unknown, expired or revoked token.
        """
        digest = hashlib.sha256(bearer.encode("utf-8", "replace")).hexdigest()
        with Session(self.engine) as s:
            row = s.exec(select(ApiToken).where(ApiToken.secret_sha256 == digest)).first()
        if row is None:
            raise Unauthenticated("unknown token")
        if row.revoked_at is not None:
            raise Unauthenticated("this token was revoked")
        if row.expires_at is not None and _aware(row.expires_at) <= self.clock():
            raise Unauthenticated("this token has expired")
        return Actor(row.org_id, row.role, row.id)

    # ----------------------------------------------------------------------------------------- products
    def create_product(self, actor: Actor, *, name: str, model: str = "", category: str,
                       gtin: str | None = None) -> Product:
        """A product of the acting manufacturer."""
        actor.require("manufacturer")
        if not name or len(name) > 200:
            raise InvalidInput("a product needs a name of at most 200 characters", "name")
        if len(model) > 200:
            raise InvalidInput("a model of at most 200 characters", "model")
        rules.load_rule(category, field="category")
        with self.tx() as s:
            product = Product(id=new_id("prd"), org_id=actor.org_id, name=name, model=model, category=category,
                              gtin=gtin14(gtin) if gtin else None, created_at=self.clock())
            if product.gtin and s.exec(select(Product).where(Product.gtin == product.gtin)).first():
                raise Conflict(f"GTIN {product.gtin} belongs to another product", "gtin")
            s.add(product)
            s.flush()
            self._audit(s, actor, "product.create", product, product.id, None)
            return product

    def get_product(self, actor: Actor | None, product_id: str) -> Product:
        with Session(self.engine) as s:
            product = s.get(Product, product_id)
            if product is None or not self._may_see_product(s, actor, product):
                raise NotFound(f"no product {product_id!r}", "product_id")
            return product

    def products(self, actor: Actor) -> list[Product]:
        """The acting manufacturer's products (all products for certifiers and admins)."""
        with Session(self.engine) as s:
            q = select(Product).order_by(Product.created_at)  # type: ignore[arg-type]
            if actor.role == "manufacturer":
                q = q.where(Product.org_id == actor.org_id)
            return list(s.exec(q))

    # ------------------------------------------------------------------------------------- declarations
    def compute(self, s: Session, document: dict[str, Any], release: str, *, category: str | None = None) -> Computed:
        """Recompute a product file: cited labels resolved, footprint, category rule checklist."""
        if not isinstance(document, dict):
            raise InvalidInput("the product file must be a mapping of fields", "spec")
        cited = supply.cited_inputs(document)
        factors: dict[str, Any] = {}
        resolved = []
        for c in cited:
            lab = s.get(Label, c.label_id)
            if lab is None:
                raise InvalidCitation(f"no label {c.label_id} in the registry", f"spec.{c.field}.supplier_label")
            status = effective_status(lab, self.clock().date())
            if status != "active":
                raise CitationNotActive(f"label {c.label_id} is {status}: cite an active label",
                                        f"spec.{c.field}.supplier_label")
            factors[supply.LABEL_FACTOR_PREFIX + lab.label_id] = supply.label_factor(
                lab.label_id, lab.value, lab.unit, lab.declared_unit)
            resolved.append((c, lab))
        factors.update(supply.pact_factors(document))  # suppliers' PACT footprints (provenance stays in the file)
        serials = supply.green_serials(document)
        fset = supply.with_label_factors(factor_set(release), factors)
        spec = to_spec(supply.rewrite(document, factors), fset).from_document(document)
        result = calculate(spec, fset)
        rule = rules.load_rule(category or rules.category_of(document), field="spec.kind")
        checklist = rules.check(rule, document, spec, result, factors=fset)
        return Computed(result, result.to_json(), rule, checklist, resolved, serials)

    def create_declaration(self, actor: Actor, *, product_id: str, spec: dict[str, Any],
                           result: dict[str, Any] | None = None, release: str | None = None) -> Declaration:
        """A draft declaration: the product file, the server's result for it, the checklist.

        Raises:
            ResultMismatch: ``result`` (the manufacturer's own calculation) differs from the server's.
        """
        actor.require("manufacturer")
        release = release or self.release
        with self.tx() as s:
            product = s.get(Product, product_id)
            if product is None or product.org_id != actor.org_id:
                raise NotFound(f"no product {product_id!r}", "product_id")
            described = rules.category_of(spec, default=product.category)
            if described != product.category:
                raise InvalidInput(f"the product is a {product.category}; this file describes a {described}",
                                   "spec.kind")
            computed = self.compute(s, spec, release, category=product.category)
            _compare_result(result, computed.result_json)
            self._check_serials(s, computed.serials, product.id, None)
            dec = Declaration(
                id=new_id("dec"), product_id=product.id, org_id=actor.org_id, status="draft",
                document=json.dumps(spec, ensure_ascii=False), result=json.dumps(computed.result_json),
                checklist=json.dumps(computed.checklist.to_json(), ensure_ascii=False),
                category_rule=f"{computed.rule.id}@{computed.rule.version}", factor_release=release,
                factor_release_sha256=computed.result.factor_release["sha256"],
                input_sha256=computed.result.input_sha256,
                total_kg_co2e=round_sig(computed.result.total_kg_co2e), created_at=self.clock())
            s.add(dec)
            s.flush()
            self._store_links(s, dec, computed)
            self._audit(s, actor, "declaration.create", dec, dec.id, None)
            return dec

    def _store_links(self, s: Session, dec: Declaration, computed: Computed) -> None:
        for old in s.exec(select(Citation).where(Citation.declaration_id == dec.id)):
            s.delete(old)
        for old_claim in s.exec(select(GreenClaim).where(GreenClaim.declaration_id == dec.id)):
            s.delete(old_claim)
        for c, lab in computed.citations:
            s.add(Citation(declaration_id=dec.id, field=c.field, label_id=lab.label_id, label_version=lab.version,
                           value=lab.value, unit=lab.unit, declared_unit=lab.declared_unit, amount=c.amount))
        for r in computed.serials:
            s.add(GreenClaim(declaration_id=dec.id, product_id=dec.product_id, kind=r.kind, text=r.text,
                             prefix=r.prefix, first=r.first, last=r.last, kwh=r.kwh, field=r.field))

    def _check_serials(self, s: Session, serials: list[supply.SerialRange], product_id: str,
                       declaration_id: str | None) -> None:
        """Refuse a serial that another active declaration of another product claims (double counting)."""
        today = self.clock().date()
        for r in serials:
            q = (select(GreenClaim, Declaration).join(Declaration, col(GreenClaim.declaration_id) == col(Declaration.id))
                 .where(GreenClaim.prefix == r.prefix, GreenClaim.first <= r.last, GreenClaim.last >= r.first,
                        GreenClaim.product_id != product_id,
                        Declaration.status.in_(("submitted", "certified"))))  # type: ignore[attr-defined]
            for claim, dec in s.exec(q):
                if dec.id == declaration_id:
                    continue
                if dec.status == "certified":
                    lab = s.exec(select(Label).where(Label.declaration_id == dec.id)).first()
                    if lab is not None and effective_status(lab, today) not in ("active", "suspended"):
                        continue
                raise SerialClaimed(f"{r.text} overlaps {claim.text}, already claimed by another declaration",
                                    f"spec.{r.field}")

    def get_declaration(self, actor: Actor, declaration_id: str) -> Declaration:
        with Session(self.engine) as s:
            return self._visible_declaration(s, actor, declaration_id)

    def _visible_declaration(self, s: Session, actor: Actor, declaration_id: str) -> Declaration:
        dec = s.get(Declaration, declaration_id)
        visible = dec is not None and (
            actor.role == "admin" or dec.org_id == actor.org_id
            or (actor.role == "certifier" and dec.status != "draft"))
        if dec is None or not visible:
            raise NotFound(f"no declaration {declaration_id!r}", "id")
        return dec

    def declarations(self, actor: Actor, status: str | None = None) -> list[Declaration]:
        """Declarations the actor may see: its own (manufacturer), the review queue and history (certifier)."""
        with Session(self.engine) as s:
            q = select(Declaration).order_by(Declaration.created_at)  # type: ignore[arg-type]
            if actor.role == "manufacturer":
                q = q.where(Declaration.org_id == actor.org_id)
            elif actor.role == "certifier":
                q = q.where(Declaration.status != "draft")
            if status:
                q = q.where(Declaration.status == status)
            return list(s.exec(q))

    def submit(self, actor: Actor, declaration_id: str) -> Declaration:
        """Submit a draft (or a rejected declaration) for review, after recomputing it and checking the rule.

        Raises:
            RuleFailed: a mandatory rule fails (the checklist is in the error).
        """
        actor.require("manufacturer")
        with self.tx() as s:
            dec = self._visible_declaration(s, actor, declaration_id)
            if dec.org_id != actor.org_id:
                raise NotFound(f"no declaration {declaration_id!r}", "id")
            if dec.status not in ("draft", "rejected"):
                raise Conflict(f"declaration {dec.id} is {dec.status}; only a draft or rejected one is submitted",
                               "status")
            before = record_sha256(dec)
            product = s.get(Product, dec.product_id)
            assert product is not None
            computed = self.compute(s, json.loads(dec.document), dec.factor_release, category=product.category)
            if computed.result.factor_release["sha256"] != dec.factor_release_sha256:
                raise ResultMismatch(f"factor release {dec.factor_release} changed since the draft", "factor_release")
            _compare_result(json.loads(dec.result), computed.result_json)
            if not computed.checklist.passed:
                failed = [i.rule for i in computed.checklist.items if i.mandatory and i.status == "fail"]
                raise RuleFailed(f"category rule {computed.rule.id} fails: {', '.join(failed)}", "checklist",
                                 checklist=computed.checklist.to_json())
            self._check_serials(s, computed.serials, dec.product_id, dec.id)
            self._store_links(s, dec, computed)
            dec.status, dec.submitted_at = "submitted", self.clock()
            dec.checklist = json.dumps(computed.checklist.to_json(), ensure_ascii=False)
            s.add(dec)
            self._audit(s, actor, "declaration.submit", dec, dec.id, before)
            return dec

    def reject(self, actor: Actor, declaration_id: str, reason: str) -> Declaration:
        """Send a submitted declaration back with a reason."""
        actor.require("certifier")
        reason = _reason(reason)
        with self.tx() as s:
            dec = self._visible_declaration(s, actor, declaration_id)
            if dec.status != "submitted":
                raise Conflict(f"declaration {dec.id} is {dec.status}; only a submitted one is reviewed", "status")
            before = record_sha256(dec)
            dec.status, dec.comments = "rejected", reason
            dec.pending_claim = None  # a new claim is prepared after resubmission; pending_label_id stays reserved
            dec.decided_at, dec.decided_by = self.clock(), actor.org_id
            s.add(dec)
            self._audit(s, actor, "declaration.reject", dec, dec.id, before, reason=reason)
            return dec

    def approve(self, actor: Actor, declaration_id: str, comment: str = "", *, signature: bytes | str | None = None,
                payload_signature: bytes | str | None = None) -> Label:
        """Certify a submitted declaration: issue a signed label, log it, supersede the product's previous label.

        A certifier whose current key is sealed in the registry approves in one step (no signatures: the registry
        signs). A certifier that keeps its own key (registered with :meth:`rotate_key`) first calls
        :meth:`prepare`, signs the two byte strings it answers, and passes both signatures here; the label is
        issued with exactly the pending claim (see :mod:`registry.external_signing`).

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
        with self.tx() as s:
            tlog_store.lock_head(s)  # as approve_many: label numbers and log indexes stay gap-free
            label = self._approve_one(s, actor, declaration_id, comment, (signature, payload_signature))
            self._sign_checkpoint(s)
            return label

    def approve_many(self, actor: Actor, declaration_ids: list[str], comment: str = "") -> list[Label]:
        """Certify several submitted declarations in one transaction (one durable commit, one signed checkpoint):
        a certifier clearing its queue. All or nothing: one refused declaration refuses the batch. Only for a
        certifier whose key the registry keeps (one that keeps its own signs each claim: :meth:`approve`)."""
        actor.require("certifier")
        if not 1 <= len(declaration_ids) <= 1000 or len(set(declaration_ids)) != len(declaration_ids):
            raise InvalidInput("give 1-1000 distinct declaration ids", "declaration_ids")
        with self.tx() as s:
            tlog_store.lock_head(s)  # serialises issuance: label numbers and log indexes stay gap-free
            # one query loads the batch (held here: the session's identity map is weak), then each look-up hits it
            loaded = list(s.exec(select(Declaration).where(col(Declaration.id).in_(declaration_ids))))
            labels = [self._approve_one(s, actor, dec_id, comment) for dec_id in declaration_ids]
            del loaded
            self._sign_checkpoint(s)
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
        label gets that number. Nothing is logged: the log records issuance (:meth:`approve`), not intent.

        Raises:
            Conflict: the declaration is not submitted, or the registry keeps the certifier's key (approve directly).
            CitationNotActive: a cited supplier label is no longer active.
        """
        actor.require("certifier")
        with self.tx() as s:
            tlog_store.lock_head(s)  # label numbers are allocated under the same lock as issuance
            dec = self._reviewable(s, actor, declaration_id)
            key_row = keys.current_key(s, actor.org_id)
            if key_row.sealed_private_key is not None:
                raise Conflict(f"the registry keeps key {key_row.key_id} and signs with it: approve directly, "
                               "without preparing", "key_id")
            now = self.clock()
            claim, _, stale = self._pending(s, actor, dec, key_row, now)
            if claim is None:
                before = record_sha256(dec)
                label_id = dec.pending_label_id or self._next_label_id(s, now.year)
                claim, _ = self._build_claim(s, actor, dec, key_row, label_id, now)
                dec.pending_label_id, dec.pending_claim = label_id, rfc8785.dumps(claim).decode()
                s.add(dec)
                self._audit(s, actor, "declaration.prepare", dec, dec.id, before, label_id=label_id,
                            key_id=key_row.key_id, **({"replaces": stale} if stale else {}))
            tbs = external_signing.to_be_signed(claim)
            return external_signing.Prepared(dec.id, claim, tbs.statement, tbs.payload)

    def _reviewable(self, s: Session, actor: Actor, declaration_id: str) -> Declaration:
        """A submitted declaration the certifier may certify, its cited supplier labels still active."""
        dec = self._visible_declaration(s, actor, declaration_id)
        if dec.status != "submitted":
            raise Conflict(f"declaration {dec.id} is {dec.status}; only a submitted one is certified", "status")
        # Recomputed at submission with the pinned (immutable) release; what can change since is the status
        # of the cited supplier labels, checked again here.
        self._check_citations(s, dec)
        return dec

    def _pending(self, s: Session, actor: Actor, dec: Declaration, key_row: SigningKey,
                 now: datetime) -> tuple[dict[str, Any] | None, Label | None, str]:
        """The declaration's pending claim and the product's previous label when the claim is still current,
        else ``(None, None, why not)``. Current: prepared for this certifier and its current key, younger than
        :data:`PENDING_CLAIM_TTL`, and equal to the claim that would be built now at its ``issued_at`` (so the
        version and the superseded label still hold)."""
        if dec.pending_claim is None:
            return None, None, ""
        claim = json.loads(dec.pending_claim)
        issued = datetime.fromtimestamp(claim["issued_at"], UTC)
        if claim["certifier_id"] != actor.org_id:
            return None, None, f"prepared for {claim['certifier_id']}"
        if claim["key_id"] != key_row.key_id:
            return None, None, f"prepared for key {claim['key_id']}, now retired"
        if now - issued > PENDING_CLAIM_TTL:
            return None, None, f"prepared more than {PENDING_CLAIM_TTL} ago"
        fresh, previous = self._build_claim(s, actor, dec, key_row, claim["label_id"], issued)
        if fresh != claim:
            return None, None, "the product's labels changed since"
        return claim, previous, ""

    def _build_claim(self, s: Session, actor: Actor, dec: Declaration, key_row: SigningKey, label_id: str,
                     now: datetime) -> tuple[dict[str, Any], Label | None]:
        """The claim of the label ``label_id`` for ``dec`` issued at ``now``, and the label it supersedes."""
        product = s.get(Product, dec.product_id)
        assert product is not None
        result = Result.model_validate_json(dec.result)
        rule_id, _, rule_version = dec.category_rule.partition("@")
        rule = rules.load_rule(rule_id, rule_version or None)
        previous = s.exec(select(Label).where(Label.product_id == product.id, Label.superseded_by.is_(None))  # type: ignore[union-attr]
                          .order_by(Label.issued_at.desc())).first()  # type: ignore[attr-defined]
        value = rules.label_value(rule, result)
        claim: dict[str, Any] = {
            "label_id": label_id, "version": (previous.version + 1) if previous else 1, "product_id": product.id,
            "gtin": product.gtin, "value": value.value, "unit": value.unit,
            "declared_unit": value.declared_unit, "boundary": result.boundary, "method": METHOD,
            "factor_release": dec.factor_release, "factor_release_sha256": dec.factor_release_sha256,
            "input_sha256": dec.input_sha256, "issued_at": int(now.timestamp()),
            "valid_from": now.date().isoformat(),
            "valid_until": _add_years(now.date(), rule.validity_years).isoformat(),
            "certifier_id": actor.org_id, "key_id": key_row.key_id,
        }
        return claim, previous

    def _approve_one(self, s: Session, actor: Actor, declaration_id: str, comment: str,
                     signatures: tuple[bytes | str | None, bytes | str | None] | None = None) -> Label:
        dec = self._reviewable(s, actor, declaration_id)
        now = self.clock()
        key_row = keys.current_key(s, actor.org_id)
        if key_row.sealed_private_key is not None:
            if signatures is not None:
                raise InvalidInput(f"the registry keeps key {key_row.key_id} and signs with it: approve without "
                                   "signatures", "signature")
            # a number reserved by an earlier prepare (for this declaration only) is used, else the next one
            label_id = dec.pending_label_id or self._next_label_id(s, now.year)
            claim, previous = self._build_claim(s, actor, dec, key_row, label_id, now)
            private = keys.private_key(key_row, self.secret)
            sig, text = signing.sign_claim(claim, private), payload.encode_payload(claim, private)
        else:
            if signatures is None:
                raise KeyUnavailable(
                    f"{actor.org_id} keeps key {key_row.key_id} itself: prepare declaration {dec.id}, sign its "
                    "to_sign and payload_to_sign, and approve with signature and payload_signature", "signature")
            pending, previous, stale = self._pending(s, actor, dec, key_row, now)
            if pending is None:
                why = f"its pending claim is out of date ({stale})" if stale else "it has no pending claim"
                raise Conflict(f"declaration {dec.id}: {why}; prepare it and sign the claim it answers",
                               "pending_claim")
            claim = pending
            text = external_signing.accept(claim, key_row.public_key, *signatures)
            sig = external_signing.signature_bytes(signatures[0], "signature")
        return self._issue(s, actor, dec, claim, previous, sig, text, now, comment)

    def _issue(self, s: Session, actor: Actor, dec: Declaration, claim: dict[str, Any], previous: Label | None,
               sig: bytes, text: str, now: datetime, comment: str) -> Label:
        """Store and log the label of a signed claim, supersede ``previous``, certify ``dec``."""
        product = s.get(Product, dec.product_id)
        assert product is not None
        before = record_sha256(dec)
        label_id = claim["label_id"]
        label = Label(
            label_id=label_id, version=claim["version"], declaration_id=dec.id, product_id=product.id,
            manufacturer_id=product.org_id, certifier_id=actor.org_id, category=product.category,
            key_id=claim["key_id"], value=claim["value"], value_num=float(claim["value"]), unit=claim["unit"],
            declared_unit=claim["declared_unit"], boundary=claim["boundary"], method=claim["method"],
            valid_from=date.fromisoformat(claim["valid_from"]),
            valid_until=date.fromisoformat(claim["valid_until"]), status="active",
            supersedes=previous.label_id if previous else None, claim=rfc8785.dumps(claim).decode(),
            signature=base64.b64encode(sig).decode(), payload=text, issued_at=now, log_index=-1,
            pact_id=str(uuid.uuid5(PACT_NAMESPACE, label_id)))
        s.add(label)
        label.log_index = self._log(s, {
            "label_id": label_id, "version": label.version, "certifier_id": actor.org_id, "key_id": label.key_id,
            "claim_sha256": hashlib.sha256(label.claim.encode()).hexdigest(), "signature": label.signature,
            "at": now.isoformat()}, "label.issued", label_id, checkpoint=False)
        s.add(label)
        if previous is not None:
            prev_before = record_sha256(previous)
            previous.superseded_by = label_id
            if previous.status in ("active", "suspended"):
                previous.status = "superseded"
                previous.status_reason = f"superseded by {label_id}"
            s.add(previous)
            self._log(s, {"label_id": previous.label_id, "status": "superseded", "reason": previous.status_reason,
                          "by": actor.org_id, "at": now.isoformat()}, "label.status", previous.label_id,
                      checkpoint=False)
            self._audit(s, actor, "label.supersede", previous, previous.label_id, prev_before, by=label_id)
        dec.status, dec.decided_at, dec.decided_by = "certified", now, actor.org_id
        dec.pending_label_id = dec.pending_claim = None  # the number now belongs to the label
        dec.comments = comment[:2000]
        s.add(dec)
        self._audit(s, actor, "declaration.approve", dec, dec.id, before)
        self._audit(s, actor, "label.issue", label, label_id, None)
        return label

    def _check_citations(self, s: Session, dec: Declaration) -> None:
        today = self.clock().date()
        for c in s.exec(select(Citation).where(Citation.declaration_id == dec.id)):
            cited = s.get(Label, c.label_id)
            status = effective_status(cited, today) if cited else "unknown"
            if status != "active":
                raise CitationNotActive(f"cited label {c.label_id} is {status} since the submission: the "
                                        "manufacturer must renew the declaration", f"spec.{c.field}.supplier_label")

    def _next_label_id(self, s: Session, year: int) -> str:
        """The number after the highest issued or reserved (:meth:`prepare`) label number of ``year``; call it
        under the log-head lock."""
        prefix = f"{LABEL_PREFIX}-{year}-"
        numbered = s.info.setdefault("pcf_label_numbers", {})  # within one transaction (a batch), count on
        if year in numbered:
            numbered[year] += 1
            return f"{prefix}{numbered[year]:06d}"
        issued = s.exec(select(func.max(Label.label_id)).where(col(Label.label_id).like(prefix + "%"))).one()
        reserved = s.exec(select(func.max(Declaration.pending_label_id))
                          .where(col(Declaration.pending_label_id).like(prefix + "%"))).one()
        last = max((n for n in (issued, reserved) if n), default=None)
        seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        numbered[year] = seq
        return f"{prefix}{seq:06d}"

    # ------------------------------------------------------------------------------------- label status
    def _status_change(self, actor: Actor, label_id: str, reason: str, allowed: tuple[str, ...], new: str) -> Label:
        actor.require("certifier")
        reason = _reason(reason)
        with self.tx() as s:
            tlog_store.lock_head(s)
            label = s.get(Label, label_id)
            if label is None:
                raise NotFound(f"no label {label_id!r}", "label_id")
            if label.certifier_id != actor.org_id:
                raise Forbidden(f"label {label_id} was issued by another certifier")
            current = effective_status(label, self.clock().date())
            if current not in allowed:
                raise Conflict(f"label {label_id} is {current}; cannot make it {new}", "status")
            before = record_sha256(label)
            label.status, label.status_reason = new, reason
            s.add(label)
            self._log(s, {"label_id": label_id, "status": new, "reason": reason, "by": actor.org_id,
                          "at": self.clock().isoformat()}, "label.status", label_id)
            self._audit(s, actor, f"label.{new}", label, label_id, before, reason=reason)
            return label

    def suspend(self, actor: Actor, label_id: str, reason: str) -> Label:
        """Suspend an active label (the certifier that issued it)."""
        return self._status_change(actor, label_id, reason, ("active",), "suspended")

    def reinstate(self, actor: Actor, label_id: str, reason: str) -> Label:
        """Make a suspended label active again."""
        return self._status_change(actor, label_id, reason, ("suspended",), "active")

    def revoke(self, actor: Actor, label_id: str, reason: str) -> Label:
        """Revoke a label for good (active, suspended, expired or superseded)."""
        return self._status_change(actor, label_id, reason, ("active", "suspended", "expired", "superseded"),
                                   "revoked")

    # --------------------------------------------------------------------------------------------- keys
    def rotate_key(self, actor: Actor, org_id: str, public_key: bytes | str | None = None) -> SigningKey:
        """Retire the organisation's current key and make a new one (its own certifier or the admin).

        Without ``public_key`` the registry generates the key and keeps its private half sealed (one-step
        approval). With it, the certifier keeps its private key and registers only the public half; from then
        on it approves in two steps (:meth:`prepare`, then :meth:`approve` with its signatures). The retirement
        and the new key are logged either way (``key.retired``, ``key.created``).

        Args:
            public_key: the raw 32-byte Ed25519 public key the certifier keeps the private half of (bytes, or
                base64 text).

        Raises:
            InvalidInput: ``public_key`` is not a 32-byte Ed25519 key, or is given for the registry's log key.
            Conflict: that public key is registered already (a key is registered once, then retired for good).
        """
        if not (actor.role == "admin" or (actor.role == "certifier" and actor.org_id == org_id)):
            raise Forbidden("only the certifier itself or an administrator rotates its keys")
        if public_key is not None:
            public_key = _public_key(public_key)
            if org_id == keys.REGISTRY_ORG:
                raise InvalidInput("the registry signs its checkpoints itself: its log key is not registered",
                                   "public_key")
        with self.tx() as s:
            tlog_store.lock_head(s)
            org = s.get(Organisation, org_id)
            if org is None or (org.role not in ("certifier",) and org.id != keys.REGISTRY_ORG):
                raise NotFound(f"no certifier {org_id!r}", "org_id")
            if public_key is not None and s.get(SigningKey, signing.key_id(public_key)) is not None:
                raise Conflict(f"key {signing.key_id(public_key)} is registered already: register a new key",
                               "public_key")
            now = self.clock()
            for old in keys.retire_current(s, org_id, now):
                self._log(s, self._key_event(old), "key.retired", old.key_id)
            s.flush()
            row, _ = keys.create_key(s, org_id, self.secret, now, public_key)
            self._log(s, self._key_event(row), "key.created", row.key_id)
            self._audit(s, actor, "key.rotate", row, row.key_id, None)
            return row

    def revoke_key(self, actor: Actor, key_id: str) -> SigningKey:
        """Revoke a compromised key: every claim it signed stops verifying offline."""
        actor.require("admin")
        with self.tx() as s:
            tlog_store.lock_head(s)
            row = keys.set_status(s, key_id, "revoked", self.clock())
            self._log(s, self._key_event(row), "key.revoked", key_id)
            self._audit(s, actor, "key.revoke", row, key_id, None)
            return row

    def trust_list(self) -> dict[str, object]:
        with Session(self.engine) as s:
            return keys.trust_list(s, self.origin, self.clock())


def _public_key(given: bytes | str) -> bytes:
    """A raw Ed25519 public key from bytes or base64 text."""
    size = external_signing.PUBLIC_KEY_BYTES
    raw = given if isinstance(given, bytes) else external_signing.decode_b64(given, "public_key", size)
    if not isinstance(raw, bytes) or len(raw) != size:
        raise InvalidInput(f"an Ed25519 public key has {size} bytes", "public_key")
    try:
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise InvalidInput("not an Ed25519 public key", "public_key") from None
    return raw


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _reason(reason: str) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("a reason is required", "reason")
    if len(reason) > 2000:
        raise InvalidInput("a reason has at most 2000 characters", "reason")
    return reason.strip()


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _compare_result(submitted: dict[str, Any] | None, server: dict[str, Any]) -> None:
    """Refuse a submitted result that differs from the server's recomputation."""
    if not submitted:
        return
    if not isinstance(submitted, dict):
        raise InvalidInput("result must be an object with total_kg_co2e", "result")
    total = submitted.get("total_kg_co2e")
    if total is not None:
        try:
            value = float(total)
        except (TypeError, ValueError):
            raise InvalidInput("total_kg_co2e must be a number", "result.total_kg_co2e") from None
        ours = server["total_kg_co2e"]
        if not math.isclose(value, ours, rel_tol=RESULT_RTOL, abs_tol=1e-9):
            raise ResultMismatch(f"submitted total {value!r} kg CO2e differs from the recomputed {ours!r}",
                                 "result.total_kg_co2e")
    for key in ("input_sha256",):
        if submitted.get(key) is not None and submitted[key] != server[key]:
            raise ResultMismatch(f"submitted {key} differs from the product file's", f"result.{key}")
    release = submitted.get("factor_release")
    if isinstance(release, dict) and release.get("sha256") and release["sha256"] != server["factor_release"]["sha256"]:
        raise ResultMismatch("the result was computed with another factor release", "result.factor_release")

