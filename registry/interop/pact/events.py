"""PACT CloudEvents: incoming events parsed and checked against the schema of their type, and the events the
registry sends (RequestFulfilled, RequestRejected, Published)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from registry.interop.pact.terms import EVENT_SCHEMA, EVENT_TYPES, PactError, PactVersion, error_body, timestamp
from registry.interop.pact.validation import check_version, parse_time, schema_errors

EventKind = Literal["published", "request_created", "request_fulfilled", "request_rejected"]


@dataclass(frozen=True, slots=True)
class Event:
    """A CloudEvent of ``POST /{2|3}/events``, checked against the PACT schema of its type."""

    version: PactVersion
    kind: EventKind
    type: str
    id: str
    source: str
    time: datetime
    data: Mapping[str, Any]
    specversion: str = "1.0"

    def to_json(self) -> dict[str, Any]:
        """The event as sent on the wire (``application/cloudevents+json``)."""
        return {"type": self.type, "specversion": self.specversion, "id": self.id, "source": self.source,
                "time": timestamp(self.time), "data": dict(self.data)}


def parse_event(body: Any, version: PactVersion) -> Event:
    """Check a CloudEvent posted to ``/{version}/events`` and return it.

    Raises:
        PactError: naming the first offending field (``type``, ``time``, ``data.pfIds[0]`` ...).
    """
    check_version(version)
    if not isinstance(body, Mapping):
        raise PactError("the event must be a JSON object", "(body)")
    if body.get("specversion") != "1.0":
        raise PactError(f"specversion must be '1.0' (CloudEvents 1.0), got {body.get('specversion')!r}", "specversion")
    for name in ("id", "source"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            raise PactError(f"{name} must be a non-empty string", name)
    kinds = {t: k for k, t in EVENT_TYPES[version].items()}
    kind = kinds.get(str(body.get("type")))
    if kind is None:
        other = "3" if version == "2" else "2"
        hint = f" (a v{other} event type: post it to /{other}/events)" if (
            isinstance(body.get("type"), str) and body["type"] in kinds_of(other)) else ""
        raise PactError(f"unknown event type {body.get('type')!r}{hint}; expected one of "
                        f"{', '.join(EVENT_TYPES[version].values())}", "type")
    time = parse_time(body.get("time"))
    if time is None:
        raise PactError(f"time must be an RFC 3339 date-time, got {body.get('time')!r}", "time")
    if not isinstance(body.get("data"), Mapping):
        raise PactError("data must be an object", "data")
    errors = schema_errors(body, version, EVENT_SCHEMA[kind])
    if errors:
        where, message = errors[0]
        raise PactError(message, where)
    return Event(version, cast(EventKind, kind), str(body["type"]), str(body["id"]), str(body["source"]), time,
                 dict(body["data"]))


def kinds_of(version: str) -> set[str]:
    """The event types of PACT ``version``."""
    return set(EVENT_TYPES[version].values())


def _event(version: PactVersion, kind: EventKind, source: str, data: dict[str, Any], event_id: str | None,
           time: datetime | None) -> dict[str, Any]:
    return {"type": EVENT_TYPES[version][kind], "specversion": "1.0", "id": event_id or str(uuid.uuid4()),
            "source": source, "time": timestamp(time or datetime.now(UTC)), "data": data}


def fulfilled_event(request_event: Event, footprints: Sequence[Mapping[str, Any]], source: str, *,
                    event_id: str | None = None, time: datetime | None = None) -> dict[str, Any]:
    """The RequestFulfilled event answering ``request_event`` with ``footprints`` (at least one).

    ``event_id`` and ``time`` default to a new uuid4 and now (pass them for reproducible output).
    """
    if request_event.kind != "request_created":
        raise ValueError(f"only a request can be fulfilled, not a {request_event.kind} event")
    if not footprints:
        raise ValueError("a fulfilled request carries at least one footprint; reject it instead")
    data = {"requestEventId": request_event.id, "pfs": [dict(pf) for pf in footprints]}
    return _event(request_event.version, "request_fulfilled", source, data, event_id, time)


def rejected_event(request_event: Event, code: str, message: str, source: str, *,
                   event_id: str | None = None, time: datetime | None = None) -> dict[str, Any]:
    """The RequestRejected event answering ``request_event`` with the error ``code`` (see :func:`error_body`)."""
    if request_event.kind != "request_created":
        raise ValueError(f"only a request can be rejected, not a {request_event.kind} event")
    data = {"requestEventId": request_event.id, "error": error_body(code, message)}
    return _event(request_event.version, "request_rejected", source, data, event_id, time)


def published_event(pf_ids: Sequence[str], version: PactVersion, source: str, *,
                    event_id: str | None = None, time: datetime | None = None) -> dict[str, Any]:
    """The Published event telling a recipient that footprints ``pf_ids`` were created or changed."""
    check_version(version)
    for i, pf_id in enumerate(pf_ids):
        try:
            uuid.UUID(pf_id)
        except (ValueError, TypeError, AttributeError):
            raise ValueError(f"pf_ids[{i}] is not a footprint id (UUID): {pf_id!r}") from None
    return _event(version, "published", source, {"pfIds": list(pf_ids)}, event_id, time)
