"""Products, declarations and their review (``/api/v1``): manufacturers write, certifiers review."""

from __future__ import annotations

import json
from typing import Any, Literal

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from api.auth import actor
from api.controllers.labels import label_out
from api.schemas import ApproveIn, DeclarationIn, DeclarationOut, LabelOut, ProductIn, ProductOut, ReasonIn
from registry.service import Actor
from registry.tables import Declaration, Product


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
        decided_at=iso(d.decided_at))


class RegistryController(Controller):
    """Write endpoints need a bearer token; roles are checked by the service."""

    path = "/api/v1"
    dependencies = {"who": Provide(actor, sync_to_thread=True)}  # noqa: RUF012 (Litestar's class attribute)
    tags = ("registry",)

    @post("/products", sync_to_thread=True, status_code=201)
    def create_product(self, state: State, who: NamedDependency[Actor], data: JSONBody[ProductIn]) -> ProductOut:
        """Create a product of the calling manufacturer."""
        return product_out(state.registry.create_product(who, name=data.name, model=data.model,
                                                         category=data.category, gtin=data.gtin))

    @get("/products", sync_to_thread=True)
    def list_products(self, state: State, who: NamedDependency[Actor]) -> list[ProductOut]:
        """The caller's products (all products for certifiers and admins)."""
        return [product_out(p) for p in state.registry.products(who)]

    @get("/products/{product_id:str}", sync_to_thread=True)
    def show_product(self, state: State, who: NamedDependency[Actor], product_id: FromPath[str]) -> ProductOut:
        return product_out(state.registry.get_product(who, product_id))

    @post("/declarations", sync_to_thread=True, status_code=201)
    def create_declaration(self, state: State, who: NamedDependency[Actor], data: JSONBody[DeclarationIn]) -> DeclarationOut:
        """Create a draft declaration: the server computes the product file and checks the category rule."""
        return declaration_out(state.registry.create_declaration(
            who, product_id=data.product_id, spec=data.spec, result=data.result, release=data.factor_release))

    @get("/declarations", sync_to_thread=True)
    def list_declarations(self, state: State, who: NamedDependency[Actor],
                          status: FromQuery[Literal["draft", "submitted", "rejected", "certified"] | None] = None,
                          ) -> list[DeclarationOut]:
        """Declarations the caller may see (its own; for certifiers, the review queue)."""
        return [declaration_out(d) for d in state.registry.declarations(who, status)]

    @get("/declarations/{declaration_id:str}", sync_to_thread=True)
    def show_declaration(self, state: State, who: NamedDependency[Actor], declaration_id: FromPath[str]) -> DeclarationOut:
        return declaration_out(state.registry.get_declaration(who, declaration_id))

    @post("/declarations/{declaration_id:str}/submit", sync_to_thread=True, status_code=200)
    def submit(self, state: State, who: NamedDependency[Actor], declaration_id: FromPath[str]) -> DeclarationOut:
        """Submit for review (recomputed, rules checked)."""
        return declaration_out(state.registry.submit(who, declaration_id))

    @post("/declarations/{declaration_id:str}/approve", sync_to_thread=True, status_code=200)
    def approve(self, state: State, who: NamedDependency[Actor], declaration_id: FromPath[str],
                data: JSONBody[ApproveIn | None] = None) -> LabelOut:
        """Certify: issues the signed label (with ``label_id`` and its compact ``payload``)."""
        label = state.registry.approve(who, declaration_id, data.comment if data else "")
        return label_out(state, label.label_id)

    @post("/declarations/{declaration_id:str}/reject", sync_to_thread=True, status_code=200)
    def reject(self, state: State, who: NamedDependency[Actor], declaration_id: FromPath[str],
               data: JSONBody[ReasonIn]) -> DeclarationOut:
        """Send back with a reason."""
        return declaration_out(state.registry.reject(who, declaration_id, data.reason))

    @get("/renewals", sync_to_thread=True)
    def renewals(self, state: State, who: NamedDependency[Actor]) -> list[dict[str, Any]]:
        """The caller's labels whose cited supplier labels changed (declarations to renew)."""
        return state.registry.declarations_to_renew(who)
