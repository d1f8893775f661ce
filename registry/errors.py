"""Errors of the label registry.

RegistryError (code: registry-error)                 every error carries ``message`` and ``field`` (or None)
 ├── InvalidClaim          invalid-claim          a claim to sign is missing a field or has a malformed one
 ├── InvalidTrustList      invalid-trust-list     a trust list document does not follow ``pcf-trust-list/1``
 ├── PayloadInvalid        invalid-payload        a label payload cannot be decoded (``reason`` says why)
 ├── SigningError          signing-error          a key cannot be used for signing
 │    ├── SealedKeyInvalid sealed-key-invalid     wrong secret, or a damaged or unknown sealed-key blob
 │    └── KeyMismatch      key-mismatch           the claim names another key than the one signing it
 ├── Unauthenticated       unauthenticated        unknown, expired or revoked token            (HTTP 401)
 ├── Forbidden             forbidden              the role may not do this                      (HTTP 403)
 ├── NotFound              not-found              no such object, or another's unpublished one  (HTTP 404)
 ├── Conflict              conflict               the object's state does not allow this        (HTTP 409)
 │    └── SerialClaimed    serial-claimed         a green-certificate serial is claimed already
 ├── InvalidInput          invalid-input          a field of the request is invalid             (HTTP 422)
 │    ├── InvalidCitation  invalid-citation       a cited supplier label is malformed or unknown
 │    ├── CitationNotActive citation-not-active   a cited supplier label is not active
 │    ├── InvalidSerial    invalid-serial         a green-certificate serial or range is malformed
 │    ├── ResultMismatch   result-mismatch        the submitted result differs from the server's
 │    ├── RuleFailed       rule-failed            a mandatory category rule fails (``checklist``)
 │    └── LogRangeError    log-range              a log index or size outside the log
 ├── KeyUnavailable        key-unavailable        no usable signing key                         (HTTP 409)
 └── KeyFileError          key-file               the master key file is missing or corrupt (refuse to start)
Elsewhere in the package: registry.rules (RuleError: unknown-category, rule-not-found, invalid-rule,
label-value-missing, benchmark-mismatch), registry.trust.tlog (TlogError: missing-node, invalid-checkpoint,
leaf-not-in-log: damaged log data, HTTP 500), registry.interop.pact (pact-bad-request, pact-unmappable).

Verification never raises these for an invalid payload, proof or checkpoint: it returns a result with ``valid``,
``code`` and ``detail`` (:mod:`registry.trust.verdict`).
"""

from __future__ import annotations


class RegistryError(Exception):
    """Base class of every error raised by :mod:`registry`."""

    code = "registry-error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class InvalidClaim(RegistryError):
    """A claim to sign is missing a field, has an unknown one, or has a malformed value."""

    code = "invalid-claim"


class InvalidTrustList(RegistryError):
    """A trust list document does not follow the ``pcf-trust-list/1`` format."""

    code = "invalid-trust-list"


class PayloadInvalid(RegistryError):
    """A label payload cannot be decoded; ``reason`` is the stable reason code of :mod:`registry.trust.payload`."""

    code = "invalid-payload"

    def __init__(self, reason: str, message: str, field: str | None = None) -> None:
        super().__init__(message, field)
        self.reason = reason


class SigningError(RegistryError):
    """A key cannot be used for signing."""

    code = "signing-error"


class SealedKeyInvalid(SigningError):
    """A sealed private key does not open: wrong secret, damaged blob or unknown format."""

    code = "sealed-key-invalid"


class KeyMismatch(SigningError):
    """The claim's ``key_id`` is not the id of the key asked to sign it."""

    code = "key-mismatch"


# --- workflow errors (registry.certification); the API maps each base to one HTTP status -----------------------
class Unauthenticated(RegistryError):
    """No valid credentials: an unknown, expired or revoked token (HTTP 401)."""

    code = "unauthenticated"


class Forbidden(RegistryError):
    """The actor's role may not do this (HTTP 403)."""

    code = "forbidden"


class NotFound(RegistryError):
    """No such object, or another organisation's unpublished one (HTTP 404)."""

    code = "not-found"


class Conflict(RegistryError):
    """The object is not in a state that allows this, or it exists already (HTTP 409)."""

    code = "conflict"


class SerialClaimed(Conflict):
    """A green-electricity certificate serial is already claimed by another active declaration."""

    code = "serial-claimed"


class InvalidInput(RegistryError):
    """A field of the request is invalid (HTTP 422)."""

    code = "invalid-input"


class InvalidCitation(InvalidInput):
    """A cited supplier label is malformed or unknown."""

    code = "invalid-citation"


class CitationNotActive(InvalidInput):
    """A cited supplier label is suspended, revoked, expired or superseded."""

    code = "citation-not-active"


class InvalidSerial(InvalidInput):
    """A green-certificate serial or range is malformed."""

    code = "invalid-serial"


class ResultMismatch(InvalidInput):
    """The submitted result differs from the server's recomputation of the product file."""

    code = "result-mismatch"


class RuleFailed(InvalidInput):
    """A mandatory rule of the product category fails; ``checklist`` lists every rule."""

    code = "rule-failed"

    def __init__(self, message: str, field: str | None = None, checklist: object = None) -> None:
        super().__init__(message, field)
        self.checklist = checklist


class KeyUnavailable(RegistryError):
    """No usable signing key (none current, or kept by its certifier)."""

    code = "key-unavailable"


class LogRangeError(InvalidInput):
    """A log index or tree size outside the log."""

    code = "log-range"


class KeyFileError(RegistryError):
    """The master key file is missing or corrupt: the server refuses to start."""

    code = "key-file"
