"""Source families of a release: each module rebuilds its derived factors from its own curated source rows.

A family module has ``factors(reference) -> list[Factor]``, ``CHANGES`` (release-notes lines), ``DATA_GAPS`` (what
no public number covers) and ``notes(release_folder) -> list[str]`` (its release-notes section, computed with the
built release). :mod:`factors_db.build_release` takes every family of :data:`FAMILIES`; a new family is one more
module and one more entry here.
"""

from __future__ import annotations

from types import ModuleType

from factors_db.build import battery, display, pv

#: The source families of the release being built, in the order their sections appear in the notes.
FAMILIES: tuple[ModuleType, ...] = (pv, battery, display)
