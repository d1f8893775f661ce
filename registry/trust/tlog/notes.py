"""C2SP signed notes (c2sp.org/signed-note) with Ed25519, and log checkpoints on them (c2sp.org/tlog-checkpoint) (pure)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from registry.trust.tlog.merkle import HASH_SIZE, MAX_TREE_SIZE
from registry.trust.verdict import ReasonVerdict

MAX_NOTE_BYTES = 128 * 1024


MAX_SIGNATURES = 100


_SIGNATURE_TYPE_ED25519 = b"\x01"


_SIGNATURE_PREFIX = "\u2014 "  # em dash, space


_DECIMAL = re.compile(r"0|[1-9][0-9]*")


_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes | None:
    """Strict standard base64: padded, no whitespace, canonical (re-encodes to the same text); else None."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return data if _b64(data) == text else None


def _has_control(text: str) -> bool:
    return any(ord(ch) < 0x20 and ch != "\n" for ch in text)


def _valid_key_name(name: str) -> bool:
    return bool(name) and not any(ch.isspace() or ch == "+" or ord(ch) < 0x20 for ch in name)


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _key_id(name: str, raw_public: bytes) -> bytes:
    """``SHA-256(key name || 0x0A || 0x01 || public key)[:4]`` (c2sp.org/signed-note, Ed25519)."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + _SIGNATURE_TYPE_ED25519 + raw_public).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The vkey string ``<name>+<hex key ID>+<base64(0x01 || public key)>`` that verifiers pin.

    Args:
        name: Key name (no spaces, no ``+``), normally the log's origin.
        public_key: The log's Ed25519 public key.

    Returns:
        The verifier key, e.g. ``example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k``.

    Raises:
        ValueError: an empty name or one with spaces or ``+``.
    """
    if not _valid_key_name(name):
        raise ValueError(f"key name {name!r} must be non-empty, without spaces or '+'")
    raw = _raw_public(public_key)
    return f"{name}+{_key_id(name, raw).hex()}+{_b64(_SIGNATURE_TYPE_ED25519 + raw)}"


@dataclass(frozen=True)
class _Verifier:
    name: str
    key_id: bytes
    public_key: Ed25519PublicKey


def _parse_vkey(vkey: object) -> _Verifier | str:
    """The verifier of a vkey string, or the reason it is unusable."""
    if not isinstance(vkey, str):
        return "bad-vkey: the verifier key must be a string"
    parts = vkey.split("+", 2)  # the base64 key may itself contain "+"
    if len(parts) != 3:
        return "bad-vkey: expected <name>+<hex key ID>+<base64 key>"
    name, hex_id, key_b64 = parts
    if not _valid_key_name(name) or not _HEX_KEY_ID.fullmatch(hex_id):
        return "bad-vkey: bad key name or key ID"
    key = _unb64(key_b64)
    if key is None or len(key) != 33 or key[:1] != _SIGNATURE_TYPE_ED25519:
        return "bad-vkey: the key is not base64 of 0x01 followed by a 32-byte Ed25519 public key"
    if _key_id(name, key[1:]) != bytes.fromhex(hex_id):
        return "bad-vkey: the key ID does not match the key name and public key"
    try:
        public_key = Ed25519PublicKey.from_public_bytes(key[1:])
    except ValueError:
        return "bad-vkey: not an Ed25519 public key"
    return _Verifier(name, bytes.fromhex(hex_id), public_key)


def sign_note(text: str, key_name: str, private_key: Ed25519PrivateKey) -> str:
    """Sign ``text`` as a c2sp.org/signed-note with one Ed25519 signature.

    Args:
        text: The note text, ending in a newline, without control characters other than newline.
        key_name: The signature's key name (no spaces, no ``+``).
        private_key: The signing key.

    Returns:
        ``text``, a blank line, and ``— <key name> <base64(key ID || signature)>`` with a final newline.

    Raises:
        ValueError: the text or the key name is not allowed in a note.
    """
    if not text.endswith("\n") or _has_control(text):
        raise ValueError("note text must end with a newline and contain no control characters but newlines")
    if not _valid_key_name(key_name):
        raise ValueError(f"key name {key_name!r} must be non-empty, without spaces or '+'")
    key_id = _key_id(key_name, _raw_public(private_key.public_key()))
    signature = private_key.sign(text.encode("utf-8"))
    return f"{text}\n{_SIGNATURE_PREFIX}{key_name} {_b64(key_id + signature)}\n"


@dataclass(frozen=True)
class NoteResult(ReasonVerdict):
    """Outcome of :func:`open_note`.

    Attributes:
        valid: True when a signature by the pinned key verifies.
        text: The signed text when valid, else None.
        reason: ``ok``, or ``<code>: <explanation>``.
    """

    valid: bool
    text: str | None
    reason: str


