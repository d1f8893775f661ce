"""The bench's registry: a seeded database with a 1,000,000-leaf log and 10,000 more labels; label issuance.

:func:`build` makes a data directory the way a user would (``pcf db load``, then ``pcf demo seed``), except that
between the two the transparency log is grown to a million leaves in one transaction (:mod:`bench.log_fill`), so
the demo's labels sit at indexes past a million. :func:`issue_labels` then certifies the labels the page figures
need and measures issuance while it does so: one ``Registry.approve`` per label (one durable commit each) beside
``Registry.approve_many`` over batches (one durable commit and one signed checkpoint per batch), in the same
database, alternating run by run.

Preparing 11,000 submitted declarations through the service costs three durable commits each (create product,
create declaration, submit: about 50 ms a label here, 9 minutes in all). The bench prepares a few dozen templates
through the service (PV modules over several supply-chain regions, monitors, laptops, desktops: each computed and
checked against its category rule by the server) and copies their product and declaration rows in one
transaction; issuance itself runs entirely through the service.
"""

from __future__ import annotations

import copy
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import insert
from sqlmodel import Session

from bench.log_fill import fill_log
from bench.registry_bench import figure

ROOT = Path(__file__).resolve().parents[1]
PROVINCES = ("CN-SC", "CN-YN", "CN-QH", "CN-XJ", "CN-NM", "CN-NX", "CN-GS", "CN-JS")
PV_FILES = ("pv_perc_sichuan.yaml", "pv_perc_coal_grid.yaml", "pv_topcon_china_average.yaml")
OTHER_FILES = ("monitor_24.yaml", "monitor_27.yaml", "laptop.yaml", "desktop.yaml", "desktop_tower_cradle_to_gate.yaml")
MANUFACTURER, CERTIFIER = "bench_manufacturer", "bench_certifier"


@dataclass
class Site:
    """A seeded data directory and what the figures need to know about it."""

    folder: Path
    env: dict[str, str]
    demo_labels: dict[str, str]
    submitted: list[str] = field(default_factory=list)
    log_size: int = 0


def _env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PCF_DATA_DIR=str(folder), PCF_PUBLIC_RATE_LIMIT="0")
    env.pop("PCF_DATABASE_URL", None)  # the embedded SQLite file of the data directory
    return env


def _pcf(args: list[str], env: dict[str, str]) -> None:
    pcf = Path(sys.executable).parent / "pcf"
    command = [str(pcf), *args] if pcf.exists() else [sys.executable, "-m", "api.cli", *args]
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    print(f"  pcf {' '.join(args)}: {time.perf_counter() - started:.1f} s", flush=True)


def _registry(folder: Path):  # type: ignore[no-untyped-def]
    from api.runtime import open_registry
    from api.settings import Settings

    return open_registry(Settings(data_dir=folder))


def build(folder: Path, *, log_size: int = 1_000_000) -> Site:
    """``pcf db load``; the log grown to ``log_size`` leaves; ``pcf demo seed``."""
    folder.mkdir(parents=True, exist_ok=True)
    env = _env(folder)
    _pcf(["db", "load"], env)
    started = time.perf_counter()
    written = fill_log(_registry(folder), log_size)
    print(f"  transparency log grown by {written:,} leaves to {log_size:,}: {time.perf_counter() - started:.1f} s",
          flush=True)
    credentials = folder / "credentials.json"
    _pcf(["demo", "seed", "--out", str(credentials)], env)
    labels = json.loads(credentials.read_text(encoding="utf-8"))["labels"]
    return Site(folder, env, labels, log_size=log_size)


def _templates() -> list[tuple[str, dict[str, Any]]]:
    """(category, product file) pairs: each PV example as it is and over several polysilicon and wafer regions
    (a file whose electricity series has no provincial factors fails those and is skipped), the others."""
    out = []
    for name in PV_FILES:
        doc = yaml.safe_load((ROOT / "examples" / name).read_text(encoding="utf-8"))
        out.append(("pv_module", doc))
        for i, province in enumerate(PROVINCES):
            variant = copy.deepcopy(doc)
            regions = variant.setdefault("regions", {})
            regions["polysilicon"] = province
            regions["wafer"] = PROVINCES[(i + 3) % len(PROVINCES)]
            out.append(("pv_module", variant))
    for name in OTHER_FILES:
        doc = yaml.safe_load((ROOT / "examples" / name).read_text(encoding="utf-8"))
        out.append((doc.get("category") or doc["kind"], doc))
    return out


