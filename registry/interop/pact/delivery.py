"""Answers to PACT RequestCreated events: the footprints that meet the request, delivered to the requester.

:meth:`PactDelivery.answer_request` computes the RequestFulfilled (or RequestRejected) event and POSTs it to the
requester's host with the credentials recorded for it (:meth:`registry.interop.pact.clients.PactClients.add_partner`);
the outgoing event and the outcome are recorded and audited.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from registry.accounts.actors import SYSTEM
from registry.errors import InvalidInput, RegistryError
from registry.interop.pact import events as pact_events
from registry.interop.pact import terms as pact_terms
from registry.interop.pact.clients import PactClients, partner_base
from registry.interop.pact.exchange import MAX_PAGE, PactExchange, Received
from registry.interop.pact.filters import request_filters
from registry.store.tables import PactEvent, PactPartner
from registry.work import RegistryContext

if TYPE_CHECKING:  # httpx is imported where an answer is sent, so that reading footprints does not need it
    import httpx

log = logging.getLogger("pcf.pact")


class PactDelivery:
    """Answers RequestCreated events."""

    def __init__(self, ctx: RegistryContext, exchange: PactExchange, clients: PactClients) -> None:
        self.ctx = ctx
        self.exchange = exchange
        self.clients = clients
        #: the HTTP client answers go out with (None: a new one per answer, 10 s timeouts; tests set their own)
        self.client: httpx.Client | None = None

    def answer_for(self, event: pact_events.Event, own_source: str, *,
                   domain: str = pact_terms.DEFAULT_DOMAIN) -> dict[str, Any]:
        """The RequestFulfilled event (every footprint meeting the request's criteria) or, when none does, the
        RequestRejected event (``NotFound``) answering a RequestCreated event."""
        try:
            criteria = request_filters(event)
            found: list[dict[str, Any]] = []
            cursor: str | None = None
            while True:
                page, cursor = self.exchange.footprints(event.version, criteria, MAX_PAGE, cursor, domain=domain)
                found += page
                if cursor is None:
                    break
        except InvalidInput as exc:
            return pact_events.rejected_event(event, "BadRequest", exc.message, own_source)
        if not found:
            # "NotFound": the Error schema of both versions' RequestRejected events has no NoSuchFootprint
            return pact_events.rejected_event(event, "NotFound", "no footprint meets the request's criteria", own_source)
        return pact_events.fulfilled_event(event, found, own_source)

    def answer_request(self, received: Received, own_source: str, *, domain: str = pact_terms.DEFAULT_DOMAIN,
                       client: httpx.Client | None = None, attempts: int = 3, backoff_s: float = 0.5) -> str:
        """Compute the answer to a RequestCreated event and deliver it: ``POST {partner}/auth/token`` with the
        recorded credentials (HTTP Basic, client credentials grant), then ``POST {partner}/{2|3}/events`` with the
        bearer token. Tries ``attempts`` times (waiting ``backoff_s``, then twice as long ...); redirects are not
        followed. Records the outgoing event and the outcome; returns the outcome (``sent`` or ``failed: ...``).

        Args:
            client: the HTTP client (tests pass one with their own transport); default a new one, 10 s timeouts.
        """
        import httpx

        event = received.event
        answer = self.answer_for(event, own_source, domain=domain)
        partner = received.partner or partner_base(event.source)
        outcome = "failed: no attempt"
        client = client or self.client
        own = client is None
        http = client or httpx.Client(timeout=10.0, follow_redirects=False)
        try:
            for attempt in range(attempts):
                outcome = self._deliver(http, partner, event.version, answer)
                if outcome == "sent":
                    break
                if attempt + 1 < attempts:
                    time.sleep(backoff_s * 2 ** attempt)
        finally:
            if own:
                http.close()
        with self.ctx.work(SYSTEM) as w:
            s = w.session
            out = PactEvent(direction="out", event_id=answer["id"], type=answer["type"], source=partner,
                            body=json.dumps(answer, ensure_ascii=False, separators=(",", ":")), status=outcome[:40],
                            created_at=w.now)
            s.add(out)
            s.flush()
            w.audit("pact.event.answer", out, answer["id"], request=event.id, partner=partner, outcome=outcome)
            for row in s.exec(select(PactEvent).where(PactEvent.direction == "in", PactEvent.event_id == event.id,
                                                      PactEvent.source == event.source)):
                kind = "fulfilled" if answer["type"].endswith(("Fulfilled.v1", "FulfilledEvent.3")) else "rejected"
                row.status = (f"answered: {kind}" if outcome == "sent" else f"answer failed: {kind}")[:40]
                s.add(row)
        if outcome != "sent":
            log.warning("PACT answer %s to %s not delivered: %s", answer["id"], partner, outcome)
        return outcome

    def _deliver(self, http: httpx.Client, partner: str, version: str, answer: Mapping[str, Any]) -> str:
        import httpx
        with self.ctx.read() as s:
            row = s.get(PactPartner, partner)
        if row is None:
            return "failed: partner removed"
        try:
            secret = self.clients.open_partner_secret(partner, row.sealed_secret)
        except RegistryError:
            return "failed: partner secret does not open"
        try:
            r = http.post(f"{partner}/auth/token", data={"grant_type": "client_credentials"},
                          auth=(row.client_id, secret), headers={"Accept": "application/json"})
            if r.status_code != 200:
                return f"failed: token HTTP {r.status_code}"
            token = r.json().get("access_token") if isinstance(r.json(), dict) else None
            if not isinstance(token, str) or not token:
                return "failed: no access_token"
            r = http.post(f"{partner}/{version}/events", content=json.dumps(answer).encode(),
                          headers={"Content-Type": "application/cloudevents+json; charset=UTF-8",
                                   "Authorization": f"Bearer {token}"})
        except (httpx.HTTPError, ValueError) as exc:
            return f"failed: {type(exc).__name__}"
        return "sent" if 200 <= r.status_code < 300 else f"failed: events HTTP {r.status_code}"
