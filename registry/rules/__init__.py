"""The offline label payload: a claim as a COSE_Sign1 message, written as QR-friendly text, and its verifier.

Text (format 2). ``PCF2.`` followed by the decimal digits of ``int.from_bytes(b"\x01" + cose, "big")``; the 0x01
sentinel keeps leading zero bytes and makes most truncations and changed digits visible before any CBOR is
read. Digits use QR numeric mode (10 bits per 3 digits: 8.03 bits per byte), the densest mode a URL fragment
can hold: base32 in alphanumeric mode costs 8.8 bits per byte, base45 needs space and ``%`` (not allowed in a
fragment), base64url falls to byte mode (10.7 bits per byte). ``PCF``/``pcf`` and whitespace inside the digits
are tolerated (neither can change the bytes); a URL is accepted whole, the payload being what follows its
last ``#``, and a ``/l/<label_id>`` or ``/01/<gtin>`` in it must match the claim. Format 1 (``PCF1.``: the
model, both whole SHA-256 and the certifier id in the map) was never published and is refused as
``unsupported-version``.

Size, measured with ``qrcode`` 8.2 (``optimize=20``) at error correction M; ``label/qr.py`` prints at most
version 12, which holds 290 data bytes. Behind a 51-character URL (``https://label.pcf-registry.cn/l/
CD-PCF-2026-000123#``, byte mode) the largest COSE message that fits is 228 bytes as digits (210 as base32),
behind the 48-character GS1 URL (``https://label.pcf-registry.cn/01/06901234567892#``) 231, bare 279. The
COSE framing, kid and signature take 85 bytes; the claim map of a PV label 103, of which the two hash
prefixes are 36. Measured claims (``tests/test_payload.py``), COSE bytes and version bare / behind the
``/l/`` URL / behind the GS1 URL: PV module (GTIN, ``1 kWp``) 188 B, 10 / 11 / 11; component (``1 m2``)
189 B, 10 / 11 / 11; monitor (``1 monitor over 6 years of use``) 214 B, 11 / 12 / 12; worst case
(``1 desktop over 12.5 years of use``, version 12, value ``1180.5``, a carried ``valid_from``) 224 B,
11 / 12 / 12. Format 1 needed 254 B (version 13) for the PV label and 262 B for the monitor. Room left: a
PV-like label with a GTIN and a 6-character value fits with a declared unit of at most 41 ASCII characters
(13 Chinese ones, 3 bytes each in UTF-8). The electronics rules write ``1 <kind> over <years> years of use``
(32 characters with 12.5 years); a component's declared unit is its document's own text, so a longer one
makes ``label/qr.py`` refuse the symbol.

COSE (RFC 9052). ``18([protected, {}, payload, signature])`` with protected ``{1: -8 (EdDSA), 4: kid}``,
the kid being the 8 bytes of the key id (:func:`registry.signing.key_id`); the signature is Ed25519 over
``["Signature1", protected, h'', payload]``. Written with cbor2 and cryptography: one algorithm, no
unprotected headers, so pycose would add a dependency without removing code. Everything is deterministic
CBOR (RFC 8949 section 4.2); a verifier re-encodes what it decoded and refuses any other encoding.

Claim map (the payload), integer keys. The payload carries a compact claim; the registry's full claim (RFC
8785 JSON with whole hashes and the certifier id, signed with :func:`registry.signing.sign_claim`) is tied
to it by :func:`matches_full_claim`::

    key  field                    CBOR
     1   label_id                 uint year * 10^6 + number for CD-PCF-<year>-<6 digits>, else text
     2   version                  uint
     3   product_id               bstr of the hex for prd_<hex> (registry.ids.new_id), else text
     4   gtin                     uint (14 digits, zero-padded on decoding); absent when None
     5   value                    text (a decimal string, kept exactly: "18.90" stays "18.90")
     6   unit                     uint code of UNITS, or text for any other unit
     7   declared_unit            text
     8   boundary                 uint code of BOUNDARIES
     9   method                   uint code of METHODS, or text for any other method
    10   factor_release           text
    11   factor_release_sha256    bstr, the first 16 bytes of the SHA-256 (decoded: 32 hex characters)
    12   input_sha256             bstr, the first 16 bytes of the SHA-256 (decoded: 32 hex characters)
    13   issued_at                uint (unix seconds)
    14   valid_from               uint (days since 1970-01-01); absent when it is the UTC date of issued_at
    15   valid_until              uint (days since 1970-01-01)
     -   key_id                   not in the map: the kid of the protected header, as 16 hex characters
     -   certifier_id             not in the map: the ``certifier_id`` of the kid's trust-list entry

Hash prefixes. 128 bits of SHA-256 keep second-preimage resistance at 2^128: making another release file or
input document whose hash starts with the same 16 bytes costs ~2^128 hashes, as forging a 128-bit MAC does.
Collision resistance falls to 2^64, which matters only to someone who makes both documents beforehand; both
are the certifier's declared documents, whose full hashes are in the signed full claim and the transparency
log. Fields not carried: ``model`` (not a required claim field; a claim with it is refused as
:class:`~registry.errors.InvalidClaim`), and ``certifier_id``: the kid names a key, and the trust list names
the key's certifier, so :func:`decode_text` (no trust list) returns the claim without ``certifier_id`` and
:func:`verify_payload` adds the key's. A claim to encode may contain ``certifier_id`` (it is checked to be a
non-empty string and not written).

The code tables (UNITS, BOUNDARIES, METHODS, the label-number and id forms) belong to format 2: codes may be
added only with a new format, because an offline verifier that does not know a code cannot decode the claim.
A value with a compact form must be written in it (and a ``valid_from`` equal to the date of ``issued_at``
must be left out); the other form of the same value is refused as non-canonical, so that every claim has
exactly one encoding.

Trust list (``pcf-trust-list/1``, see :class:`TrustList`). A key verifies a claim when its status is not
``revoked`` and the claim's ``issued_at`` lies in ``[not_before, not_after)`` (no upper bound while
``not_after`` is null): a retired key keeps verifying the labels it signed while it was current, so a
rotation does not invalidate old labels, but nothing issued after its retirement; a revoked (compromised)
key verifies nothing. The key's certifier is the claim's, and a key whose ``purpose`` is not ``labels`` (the
registry's log key) signs no label.

:func:`verify_payload` never raises: every failure is a result with ``valid=False`` and one of these reasons:
``invalid-trust-list``, ``not-a-payload``, ``unsupported-version``, ``bad-character``, ``non-canonical-text``,
``too-long``, ``damaged-text``, ``malformed-cbor``, ``trailing-data``, ``wrong-structure``,
``unsupported-algorithm``, ``bad-header``, ``invalid-claim``, ``non-canonical-encoding``, ``unknown-key``,
``wrong-key-purpose``, ``key-revoked``, ``bad-signature``, ``key-not-yet-valid``, ``key-retired``,
``url-mismatch``; ``ok`` when valid. (Format 1's ``certifier-mismatch`` is gone: the claim no longer names a
certifier that could differ from the key's. A full claim naming another certifier fails
:func:`matches_full_claim`.)

Modules: :mod:`.model`, :mod:`.loading`, :mod:`.checks`, :mod:`.values`; the YAML data sits beside them in one
folder per category. This face hands their public names on."""