def open_note(note_text: str, vkey: str) -> NoteResult:
    """Parse a signed note and verify it against one pinned verifier key. Never raises.

    Signatures by other keys are ignored (c2sp.org/signed-note); a signature by the pinned key (same name and key
    ID) that fails rejects the whole note.

    Args:
        note_text: The note, as text.
        vkey: The trusted verifier key (see :func:`verifier_key`).

    Returns:
        A :class:`NoteResult`; its reason code is one of ``ok``, ``bad-vkey``, ``malformed-note``,
        ``bad-signature`` or ``no-trusted-signature``.
    """
    verifier = _parse_vkey(vkey)
    if isinstance(verifier, str):
        return NoteResult(False, None, verifier)
    if not isinstance(note_text, str):
        return NoteResult(False, None, "malformed-note: a note is text")
    if len(note_text) > MAX_NOTE_BYTES:  # cheap first check: a character is at least one byte
        return NoteResult(False, None, f"malformed-note: longer than {MAX_NOTE_BYTES} bytes")
    try:
        raw = note_text.encode("utf-8")
    except UnicodeEncodeError:
        return NoteResult(False, None, "malformed-note: not valid UTF-8")
    if len(raw) > MAX_NOTE_BYTES:
        return NoteResult(False, None, f"malformed-note: longer than {MAX_NOTE_BYTES} bytes")
    if _has_control(note_text):
        return NoteResult(False, None, "malformed-note: control characters other than newline")
    split = note_text.rfind("\n\n")
    if split < 0:
        return NoteResult(False, None, "malformed-note: no blank line before the signatures")
    text, block = note_text[: split + 1], note_text[split + 2 :]
    if not block.endswith("\n"):
        return NoteResult(False, None, "malformed-note: the signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        return NoteResult(False, None, f"malformed-note: more than {MAX_SIGNATURES} signatures")
    seen = []
    verified = False
    for line in lines:
        if not line.startswith(_SIGNATURE_PREFIX):
            return NoteResult(False, None, f"malformed-note: signature line {line[:40]!r} does not start with '— '")
        name, _, sig_b64 = line[len(_SIGNATURE_PREFIX) :].partition(" ")
        sig = _unb64(sig_b64)
        if not _valid_key_name(name) or sig is None or len(sig) < 5:
            return NoteResult(False, None, f"malformed-note: bad signature line {line[:40]!r}")
        key_id, signature = sig[:4], sig[4:]
        seen.append(f"{name}+{key_id.hex()}")
        if name != verifier.name or key_id != verifier.key_id:
            continue  # another key (a witness, a rotated key): ignored
        try:
            verifier.public_key.verify(signature, text.encode("utf-8"))
        except InvalidSignature:
            return NoteResult(False, None, f"bad-signature: the signature by {name}+{key_id.hex()} does not verify")
        verified = True
    if not verified:
        wanted = f"{verifier.name}+{verifier.key_id.hex()}"
        return NoteResult(False, None, f"no-trusted-signature: no signature by {wanted} (found {', '.join(seen)})")
    return NoteResult(True, text, "ok")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head, the body of a c2sp.org/tlog-checkpoint.

    Attributes:
        origin: The log's identity, e.g. ``pcf.example.cn/log``.
        size: Number of leaves.
        root: The 32-byte root hash of the first ``size`` leaves.
    """

    origin: str
    size: int
    root: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin or "\n" in self.origin or _has_control(self.origin):
            raise ValueError(f"checkpoint origin {self.origin!r} must be one non-empty line of text")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or not 0 <= self.size <= MAX_TREE_SIZE:
            raise ValueError(f"checkpoint size {self.size!r} must be an integer in [0, 2**63 - 1]")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise ValueError(f"checkpoint root {self.root!r} must be {HASH_SIZE} bytes")

    def body(self) -> str:
        """The note text: ``<origin>\\n<size>\\n<base64 root>\\n``."""
        return f"{self.origin}\n{self.size}\n{_b64(self.root)}\n"


@dataclass(frozen=True)
class CheckpointResult(ReasonVerdict):
    """Outcome of :func:`open_checkpoint`.

    Attributes:
        valid: True when the note verifies under the pinned key and its text is a checkpoint.
        checkpoint: The checkpoint when valid, else None.
        reason: ``ok``, or ``<code>: <explanation>`` (codes of :func:`open_note`, and ``malformed-checkpoint``).
    """

    valid: bool
    checkpoint: Checkpoint | None
    reason: str


def sign_checkpoint(checkpoint: Checkpoint, key_name: str, private_key: Ed25519PrivateKey) -> str:
    """The signed note of a checkpoint.

    Args:
        checkpoint: The tree head to sign.
        key_name: The signature's key name; c2sp.org/tlog-checkpoint says it should equal the origin.
        private_key: The log's Ed25519 key.

    Returns:
        The note text, ready to publish.

    Raises:
        ValueError: a key name with spaces or ``+``.
    """
    return sign_note(checkpoint.body(), key_name, private_key)


def _parse_checkpoint(text: str) -> Checkpoint | str:
    lines = text.split("\n")[:-1]  # the text ends with a newline
    if len(lines) < 3:
        return "malformed-checkpoint: expected origin, size and root lines"
    if len(lines) > 3:
        return "malformed-checkpoint: extension lines are not used by pcf-registry checkpoints"
    origin, size_text, root_text = lines
    if not origin:
        return "malformed-checkpoint: empty origin"
    if not _DECIMAL.fullmatch(size_text) or int(size_text) > MAX_TREE_SIZE:
        return f"malformed-checkpoint: size {size_text[:40]!r} is not a decimal without leading zeros"
    root = _unb64(root_text)
    if root is None or len(root) != HASH_SIZE:
        return f"malformed-checkpoint: root {root_text[:60]!r} is not canonical base64 of {HASH_SIZE} bytes"
    return Checkpoint(origin, int(size_text), root)


def open_checkpoint(note_text: str, vkey: str) -> CheckpointResult:
    """Verify a signed checkpoint against a pinned verifier key and parse it. Never raises.

    The text is parsed only after its signature verifies (c2sp.org/signed-note: unverified text is ignored).

    Args:
        note_text: The signed note.
        vkey: The trusted verifier key.

    Returns:
        A :class:`CheckpointResult`.
    """
    opened = open_note(note_text, vkey)
    if not opened.valid or opened.text is None:
        return CheckpointResult(False, None, opened.reason)
    parsed = _parse_checkpoint(opened.text)
    if isinstance(parsed, str):
        return CheckpointResult(False, None, parsed)
    return CheckpointResult(True, parsed, "ok")
