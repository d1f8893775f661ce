"""GS1 Digital Link paths and linksets, after the GS1-Conformant Resolver standard 1.2 (pure functions).

Paths. ``/01/{gtin}`` with the key qualifiers of a GTIN in their order: ``/22/{cpv}``, ``/10/{lot}``, then
``/21/{serial}`` or ``/235/{tpx}`` (GS1 Digital Link URI syntax 1.4, section 4). The GTIN may be written with
8, 12, 13 or 14 digits and must carry a valid check digit; qualifier values use GS1 character set 82 and
the lengths of their application identifiers. Anything else is malformed: the resolver answers 400.
The registry keeps links per GTIN only, so a qualified path walks up to its GTIN: every lot and serial
of a product shows the product's current label.

Linkset (RFC 9264, ``application/linkset+json``): one context object whose ``anchor`` is the GTIN's
Digital Link URI on the request's own host (the entity the links describe), with these link types:

- ``https://gs1.org/voc/defaultLink``: the current label's verification page (HTML, Chinese and English);
- ``https://gs1.org/voc/certificationInfo``: the same page and the label as JSON (``/api/v1/labels/{id}``);
- ``https://gs1.org/voc/sustainabilityInfo``: the label's product footprint in the PACT data model.

Link types are written in full in the linkset; ``?linkType=`` takes them in full (``https://gs1.org/voc/...``
or ``https://ref.gs1.org/voc/...``) or compact (``gs1:certificationInfo``). ``linkType=linkset`` (and the
older ``all``) asks for the linkset; a type the product has no link of falls back to the default link
(standard section 3.6: the default link is what a resolver answers when nothing better matches).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from label.errors import InvalidGTIN
from label.gs1 import gtin14

GS1_VOC: Final = "https://gs1.org/voc/"
_VOC_PREFIXES: Final = ("https://gs1.org/voc/", "http://gs1.org/voc/", "https://ref.gs1.org/voc/", "gs1:")
DEFAULT_LINK: Final = GS1_VOC + "defaultLink"
CERTIFICATION_INFO: Final = GS1_VOC + "certificationInfo"
SUSTAINABILITY_INFO: Final = GS1_VOC + "sustainabilityInfo"
LINKSET_MEDIA_TYPE: Final = "application/linkset+json"
LINKSET_REQUESTS: Final = ("linkset", "all")

#: Key qualifiers of AI 01 in their order, with the largest length of each value (GS1 General Specifications).
QUALIFIERS: Final = {"22": 20, "10": 20, "21": 20, "235": 28}
_ORDER: Final = {"22": 0, "10": 1, "21": 2, "235": 2}  # 21 and 235 are alternatives
QUALIFIER_NAMES: Final = {"22": "cpv", "10": "lot", "21": "serial", "235": "tpx"}
#: GS1 AI encodable character set 82 (General Specifications, figure 7.11-1).
_CSET82: Final = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]+")


class MalformedLink(ValueError):
    """A Digital Link path that does not follow the URI syntax (the resolver answers 400)."""

    code = "malformed-digital-link"


@dataclass(frozen=True)
class DigitalLink:
    """A parsed GTIN Digital Link: the GTIN-14 and its qualifiers (AI -> value) in path order."""

    gtin: str
    qualifiers: tuple[tuple[str, str], ...] = ()

    def path(self) -> str:
        """The canonical path, GTIN written with 14 digits (``/01/06901234567892/21/SN1``)."""
        return f"/01/{self.gtin}" + "".join(f"/{ai}/{value}" for ai, value in self.qualifiers)


def parse_digital_link(gtin: str, qualifiers: str | Sequence[str] = ()) -> DigitalLink:
    """Parse ``/01/{gtin}`` and its qualifiers: a path (``/10/L1/21/S1``) or its decoded segments.

    Pass segments when a value may hold an encoded ``/`` (``%2F``): a decoded path would split it.

    Raises:
        MalformedLink: naming what is wrong, e.g. ``the check digit of 06901234567893 should be 2``.
    """
    try:
        gtin = gtin14(gtin)
    except InvalidGTIN:
        if gtin.isascii() and gtin.isdigit() and len(gtin) in (8, 12, 13, 14):
            raise MalformedLink("the GTIN's check digit is wrong") from None
        raise MalformedLink("a GTIN has 8, 12, 13 or 14 digits") from None
    if isinstance(qualifiers, str):
        parts = qualifiers.strip("/").split("/") if qualifiers.strip("/") else []
    else:
        parts = list(qualifiers)
    pairs: list[tuple[str, str]] = []
    if len(parts) % 2:
        raise MalformedLink("qualifiers come in pairs: an application identifier and its value")
    last = -1
    for ai, value in zip(parts[::2], parts[1::2], strict=True):
        if ai not in QUALIFIERS:
            raise MalformedLink("a GTIN's key qualifiers are 22, 10, 21 and 235")
        if _ORDER[ai] <= last:
            raise MalformedLink("key qualifiers follow the order 22, 10, 21 (or 235), each at most once")
        if not 1 <= len(value) <= QUALIFIERS[ai] or not _CSET82.fullmatch(value):
            raise MalformedLink(f"the value of AI {ai} has 1 to {QUALIFIERS[ai]} characters of GS1 set 82")
        last = _ORDER[ai]
        pairs.append((ai, value))
    return DigitalLink(gtin, tuple(pairs))


def raw_segments(raw_path: str) -> tuple[str, list[str]] | None:
    """The GTIN and qualifier segments of a raw (still percent-encoded) request path, each decoded once.

    None when the path has no ``/01/`` segment. An empty trailing segment (a final ``/``) is dropped.
    """
    segments = raw_path.split("?", 1)[0].split("/")
    if "01" not in segments:
        return None
    i = segments.index("01")
    rest = segments[i + 1:]
    if rest and rest[-1] == "":
        rest = rest[:-1]
    if not rest:
        return None
    return unquote(rest[0]), [unquote(s) for s in rest[1:]]


def full_link_type(link_type: str) -> str | None:
    """``gs1:certificationInfo`` or a GS1 vocabulary URI -> ``https://gs1.org/voc/certificationInfo``; else None."""
    for prefix in _VOC_PREFIXES:
        if link_type.startswith(prefix) and link_type[len(prefix):].isidentifier():
            return GS1_VOC + link_type[len(prefix):]
    return None


