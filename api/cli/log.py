"""``pcf log``: witnessing the registry's transparency log from outside, and registering witnesses.

``pcf log witness --registry URL --state DIR`` is what an independent party runs (from cron, say): it fetches the
registry's latest checkpoint, checks its signature against the registry key it pinned on its first run, checks
that the new tree extends the last one it saw (a consistency proof), and only then cosigns it
(c2sp.org/tlog-cosignature) and sends the cosignature back. A registry that shows it a tree that does not extend
the previous one gets no cosignature: the command stops with exit 1 and says why, and keeps its state, so the
evidence (the two checkpoints) stays in ``DIR``.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import typer

from api.cli.registry import DB_OPTION, settings_for

log_app = typer.Typer(help="The transparency log: witness it, register witnesses.", no_args_is_help=True)

KEY_FILE = "witness.key"
STATE_FILE = "state.json"
EVIDENCE_FILE = "split-view.json"


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _load_key(state: Path) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    path = state / KEY_FILE
    if not path.exists():
        state.mkdir(parents=True, exist_ok=True)
        seed = os.urandom(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(base64.b64encode(seed).decode() + "\n")
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(path.read_text(encoding="ascii").strip()))


def _get(client: Any, url: str) -> Any:
    r = client.get(url)
    if r.status_code != 200:
        raise _fail(f"error [registry]: GET {url} answered {r.status_code}", 2)
    return r.json()


@log_app.command("witness")
def witness(
    registry: str = typer.Option(..., "--registry", help="The registry's base URL, e.g. https://pcf.example.cn"),
    state: Path = typer.Option(..., "--state", help="This witness's folder: its key and the last tree it saw"),
    name: str | None = typer.Option(None, "--name", help="The witness's name (first run; default "
                                                        "witness.<host>/pcf)"),
) -> None:
    """Check the registry's newest checkpoint against the last one seen, cosign it, and send the cosignature."""
    import httpx

    from registry.trust import tlog
    from registry.trust.tlog import cosign

    key = _load_key(state)
    state_path = state / STATE_FILE
    seen: dict[str, Any] = json.loads(state_path.read_text(encoding="utf-8")) if state_path.exists() else {}
    name = seen.get("name") or name or f"witness.{socket.gethostname().split('.')[0] or 'local'}/pcf"
    try:
        cosign.check_name(name)
    except ValueError as exc:
        raise _fail(f"error [name]: {exc}", 2) from None
    base = registry.rstrip("/")
    if seen and seen.get("registry") != base:
        raise _fail(f"error [state]: {state} witnesses {seen.get('registry')}, not {base}", 2)
    with httpx.Client(timeout=20.0, follow_redirects=False) as client:
        if "vkey" not in seen:  # first run: pin the registry's log key (trust on first use, printed for checking)
            trust = _get(client, f"{base}/api/v1/trust-list")
            current = _get(client, f"{base}/api/v1/log/checkpoint")
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            logs = [k for k in trust.get("keys", []) if k.get("purpose") == "log" and k.get("status") == "current"]
            if not logs:
                raise _fail("error [registry]: the trust list has no current log key", 2)
            raw = base64.urlsafe_b64decode(logs[0]["public_key"] + "=" * (-len(logs[0]["public_key"]) % 4))
            seen = {"registry": base, "name": name,
                    "vkey": tlog.verifier_key(current["origin"], Ed25519PublicKey.from_public_bytes(raw))}
        current = _get(client, f"{base}/api/v1/log/checkpoint")
        opened = tlog.open_checkpoint(str(current.get("note", "")), seen["vkey"])
        if not opened.valid or opened.checkpoint is None:
            raise _fail(f"REFUSED: the checkpoint does not verify under the pinned registry key: {opened.reason}")
        new = opened.checkpoint
        old_size, old_root = int(seen.get("size", 0)), base64.b64decode(seen.get("root", ""))
        problem = ""
        if new.size < old_size:
            problem = f"the registry now shows {new.size} leaves after showing {old_size}: it cut its log back"
        elif new.size == old_size and old_size and new.root != old_root:
            problem = f"the registry shows another tree of the same size {new.size}"
        elif old_size and new.size > old_size:
            proof = _get(client, f"{base}/api/v1/log/consistency?first={old_size}&second={new.size}")
            hashes = [base64.b64decode(h) for h in proof.get("proof", [])]
            if not tlog.verify_consistency(old_size, new.size, old_root, new.root, hashes):
                problem = (f"the tree of {new.size} leaves does not extend the tree of {old_size} leaves seen "
                           "before: a split view or a rewritten history")
        if problem:
            (state / EVIDENCE_FILE).write_text(json.dumps({"seen": seen.get("note"), "shown": current.get("note"),
                                                           "problem": problem}, indent=2), encoding="utf-8")
            raise _fail(f"REFUSED: {problem} (evidence kept in {state / EVIDENCE_FILE})")
        body = current["note"].partition("\n\n")[0] + "\n"
        line = cosign.cosign(body, name, key, int(time.time()))
        seen.update(size=new.size, root=base64.b64encode(new.root).decode(), note=current["note"])
        state_path.write_text(json.dumps(seen, indent=2), encoding="utf-8")
        r = client.post(f"{base}/api/v1/log/cosignatures", json={"witness": name, "size": new.size,
                                                                "cosignature": line})
    vkey = cosign.witness_vkey(name, cosign.raw_public(key.public_key()))
    if r.status_code != 200:
        detail = r.json().get("detail", r.text[:200]) if r.headers.get("content-type", "").endswith("json") else ""
        typer.echo(f"checked and cosigned tree {new.size}, but the registry did not take the cosignature "
                   f"({r.status_code}: {detail}); its administrator registers this witness with "
                   f"`pcf log add-witness {vkey}`")
        raise typer.Exit(3)
    typer.echo(f"OK: tree {new.size} extends what {name} saw before; cosigned ({r.json().get('accepted')})")


@log_app.command("add-witness")
def add_witness(vkey: str = typer.Argument(..., help="The witness's verifier key (pcf log witness prints it)"),
                db: str | None = DB_OPTION) -> None:
    """Register a witness whose cosignatures the registry accepts and counts."""
    from api.runtime import open_registry
    from registry.accounts.actors import SYSTEM
    from registry.errors import RegistryError

    try:
        name = open_registry(settings_for(db)).witnesses.add_witness(SYSTEM, vkey)
    except RegistryError as exc:
        raise _fail(f"error [{exc.code}]: {exc}", 2) from None
    typer.echo(f"witness {name} registered")
