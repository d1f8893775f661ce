"""The registry's tables (SQLModel). Alembic owns their schema: see ``registry/migrations``.

organisation ─┬─ api_token            hashed bearer tokens, scoped to a role, expiring, revocable
              ├─ signing_key          a certifier's (or the registry's) Ed25519 keys, private part sealed
              └─ product ── declaration ─┬─ citation          supplier labels a declaration uses
                                         ├─ green_claim       green-certificate serial ranges it claims
                                         ├─ verification      the certifier's statement (report by hash)
                                         └─ label             the signed, issued claim
audit_event                           who did what, with the record's hash before and after
log_entry, log_node, log_head,        the transparency log: leaves, complete-subtree hashes, the head
checkpoint                            (locked for appends), signed checkpoints

Times are timezone-aware UTC; values in signed claims are decimal strings; JSON documents are stored as text
(never pickled).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlalchemy import DateTime as SADateTime
from sqlmodel import Field, SQLModel

ROLES = ("manufacturer", "certifier", "admin")
DECLARATION_STATUSES = ("draft", "submitted", "rejected", "certified")
LABEL_STATUSES = ("active", "suspended", "revoked", "expired", "superseded")


def _ts(**kw: object) -> Column:  # type: ignore[type-arg]
    return Column(SADateTime(timezone=True), **kw)  # type: ignore[arg-type]


class Organisation(SQLModel, table=True):
    """A manufacturer, a certification body, or the registry's administration."""

    __tablename__ = "organisation"
    id: str = Field(primary_key=True, max_length=40)
    role: str = Field(max_length=20)
    name_zh: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    uscc: str | None = Field(default=None, max_length=18, unique=True)  # unified social credit code
    accreditation_no: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(sa_column=_ts(nullable=False))


class ApiToken(SQLModel, table=True):
    """A bearer token: only the SHA-256 of its secret is stored (the secret has 256 random bits)."""

    __tablename__ = "api_token"
    id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organisation.id", index=True)
    role: str = Field(max_length=20)
    name: str = Field(default="", max_length=100)
    secret_sha256: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class SigningKey(SQLModel, table=True):
    """An Ed25519 key of a certifier (or of the registry, org ``registry``) with its validity window."""

    __tablename__ = "signing_key"
    key_id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organisation.id", index=True)
    public_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    sealed_private_key: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    status: str = Field(default="current", max_length=20)  # current | retired | revoked
    not_before: datetime = Field(sa_column=_ts(nullable=False))
    not_after: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class Product(SQLModel, table=True):
    """A product of a manufacturer."""

    __tablename__ = "product"
    id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=200)
    model: str = Field(default="", max_length=200)
    category: str = Field(max_length=40, index=True)
    gtin: str | None = Field(default=None, max_length=14, index=True)  # GTIN-14, check digit verified
    created_at: datetime = Field(sa_column=_ts(nullable=False))


class Declaration(SQLModel, table=True):
    """A product file as submitted, the server's result for it, and its review."""

    __tablename__ = "declaration"
    id: str = Field(primary_key=True, max_length=40)
    product_id: str = Field(foreign_key="product.id", index=True)
    org_id: str = Field(foreign_key="organisation.id", index=True)
    status: str = Field(default="draft", max_length=20, index=True)
    document: str  # the product file as submitted, JSON
    result: str  # the server's result, JSON
    checklist: str  # the category rule checklist, JSON
    category_rule: str = Field(max_length=60)  # "<id>@<version>"
    factor_release: str = Field(max_length=40)
    factor_release_sha256: str = Field(max_length=64)
    input_sha256: str = Field(max_length=64)
    total_kg_co2e: str = Field(max_length=40)  # decimal text of the server's result
    comments: str = Field(default="")  # reviewer comments / rejection reason
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    submitted_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    decided_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    decided_by: str | None = Field(default=None, max_length=40)
    # Two-step approval by a certifier that keeps its own key (registry.external_signing): the label number
    # reserved for this declaration (unique; kept until a label is issued with it, so no other declaration ever
    # gets it) and the claim handed out for signing (RFC 8785 JSON; cleared on issue and on rejection).
    pending_label_id: str | None = Field(default=None, max_length=40, unique=True)
    pending_claim: str | None = Field(default=None)


class Citation(SQLModel, table=True):
    """A supplier label that a declaration's product file cites, with the exact version used."""

    __tablename__ = "citation"
    id: int | None = Field(default=None, primary_key=True)
    declaration_id: str = Field(foreign_key="declaration.id", index=True)
    field: str = Field(max_length=200)  # path of the input in the product file
    label_id: str = Field(max_length=40, index=True)
    label_version: int
    value: str = Field(max_length=40)  # the cited label's certified value per its declared unit
    unit: str = Field(max_length=20)
    declared_unit: str = Field(max_length=200)
    amount: float


