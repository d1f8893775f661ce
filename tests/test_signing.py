"""Keys, key ids, sealing at rest and the RFC 8785 signed statement (registry/signing.py)."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.errors import RegistryError, SealedKeyInvalid, SigningError
from registry.trust import signing

# RFC 8032 section 7.1, test 1.
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
SECRET = b"settings secret, 32 bytes long.."

CLAIM = {"label_id": "CD-PCF-2026-000123", "value": "18.9", "declared_unit": "1 台显示器", "version": 2, "gtin": None}


@pytest.fixture(scope="module")
def rfc_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(RFC8032_SECRET)


def test_public_raw_is_the_rfc8032_public_key(rfc_key: Ed25519PrivateKey) -> None:
    assert signing.public_raw(rfc_key) == RFC8032_PUBLIC


def test_key_id_is_the_first_8_bytes_of_sha256_in_hex() -> None:
    assert signing.key_id(RFC8032_PUBLIC) == hashlib.sha256(RFC8032_PUBLIC).digest()[:8].hex() == "21fe31dfa154a261"


def test_generated_keys_differ_and_have_16_hex_ids() -> None:
    a, b = signing.generate_key(), signing.generate_key()
    ids = {signing.key_id(signing.public_raw(k)) for k in (a, b)}
    assert len(ids) == 2
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)


def test_sealed_key_opens_with_the_right_secret(rfc_key: Ed25519PrivateKey) -> None:
    blob = signing.seal_private_key(rfc_key, SECRET)
    assert len(blob) == 4 + 1 + 16 + 12 + 32 + 16 == 81
    assert blob[:5] == b"PCFK\x01"
    assert RFC8032_SECRET not in blob
    opened = signing.open_private_key(blob, SECRET)
    assert signing.public_raw(opened) == RFC8032_PUBLIC
    assert signing.seal_private_key(rfc_key, SECRET) != blob  # fresh salt and nonce


def test_wrong_secret_is_a_clean_error(rfc_key: Ed25519PrivateKey) -> None:
    blob = signing.seal_private_key(rfc_key, SECRET)
    with pytest.raises(SealedKeyInvalid) as info:
        signing.open_private_key(blob, SECRET[:-1] + b"!")
    err = info.value
    assert isinstance(err, SigningError) and isinstance(err, RegistryError)
    assert err.code == "sealed-key-invalid" and err.field == "sealed_private_key"
    assert "wrong secret" in err.message
    assert err.__cause__ is None and err.__suppress_context__  # no cryptography traceback chained


@pytest.mark.parametrize("position", [0, 4, 5, 20, 21, 33, 80])  # magic, version, salt, nonce, ciphertext, tag
def test_any_changed_byte_of_a_sealed_key_fails_cleanly(rfc_key: Ed25519PrivateKey, position: int) -> None:
    blob = bytearray(signing.seal_private_key(rfc_key, SECRET))
    blob[position] ^= 0x01
    with pytest.raises(SealedKeyInvalid):
        signing.open_private_key(bytes(blob), SECRET)


@pytest.mark.parametrize("blob", [b"", b"PCFK", b"PCFK\x01" + b"\x00" * 10, b"PCFK\x02" + b"\x00" * 76, b"x" * 81])
def test_short_or_foreign_blobs_fail_cleanly(blob: bytes) -> None:
    with pytest.raises(SealedKeyInvalid):
        signing.open_private_key(blob, SECRET)


def test_short_secret_is_refused(rfc_key: Ed25519PrivateKey) -> None:
    with pytest.raises(SigningError) as info:
        signing.seal_private_key(rfc_key, b"short")
    assert info.value.field == "secret"


def test_claim_bytes_are_rfc8785_canonical_json() -> None:
    # Keys sorted by UTF-16 code units, no whitespace, UTF-8 kept (not \\u-escaped), null for None.
    expected = '{"declared_unit":"1 台显示器","gtin":null,"label_id":"CD-PCF-2026-000123","value":"18.9","version":2}'
    assert signing.claim_bytes(CLAIM) == expected.encode("utf-8")


def test_signature_over_the_canonical_json_verifies(rfc_key: Ed25519PrivateKey) -> None:
    sig = signing.sign_claim(CLAIM, rfc_key)
    assert len(sig) == 64
    assert rfc_key.public_key().verify(sig, signing.claim_bytes(CLAIM)) is None  # plain Ed25519 over the JSON
    assert signing.verify_claim(CLAIM, sig, RFC8032_PUBLIC)
    assert signing.verify_claim(dict(reversed(list(CLAIM.items()))), sig, RFC8032_PUBLIC)  # key order is irrelevant


@pytest.mark.parametrize("change", [
    {"value": "18.8"}, {"value": "18.90"}, {"version": 3}, {"gtin": ""}, {"declared_unit": "1 台显示器 "}, {"extra": 1},
])
def test_a_changed_claim_does_not_verify(rfc_key: Ed25519PrivateKey, change: dict[str, object]) -> None:
    sig = signing.sign_claim(CLAIM, rfc_key)
    assert not signing.verify_claim({**CLAIM, **change}, sig, RFC8032_PUBLIC)


def test_verify_claim_is_false_not_an_exception_for_bad_input(rfc_key: Ed25519PrivateKey) -> None:
    sig = signing.sign_claim(CLAIM, rfc_key)
    other = signing.public_raw(signing.generate_key())
    assert not signing.verify_claim(CLAIM, sig, other)
    assert not signing.verify_claim(CLAIM, sig[:-1], RFC8032_PUBLIC)
    assert not signing.verify_claim(CLAIM, sig, RFC8032_PUBLIC[:31])
    assert not signing.verify_claim({"value": float("nan")}, sig, RFC8032_PUBLIC)
    assert not signing.verify_claim({1: "x"}, sig, RFC8032_PUBLIC)  # type: ignore[dict-item]