@dataclass(frozen=True)
class Targets:
    """Where a product's links point (absolute URLs on the request's host)."""

    anchor: str
    label_page: str
    label_json: str
    footprint: str
    label_id: str
    product_name: str


def linkset(t: Targets, titles: dict[str, str]) -> dict[str, Any]:
    """The RFC 9264 linkset of a product (``titles``: ``page``, ``json``, ``footprint``, translated)."""
    page = {"href": t.label_page, "title": titles["page"], "type": "text/html", "hreflang": ["zh-Hans", "en"]}
    return {"linkset": [{
        "anchor": t.anchor,
        DEFAULT_LINK: [page],
        CERTIFICATION_INFO: [page, {"href": t.label_json, "title": titles["json"], "type": "application/json"}],
        SUSTAINABILITY_INFO: [{"href": t.footprint, "title": titles["footprint"], "type": "application/json"}],
    }]}


def target_for(doc: dict[str, Any], link_type: str) -> str:
    """The href a ``?linkType=`` request redirects to: the first link of that type, else the default link."""
    context = doc["linkset"][0]
    full = full_link_type(link_type)
    links = context.get(full) if full else None
    return str((links or context[DEFAULT_LINK])[0]["href"])


def link_header(anchor: str) -> str:
    """The ``Link`` header every resolver answer carries: where the linkset is."""
    return f'<{anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET_MEDIA_TYPE}"'


def resolver_description(root: str, name: str) -> dict[str, Any]:
    """The resolver description file served at ``/.well-known/gs1resolver``."""
    return {
        "name": name, "resolverRoot": root, "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:", "profile": "https://gs1.org/voc/?show=linktypes"}],
        "linkTypeDefaultCanBeLinkset": False, "linkTypeDefaultCanBeAll": False,
    }
