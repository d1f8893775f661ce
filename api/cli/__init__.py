"""The ``pcf`` command line: one module per command group (main: footprints, factors, labels and the server;
registry: declarations, labels, the log and verification; accounts: people; pact: PACT clients and partners;
variants: parsing ``--vary`` and writing the variants' CSV)."""

from api.cli.main import app, main

__all__ = ["app", "main"]
