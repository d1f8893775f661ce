"""Verification records (issue 17 item 4): before approving a declaration under a rule with a certification block,
its certifier records the verification as ISO 14064-3:2019 describes a verification statement (level of assurance,
objectives, criteria, scope, materiality, opinion), with the on-site inspection and the verifiers, and the
verification report as a file.

What is signed. The statement (every field below, the report's SHA-256 included) is hashed as RFC 8785 JSON; the
label's full claim carries that hash (``verification_sha256``) and the report's (``verification_report_sha256``), so
the statement shown on the public page is checked against the signed, logged claim (a row that differs is RECORD
DAMAGED), and anyone holding a copy of the report can check it against the hash. The statement is public; the
report itself only to the manufacturer of the declaration, certifiers and administrators.

Decided here (the issue is silent): one record per declaration, which its certifier may record again while the
declaration is submitted (each recording audited); approval is refused while the opinion is adverse or a
disclaimer (ISO 14064-3 gives those when the claim is not fairly stated or cannot be verified); the report is at
most :data:`REPORT_MAX_BYTES` and one of :data:`REPORT_TYPES`, recognised by its first bytes as well as by the type
sent.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, get_args

from sqlmodel import Session, select

from registry.accounts.actors import Actor
from registry.certification.declarations import visible_declaration
from registry.errors import Conflict, InvalidInput, NotFound
from registry.store.tables import Declaration, Verification, VerificationReport
from registry.work import RegistryContext, record_sha256

AssuranceLevel = Literal["reasonable", "limited"]
#: ISO 14064-3:2019 (clause 9): an unmodified, modified or adverse opinion, or a disclaimer of opinion
Opinion = Literal["unmodified", "modified", "adverse", "disclaimer"]
#: opinions under which a label may be issued
CERTIFIABLE_OPINIONS = ("unmodified", "modified")
REPORT_MAX_BYTES = 10 * 1024 * 1024
#: media types of a report and their first bytes
REPORT_TYPES = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",)}
STANDARD = "ISO 14064-3:2019"
_FILENAME = re.compile(r"[^\\/:*?\"<>|\x00-\x1f]{1,200}")


@dataclass(frozen=True)
class Statement:
    """What the certifier states (the public part of a verification record), before the registry checks it."""

    assurance_level: str
    objectives: str
    scope: str
    materiality_percent: str
    opinion: str
    opinion_text: str
    site_visit_date: date
    site: str
    verifiers: tuple[str, ...]
    standard: str = STANDARD
    #: what the verifier checked for each checklist item the data could not decide (rule id -> note; issue 17
    #: item 6): one for every "unverified" item of the declaration's checklist, no other
    checks: tuple[tuple[str, str], ...] = ()


def _text(value: Any, field: str, limit: int, *, lines: bool = False) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} is required", field)
    if len(value) > limit:
        raise InvalidInput(f"{field} has at most {limit} characters", field)
    allowed = "\n\t" if lines else ""
    if any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in allowed for ch in value):
        raise InvalidInput(f"{field} cannot contain control characters", field)
    return value.strip()


def checked_statement(st: Statement, today: date, submitted: date | None) -> dict[str, Any]:
    """The statement's fields as stored and hashed, each checked (InvalidInput naming the field)."""
    if st.assurance_level not in get_args(AssuranceLevel):
        raise InvalidInput("assurance_level is reasonable or limited", "assurance_level")
    if st.opinion not in get_args(Opinion):
        raise InvalidInput("opinion is unmodified, modified, adverse or disclaimer", "opinion")
    try:
        materiality = Decimal(st.materiality_percent)
    except (InvalidOperation, TypeError):
        raise InvalidInput("materiality_percent is a number such as 5", "materiality_percent") from None
    if not materiality.is_finite() or not Decimal(0) < materiality <= Decimal(100) or len(st.materiality_percent) > 8:
        raise InvalidInput("materiality_percent is more than 0 and at most 100", "materiality_percent")
    if not isinstance(st.site_visit_date, date) or st.site_visit_date > today:
        raise InvalidInput("site_visit_date is a date not after today", "site_visit_date")
    if submitted is not None and (submitted - st.site_visit_date).days > 366:
        raise InvalidInput("site_visit_date is at most a year before the declaration was submitted", "site_visit_date")
    if not isinstance(st.verifiers, tuple | list) or not 1 <= len(st.verifiers) <= 10:
        raise InvalidInput("verifiers names 1 to 10 people", "verifiers")
    verifiers = [_text(v, f"verifiers[{i}]", 120) for i, v in enumerate(st.verifiers)]
    return {
        "standard": _text(st.standard, "standard", 200), "assurance_level": st.assurance_level,
        "objectives": _text(st.objectives, "objectives", 2000, lines=True),
        "scope": _text(st.scope, "scope", 2000, lines=True),
        "materiality_percent": format(materiality.normalize(), "f"), "opinion": st.opinion,
        "opinion_text": _text(st.opinion_text, "opinion_text", 4000, lines=True),
        "site_visit_date": st.site_visit_date.isoformat(), "site": _text(st.site, "site", 300),
        "verifiers": verifiers,
    }


