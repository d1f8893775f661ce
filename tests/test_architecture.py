"""Import contracts: which package may import whom, and what a pure package may load (docs: STYLE, issue 15).

Two kinds of check, each a list of small cases; a new contract is one more row:

- :data:`NEVER_IMPORTS`: no module of a package names a forbidden package in any ``import`` statement (read from
  the source, so an import inside a function or under ``TYPE_CHECKING`` counts too);
- :data:`NEVER_LOADS`: importing every module of a package in a fresh interpreter loads none of the forbidden
  modules, whoever imports them (a dependency of a dependency counts too).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("factors_db", "footprint", "registry", "label", "api")
#: Web and database libraries, and bw2data (process-wide state created at import: BRIGHTWAY.md).
WEB_AND_DATABASE = ("litestar", "sqlmodel", "sqlalchemy", "bw2data")

#: (package, packages it must never import, why).
NEVER_IMPORTS: list[tuple[str, tuple[str, ...], str]] = [
    ("footprint", ("factors_db", "registry", "label", "api"), "the engine takes a factor set and returns objects"),
    ("label", ("factors_db", "footprint", "registry", "api"), "rendering takes label data, nothing else"),
    ("factors_db", ("registry", "api"), "the factor database is read by the registry, never the other way"),
    ("registry", ("api",), "the registry is used by the web app and the command line, never the other way"),
]

#: (package, modules it must not import at run time, why): imports under ``if TYPE_CHECKING:`` are allowed
#: (type annotations only), every other import counts.
NEVER_IMPORTS_AT_RUN_TIME: list[tuple[str, tuple[str, ...], str]] = [
    ("api", ("sqlmodel", "registry.store.tables", "registry.store.migrations"),
     "handlers call the registry's services; rows and queries stay in registry/"),
]

#: (package, modules that importing all of it must not load, why).
NEVER_LOADS: list[tuple[str, tuple[str, ...], str]] = [
    ("footprint", (*WEB_AND_DATABASE, "yaml", *(p for p in PROJECT if p != "footprint")),
     "the pure core: no web, no database, no file formats"),
    ("label", (*WEB_AND_DATABASE, *(p for p in PROJECT if p != "label")), "pure rendering"),
    ("registry.trust", ("sqlmodel", "sqlalchemy", "psycopg", "litestar", "bw2data", "api"),
     "signatures, payloads, proofs and the log's notes verify offline, with no database"),
]


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    """ids of the import nodes inside ``if TYPE_CHECKING:`` blocks."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            inside.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return inside


def imports_of(package: str, *, run_time_only: bool = False) -> Iterator[tuple[str, int, str]]:
    """``(file, line, module)`` of every absolute import in the package's source files (``run_time_only``: not
    those under ``if TYPE_CHECKING:``)."""
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skip = _type_checking_blocks(tree) if run_time_only else set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:  # a relative import stays inside the package
                continue
            for module in modules:
                yield str(path.relative_to(ROOT)), node.lineno, module


@pytest.mark.parametrize(("package", "forbidden", "why"), NEVER_IMPORTS, ids=[c[0] for c in NEVER_IMPORTS])
def test_package_never_imports(package: str, forbidden: tuple[str, ...], why: str) -> None:
    found = [f"{file}:{line} imports {module}" for file, line, module in imports_of(package)
             if module.split(".")[0] in forbidden]
    assert not found, f"{package} ({why}): " + "; ".join(found)


@pytest.mark.parametrize(("package", "forbidden", "why"), NEVER_IMPORTS_AT_RUN_TIME,
                         ids=[c[0] for c in NEVER_IMPORTS_AT_RUN_TIME])
def test_package_never_imports_at_run_time(package: str, forbidden: tuple[str, ...], why: str) -> None:
    found = [f"{file}:{line} imports {module}" for file, line, module in imports_of(package, run_time_only=True)
             if any(module == f or module.startswith(f + ".") for f in forbidden)]
    assert not found, f"{package} ({why}): " + "; ".join(found)


def test_the_run_time_reader_leaves_out_type_checking_imports_only() -> None:
    # api/controllers/registry.py names the store's row types for annotations only
    everything = {(file, module) for file, _, module in imports_of("api")}
    run_time = {(file, module) for file, _, module in imports_of("api", run_time_only=True)}
    assert ("api/controllers/registry.py", "registry.store.tables") in everything - run_time
    assert ("api/app.py", "registry.services") in run_time


def test_the_import_reader_sees_imports_inside_functions_and_type_checking_blocks() -> None:
    # footprint/electricity.py imports System only under TYPE_CHECKING, footprint/variants/run.py imports
    # calculate inside run_variants: both must be seen, or a forbidden import there would pass unnoticed.
    seen = {(file, module) for file, _, module in imports_of("footprint")}
    assert ("footprint/electricity.py", "footprint.matrices") in seen
    assert ("footprint/variants/run.py", "footprint.calculate") in seen


@pytest.mark.parametrize(("package", "forbidden", "why"), NEVER_LOADS, ids=[c[0] for c in NEVER_LOADS])
def test_importing_package_never_loads(package: str, forbidden: tuple[str, ...], why: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"package = importlib.import_module({package!r})\n"
        "names = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + '.')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        f"print(len(names), *sorted({{m.split('.')[0] for m in sys.modules}} & set({forbidden!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    count, *loaded = out.stdout.split()
    assert int(count) >= 3, out.stdout  # the walk found the package's modules
    assert not loaded, f"importing {package} ({why}) loads {', '.join(loaded)}"


# ------------------------------------------------------------------------------------------ one shape per concept
def test_every_package_error_has_code_message_and_field() -> None:
    from factors_db.errors import FactorDbError, InvalidFactor
    from footprint.errors import UnitMismatch
    from label.errors import InvalidGTIN
    from registry.errors import InvalidInput

    errors: list[Any] = [FactorDbError("no such release", "release"), InvalidFactor("not a number", file="f.csv", row=3,
                                                                            column="value"),
              UnitMismatch("kg is not energy", "processes[2].inputs[0].unit"), InvalidGTIN("wrong check digit", "gtin"),
              InvalidInput("too long", "name")]
    shapes = [(e.code, e.message.split(":")[-1].strip(), e.field) for e in errors]
    assert shapes == [("factor-db-error", "no such release", "release"), ("invalid-factor", "not a number", "value"),
                      ("unit-mismatch", "kg is not energy", "processes[2].inputs[0].unit"),
                      ("invalid-gtin", "wrong check digit", "gtin"), ("invalid-input", "too long", "name")]


def test_every_verification_result_answers_valid_code_and_detail() -> None:
    from registry.trust.payload import PayloadResult
    from registry.trust.proofs import LabelProofResult
    from registry.trust.tlog import BundleResult, CheckpointResult, NoteResult
    from registry.trust.verdict import Verdict

    results: list[Verdict] = [PayloadResult(False, None, "bad-signature", detail="the signature does not verify"),
               LabelProofResult(False, "claim-mismatch: the logged claim hash differs"),
               BundleResult(False, "bad-inclusion: the proof does not lead to the root"),
               NoteResult(False, None, "unknown-key: no signature by the pinned key"),
               CheckpointResult(True, None, "ok")]
    assert all(isinstance(r, Verdict) for r in results)
    assert [(r.valid, r.code, r.detail) for r in results] == [
        (False, "bad-signature", "the signature does not verify"),
        (False, "claim-mismatch", "the logged claim hash differs"),
        (False, "bad-inclusion", "the proof does not lead to the root"),
        (False, "unknown-key", "no signature by the pinned key"), (True, "ok", "ok")]
