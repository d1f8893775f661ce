"""``pcf registry`` (administration without the API) and ``pcf demo`` (demo data): thin wrappers over the registry."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

# (light: the error classes alone; every heavier library is imported inside the command that needs it)
from registry.errors import RegistryError

if TYPE_CHECKING:
    from api.settings import Settings

registry_app = typer.Typer(help="Registry administration: organisations, tokens, keys, the log.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data for trying the platform.", no_args_is_help=True)
DB_OPTION = typer.Option(None, "--db", help="Database URL (default: PCF_DATABASE_URL or the embedded SQLite file)")


def settings_for(db: str | None) -> Settings:
    from api.settings import Settings

    settings = Settings()
    if db:
        settings.database_url = db
    return settings


def _registry(db: str | None, *, create_key: bool = False):  # type: ignore[no-untyped-def]
    from api.runtime import open_registry

    return open_registry(settings_for(db), create_key=create_key)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _admin():  # type: ignore[no-untyped-def]
    from registry.accounts.actors import Actor

    return Actor("registry", "admin", "cli")


@registry_app.command("init")
def init(db: str | None = DB_OPTION) -> None:
    """Create the master key file (if missing), migrate the database and start the log."""
    reg = _registry(db, create_key=True)
    typer.echo(f"registry ready: log {reg.origin}, verifier key {reg.log.registry_vkey()}")


@registry_app.command("org")
def create_org(
    role: str = typer.Option(..., "--role", help="manufacturer, certifier or admin"),
    name_zh: str = typer.Option("", "--name-zh"),
    name_en: str = typer.Option("", "--name-en"),
    org_id: str | None = typer.Option(None, "--id"),
    uscc: str | None = typer.Option(None, "--uscc", help="Unified social credit code (check character verified)"),
    accreditation: str | None = typer.Option(None, "--accreditation", help="A certifier's accreditation number"),
    db: str | None = DB_OPTION,
) -> None:
    """Create an organisation (a certifier also gets its first signing key)."""
    org = _registry(db).organisations.create_organisation(_admin(), role=role, name_zh=name_zh, name_en=name_en,
                                                          org_id=org_id,
                                            uscc_code=uscc, accreditation_no=accreditation)
    typer.echo(org.id)


@registry_app.command("token")
def create_token(
    org_id: str,
    name: str = typer.Option("", "--name"),
    days: int = typer.Option(365, "--days", help="Days until it expires"),
    db: str | None = DB_OPTION,
) -> None:
    """Create a bearer token for an organisation; prints the secret once (only its hash is stored)."""
    row, secret = _registry(db).organisations.create_token(_admin(), org_id, name=name, days=days)
    typer.echo(f"{row.id} {secret}")


@registry_app.command("revoke-token")
def revoke_token(token_id: str, db: str | None = DB_OPTION) -> None:
    """Revoke a token."""
    _registry(db).organisations.revoke_token(_admin(), token_id)
    typer.echo(f"revoked {token_id}")


@registry_app.command("rotate-key")
def rotate_key(
    org_id: str,
    public_key: Path | None = typer.Option(
        None, "--public-key", help="A certifier's own Ed25519 public key (file: raw 32 bytes, base64, or PEM); the "
        "certifier keeps the private key and signs each claim itself (prepare, then approve with signatures)"),
    db: str | None = DB_OPTION,
) -> None:
    """Retire a certifier's (or the registry's) current key and create a new one; both events are logged."""
    raw = _read_public_key(public_key) if public_key else None
    row = _registry(db).keys.rotate_key(_admin(), org_id, raw)
    held = "kept by the certifier" if row.sealed_private_key is None else "kept sealed by the registry"
    typer.echo(f"new key {row.key_id} for {org_id} ({held})")


def _read_public_key(path: Path) -> bytes | str:
    """The key in ``path``: raw 32 bytes as they are, a PEM public key as its raw bytes, else the text (base64,
    checked by the registry)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {path}: {type(exc).__name__}", param_hint="--public-key") from None
    if len(data) == 32:
        return data
    if data.lstrip().startswith(b"-----BEGIN PUBLIC KEY-----"):
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        try:
            key = load_pem_public_key(data)
        except ValueError:
            raise typer.BadParameter(f"{path} is not a readable PEM public key", param_hint="--public-key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise typer.BadParameter(f"{path} holds no Ed25519 key", param_hint="--public-key")
        return key.public_bytes_raw()
    return data.decode("ascii", errors="replace").strip()


@registry_app.command("revoke-key")
def revoke_key(key_id: str, db: str | None = DB_OPTION) -> None:
    """Revoke a compromised key: claims it signed no longer verify."""
    _registry(db).keys.revoke_key(_admin(), key_id)
    typer.echo(f"revoked key {key_id}")


@registry_app.command("verify-log")
def verify_log(db: str | None = DB_OPTION, as_json: bool = typer.Option(False, "--json"),
               checkpoint: list[Path] = typer.Option([], "--checkpoint", help="A signed checkpoint saved earlier (a "
                                                     "witness's, a buyer's): the log must extend it. Repeatable.")
               ) -> None:
    """Re-check the whole log from its first leaf, every checkpoint, every label row against its signed claim and
    the replayed log, and that the log extends the checkpoints given; exit 1 on a problem."""
    notes = []
    for path in checkpoint:
        try:
            notes.append(path.read_text(encoding="utf-8")[:10_000])
        except (OSError, UnicodeDecodeError) as exc:
            typer.echo(f"error: --checkpoint {path.name}: {exc.__class__.__name__}", err=True)
            raise typer.Exit(2) from None
    report = _registry(db).log.verify_log(notes)
    if as_json:
        _print_json(report)
    else:
        typer.echo(f"{'ok' if report['ok'] else 'PROBLEMS'}: {report['tree_size']} leaves, "
                   f"{report['checkpoints']} checkpoints, {report['labels']} labels")
        for p in report["problems"]:
            typer.echo(f"  {p}")
    if not report["ok"]:
        raise typer.Exit(1)


@registry_app.command("surveillance")
def surveillance(db: str | None = DB_OPTION) -> None:
    """Suspend the labels whose certificate's surveillance is overdue (run daily; pcf serve runs it at start)."""
    suspended = _registry(db).surveillance.suspend_overdue()
    typer.echo(f"{len(suspended)} label(s) suspended as surveillance overdue" + (f": {', '.join(suspended)}"
                                                                               if suspended else ""))


@registry_app.command("proof")
def proof(label_id: str, output: Path = typer.Option(..., "-o", "--output"), db: str | None = DB_OPTION) -> None:
    """Export a label's proof bundle (verifies offline with `pcf verify --bundle`)."""
    bundle = _registry(db).log.proof_bundle(label_id)
    output.write_text(json.dumps(bundle, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    typer.echo(f"proof of {label_id} written to {output}")


@registry_app.command("trust-list")
def trust_list(output: Path | None = typer.Option(None, "-o", "--output"), db: str | None = DB_OPTION) -> None:
    """Write (or print) the trust list of certifier keys, with today's signed status list inside it
    (``status_list``: `pcf verify --trust-list F` uses it to check revocations offline)."""
    reg = _registry(db)
    data = {**reg.keys.trust_list(), "status_list": reg.log.status_list()}
    if output:
        output.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"trust list written to {output}")
    else:
        _print_json(data)


@demo_app.command("seed")
def seed(db: str | None = DB_OPTION, out: Path = typer.Option(Path(".data/credentials.json"), "--out"),
         if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when the demo was seeded already")) -> None:
    """Create demo organisations, tokens, products from examples/ and labels in every status."""
    from api.demo import seed_demo

    reg = _registry(db, create_key=True)
    credentials = seed_demo(reg, if_empty=if_empty)
    if credentials is None:
        typer.echo(f"demo data present already; credentials in {out}")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(credentials, fh, ensure_ascii=False, indent=2)
    typer.echo(f"demo seeded: {len(credentials['labels'])} labels; credentials in {out}")


label_app = typer.Typer(help="Printable labels.", no_args_is_help=True)


@label_app.command("render")
def label_render(
    label_id: str,
    fmt: str = typer.Option("svg", "--format", help="svg, png (300 dpi) or pdf"),
    output: Path = typer.Option(..., "-o", "--output"),
    db: str | None = DB_OPTION,
) -> None:
    """Render a label as SVG, PNG or PDF, with its QR code (GS1 Digital Link when the product has a GTIN)."""
    from api.label_files import MEDIA_TYPES, render

    if fmt not in MEDIA_TYPES:
        raise typer.BadParameter("svg, png or pdf", param_hint="--format")
    settings = settings_for(db)
    output.write_bytes(render(_registry(db), label_id, fmt, settings.base_url))
    typer.echo(f"{label_id} written to {output}")


def verify(
    text_or_file: str = typer.Argument(..., help="The payload text, the whole QR URL, a PNG of the QR code, or a "
                                                  "proof bundle JSON file"),
    trust_list: Path | None = typer.Option(None, "--trust-list", help="Trust list JSON (default: the local registry's); "
                                                                     "its status_list is used unless --status-list"),
    status_list: Path | None = typer.Option(None, "--status-list", help="Signed status list JSON "
                                                                       "(GET /api/v1/status-list)"),
    at: str | None = typer.Option(None, "--at", help="Check validity on this date (YYYY-MM-DD; default today)"),
    as_json: bool = typer.Option(False, "--json"),
    db: str | None = DB_OPTION,
) -> None:
    """Check a label offline: its signature, its validity on a date, and its status as of a signed status list
    (without one, says that status was not checked). Exit 0 only for a valid label."""
    from datetime import date

    from registry.trust import statuslist
    from registry.trust.payload import TrustList, verify_payload

    text = _read_verify_argument(text_or_file)
    try:
        on = date.fromisoformat(at) if at is not None else date.today()
    except ValueError:
        typer.echo(f"error [invalid-date]: --at {str(at)[:20]!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None
    if trust_list is not None:
        trust = _read_json(trust_list, "trust-list")
    else:
        reg = _registry(db)
        trust = {**reg.keys.trust_list(), "status_list": reg.log.status_list()}
    if text.startswith("{"):
        _verify_bundle(text, trust, as_json)
    status_doc = _read_json(status_list, "status-list") if status_list is not None else trust.get("status_list")
    result = verify_payload(text, trust)
    status = None
    if status_doc is not None:
        try:
            status = statuslist.open_list(status_doc, TrustList.from_json(trust))
        except RegistryError as exc:
            status = statuslist.StatusList(False, f"invalid-trust-list: {exc}")
    checked = statuslist.verdict(result.claim if result.valid else None, result.reason, on, status)
    if as_json:
        _print_json({**checked.to_json(), "checked_on": on.isoformat(), "claim": result.claim,
                     "key_id": result.key_id, "certifier_id": result.certifier_id})
    elif result.valid and result.claim:
        c = result.claim
        typer.echo(f"{checked.verdict.upper()}: {c['label_id']} v{c['version']}: {c['value']} {c['unit']} per "
                   f"{c['declared_unit']} ({c['boundary']}), valid {c['valid_from']} to {c['valid_until']}, signed by "
                   f"key {result.key_id} of {result.certifier_id}")
        typer.echo(f"  {checked.reason}")
    else:
        typer.echo(f"INVALID: {result.reason}")
    raise typer.Exit(0 if checked.valid else 1)


def _read_verify_argument(text_or_file: str) -> str:
    """The payload or bundle text from the argument: a file (PNG/picture of a QR code, or text) or the text
    itself, of any length (a long payload is never taken for a file name)."""
    path = Path(text_or_file)
    try:
        is_file = len(text_or_file) < 4096 and path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL: it is the text
        is_file = False
    if not is_file:
        return text_or_file.strip()
    if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"):
        from label import decode_qr_image

        found = decode_qr_image(path)
        if not found:
            typer.echo(f"error [no-qr-code]: no QR code found in {path.name}", err=True)
            raise typer.Exit(2)
        return str(found[0])
    if path.stat().st_size > 1_000_000:
        typer.echo(f"error [too-large]: {path.name} is over 1 MB", err=True)
        raise typer.Exit(2)
    return path.read_text(encoding="utf-8", errors="replace").strip()


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        if path.stat().st_size > 20_000_000:
            raise ValueError("over 20 MB")
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        typer.echo(f"error [{what}]: cannot read {path.name}: {type(exc).__name__}", err=True)
        raise typer.Exit(2) from None
    return data


def _verify_bundle(text: str, trust: dict[str, Any], as_json: bool) -> None:
    """A label proof bundle: the claim, its signature and its inclusion under a signed checkpoint."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from registry.trust import tlog
    from registry.trust.payload import TrustList
    from registry.trust.proofs import verify_label_bundle

    try:
        bundle = json.loads(text)
    except ValueError:
        typer.echo("INVALID: not JSON")
        raise typer.Exit(1) from None
    log_keys = [k for k in trust.get("keys", []) if k.get("purpose") == "log" and k.get("status") != "revoked"]
    results = []
    for k in log_keys:
        raw = base64.urlsafe_b64decode(k["public_key"] + "=" * (-len(k["public_key"]) % 4))
        vkey = tlog.verifier_key(trust["registry"], Ed25519PublicKey.from_public_bytes(raw))
        results.append(verify_label_bundle(bundle, vkey, TrustList.from_json(trust)))
    best = next((r for r in results if r.valid), results[0] if results else None)
    valid = best is not None and best.valid
    reason = best.reason if best else "the trust list has no log key"
    if as_json:
        _print_json({"valid": valid, "code": best.code if best else "no-log-key", "detail": best.detail if best else
                     reason, "reason": reason, "tree_size": best.tree_size if best else None})
    else:
        typer.echo(f"{'VALID' if valid else 'INVALID'}: proof bundle: {reason}")
    raise typer.Exit(0 if valid else 1)