def unverified(checklist: dict[str, Any]) -> tuple[str, ...]:
    """The rule ids of the checklist items the data could not decide (a verifier says what it checked for each)."""
    return tuple(i["rule"] for i in checklist.get("items", []) if i.get("status") == "unverified")


def checked_notes(checks: tuple[tuple[str, str], ...], checklist: dict[str, Any]) -> dict[str, str]:
    """A note of what was checked for each checklist item the data could not decide, and for no other item."""
    to_verify = {i["rule"]: i.get("title") or i["rule"] for i in checklist.get("items", [])
                 if i.get("status") == "unverified"}
    notes: dict[str, str] = {}
    if not isinstance(checks, tuple | list) or len(checks) > 50:
        raise InvalidInput("checks names at most 50 checklist items", "checks")
    for rule, note in checks:
        if rule not in to_verify:
            raise InvalidInput(f"{rule!r} is not a checklist item left to verify", f"checks.{rule}"[:80])
        notes[rule] = _text(note, f"checks.{rule}", 500, lines=True)
    for rule, title in to_verify.items():
        if rule not in notes:
            raise InvalidInput(f"say what you checked for the checklist item {title!r}", f"checks.{rule}")
    return notes


def checked_report(content: bytes, filename: str, media_type: str) -> tuple[bytes, str, str]:
    """The report file, refused when empty, too large, of another type, or not what its type says."""
    if not isinstance(content, bytes) or not content:
        raise InvalidInput("the verification report file is required", "report")
    if len(content) > REPORT_MAX_BYTES:
        raise InvalidInput(f"the verification report is at most {REPORT_MAX_BYTES // (1024 * 1024)} MB", "report")
    if media_type not in REPORT_TYPES:
        raise InvalidInput(f"the report is one of {', '.join(REPORT_TYPES)}", "report_media_type")
    if not content.startswith(REPORT_TYPES[media_type]):
        raise InvalidInput(f"the report file is not {media_type}", "report")
    if not isinstance(filename, str) or not _FILENAME.fullmatch(filename) or filename.strip() in ("", ".", ".."):
        raise InvalidInput("report_filename is a file name of 1-200 characters without a path", "report_filename")
    return content, filename.strip(), media_type


def record_for(s: Session, declaration_id: str) -> Verification | None:
    return s.exec(select(Verification).where(Verification.declaration_id == declaration_id)).first()


def require_certifiable(s: Session, dec: Declaration, certifier_id: str) -> Verification:
    """The declaration's verification record, when it allows ``certifier_id`` to issue a label (called before
    approval under a rule with a certification block).

    Raises:
        Conflict: no record (``field`` verification), one recorded by another certifier (the body that verifies
            is the body that certifies), or an adverse opinion or disclaimer.
    """
    v = record_for(s, dec.id)
    if v is None:
        raise Conflict(f"record the verification of declaration {dec.id} before approving it (assurance level, "
                       "scope, materiality, opinion, site visit, verifiers and the report)", "verification")
    if v.certifier_id != certifier_id:
        raise Conflict(f"the verification of declaration {dec.id} was recorded by {v.certifier_id}: the certifier "
                       "that approves records its own verification first", "verification")
    opinion = json.loads(v.statement)["opinion"]
    if opinion not in CERTIFIABLE_OPINIONS:
        raise Conflict(f"the verification gave an {opinion} opinion: no label can be issued", "verification.opinion")
    return v