class GreenClaim(SQLModel, table=True):
    """A range of green-electricity certificate serials (or a PPA contract id) claimed by a declaration."""

    __tablename__ = "green_claim"
    __table_args__ = (Index("ix_green_claim_range", "prefix", "first", "last"),)
    id: int | None = Field(default=None, primary_key=True)
    declaration_id: str = Field(foreign_key="declaration.id", index=True)
    product_id: str = Field(foreign_key="product.id", index=True)
    kind: str = Field(max_length=30)
    text: str = Field(max_length=200)  # as written in the product file
    prefix: str = Field(max_length=120)
    first: int
    last: int
    kwh: float  # kWh of the contract entry that lists it
    field: str = Field(max_length=200)


class Label(SQLModel, table=True):
    """An issued label: the signed claim and its life cycle."""

    __tablename__ = "label"
    label_id: str = Field(primary_key=True, max_length=40)
    version: int
    declaration_id: str = Field(foreign_key="declaration.id", unique=True)
    product_id: str = Field(foreign_key="product.id", index=True)
    manufacturer_id: str = Field(foreign_key="organisation.id", index=True)
    certifier_id: str = Field(foreign_key="organisation.id", index=True)
    category: str = Field(max_length=40, index=True)
    key_id: str = Field(foreign_key="signing_key.key_id")
    value: str = Field(max_length=40)  # decimal text, rounded per the category rule
    value_num: float = Field(index=True)  # the same, for sorting and range filters
    unit: str = Field(max_length=20)
    declared_unit: str = Field(max_length=200)
    boundary: str = Field(max_length=20)
    method: str = Field(max_length=120)
    valid_from: date
    valid_until: date = Field(index=True)
    status: str = Field(default="active", max_length=20, index=True)  # active|suspended|revoked|superseded
    status_reason: str = Field(default="")
    supersedes: str | None = Field(default=None, max_length=40)
    superseded_by: str | None = Field(default=None, max_length=40)
    claim: str  # the signed claim, RFC 8785 JSON
    signature: str  # Ed25519 over the claim, base64
    payload: str  # the compact offline payload (COSE_Sign1, QR-friendly text)
    issued_at: datetime = Field(sa_column=_ts(nullable=False))
    log_index: int  # the issuance leaf
    pact_id: str = Field(max_length=36, unique=True)  # the PACT ProductFootprint id (uuid5 of the label id)


class AuditEvent(SQLModel, table=True):
    """Who did what and when; the hashes of the record before and after the change."""

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_ts(nullable=False))
    actor_org: str = Field(max_length=40)
    actor: str = Field(max_length=80)  # token id, person or "cli"
    action: str = Field(max_length=60)
    object_type: str = Field(max_length=40)
    object_id: str = Field(max_length=60, index=True)
    before_sha256: str | None = Field(default=None, max_length=64)
    after_sha256: str | None = Field(default=None, max_length=64)
    detail: str = Field(default="{}")


class LogEntry(SQLModel, table=True):
    """A leaf of the transparency log: ``index`` is gap-free, assigned under the head's lock."""

    __tablename__ = "log_entry"
    index: int = Field(primary_key=True)
    leaf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # RFC 8785 JSON of the event
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    kind: str = Field(max_length=40)
    subject: str = Field(max_length=60, index=True)  # label id or key id
    created_at: datetime = Field(sa_column=_ts(nullable=False))


class LogNode(SQLModel, table=True):
    """The hash of a complete subtree: leaves [index * 2**level, (index + 1) * 2**level)."""

    __tablename__ = "log_node"
    level: int = Field(primary_key=True)
    index: int = Field(primary_key=True)
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class LogHead(SQLModel, table=True):
    """One row: the log's size and root. Appends lock it (``SELECT ... FOR UPDATE``), so indexes never repeat."""

    __tablename__ = "log_head"
    id: int = Field(default=1, primary_key=True)
    size: int = 0
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Checkpoint(SQLModel, table=True):
    """A signed checkpoint (C2SP signed note) of the log at one size."""

    __tablename__ = "checkpoint"
    __table_args__ = (UniqueConstraint("size"),)
    id: int | None = Field(default=None, primary_key=True)
    size: int
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str
    created_at: datetime = Field(sa_column=_ts(nullable=False))


