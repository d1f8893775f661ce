"""The published factor releases and their content hashes, as plain constants.

Kept apart from :mod:`factors_db.release` (which loads releases, and with them pydantic, pint and pandas) so
that the command line and the settings can name the default release without loading anything: ``pcf --help``
prints it as the default of ``--release``.
"""

from __future__ import annotations

DEFAULT_RELEASE = "2026.6"
#: The published releases and their content hashes (pinned in code: a release folder cannot vouch for itself).
PUBLISHED: dict[str, str] = {
    "2026.1": "f1a530b43560aa2dca7de9cf99739386ea2e8ec86b34248adbad56bee0672439",
    "2026.2": "d0340488394ce67e34b7881d9124ee2ddf31dd480bbb15209a435e6400b71237",
    "2026.3": "bceacbfcb53a275ff0313fdcb5755bff12549635239bdc4b37c2bf391026343e",
    "2026.4": "c4deadcfb8457b9692dde46ac88866fe3dc73b9914ee300f6d39706f340dc3f1",
    "2026.5": "e50b6232b259e32db1c3d3566b0ab2eeaacc6a8c583c89ab851e61dd32a2a200",
    "2026.6": "9d48ac5bd6f7fa6f1938ed1f5dd3a770a2cdad1f5d0c9cabc12f8b79b2ae2540",
}