class Verifications:
    """Certifiers record verifications; the parties to a declaration read its report."""

    def __init__(self, ctx: RegistryContext) -> None:
        self.ctx = ctx

    def record_verification(self, actor: Actor, declaration_id: str, statement: Statement, report: bytes,
                            report_filename: str, report_media_type: str) -> Verification:
        """Record (or record again) the verification of a submitted declaration (certifiers only).

        Raises:
            InvalidInput: a field missing or out of bounds (``field`` names it). Conflict: the declaration is not
                submitted. NotFound: no such declaration visible to the certifier. Nothing is stored on error.
        """
        actor.require("certifier")
        content, filename, media_type = checked_report(report, report_filename, report_media_type)
        digest = hashlib.sha256(content).hexdigest()
        with self.ctx.work(actor) as w:
            s = w.session
            dec = visible_declaration(s, actor, declaration_id)
            if dec.status != "submitted":
                raise Conflict(f"declaration {dec.id} is {dec.status}; only a submitted one is verified", "status")
            submitted = dec.submitted_at.date() if dec.submitted_at else None
            fields = checked_statement(statement, w.now.date(), submitted)
            fields["checks"] = checked_notes(statement.checks, json.loads(dec.checklist))
            if s.get(VerificationReport, digest) is None:
                s.add(VerificationReport(sha256=digest, content=content, media_type=media_type, size=len(content),
                                         created_at=w.now))
            v = record_for(s, dec.id)
            if v is not None and v.certifier_id != actor.org_id:
                raise Conflict(f"declaration {dec.id} is being verified by {v.certifier_id}", "verification")
            before = record_sha256(v) if v is not None else None
            if v is None:
                v = Verification(declaration_id=dec.id, certifier_id=actor.org_id, recorded_at=w.now,
                                 criteria=dec.category_rule, statement="{}", report_sha256=digest,
                                 report_filename=filename)
            v.certifier_id, v.recorded_at, v.criteria = actor.org_id, w.now, dec.category_rule
            # the time recorded is part of the hashed statement, as text (a database may drop the time zone)
            fields["recorded_at"] = w.now.astimezone(UTC).isoformat(timespec="seconds")
            v.statement = json.dumps(fields, ensure_ascii=False, sort_keys=True)
            v.report_sha256, v.report_filename = digest, filename
            s.add(v)
            s.flush()
            w.audit("declaration.verification", v, dec.id, before, report_sha256=digest, opinion=fields["opinion"])
            return v

    def get(self, actor: Actor, declaration_id: str) -> Verification:
        """The verification record of a declaration the actor may see.

        Raises:
            NotFound: no such declaration visible to the actor, or no record yet.
        """
        with self.ctx.read() as s:
            dec = visible_declaration(s, actor, declaration_id)
            v = record_for(s, dec.id)
            if v is None:
                raise NotFound(f"declaration {dec.id} has no verification record", "verification")
            return v

    def report(self, actor: Actor, declaration_id: str) -> tuple[Verification, VerificationReport]:
        """The report file: for the declaration's manufacturer, certifiers and administrators only.

        Raises:
            NotFound: no such declaration visible to the actor (another manufacturer's), or no record.
        """
        with self.ctx.read() as s:
            dec = visible_declaration(s, actor, declaration_id)  # a manufacturer sees only its own
            v = record_for(s, dec.id)
            if v is None:
                raise NotFound(f"declaration {dec.id} has no verification record", "verification")
            file = s.get(VerificationReport, v.report_sha256)
            assert file is not None
            return v, file
