"""The one shape of a verification result: ``valid``, ``code``, ``detail``.

Payloads, label proof bundles, log bundles, signed notes and checkpoints are checked by functions that never
raise for bad input: they answer a result. Each result type has its own extra fields (the verified claim, the
checkpoint...), and all of them answer the same three questions, so that a command line, a page or an API can
report any check the same way:

- ``valid``: whether the thing checked is genuine;
- ``code``: a stable kebab-case code (``ok`` when valid and nothing is to be said);
- ``detail``: a sentence for people.

Results that carry one ``reason`` text of the form ``<code>: <explanation>`` (the signed-note convention)
inherit :class:`ReasonVerdict`, which reads ``code`` and ``detail`` from it.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class Verdict(Protocol):
    """What every verification result answers."""

    @property
    def valid(self) -> bool: ...

    @property
    def code(self) -> str: ...

    @property
    def detail(self) -> str: ...


class ReasonVerdict:
    """``code`` and ``detail`` of a result whose ``reason`` is ``ok`` or ``<code>: <explanation>``."""

    reason: str

    @property
    def code(self) -> str:
        """The kebab-case code at the start of ``reason``."""
        return self.reason.split(":", 1)[0].strip()

    @property
    def detail(self) -> str:
        """The explanation after the code (the code itself when there is none)."""
        code, _, rest = self.reason.partition(":")
        return rest.strip() or code.strip()
