"""``pcf registry person add``: create a person who signs in to the web platform (a thin wrapper over
:meth:`registry.accounts.people.Accounts.add_person`)."""

from __future__ import annotations

from pathlib import Path

import typer

from api.cli.registry import DB_OPTION, settings_for

person_app = typer.Typer(help="People who sign in to the web platform.", no_args_is_help=True)


@person_app.command("add")

def person_add(
    email: str = typer.Argument(..., help="The e-mail address they sign in with (stored lower-case)"),
    org: str = typer.Option(..., "--org", help="Their organisation's id; its role (manufacturer, certifier, admin) "
                            "is theirs"),
    name: str = typer.Option("", "--name", help="Their name, as shown in the console"),
    password_file: Path | None = typer.Option(None, "--password-file", help="A file whose first line is the "
                                              "password (at least 12 characters); without it one is generated "
                                              "and printed once"),
    db: str | None = DB_OPTION,
) -> None:
    """Create a person of an organisation; prints the generated password once when no --password-file is given."""
    from api.runtime import open_registry
    from registry.accounts.actors import Actor
    from registry.accounts.people import generate_password
    from registry.keys.custody import REGISTRY_ORG

    generated = password_file is None
    if password_file is not None:
        lines = password_file.read_text(encoding="utf-8").splitlines()
        password = lines[0] if lines else ""
    else:
        password = generate_password()
    accounts = open_registry(settings_for(db)).accounts
    person = accounts.add_person(Actor(REGISTRY_ORG, "admin", "cli"), org_id=org, email=email, password=password, name=name)
    typer.echo(f"{person.id} {person.email}" + (f" password: {password}" if generated else ""))
