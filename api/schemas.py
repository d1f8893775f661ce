"""Request and response bodies of the JSON API (typed, so the OpenAPI document describes them)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Category = Literal["pv_module", "monitor", "display", "laptop", "desktop", "component"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductIn(_In):
    """A product of the calling manufacturer."""

    name: str = Field(min_length=1, max_length=200)
    model: str = Field(default="", max_length=200)
    category: Category
    gtin: str | None = Field(default=None, pattern=r"^(\d{8}|\d{12,14})$", description="GTIN-8/12/13/14")


class ProductOut(BaseModel):
    id: str
    name: str
    model: str
    category: str
    gtin: str | None
    org_id: str


class DeclarationIn(_In):
    """A product file (the same fields as a YAML product file, as JSON) for one of the caller's products.

    ``result`` is the manufacturer's own calculation (at least ``total_kg_co2e``): the server recomputes the file
    with the pinned factor release and refuses a result that differs.
    """

    product_id: str = Field(min_length=1, max_length=40)
    spec: dict[str, Any]
    result: dict[str, Any] | None = None
    factor_release: str | None = Field(default=None, max_length=40)


class DeclarationOut(BaseModel):
    id: str
    product_id: str
    org_id: str
    status: Literal["draft", "submitted", "rejected", "certified"]
    category_rule: str
    factor_release: str
    factor_release_sha256: str
    input_sha256: str
    total_kg_co2e: str
    comments: str
    checklist: dict[str, Any]
    result: dict[str, Any]
    spec: dict[str, Any]
    created_at: str
    submitted_at: str | None
    decided_at: str | None


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=2000)


class ApproveIn(_In):
    comment: str = Field(default="", max_length=2000)


class LabelSummary(BaseModel):
    """A label in search results."""

    label_id: str
    version: int
    status: Literal["active", "suspended", "revoked", "expired", "superseded"]
    value: str = Field(description="decimal string, rounded per the category rule")
    unit: str
    declared_unit: str
    category: str
    boundary: str
    product_name: str
    model: str
    gtin: str | None
    certifier_id: str
    manufacturer_id: str
    valid_from: str
    valid_until: str
    supplier_data_changed: bool


class LabelPage(BaseModel):
    items: list[LabelSummary]
    next_cursor: str | None


class LabelOut(BaseModel):
    """A label: its claim, signature, compact payload, status, supply chain and log evidence."""

    model_config = ConfigDict(extra="allow")
    label_id: str
    version: int
    status: str
    status_reason: str
    value: str
    unit: str
    declared_unit: str
    boundary: str
    method: str
    category: str
    valid_from: str
    valid_until: str
    gtin: str | None
    claim: dict[str, Any]
    signature: str
    key_id: str
    payload: str
    supply_chain: list[dict[str, Any]]
    supplier_data_changed: bool
    log: dict[str, Any]


class CheckpointOut(BaseModel):
    tree_size: int
    root_hash: str
    note: str
    origin: str


class InclusionOut(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    proof: list[str]


class ConsistencyOut(BaseModel):
    first: int
    second: int
    proof: list[str]