def prepare(site: Site, count: int) -> list[str]:
    """``count`` submitted declarations of the bench manufacturer, ready for the bench certifier."""
    from api.demo import record_demo_verification
    from footprint.errors import FootprintError
    from registry.accounts.actors import SYSTEM, Actor
    from registry.certification.verification import record_for
    from registry.errors import RegistryError
    from registry.ids import new_id
    from registry.store.tables import Declaration, Product, Verification

    reg = _registry(site.folder)
    reg.organisations.create_organisation(SYSTEM, role="manufacturer", name_zh="基准测试制造商",
                                          name_en="Bench Manufacturer",
                            org_id=MANUFACTURER)
    reg.organisations.create_organisation(SYSTEM, role="certifier", name_zh="基准测试认证机构", name_en="Bench Certifier",
                            org_id=CERTIFIER, accreditation_no="CNAS-BENCH-1")
    m = Actor(MANUFACTURER, "manufacturer", "bench")
    templates: list[tuple[Product, Declaration]] = []
    for category, doc in _templates():
        try:
            product = reg.products.create_product(m, name=doc.get("name") or category, model=doc.get("model", ""),
                                         category=category)
            dec = reg.declarations.submit(m, reg.declarations.create_declaration(m, product_id=product.id, spec=doc).id)
            record_demo_verification(reg, Actor(CERTIFIER, "certifier", "bench"), dec.id)  # before approval
        except (RegistryError, FootprintError) as exc:  # say, a region without the factors this file needs
            print(f"  template skipped ({category}): {exc}", flush=True)
            continue
        templates.append((product, dec))
    print(f"  {len(templates)} template declarations computed and submitted through the service", flush=True)
    with Session(reg.engine) as s:
        records = {dec.id: record_for(s, dec.id) for _, dec in templates}
    products, declarations, verifications, ids = [], [], [], []
    for i in range(count):
        product, dec = templates[i % len(templates)]
        p = product.model_dump()
        p.update(id=new_id("prd"), name=f"{product.name} #{i + 1}", model=f"{product.model or 'M'}-{i + 1:05d}")
        d = dec.model_dump()
        d.update(id=new_id("dec"), product_id=p["id"])
        v = records[dec.id]
        assert v is not None
        verification = v.model_dump(exclude={"id"})
        verification.update(declaration_id=d["id"])
        products.append(p)
        declarations.append(d)
        verifications.append(verification)
        ids.append(d["id"])
    with Session(reg.engine) as s, s.begin():
        s.execute(insert(Product), products)
        s.execute(insert(Declaration), declarations)
        s.execute(insert(Verification), verifications)
    site.submitted = ids
    return ids


