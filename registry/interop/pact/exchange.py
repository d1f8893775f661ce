"""PACT exchange: footprints as PACT ProductFootprints (lists with filters and keyset pages, one by id) and the
events partners send (checked and recorded).

Every issued label is one footprint per generation (a reinstated label starts a new one, see
:mod:`registry.interop.pact.mapping`); labels the mapping cannot express (a component without a CPC code or
mass) are left out. Every label is public, so every client sees every footprint. Lists are ordered by label id
and generation and paged with an opaque keyset cursor that never expires.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from typing import Any, cast

from sqlmodel import Session, select

from registry.accounts.actors import Actor
from registry.accounts.people import Throttle
from registry.errors import InvalidInput, RegistryError
from registry.interop.pact import events as pact_events
from registry.interop.pact import mapping as pact
from registry.interop.pact import terms as pact_terms
from registry.interop.pact.clients import b64url, partner_base, unb64url
from registry.interop.pact.errors import FootprintNotFound, InvalidPartnerUrl, UnknownPartner
from registry.interop.pact.filters import Filters, matches, request_filters
from registry.public.labels import PublicReads
from registry.store.tables import AuditEvent, Declaration, Label, PactEvent, PactPartner
from registry.work import RegistryContext

log = logging.getLogger("pcf.pact")

MAX_PAGE = 1000
DEFAULT_PAGE = 100


def pact_actor(client_id: str) -> Actor:
    """Who acts when a PACT client sends an event (recorded in the audit trail)."""
    return Actor("pact-client", "pact", f"pact:{client_id}")


@dataclass(frozen=True)
class _Generation:
    """One footprint of a label: generation n after n reinstatements; earlier ones are Deprecated."""

    generation: int
    status: str | None  # None: the label's own status; else the status this generation ended with
    reason: str
    changed_at: datetime | None


def _generations(s: Session, label: Label, status: str) -> list[_Generation]:
    events = list(s.exec(select(AuditEvent).where(AuditEvent.object_id == label.label_id,
                                                  AuditEvent.action.in_(  # type: ignore[attr-defined]
                                                      ("label.suspended", "label.active", "label.revoked",
                                                       "label.supersede")))
                         .order_by(AuditEvent.at, AuditEvent.id)))  # type: ignore[arg-type]
    out: list[_Generation] = []
    last_change: AuditEvent | None = None
    for ev in events:
        if ev.action == "label.active":  # a reinstatement ends the generation its suspension deprecated
            ended_by = last_change or ev
            reason = str(json.loads(ended_by.detail or "{}").get("reason") or "")
            out.append(_Generation(len(out), "suspended", reason, ended_by.at))
            last_change = None
        else:
            last_change = ev
    changed = last_change.at if last_change is not None and status != "active" else None
    if status == "expired":
        changed = datetime.combine(label.valid_until + timedelta(days=1), dtime(), UTC)
    out.append(_Generation(len(out), None, "", changed))
    return out


def _cursor(key: tuple[str, int]) -> str:
    return b64url(json.dumps(list(key)).encode())


def _cursor_key(cursor: str) -> tuple[str, int]:
    try:
        label_id, generation = json.loads(unb64url(cursor))
        if not isinstance(label_id, str) or not isinstance(generation, int) or isinstance(generation, bool):
            raise ValueError
    except (ValueError, TypeError):
        raise InvalidInput("invalid pagination cursor", "cursor") from None
    return label_id, generation


@dataclass(frozen=True)
class Received:
    """An accepted incoming event and whether a RequestFulfilled/Rejected answer is due."""

    event: pact_events.Event
    answer_due: bool
    partner: str | None  # the requester's base URL when an answer is due


class PactExchange:
    """Footprints and incoming events of the registry's PACT host."""

    def __init__(self, ctx: RegistryContext, public: PublicReads) -> None:
        self.ctx = ctx
        self.public = public
        self._rate = Throttle(pact_terms.MAX_EVENTS_PER_MINUTE, 60.0, max_keys=10_000)  # events per client

    def _footprints_of(self, s: Session, label: Label, version: pact_terms.PactVersion,
                       domain: str) -> list[tuple[tuple[str, int], dict[str, Any]]]:
        # the public view is built inside this session (one snapshot for the whole page)
        view = self.public.view_in(s, label)
        dec = s.get(Declaration, label.declaration_id)
        result = json.loads(dec.result) if dec is not None else None
        data = view.to_json()
        out = []
        for gen in _generations(s, label, view.status):
            doc = dict(data)
            if gen.status is not None:
                doc |= {"status": gen.status, "status_reason": gen.reason}
            if gen.generation > 0:
                doc["supersedes"] = None  # the previous generation is the preceding footprint
            try:
                pf = pact.to_product_footprint(doc, result, version, domain=domain, generation=gen.generation,
                                               status_changed_at=gen.changed_at)
            except pact_terms.PactUnmappable as exc:
                log.debug("label %s is not exported over PACT: %s", label.label_id, exc)
                return []
            out.append(((label.label_id, gen.generation), pf))
        return out

    def footprints(self, version: pact_terms.PactVersion, filters: Filters | Sequence[Filters] = (),
                   limit: int | None = None, cursor: str | None = None, *,
                   domain: str = pact_terms.DEFAULT_DOMAIN) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the footprints meeting ``filters`` (every one of them, if a sequence), and the next cursor.

        Raises:
            InvalidInput: a limit below 1 or a damaged cursor.
        """
        wanted = [filters] if isinstance(filters, Filters) else list(filters)
        size = DEFAULT_PAGE if limit is None else limit
        if size < 1:
            raise InvalidInput("limit must be at least 1", "limit")
        size = min(size, MAX_PAGE)
        after = _cursor_key(cursor) if cursor else None
        page: list[dict[str, Any]] = []
        last: tuple[str, int] | None = None
        with self.ctx.read() as s:
            q = select(Label).order_by(Label.label_id)  # type: ignore[arg-type]
            if after is not None:
                q = q.where(Label.label_id >= after[0])
            for label in s.exec(q):
                for key, pf in self._footprints_of(s, label, version, domain):
                    if after is not None and key <= after:
                        continue
                    if not all(matches(pf, f) for f in wanted):
                        continue
                    if len(page) == size:
                        return page, _cursor(cast(tuple[str, int], last))
                    page.append(pf)
                    last = key
        return page, None

    def footprint(self, version: pact_terms.PactVersion, pf_id: str, *,
                  domain: str = pact_terms.DEFAULT_DOMAIN) -> dict[str, Any]:
        """The footprint with this id (a Deprecated one too).

        Raises:
            InvalidInput: not a UUID. FootprintNotFound: no such footprint.
        """
        try:
            wanted = str(uuid.UUID(pf_id))
        except (ValueError, TypeError, AttributeError):
            raise InvalidInput(f"a footprint id is a UUID, got {str(pf_id)[:60]!r}", "id") from None
        with self.ctx.read() as s:
            label = s.exec(select(Label).where(Label.pact_id == wanted)).first()
            candidates = [label] if label is not None else []
            if not candidates:  # a later generation of a reinstated label
                reinstated = s.exec(select(AuditEvent.object_id).where(AuditEvent.action == "label.active").distinct())
                candidates = [lab for lid in reinstated if (lab := s.get(Label, lid)) is not None]
            for lab in candidates:
                for _, pf in self._footprints_of(s, lab, version, domain):
                    if pf["id"] == wanted:
                        return pf
        raise FootprintNotFound(f"no footprint {wanted}", "id")

    def receive_event(self, version: pact_terms.PactVersion, body: Any, client_id: str) -> Received:
        """Check and record an incoming CloudEvent.

        Published, RequestFulfilled and RequestRejected events are recorded as accepted. A RequestCreated event
        needs an answer; it is refused at once (and recorded as refused) when its source is not a recorded partner,
        because the answer could not be delivered. A repeated event (same source and id) is accepted again and
        not answered twice.

        Raises:
            PactError: an invalid event (nothing is stored). UnknownPartner, InvalidPartnerUrl: a request that
                cannot be answered.
        """
        event = pact_events.parse_event(body, version)
        if len(event.id) > 200:
            raise pact_terms.PactError("id has at most 200 characters", "id")
        if len(event.source) > 300:
            raise pact_terms.PactError("source has at most 300 characters", "source")
        if event.kind == "published":
            for i, pf_id in enumerate(event.data.get("pfIds") or []):
                try:
                    uuid.UUID(str(pf_id))
                except ValueError:
                    raise pact_terms.PactError(f"not a footprint id (UUID): {str(pf_id)[:60]!r}",
                                               f"data.pfIds[{i}]") from None
        if event.kind == "request_created":
            request_filters(event)  # malformed validOn & co. are a bad request
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        partner: str | None = None
        refusal: RegistryError | None = None
        if self._rate.admit(client_id):
            raise pact_terms.PactError(f"more than {pact_terms.MAX_EVENTS_PER_MINUTE} events a minute from this "
                                       "client: send them more slowly", "(rate)")
        if event.kind == "request_created":
            try:
                partner = partner_base(event.source)
                with self.ctx.read() as s:
                    known = s.get(PactPartner, partner)
                if known is None:
                    raise UnknownPartner(f"no credentials are recorded for {partner}: the answer could not be "
                                         "delivered (the registry operator runs `pcf pact partner add`)", "source")
                if known.for_client != client_id:
                    # a client may only have answers sent to the partner it was registered for: otherwise it
                    # could make the registry call another partner with that partner's credentials
                    raise UnknownPartner(f"the partner {partner} is not registered for this client: the registry "
                                         "answers a request only to the partner of the client that sends it", "source")
            except (UnknownPartner, InvalidPartnerUrl) as exc:
                refusal = exc
        with self.ctx.work(pact_actor(client_id)) as w:
            s = w.session
            duplicate = s.exec(select(PactEvent.id).where(PactEvent.direction == "in", PactEvent.event_id == event.id,
                                                          PactEvent.source == event.source)).first() is not None
            status = (f"refused: {refusal.code}" if refusal else "duplicate" if duplicate
                      else "accepted, answer due" if event.kind == "request_created" else "accepted")
            row = PactEvent(direction="in", event_id=event.id, type=event.type, source=event.source, body=text,
                            status=status[:40], created_at=w.now, client_id=client_id[:80])
            s.add(row)
            s.flush()
            if refusal is None:  # a refused event is kept as its row with the reason, and changes nothing else
                w.audit("pact.event.receive", row, event.id, type=event.type, source=event.source, status=status)
        if refusal is not None:
            raise refusal
        return Received(event, event.kind == "request_created" and not duplicate, partner)

    def events(self, limit: int = 50) -> list[PactEvent]:
        """The newest PACT events, in and out, newest first (for the CLI)."""
        with self.ctx.read() as s:
            return list(s.exec(select(PactEvent).order_by(PactEvent.id.desc()).limit(limit)))  # type: ignore[union-attr]
