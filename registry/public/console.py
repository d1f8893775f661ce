"""What the consoles show, as read models (no writes): a manufacturer's home and declaration page, a certifier's
review queue and review page, an administrator's overview, and a product file's preview (computed, not stored)."""

from __future__ import annotations

import json
import math
from typing import Any

from sqlmodel import select

from footprint.errors import FootprintError
from footprint.model import Result
from registry import rules
from registry.accounts.actors import Actor
from registry.accounts.people import Accounts
from registry.certification import verification
from registry.certification.declarations import RESULT_RTOL, Declarations
from registry.certification.products import Products
from registry.certification.status import effective_status
from registry.errors import NotFound, RegistryError
from registry.keys.service import Keys
from registry.log.integrity import statement_json, statement_sha256
from registry.log.service import Log
from registry.public.labels import PublicReads
from registry.store.tables import ROLES, Citation, Declaration, GreenClaim, Label
from registry.work import RegistryContext


class ConsoleReads:
    """The consoles' read models over the registry's services."""

    def __init__(self, ctx: RegistryContext, products: Products, declarations: Declarations, public: PublicReads,
                 accounts: Accounts, keys: Keys, log: Log) -> None:
        self.ctx, self.products, self.declarations, self.public = ctx, products, declarations, public
        self.accounts, self.keys, self.log = accounts, keys, log

    def manufacturer_home(self, actor: Actor) -> dict[str, Any]:
        """Products, declarations (newest first), labels (newest first) and renewals due."""
        products = self.products.products(actor)
        declarations = sorted(self.declarations.declarations(actor), key=lambda d: d.created_at, reverse=True)
        labels = [view for p in products for view in self.public.labels_of_product(p.id)]
        labels.sort(key=lambda v: v.label.issued_at, reverse=True)
        return {"products": products, "product_of": {p.id: p for p in products}, "declarations": declarations,
                "labels": labels, "renewals": self.public.declarations_to_renew(actor)}

    def declaration_page(self, actor: Actor, declaration_id: str) -> dict[str, Any]:
        """One declaration of the manufacturer: its product, result, checklist, comments and label."""
        dec = self.declarations.get_declaration(actor, declaration_id)
        product = self.products.get_product(actor, dec.product_id)
        label = next((v for v in self.public.labels_of_product(product.id) if v.label.declaration_id == dec.id), None)
        return {"dec": dec, "product": product, "result": json.loads(dec.result),
                "checklist": json.loads(dec.checklist), "label": label, "document": json.loads(dec.document)}

    def preview(self, category: str, document: dict[str, Any]) -> dict[str, Any]:
        """The server's calculation and checklist of a product file, nothing stored."""
        with self.ctx.read() as s:
            computed = self.declarations.compute(s, document, self.ctx.release, category=category)
        return {"result": computed.result_json, "checklist": computed.checklist.to_json()}

    def verification_required(self, dec: Declaration) -> bool:
        """Whether the declaration's rule has a certification block (a verification record before approval)."""
        rule_id, _, version = dec.category_rule.partition("@")
        return rules.load_rule(rule_id, version or None).certification is not None

    def review_queue(self, actor: Actor, certifier_id: str) -> dict[str, Any]:
        """Submitted declarations (oldest first) and the labels this certifier issued (newest first)."""
        queue = sorted(self.declarations.declarations(actor, "submitted"),
                       key=lambda d: d.submitted_at or d.created_at)
        products = {p.id: p for p in self.products.products(actor)}
        issued, _ = self.public.search_labels(certifier=certifier_id, include_inactive=True, sort="newest", limit=200)
        return {"queue": queue, "product_of": products, "issued": issued}

    def review_page(self, actor: Actor, declaration_id: str) -> dict[str, Any]:
        """Everything a certifier weighs for one declaration: the recomputation, citations, green claims, the
        label value and its change against the product's previous label."""
        dec = self.declarations.get_declaration(actor, declaration_id)
        product = self.products.get_product(actor, dec.product_id)
        declared = float(dec.total_kg_co2e)
        recomputed: float | None = None
        recompute_error = ""
        today = self.ctx.clock().date()
        with self.ctx.read() as s:
            try:
                computed = self.declarations.compute(s, json.loads(dec.document), dec.factor_release,
                                                     category=product.category)
                recomputed = float(computed.result.total_kg_co2e)
            except (RegistryError, FootprintError) as exc:
                recompute_error = exc.message
            citations = []
            for c in s.exec(select(Citation).where(Citation.declaration_id == dec.id)):
                cited = s.get(Label, c.label_id)
                citations.append({"row": c, "status": effective_status(cited, today) if cited else "unknown",
                                  "current_version": cited.version if cited else None})
            claims = list(s.exec(select(GreenClaim).where(GreenClaim.declaration_id == dec.id)))
            record = verification.record_for(s, dec.id)
            recorded = ({**statement_json(record), "statement_sha256": statement_sha256(record),
                         "report_filename": record.report_filename} if record is not None else None)
        result = Result.model_validate_json(dec.result)
        rule_id, _, version = dec.category_rule.partition("@")
        try:
            rule = rules.load_rule(rule_id, version or None)
            value = rules.label_value(rule, result)
        except RegistryError:
            rule, value = None, None
        previous = next((v for v in self.public.labels_of_product(product.id) if v.label.declaration_id != dec.id),
                        None)
        change = None
        if previous is not None and value is not None and previous.label.unit == value.unit:
            old = float(previous.label.value)
            change = {"old": old, "new": float(value.value), "diff": float(value.value) - old,
                      "pct": (float(value.value) - old) / old if old else None}
        agrees = recomputed is not None and math.isclose(recomputed, declared, rel_tol=RESULT_RTOL, abs_tol=1e-9)
        return {"dec": dec, "product": product, "declared": declared, "recomputed": recomputed, "agrees": agrees,
                "recompute_error": recompute_error, "result": json.loads(dec.result),
                "checklist": json.loads(dec.checklist), "citations": citations, "claims": claims, "value": value,
                "previous": previous, "change": change, "verification": recorded,
                "verification_required": bool(rule is not None and rule.certification is not None)}

    def admin_overview(self, actor: Actor) -> dict[str, Any]:
        """Organisations, people, tokens, keys and the log's health."""
        try:
            checkpoint: dict[str, Any] | None = self.log.checkpoint()
        except NotFound:
            checkpoint = None
        orgs = self.accounts.organisations(actor)
        return {"organisations": orgs, "org_of": {o.id: o for o in orgs}, "people": self.accounts.people(actor),
                "tokens": self.accounts.tokens(actor), "keys": self.keys.trust_list()["keys"],
                "checkpoint": checkpoint, "verification": self.accounts.last_log_verification(), "roles": ROLES}
