"""``pcf pact``: PACT data recipients (clients) and the partners the registry calls back; thin wrappers over
:mod:`registry.interop.pact`. Library errors become ``error [code]: message`` on stderr and exit code 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer

from api.cli.registry import DB_OPTION, settings_for
from registry.errors import RegistryError

pact_app = typer.Typer(help="PACT data exchange: data recipients (clients) and partners to call back.",
                       no_args_is_help=True)
client_app = typer.Typer(help="Data recipients allowed to read footprints (OAuth2 client credentials).",
                         no_args_is_help=True)
partner_app = typer.Typer(help="Partners' PACT hosts, with the credentials for sending them events.",
                          no_args_is_help=True)
pact_app.add_typer(client_app, name="client")
pact_app.add_typer(partner_app, name="partner")
F = TypeVar("F", bound=Callable[..., Any])


def _clean_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except RegistryError as exc:
            typer.echo(f"error [{exc.code}]: {exc}", err=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _registry(db: str | None):  # type: ignore[no-untyped-def]
    from api.runtime import open_registry

    return open_registry(settings_for(db))


@client_app.command("add")
@_clean_errors
def client_add(
    client_id: str = typer.Argument(..., help="The client id (letters, digits, '.', '_', '~', '-')"),
    name: str = typer.Option("", "--name", help="Who the data recipient is"),
    as_json: bool = typer.Option(False, "--json", help="Print {client_id, client_secret} as JSON"),
    db: str | None = DB_OPTION,
) -> None:
    """Create a data recipient; prints its secret once (only its hash is stored)."""
    from registry.accounts.actors import SYSTEM

    secret = _registry(db).pact_clients.create_client(SYSTEM, client_id, name)
    if as_json:
        typer.echo(json.dumps({"client_id": client_id, "client_secret": secret}))
    else:
        typer.echo(f"{client_id} {secret}")


@client_app.command("revoke")
@_clean_errors
def client_revoke(client_id: str, db: str | None = DB_OPTION) -> None:
    """Revoke a data recipient: its access tokens stop working at once."""
    from registry.accounts.actors import SYSTEM

    _registry(db).pact_clients.revoke_client(SYSTEM, client_id)
    typer.echo(f"revoked {client_id}")


@partner_app.command("add")
@_clean_errors
def partner_add(
    source_url: str = typer.Argument(..., help="The partner's PACT base URL (https; http only for loopback)"),
    client_id: str = typer.Option(..., "--client-id", help="Our client id at the partner"),
    client_secret: str = typer.Option(..., "--client-secret", help="Our client secret at the partner"),
    for_client: str = typer.Option(..., "--for-client", help="The PACT client (ours) whose requests are answered "
                                                             "to this partner; no other client's are"),
    db: str | None = DB_OPTION,
) -> None:
    """Record (or replace) the credentials for answering a partner's requests; the secret is encrypted at rest."""
    from registry.accounts.actors import SYSTEM

    base = _registry(db).pact_clients.add_partner(SYSTEM, source_url, client_id, client_secret, for_client=for_client)
    typer.echo(f"partner {base}: requests from it are answered at {base}/auth/token and {base}/{{2|3}}/events")


@pact_app.command("events")
@_clean_errors
def events(limit: int = typer.Option(50, "--limit", min=1, max=10000),
           as_json: bool = typer.Option(False, "--json"), db: str | None = DB_OPTION) -> None:
    """The newest PACT events received and sent, with their outcome."""
    rows: list[dict[str, Any]] = [{"id": e.id, "at": e.created_at.isoformat(), "direction": e.direction, "type": e.type,
             "event_id": e.event_id, "source": e.source, "status": e.status} for e in _registry(db).pact.events(limit)]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        typer.echo(f"{r['at']} {r['direction']:3} {r['type'].rsplit('.', 2)[-2]:>22} {r['event_id']} "
                   f"{r['source']} {r['status']}")
