"""Versioned, immutable factor releases: a folder with ``factors.csv``, ``gwp100.csv`` and ``release.json``.

The content hash is the SHA-256 of ``factors.csv`` and ``gwp100.csv`` (in that order, each preceded by its
name and length). A footprint records the release id and hash it used; a newer release is a new folder
and never changes an older result.

Releases are named by id only (``2026.3``): :func:`load_release` never takes a path, so a product file or an API
call cannot point the engine at a planted copy of a release. Each published release's hash is pinned in code
(:data:`PUBLISHED`, in :mod:`factors_db.published` so that the command line can name the default release without
loading this module) and checked when the release is loaded: the hash in the folder's own ``release.json`` is not
trusted. The release tooling builds a new folder with :func:`open_release_folder` (checked against its own
manifest only, and never reachable from the registry or the API) and pins its hash there when it is published.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from factors_db.errors import ReleaseNotFound, ReleaseTampered
from factors_db.importers import read_table
from factors_db.published import DEFAULT_RELEASE as DEFAULT_RELEASE
from factors_db.published import PUBLISHED as PUBLISHED
from factors_db.schema import Factor
from footprint.model import FactorSet

DATA_DIR = Path(__file__).parent / "data"
FACTORS_FILE = "factors.csv"
GWP_FILE = "gwp100.csv"
MANIFEST = "release.json"
RELEASE_ID = re.compile(r"[0-9]{4}\.[0-9]{1,3}")


@dataclass(frozen=True)
class Release:
    """A loaded release."""

    id: str
    title: str
    published: str
    sha256: str
    factors: tuple[Factor, ...]
    gwp100: dict[str, float]
    path: Path

    def factor_set(self) -> FactorSet:
        """The engine's view of this release."""
        return FactorSet(
            release_id=self.id,
            release_sha256=self.sha256,
            factors={f.id: f.to_engine() for f in self.factors},
            gwp100=dict(self.gwp100),
        )


def content_hash(folder: Path) -> str:
    """SHA-256 over the release's data files."""
    digest = hashlib.sha256()
    for name in (FACTORS_FILE, GWP_FILE):
        data = (folder / name).read_bytes()
        digest.update(f"{name}\n{len(data)}\n".encode())
        digest.update(data)
    return digest.hexdigest()


def write_manifest(folder: Path, release_id: str, title: str, published: str) -> dict[str, object]:
    """Write ``release.json`` for the files in ``folder``."""
    count = sum(1 for _ in csv.DictReader((folder / FACTORS_FILE).open(encoding="utf-8")))
    manifest: dict[str, object] = {"id": release_id, "title": title, "published": published,
                                   "sha256": content_hash(folder), "factor_count": count}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def release_order(release_id: str) -> tuple[tuple[int, str], ...]:
    """Sort key of release ids as versions: ``2026.10`` after ``2026.2`` (numbers before words)."""
    return tuple((int(p), "") if p.isdigit() else (1 << 62, p) for p in release_id.split("."))


def bundled_releases() -> list[str]:
    """Ids of the published releases shipped in the package, oldest first."""
    return sorted((rid for rid in PUBLISHED if (DATA_DIR / rid / MANIFEST).is_file()), key=release_order)


def read_gwp(folder: Path) -> dict[str, float]:
    with (folder / GWP_FILE).open(encoding="utf-8") as fh:
        return {row["formula"]: float(row["gwp100"]) for row in csv.DictReader(fh)}


def load_release(release: str = DEFAULT_RELEASE) -> Release:
    """Load a published release by its id, checking its files against the hash pinned in :data:`PUBLISHED`.

    Raises:
        ReleaseNotFound: ``release`` is not the id of a published release (a path never is; the message names
            no server path).
        ReleaseTampered: the files differ from the published hash.
    """
    if not isinstance(release, str) or release not in PUBLISHED:
        shown = release if isinstance(release, str) and RELEASE_ID.fullmatch(release) else "(not a release id)"
        published = ", ".join(sorted(PUBLISHED, key=release_order))
        raise ReleaseNotFound(f"no published factor release {shown!r}; published: {published}", "factor_release")
    return _load(DATA_DIR / release, release, PUBLISHED[release])


def open_release_folder(folder: Path) -> Release:
    """Release tooling only: a release folder being built, checked against its own ``release.json`` (which is
    not proof of anything; :func:`load_release` is what the engine, the registry and the API use)."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return _load(folder.resolve(), str(manifest["id"]), str(manifest["sha256"]))


@lru_cache(maxsize=8)
def _load(folder: Path, release_id: str, expected_sha256: str) -> Release:
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ReleaseNotFound(f"factor release {release_id} is published but not installed", "factor_release")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    actual = content_hash(folder)
    if actual != expected_sha256 or manifest.get("sha256") != expected_sha256 or manifest.get("id") != release_id:
        raise ReleaseTampered(f"factor release {release_id}: its files do not match the published content hash "
                              f"{expected_sha256[:16]}...", "factor_release")
    report = read_table(folder / FACTORS_FILE)
    if report.count("rejected"):
        first = next(r for r in report.rows if r.status == "rejected")
        raise ReleaseTampered(f"release {manifest['id']}: row {first.row} invalid: {first.reason}")
    return Release(id=manifest["id"], title=manifest["title"], published=manifest["published"],
                   sha256=manifest["sha256"], factors=tuple(report.factors), gwp100=read_gwp(folder),
                   path=folder)


def factor_set(release: str = DEFAULT_RELEASE) -> FactorSet:
    """The engine's factor set of a published release (cached per release; see :func:`load_release`)."""
    return _factor_set(release)


@lru_cache(maxsize=8)
def _factor_set(release: str) -> FactorSet:
    return load_release(release).factor_set()
