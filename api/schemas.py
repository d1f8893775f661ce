"""Request and response bodies of the JSON API (typed, so the OpenAPI document describes them)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from label.model import LIMITS

Category = Literal["pv_module", "monitor", "display", "laptop", "desktop", "component"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductIn(_In):
    """A product of the calling manufacturer."""

    name: str = Field(min_length=1, max_length=LIMITS["product_name"])
    model: str = Field(default="", max_length=LIMITS["model"])
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
    pending_label_id: str | None = Field(default=None, description="the label number reserved by a prepare")


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=2000)


class SurveillanceIn(_In):
    """A surveillance audit of the certificate behind a label, recorded by its certifier."""

    date: datetime.date
    outcome: Literal["passed", "failed"]
    notes: str = Field(min_length=1, max_length=2000)


class VerificationIn(_In):
    """A certifier's verification of a submitted declaration (ISO 14064-3:2019 statement) and its report file.
    Required before approval under a rule with a certification block; the statement's hash and the report's
    SHA-256 enter the label's signed claim. The statement is public; the report only for the parties."""

    assurance_level: Literal["reasonable", "limited"]
    standard: str = Field(default="ISO 14064-3:2019", min_length=1, max_length=200)
    objectives: str = Field(min_length=1, max_length=2000)
    scope: str = Field(min_length=1, max_length=2000, description="what was verified: product, boundary, period")
    materiality_percent: str = Field(pattern=r"^(100(\.0+)?|[0-9]{1,2}(\.[0-9]{1,4})?)$",
                                     description="materiality threshold in percent of the footprint, e.g. 5")
    opinion: Literal["unmodified", "modified", "adverse", "disclaimer"] = Field(
        description="an adverse opinion or a disclaimer allows no label")
    opinion_text: str = Field(min_length=1, max_length=4000)
    site_visit_date: datetime.date = Field(description="the on-site inspection; not after today")
    site: str = Field(min_length=1, max_length=300, description="the site inspected")
    verifiers: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field(
        min_length=1, max_length=10, description="the verifiers' names")
    report_base64: str = Field(min_length=1, max_length=14_000_000,
                               description="the verification report (PDF, PNG or JPEG, at most 10 MB), base64")
    report_filename: str = Field(min_length=1, max_length=200)
    report_media_type: Literal["application/pdf", "image/png", "image/jpeg"] = "application/pdf"
    checks: dict[Annotated[str, Field(max_length=60)], Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        default_factory=dict, max_length=50,
        description="what was checked for each checklist item the data could not decide (status unverified), by "
                    "rule id: one note for each such item, and no other")


class VerificationOut(BaseModel):
    """A verification record: the public statement, its SHA-256 (in the label's signed claim) and the report's."""

    declaration_id: str
    certifier_id: str
    criteria: str
    standard: str
    assurance_level: str
    objectives: str
    scope: str
    materiality_percent: str
    opinion: str
    opinion_text: str
    site_visit_date: str
    site: str
    verifiers: list[str]
    checks: dict[str, str]
    report_sha256: str
    recorded_at: str
    statement_sha256: str
    report_filename: str


class ApproveIn(_In):
    """A certifier's approval. A certifier that keeps its own key sends the Ed25519 signatures (base64, 64 bytes
    each) of the two byte strings that ``POST /api/v1/declarations/{id}/prepare`` answered; one whose key the
    registry keeps sends neither."""

    comment: str = Field(default="", max_length=2000)
    signature: str | None = Field(default=None, max_length=200, description="Ed25519 signature of to_sign, base64")
    payload_signature: str | None = Field(default=None, max_length=200,
                                          description="Ed25519 signature of payload_to_sign, base64")


class PreparedOut(BaseModel):
    """A claim fixed for the certifier to sign: its label number is reserved; approve with both signatures."""

    declaration_id: str
    label_id: str
    key_id: str
    claim: dict[str, Any]
    to_sign: str = Field(description="base64 of the claim's RFC 8785 JSON (the signed statement)")
    payload_to_sign: str = Field(description="base64 of the COSE Sig_structure of the compact offline payload")


class KeyIn(_In):
    """A new signing key for a certifier; the current one is retired."""

    public_key: str | None = Field(default=None, max_length=200, description=(
        "the raw 32-byte Ed25519 public key, base64: the certifier keeps the private key and signs each claim "
        "itself; without it the registry generates the key and keeps it sealed"))
    org_id: str | None = Field(default=None, min_length=1, max_length=40,
                               description="the certifier (default: the caller's organisation)")


class KeyOut(BaseModel):
    key_id: str
    org_id: str
    status: Literal["current", "retired", "revoked"]
    public_key: str = Field(description="raw 32-byte Ed25519 public key, base64")
    not_before: str
    not_after: str | None
    held_by: Literal["registry", "certifier"] = Field(
        description="who keeps the private key: the registry (sealed) or the certifier, who signs each claim")


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
    #: The registered witnesses' cosignature lines of this checkpoint (c2sp.org/tlog-cosignature).
    cosignatures: list[str] = Field(default_factory=list)
    #: ``note`` with the cosignature lines appended: the checkpoint as witnessed.
    cosigned_note: str = ""


class CosignatureIn(BaseModel):
    """A witness's cosignature of one of the registry's checkpoints (``pcf log witness`` sends it)."""

    model_config = ConfigDict(extra="forbid")
    witness: str = Field(min_length=1, max_length=200)
    size: int = Field(ge=1, le=2**62)
    cosignature: str = Field(min_length=1, max_length=400)


class InclusionOut(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    proof: list[str]


class ConsistencyOut(BaseModel):
    first: int
    second: int
    proof: list[str]