from registry.rules.checks import (
    Checklist,
    RuleCheck,
    check,
)
from registry.rules.loading import (
    KIND_CATEGORIES,
    RULES_DIR,
    categories,
    category_of,
    load_rule,
    rules,
    versions,
)
from registry.rules.model import (
    Benchmark,
    BenchmarkLevel,
    BenchmarkMismatch,
    Boundary,
    BoundaryRule,
    CategoryRule,
    CutOffRule,
    DataQualityRule,
    DeclaredUnitRule,
    ElectricityRule,
    InvalidRule,
    LabelValueMissing,
    Reference,
    ReferenceValue,
    RoundingRule,
    RuleError,
    RuleNotFound,
    Status,
    Text,
    UnknownCategory,
    numbers_without_source,
)
from registry.rules.values import (
    Grade,
    LabelValue,
    grade,
    label_value,
    round_significant,
    valid_until,
)

__all__ = [
    "KIND_CATEGORIES",
    "RULES_DIR",
    "Benchmark",
    "BenchmarkLevel",
    "BenchmarkMismatch",
    "Boundary",
    "BoundaryRule",
    "CategoryRule",
    "Checklist",
    "CutOffRule",
    "DataQualityRule",
    "DeclaredUnitRule",
    "ElectricityRule",
    "Grade",
    "InvalidRule",
    "LabelValue",
    "LabelValueMissing",
    "Reference",
    "ReferenceValue",
    "RoundingRule",
    "RuleCheck",
    "RuleError",
    "RuleNotFound",
    "Status",
    "Text",
    "UnknownCategory",
    "categories",
    "category_of",
    "check",
    "grade",
    "label_value",
    "load_rule",
    "numbers_without_source",
    "round_significant",
    "rules",
    "valid_until",
    "versions"
]