def bare_commits(engine: Any, count: int) -> float:
    """Durable commits of one row per second: the floor of a use case that commits once (one-by-one issuance).

    The registry's own engine, so the same SQLite file, WAL, ``synchronous=FULL`` and the same way of beginning a
    transaction; the row goes into a scratch table of its own."""
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_commit (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"))
    started = time.perf_counter()
    for i in range(count):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_commit (v) VALUES (:v)"), {"v": f"row {i}"})
    return count / (time.perf_counter() - started)


#: A label claim's canonical bytes are about this long (the claim of ``registry_bench.offline_verification``).
_CLAIM_BYTES = 560


def bare_sign_and_append(engine: Any, count: int, batch: int) -> float:
    """Labels per second at the floor of batched issuance: per label one Ed25519 signature (cryptography, key
    loaded) over claim-sized bytes and one append to the transparency log (:func:`registry.log.store.append`:
    the leaf, its hash, the subtree nodes it completes); one transaction and one durable commit per ``batch``,
    as ``approve_many`` commits. The leaves are filler events (``bench.filler``, as :mod:`bench.log_fill` writes)."""
    from datetime import UTC, datetime

    from registry.log import store as log_store
    from registry.trust import signing

    key = signing.generate_key()
    message = bytes(range(256)) * (_CLAIM_BYTES // 256) + bytes(_CLAIM_BYTES % 256)
    started = time.perf_counter()
    for first in range(0, count, batch):
        with Session(engine) as s, s.begin():
            head = log_store.lock_head(s)
            now = datetime.now(UTC)
            for i in range(first, min(first + batch, count)):
                key.sign(message + i.to_bytes(8, "big"))
                index = head.size
                log_store.append(s, {"v": 1, "type": "bench.filler", "i": index}, kind="bench.filler",
                                 subject=f"filler-{index}", now=now)
    return count / (time.perf_counter() - started)


def issue_labels(site: Site, *, single: int = 1_000, batched: int = 10_000, batch: int = 100,
                 runs: int = 5) -> list[dict[str, Any]]:
    """Issue ``single + batched`` labels; the two issuance figures (median of ``runs`` runs each, interleaved)."""
    from registry.accounts.actors import Actor

    reg = _registry(site.folder)
    c = Actor(CERTIFIER, "certifier", "bench")
    ids = prepare(site, single + batched + 20)
    warm, ids = ids[:20], ids[20:]
    for dec_id in warm[:10]:  # warm-up: code paths, the certifier key, SQLite's page cache
        reg.review.approve(c, dec_id)
    reg.review.approve_many(c, warm[10:])
    one_rates, batch_rates, commit_rates, floor_rates = [], [], [], []
    per_single, per_batched = single // runs, batched // runs
    bare_commits(reg.engine, 10)  # warm-up of the scratch table
    for run in range(runs):
        # the baselines, interleaved with the runs they are the floor of (the machine's state moves during a run)
        commit_rates.append(bare_commits(reg.engine, per_single))
        floor_rates.append(bare_sign_and_append(reg.engine, per_batched, batch))
        chunk, ids = ids[:per_single], ids[per_single:]
        started = time.perf_counter()
        for dec_id in chunk:
            reg.review.approve(c, dec_id)
        one_rates.append(len(chunk) / (time.perf_counter() - started))
        chunk, ids = ids[:per_batched], ids[per_batched:]
        started = time.perf_counter()
        for first in range(0, len(chunk), batch):
            reg.review.approve_many(c, chunk[first:first + batch])
        batch_rates.append(len(chunk) / (time.perf_counter() - started))
        print(f"  issuance run {run + 1}/{runs}: one by one {one_rates[-1]:.0f}/s (bare durable commit "
              f"{commit_rates[-1]:.0f}/s), batches of {batch} {batch_rates[-1]:.0f}/s (bare signature + log append "
              f"{floor_rates[-1]:.0f}/s)", flush=True)
    one, many = statistics.median(one_rates), statistics.median(batch_rates)
    commit, floor = statistics.median(commit_rates), statistics.median(floor_rates)
    log_note = f"SQLite WAL synchronous=FULL; log of {site.log_size:,}+ leaves; median of {runs} interleaved runs"
    return [
        figure(f"label issuance, {batched:,} labels via approve_many (batches of {batch}), SQLite durable", many,
               "labels/s", 300, higher_is_better=True, baseline=round(floor, 1), ratio_target=0.1)
        | {"note": f"baseline: a bare Ed25519 signature plus one log append per label, one durable commit per "
                   f"{batch}, same database ({per_batched:,} per run; target: within 10x); one approve per label: "
                   f"{one:.0f}/s; {log_note}"},
        figure(f"label issuance, {single:,} labels one approve each, SQLite durable", one, "labels/s", None,
               higher_is_better=True, baseline=round(commit, 1), ratio_target=round(1 / 3, 3))
        | {"note": f"baseline: a bare durable commit of one row on the same database ({per_single:,} per run; "
                   f"target: within 3x); {log_note}"},
    ]
