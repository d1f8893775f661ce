"""Products, declarations and their review (``/api/v1``): manufacturers write, certifiers review and register
their keys. A certifier that keeps its own key approves in two steps: ``prepare``, then ``approve`` with the
signatures of the two byte strings ``prepare`` answered (see :mod:`registry.external_signing`)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import Operation
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import actor
from api.controllers.labels import label_out
from api.schemas import (
    ApproveIn,
    DeclarationIn,
    DeclarationOut,
    KeyIn,
    KeyOut,
    LabelOut,
    PreparedOut,
    ProductIn,
    ProductOut,
    ReasonIn,
    VerificationIn,
    VerificationOut,
)
from registry.accounts.actors import Actor
from registry.certification.verification import Statement
from registry.errors import InvalidInput
from registry.log.integrity import statement_json, statement_sha256
from registry.services import Registry
from registry.trust.external_signing import Prepared

if TYPE_CHECKING:  # row types for annotations only: api/ opens no database session
    from registry.store.tables import Declaration, Product, SigningKey, Verification


#: a 10 MB report in base64 and the statement
VERIFICATION_BODY_BYTES = 14_200_000


@dataclass
class _AuthedOperation(Operation):
    """An operation that needs a bearer token outside the paths ``api.openapi`` knows (it reads ``x-pcf-auth``)."""

    def to_schema(self) -> dict[str, Any]:
        return {**super().to_schema(), "x-pcf-auth": True}


def product_out(p: Product) -> ProductOut:
    return ProductOut(id=p.id, name=p.name, model=p.model, category=p.category, gtin=p.gtin, org_id=p.org_id)


def declaration_out(d: Declaration) -> DeclarationOut:
    def iso(v: Any) -> str | None:
        return v.isoformat() if v else None

    return DeclarationOut(
        id=d.id, product_id=d.product_id, org_id=d.org_id, status=d.status,  # type: ignore[arg-type]
        category_rule=d.category_rule, factor_release=d.factor_release,
        factor_release_sha256=d.factor_release_sha256, input_sha256=d.input_sha256, total_kg_co2e=d.total_kg_co2e,
        comments=d.comments, checklist=json.loads(d.checklist), result=json.loads(d.result),
        spec=json.loads(d.document), created_at=d.created_at.isoformat(), submitted_at=iso(d.submitted_at),
        decided_at=iso(d.decided_at), pending_label_id=d.pending_label_id)


def verification_out(v: Verification) -> VerificationOut:
    return VerificationOut(**statement_json(v), statement_sha256=statement_sha256(v),
                           report_filename=v.report_filename)


def prepared_out(p: Prepared) -> PreparedOut:
    return PreparedOut(declaration_id=p.declaration_id, label_id=p.claim["label_id"], key_id=p.claim["key_id"],
                       claim=p.claim, to_sign=base64.b64encode(p.to_sign).decode(),
                       payload_to_sign=base64.b64encode(p.payload_to_sign).decode())


def key_out(k: SigningKey) -> KeyOut:
    return KeyOut(key_id=k.key_id, org_id=k.org_id, status=k.status,  # type: ignore[arg-type]
                  public_key=base64.b64encode(k.public_key).decode(), not_before=k.not_before.isoformat(),
                  not_after=k.not_after.isoformat() if k.not_after else None,
                  held_by="registry" if k.sealed_private_key is not None else "certifier")


class RegistryController(Controller):
    """Write endpoints need a bearer token; roles are checked by the service."""

    path = "/api/v1"
    dependencies = {"who": Provide(actor, sync_to_thread=True)}  # noqa: RUF012 (Litestar's class attribute)
    tags = ("registry",)

    @post("/products", sync_to_thread=True, status_code=201)
    def create_product(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
                       data: JSONBody[ProductIn]) -> ProductOut:
        """Create a product of the calling manufacturer."""
        return product_out(registry.products.create_product(who, name=data.name, model=data.model,
                                                         category=data.category, gtin=data.gtin))

    @get("/products", sync_to_thread=True)
    def list_products(self, registry: NamedDependency[Registry], who: NamedDependency[Actor]) -> list[ProductOut]:
        """The caller's products (all products for certifiers and admins)."""
        return [product_out(p) for p in registry.products.products(who)]

    @get("/products/{product_id:str}", sync_to_thread=True)
    def show_product(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
                     product_id: FromPath[str]) -> ProductOut:
        return product_out(registry.products.get_product(who, product_id))

    @post("/declarations", sync_to_thread=True, status_code=201)
    def create_declaration(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
                           data: JSONBody[DeclarationIn]) -> DeclarationOut:
        """Create a draft declaration: the server computes the product file and checks the category rule."""
        return declaration_out(registry.declarations.create_declaration(
            who, product_id=data.product_id, spec=data.spec, result=data.result, release=data.factor_release))

    @get("/declarations", sync_to_thread=True)
    def list_declarations(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
                          status: FromQuery[Literal["draft", "submitted", "rejected", "certified"] | None] = None,
                          ) -> list[DeclarationOut]:
        """Declarations the caller may see (its own; for certifiers, the review queue)."""
        return [declaration_out(d) for d in registry.declarations.declarations(who, status)]

    @get("/declarations/{declaration_id:str}", sync_to_thread=True)
    def show_declaration(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
                         declaration_id: FromPath[str]) -> DeclarationOut:
        return declaration_out(registry.declarations.get_declaration(who, declaration_id))

    @post("/declarations/{declaration_id:str}/submit", sync_to_thread=True, status_code=200)
    def submit(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
               declaration_id: FromPath[str]) -> DeclarationOut:
        """Submit for review (recomputed, rules checked)."""
        return declaration_out(registry.declarations.submit(who, declaration_id))

    @post("/declarations/{declaration_id:str}/prepare", sync_to_thread=True, status_code=200)
    def prepare(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
                declaration_id: FromPath[str]) -> PreparedOut:
        """For a certifier that keeps its own key: fix the claim and reserve its label number. Sign ``to_sign``
        and ``payload_to_sign`` (both base64) with Ed25519, then approve with the two signatures. Preparing again
        answers the same claim while it is current."""
        return prepared_out(registry.review.prepare(who, declaration_id))

    @post("/declarations/{declaration_id:str}/approve", sync_to_thread=True, status_code=200)
    def approve(self, registry: NamedDependency[Registry], who: NamedDependency[Actor], declaration_id: FromPath[str],
                data: JSONBody[ApproveIn | None] = None) -> LabelOut:
        """Certify: issues the signed label (with ``label_id`` and its compact ``payload``). A certifier that keeps
        its own key sends ``signature`` and ``payload_signature`` of the prepared claim."""
        data = data or ApproveIn()
        label = registry.review.approve(who, declaration_id, data.comment, signature=data.signature,
                                       payload_signature=data.payload_signature)
        return label_out(registry, label.label_id)

    @post("/declarations/{declaration_id:str}/verification", sync_to_thread=True, status_code=200,
          request_max_body_size=VERIFICATION_BODY_BYTES)
    def record_verification(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
                            declaration_id: FromPath[str], data: JSONBody[VerificationIn]) -> VerificationOut:
        """Record the verification of a submitted declaration (its certifier, before approval; again to correct
        it while the declaration is submitted). The statement becomes public with the label; the report's SHA-256
        and the statement's enter the signed claim."""
        try:
            report = base64.b64decode(data.report_base64, validate=True)
        except ValueError:
            raise InvalidInput("report_base64 is not base64", "report_base64") from None
        statement = Statement(
            assurance_level=data.assurance_level, standard=data.standard, objectives=data.objectives,
            scope=data.scope, materiality_percent=data.materiality_percent, opinion=data.opinion,
            opinion_text=data.opinion_text, site_visit_date=data.site_visit_date, site=data.site,
            verifiers=tuple(data.verifiers), checks=tuple(data.checks.items()))
        return verification_out(registry.verifications.record_verification(who, declaration_id, statement, report,
                                                              data.report_filename, data.report_media_type))

    @get("/declarations/{declaration_id:str}/verification", sync_to_thread=True)
    def show_verification(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
                          declaration_id: FromPath[str]) -> VerificationOut:
        """The verification record of a declaration the caller may see."""
        return verification_out(registry.verifications.get(who, declaration_id))

    @get("/declarations/{declaration_id:str}/verification/report", sync_to_thread=True,
         media_type="application/octet-stream")
    def verification_report(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
                            declaration_id: FromPath[str]) -> Response[bytes]:
        """The verification report file: for the declaration's manufacturer, certifiers and administrators. Its
        SHA-256 is the ``report_sha256`` of the record and of the label's claim."""
        record, file = registry.verifications.report(who, declaration_id)
        return Response(file.content, media_type=file.media_type, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(record.report_filename)}",
            "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})

    @post("/declarations/{declaration_id:str}/reject", sync_to_thread=True, status_code=200)
    def reject(self, registry: NamedDependency[Registry], who: NamedDependency[Actor], declaration_id: FromPath[str],
               data: JSONBody[ReasonIn]) -> DeclarationOut:
        """Send back with a reason."""
        return declaration_out(registry.review.reject(who, declaration_id, data.reason))

    @post("/keys", sync_to_thread=True, status_code=201, operation_class=_AuthedOperation)
    def register_key(self, registry: NamedDependency[Registry], who: NamedDependency[Actor],
                     data: JSONBody[KeyIn]) -> KeyOut:
        """A certifier's new signing key (the certifier, or an administrator naming ``org_id``); the current key
        is retired, both events are logged. With ``public_key`` the certifier keeps the private key and signs
        each claim itself (prepare, then approve with signatures)."""
        return key_out(registry.keys.rotate_key(who, data.org_id or who.org_id, data.public_key))

    @get("/renewals", sync_to_thread=True)
    def renewals(self, registry: NamedDependency[Registry], who: NamedDependency[Actor]) -> list[dict[str, Any]]:
        """What the caller must renew or prepare for, soonest first: labels whose cited supplier labels are no longer
        active (``reason`` "supplier data changed"), and, within the next 60 days, surveillance audits due and
        certificates or labels expiring (``surveillance due``, ``certificate expires``, ``label expires``, with
        ``due``)."""
        return registry.public.declarations_to_renew(who)
