"""Versioned, immutable factor releases: a folder with ``factors.csv``, ``gwp100.csv`` and ``release.json``.

The content hash is the SHA-256 of ``factors.csv`` and ``gwp100.csv`` (in that order, each preceded by its
name and length). A footprint records the release id and hash it used; a newer release is a new folder
and never changes an older result.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from factors_db.errors import ReleaseNotFound, ReleaseTampered
from factors_db.importers import read_table
from factors_db.schema import Factor
from footprint.model import FactorSet

DATA_DIR = Path(__file__).parent / "data"
FACTORS_FILE = "factors.csv"
GWP_FILE = "gwp100.csv"
MANIFEST = "release.json"
DEFAULT_RELEASE = "2026.3"


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
    """Ids of the releases shipped in the package, oldest first."""
    return sorted((p.name for p in DATA_DIR.iterdir() if (p / MANIFEST).is_file()), key=release_order)


def read_gwp(folder: Path) -> dict[str, float]:
    with (folder / GWP_FILE).open(encoding="utf-8") as fh:
        return {row["formula"]: float(row["gwp100"]) for row in csv.DictReader(fh)}


def load_release(release: str | Path = DEFAULT_RELEASE) -> Release:
    """Load a release by id (bundled) or folder, checking its content hash.

    Raises:
        ReleaseNotFound: no such release.
        ReleaseTampered: the files differ from the hash in ``release.json``.
    """
    folder = Path(release) if isinstance(release, Path) or "/" in str(release) else DATA_DIR / str(release)
    return _load(folder.resolve())


@lru_cache(maxsize=8)
def _load(folder: Path) -> Release:
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise ReleaseNotFound(f"no release at {folder}; bundled: {', '.join(bundled_releases())}")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    actual = content_hash(folder)
    if actual != manifest["sha256"]:
        raise ReleaseTampered(f"release {manifest['id']} content hash {actual} != released {manifest['sha256']}")
    report = read_table(folder / FACTORS_FILE)
    if report.count("rejected"):
        first = next(r for r in report.rows if r.status == "rejected")
        raise ReleaseTampered(f"release {manifest['id']}: row {first.row} invalid: {first.reason}")
    return Release(id=manifest["id"], title=manifest["title"], published=manifest["published"],
                   sha256=manifest["sha256"], factors=tuple(report.factors), gwp100=read_gwp(folder),
                   path=folder)


def factor_set(release: str | Path = DEFAULT_RELEASE) -> FactorSet:
    """The engine's factor set of a release (cached per release)."""
    return _factor_set(str(release))


@lru_cache(maxsize=8)
def _factor_set(release: str) -> FactorSet:
    return load_release(release).factor_set()