class Person(SQLModel, table=True):
    """Someone who signs in to the web platform, acting for one organisation in its role."""

    __tablename__ = "person"
    id: str = Field(primary_key=True, max_length=40)
    org_id: str = Field(foreign_key="organisation.id", index=True)
    email: str = Field(max_length=254, unique=True)  # stored lower-case
    name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=200)  # Argon2id (argon2-cffi), never the password
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    disabled_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random secret, the table its SHA-256 and the CSRF token."""

    __tablename__ = "web_session"
    id_sha256: str = Field(primary_key=True, max_length=64)
    person_id: str = Field(foreign_key="person.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    expires_at: datetime = Field(sa_column=_ts(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class PactClient(SQLModel, table=True):
    """A PACT data recipient allowed to read footprints (OAuth2 client credentials; only the secret's hash)."""

    __tablename__ = "pact_client"
    client_id: str = Field(primary_key=True, max_length=80)
    secret_sha256: str = Field(max_length=64)
    name: str = Field(default="", max_length=200)
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))


class PactPartner(SQLModel, table=True):
    """Credentials for calling back a partner's PACT host (its ``source``): the secret is encrypted at rest."""

    __tablename__ = "pact_partner"
    source: str = Field(primary_key=True, max_length=300)  # base URL, e.g. https://partner.example
    client_id: str = Field(max_length=200)
    sealed_secret: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    #: The one PACT client of ours whose requests may be answered to this partner (None: no client may).
    for_client: str | None = Field(default=None, max_length=80)


class PactEvent(SQLModel, table=True):
    """An event received or sent over PACT (requests and their answers are kept for audit)."""

    __tablename__ = "pact_event"
    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=10)  # in | out
    event_id: str = Field(max_length=200, index=True)
    type: str = Field(max_length=200)
    source: str = Field(max_length=300)
    body: str
    status: str = Field(default="", max_length=40)  # received, sent, failed: <reason>
    created_at: datetime = Field(sa_column=_ts(nullable=False))
    client_id: str | None = Field(default=None, max_length=80)  # the authenticated client that sent it (in)


class Certificate(SQLModel, table=True):
    """The certificate behind a label issued under a rule with a certification block (issue 17): its number,
    holder, rule, validity (the label's never exceeds it) and surveillance schedule."""

    __tablename__ = "certificate"
    number: str = Field(primary_key=True, max_length=40)
    label_id: str = Field(max_length=40, index=True, unique=True)
    declaration_id: str = Field(max_length=40)
    product_id: str = Field(max_length=40)
    holder_id: str = Field(max_length=40)
    certifier_id: str = Field(max_length=40)
    rule: str = Field(max_length=80)
    issued: date
    valid_until: date
    surveillance_months: int
    next_surveillance_due: date
    created_at: datetime = Field(sa_column=_ts(nullable=False))


class Verification(SQLModel, table=True):
    """A certifier's verification of a submitted declaration (ISO 14064-3 statement; issue 17 item 4). The
    statement's hash and the report's enter the label's signed claim."""

    __tablename__ = "verification"
    id: int | None = Field(default=None, primary_key=True)
    declaration_id: str = Field(foreign_key="declaration.id", max_length=40, unique=True, index=True)
    certifier_id: str = Field(max_length=40)
    criteria: str = Field(max_length=80)  # the category rule "<id>@<version>" verified against
    statement: str  # the statement's checked fields, JSON (registry.certification.verification)
    report_sha256: str = Field(max_length=64)
    report_filename: str = Field(max_length=200)
    recorded_at: datetime = Field(sa_column=_ts(nullable=False))


class VerificationReport(SQLModel, table=True):
    """A verification report file, by its SHA-256 (readable by the declaration's parties only)."""

    __tablename__ = "verification_report"
    sha256: str = Field(primary_key=True, max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    media_type: str = Field(max_length=40)
    size: int
    created_at: datetime = Field(sa_column=_ts(nullable=False))


class Witness(SQLModel, table=True):
    """An independent witness of the log, registered by an administrator (C2SP tlog-cosignature, Ed25519)."""

    __tablename__ = "witness"
    name: str = Field(primary_key=True, max_length=200)
    public_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=_ts(nullable=False))


class Cosignature(SQLModel, table=True):
    """A witness's cosignature of one of the log's checkpoints (its note signature line)."""

    __tablename__ = "cosignature"
    id: int | None = Field(default=None, primary_key=True)
    witness: str = Field(foreign_key="witness.name", index=True, max_length=200)
    size: int
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    line: str = Field(max_length=400)
    timestamp: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_column=_ts(nullable=False))


REGISTRY_TABLES = [
    t.__table__  # type: ignore[attr-defined,union-attr]
    for t in (Organisation, ApiToken, SigningKey, Product, Declaration, Citation, GreenClaim, Label, AuditEvent,
              LogEntry, LogNode, LogHead, Checkpoint, Person, WebSession, PactClient, PactPartner, PactEvent, Witness,
              Cosignature, Certificate)
]
