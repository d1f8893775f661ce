"""Errors of the factor database.

FactorDbError (code: factor-db-error)
 ├── InvalidFactor        invalid-factor       a row breaks the schema (names file, row, column)
 ├── ImportFailed         import-failed        an import was refused as a whole; nothing was written
 ├── FactorNotFound       factor-not-found     no factor with that id
 ├── ReleaseNotFound      release-not-found    no release with that id
 └── ReleaseTampered      release-tampered     a bundled release's content hash does not match

Every error carries ``code``, ``message`` and ``field`` (the offending column or parameter, or None): the one
error shape of every package.
"""

from __future__ import annotations


class FactorDbError(Exception):
    """Base class of every error raised by :mod:`factors_db`."""

    code = "factor-db-error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidFactor(FactorDbError):
    """A factor row breaks the schema; the message names file, row and column."""

    code = "invalid-factor"

    def __init__(self, message: str, *, file: str = "", row: int | None = None, column: str = "") -> None:
        where = ", ".join(
            part for part in (file, f"row {row}" if row is not None else "", f"column {column!r}" if column else "")
            if part
        )
        super().__init__(f"{where}: {message}" if where else message, column or None)
        self.file, self.row, self.column = file, row, column


class ImportFailed(FactorDbError):
    """An import was refused as a whole; the database is unchanged."""

    code = "import-failed"


class FactorNotFound(FactorDbError):
    """No factor with that id."""

    code = "factor-not-found"


class ReleaseNotFound(FactorDbError):
    """No release with that id."""

    code = "release-not-found"


class ReleaseTampered(FactorDbError):
    """A release's files do not match the content hash it was released with."""

    code = "release-tampered"
