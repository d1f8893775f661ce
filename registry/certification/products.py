"""A manufacturer's products (the things labels are issued for)."""

from __future__ import annotations

from sqlmodel import Session, select

from label.model import LIMITS, text_problem
from registry import rules
from registry.accounts.actors import Actor
from registry.errors import Conflict, InvalidInput, NotFound
from registry.ids import gtin14, new_id
from registry.store.tables import Label, Product
from registry.work import RegistryContext


def may_see_product(s: Session, actor: Actor | None, product: Product) -> bool:
    """Its maker, certifiers and admins see a product; anyone sees one that has a label."""
    if actor is not None and (actor.role in ("admin", "certifier") or actor.org_id == product.org_id):
        return True
    return s.exec(select(Label.label_id).where(Label.product_id == product.id)).first() is not None


class Products:
    """Products of manufacturers."""

    def __init__(self, ctx: RegistryContext) -> None:
        self.ctx = ctx

    def create_product(self, actor: Actor, *, name: str, model: str = "", category: str,
                       gtin: str | None = None) -> Product:
        """A product of the acting manufacturer."""
        actor.require("manufacturer")
        # the label's own limits (label.model.LIMITS): a product the registry accepts always prints
        for field_name, text, limit in (("name", name, LIMITS["product_name"]), ("model", model, LIMITS["model"])):
            problem = text_problem(text, limit) if (text or field_name == "name") else None
            if problem is not None:
                raise InvalidInput(f"the product's {field_name} {problem}", field_name)
        rules.load_rule(category, field="category")
        with self.ctx.work(actor) as w:
            s = w.session
            product = Product(id=new_id("prd"), org_id=actor.org_id, name=name, model=model, category=category,
                              gtin=gtin14(gtin) if gtin else None, created_at=w.now)
            if product.gtin and s.exec(select(Product).where(Product.gtin == product.gtin)).first():
                raise Conflict(f"GTIN {product.gtin} belongs to another product", "gtin")
            s.add(product)
            s.flush()
            w.audit("product.create", product, product.id)
            return product

    def get_product(self, actor: Actor | None, product_id: str) -> Product:
        with self.ctx.read() as s:
            product = s.get(Product, product_id)
            if product is None or not may_see_product(s, actor, product):
                raise NotFound(f"no product {product_id!r}", "product_id")
            return product

    def products(self, actor: Actor) -> list[Product]:
        """The acting manufacturer's products (all products for certifiers and admins)."""
        with self.ctx.read() as s:
            q = select(Product).order_by(Product.created_at)  # type: ignore[arg-type]
            if actor.role == "manufacturer":
                q = q.where(Product.org_id == actor.org_id)
            return list(s.exec(q))

    def product_by_gtin(self, gtin: str) -> Product:
        """The product with this GTIN, when it is public (has a label)."""
        with self.ctx.read() as s:
            product = s.exec(select(Product).where(Product.gtin == gtin14(gtin))).first()
            if product is None or not may_see_product(s, None, product):
                raise NotFound(f"no product with GTIN {gtin!r}", "gtin")
            return product
