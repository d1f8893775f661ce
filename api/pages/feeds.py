"""The Atom feed of label events (RFC 4287): each issuance and status change is an entry, newest first.

Built with ElementTree, so every text is escaped by the serialiser. The entries are the transparency log's label
leaves (:func:`registry.catalogue.recent_entries`): the feed says nothing the log does not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from api.pages import i18n
from registry.public.catalogue import LogEvent

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"


def _stamp(dt: datetime) -> str:
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC).isoformat(timespec="seconds")


#: Characters XML 1.0 cannot hold (ElementTree would write them, and the feed would not parse).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 forbids (a reason stored before they were refused)."""
    return _NOT_XML.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        el.text = xml_text(text)
    return el


def entry_title(event: LogEvent, lang: str) -> str:
    gettext = i18n.translations(lang).gettext
    label_id = str(event.event.get("label_id", event.subject))
    if event.kind == "label.issued":
        return gettext("Label %(label_id)s issued") % {"label_id": label_id}
    status = str(event.event.get("status", ""))
    name = gettext(i18n.STATUS_NAMES.get(status, i18n.STATUS_NAMES["unknown"]))
    return gettext("Label %(label_id)s: %(status)s") % {"label_id": label_id, "status": name}


def label_feed(events: Sequence[LogEvent], base: str, lang: str, now: datetime) -> bytes:
    """The feed document (UTF-8 XML)."""
    gettext = i18n.translations(lang).gettext
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": i18n.HTML_LANG[lang]})
    _sub(feed, "id", f"{base}/feeds/labels.atom")
    _sub(feed, "title", gettext("Carbon-footprint labels: issued, suspended, reinstated, revoked"))
    _sub(feed, "updated", _stamp(events[0].created_at if events else now))
    author = _sub(feed, "author")
    _sub(author, "name", gettext("PCF label registry"))
    _sub(feed, "link", rel="self", href=f"{base}/feeds/labels.atom", type=MEDIA_TYPE)
    _sub(feed, "link", rel="alternate", href=f"{base}/labels", type="text/html")
    for ev in events:
        label_id = str(ev.event.get("label_id", ev.subject))
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{base}/log#entry-{ev.index}")
        _sub(entry, "title", entry_title(ev, lang))
        _sub(entry, "updated", _stamp(ev.created_at))
        _sub(entry, "link", rel="alternate", href=f"{base}/l/{label_id}", type="text/html")
        reason = str(ev.event.get("reason") or "")
        summary = gettext("Transparency log entry %(index)s.") % {"index": ev.index}
        _sub(entry, "summary", f"{summary} {reason}".strip())
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))
