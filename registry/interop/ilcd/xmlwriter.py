"""A tiny XML writer: elements with prefixed names, written with fixed prefixes and two-space indentation.

ElementTree would need ``register_namespace`` (process-wide state) to keep the ``common:``/``epd:`` prefixes that
ILCD readers and people expect; this writer keeps them as written and escapes every text and attribute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr


@dataclass
class Element:
    """One element: ``tag`` with its prefix (``common:UUID``), attributes, text, children."""

    tag: str
    text: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element] = field(default_factory=list)

    def add(self, tag: str, text: str | None = None, attrs: dict[str, str] | None = None,
            children: list[Element] | None = None) -> Element:
        """Append a child and return it."""
        child = Element(tag, text, dict(attrs or {}), list(children or []))
        self.children.append(child)
        return child

    def write(self, out: list[str], depth: int = 0) -> None:
        pad = "  " * depth
        attrs = "".join(f" {k}={quoteattr(_xml_chars(v))}" for k, v in self.attrs.items())
        if self.children:
            out.append(f"{pad}<{self.tag}{attrs}>\n")
            for child in self.children:
                child.write(out, depth + 1)
            out.append(f"{pad}</{self.tag}>\n")
        elif self.text is None:
            out.append(f"{pad}<{self.tag}{attrs}/>\n")
        else:
            out.append(f"{pad}<{self.tag}{attrs}>{escape(_xml_chars(self.text))}</{self.tag}>\n")


def to_bytes(root: Element) -> bytes:
    """The document as UTF-8 bytes with an XML declaration."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    root.write(out)
    return "".join(out).encode("utf-8")


def _xml_chars(text: str) -> str:
    """``text`` without the control characters XML 1.0 cannot hold (tab, newline and carriage return stay)."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)
