"""The offline label payload: claim map, COSE_Sign1, QR text, trust list and verifier (registry/payload.py)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import cbor2
import pytest
import qrcode
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qrcode.constants import ERROR_CORRECT_M

from registry.errors import InvalidClaim, InvalidTrustList, KeyMismatch, PayloadInvalid
from registry.trust import payload, signing
from registry.trust.payload import PayloadResult, TrustList, verify_payload

KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"test certifier key 1").digest())
KID = signing.key_id(signing.public_raw(KEY))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"test certifier key 2").digest())
CERTIFIER = "org_5e0c8a1f9b2d4c6e7a3f"
DAY0 = 20779 * 86400  # 2026-11-22: 56 years x 365 + 14 leap days (1972..2024) + 325 days into 2026 = 20779 days
ISSUED = DAY0 + 6 * 3600 + 15 * 60  # 06:15 UTC
URL = "https://label.pcf-registry.cn/l/CD-PCF-2026-000123#"  # 51 characters
GS1_URL = "https://label.pcf-registry.cn/01/06901234567892#"  # 48 characters


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# Full claims, as the registry signs them (RFC 8785 JSON): full hashes and the certifier id.
PV: dict[str, Any] = {
    "label_id": "CD-PCF-2026-000123", "version": 1, "product_id": "prd_3f2a9c0d1e4b5a6c7d8e",
    "gtin": "06901234567892", "value": "412", "unit": "kg CO2e",
    "declared_unit": "1 kWp", "boundary": "cradle-to-gate", "method": "GB/T 24067-2024 (ISO 14067:2018); IPCC AR6 GWP100",
    "factor_release": "2026.2", "factor_release_sha256": _sha("release 2026.2"), "input_sha256": _sha("pv.yaml"),
    "issued_at": ISSUED, "valid_from": "2026-11-22", "valid_until": "2029-11-21", "certifier_id": CERTIFIER,
    "key_id": KID,
}
MONITOR: dict[str, Any] = {**PV, "label_id": "CD-PCF-2026-004711", "product_id": "prd_0a1b2c3d4e5f60718293",
                           "gtin": "06901234567809", "value": "1180", "declared_unit": "1 monitor over 6 years of use",
                           "boundary": "cradle-to-grave", "input_sha256": _sha("monitor.yaml"),
                           "valid_until": "2028-11-21"}
COMPONENT: dict[str, Any] = {**PV, "label_id": "CD-PCF-2026-000042", "product_id": "prd_ffeeddccbbaa99887766",
                             "gtin": "06901234567816", "value": "18.90", "declared_unit": "1 m2",
                             "input_sha256": _sha("glass.yaml")}
# The longest declared unit the category rules produce: footprint/products/electronics.py writes
# f"1 {kind} over {lifetime_years:g} years of use", kinds of at most 7 letters, so "12.5" years is the longest
# plausible. Besides: a two-digit version, a 6-character value, a 2-digit release, and a valid_from that is not
# the UTC date of issued_at (06:15 UTC is 14:15 in Beijing; a day later), so it is carried.
WORST: dict[str, Any] = {**PV, "version": 12, "value": "1180.5",
                         "declared_unit": "1 desktop over 12.5 years of use", "boundary": "cradle-to-grave",
                         "factor_release": "2026.12", "valid_from": "2026-11-23", "valid_until": "2032-11-22"}
# Every field off the compact forms: free-text unit, method, label and product ids, no GTIN, a certifier id of
# no org_<hex> form (not carried anyway).
ODD: dict[str, Any] = {**PV, "label_id": "TEST-1", "product_id": "P-1", "certifier_id": "cqc", "gtin": None,
                       "unit": "kg CO2-eq", "method": "PAS 2050:2011", "value": "-0.50", "version": 0,
                       "valid_from": "1970-01-01", "valid_until": "9999-12-31"}
# The demo's certifier ids are not org_<hex>: the payload is the same bytes, since no certifier id is carried.
DEMO: dict[str, Any] = {**PV, "certifier_id": "demo_certifier"}
CLAIMS = {"pv": PV, "monitor": MONITOR, "component": COMPONENT, "worst": WORST, "odd": ODD, "demo": DEMO}


def compact(full: dict[str, Any]) -> dict[str, Any]:
    """What decode_text gives for a full claim: no certifier id, the hashes as their first 32 hex characters."""
    return {k: (v[:32] if k in payload.HASH_FIELDS else v) for k, v in full.items() if k != "certifier_id"}

REASONS = {"invalid-trust-list", "not-a-payload", "unsupported-version", "bad-character", "non-canonical-text",
           "too-long", "damaged-text", "malformed-cbor", "trailing-data", "wrong-structure", "unsupported-algorithm",
           "bad-header", "invalid-claim", "non-canonical-encoding", "unknown-key", "wrong-key-purpose", "key-revoked",
           "bad-signature", "key-not-yet-valid", "key-retired", "url-mismatch"}


def entry(key: Ed25519PrivateKey = KEY, status: str = "current", not_before: int = DAY0 - 365 * 86400,
          not_after: int | None = None, certifier_id: str = CERTIFIER, **extra: Any) -> dict[str, Any]:
    raw = signing.public_raw(key)
    return {"key_id": signing.key_id(raw), "certifier_id": certifier_id, "certifier_name": "中国质量认证中心 CQC",
            "public_key": base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), "not_before": not_before,
            "not_after": not_after, "status": status, **extra}


def trust_doc(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"format": "pcf-trust-list/1", "registry": "pcf-registry.cn", "issued_at": DAY0,
            "keys": list(entries) if entries else [entry()]}


TRUST = TrustList.from_json(trust_doc())


def check(text: str | bytes, trust: TrustList | dict[str, Any] = TRUST) -> PayloadResult:
    result = verify_payload(text, trust)
    assert result.valid == (result.reason == "ok")
    assert result.valid or (result.claim is None and result.reason in REASONS), result
    return result


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return {name: payload.encode_payload(claim, KEY) for name, claim in CLAIMS.items()}


# --- encoding and round trips ------------------------------------------------------------------------------

def test_integer_key_table() -> None:
    assert payload.CLAIM_KEYS == {
        "label_id": 1, "version": 2, "product_id": 3, "gtin": 4, "value": 5, "unit": 6, "declared_unit": 7,
        "boundary": 8, "method": 9, "factor_release": 10, "factor_release_sha256": 11, "input_sha256": 12,
        "issued_at": 13, "valid_from": 14, "valid_until": 15}
    assert (*payload.CLAIM_KEYS, "key_id") == payload.CLAIM_FIELDS


def test_claim_map_of_the_pv_claim_by_hand() -> None:
    assert payload.claim_map(PV) == {
        1: 2026_000123,  # CD-PCF-2026-000123: year and sequence as one integer
        2: 1, 3: bytes.fromhex("3f2a9c0d1e4b5a6c7d8e"), 4: 6901234567892, 5: "412", 6: 1, 7: "1 kWp", 8: 1, 9: 1,
        10: "2026.2",
        11: bytes.fromhex(PV["factor_release_sha256"])[:16], 12: bytes.fromhex(PV["input_sha256"])[:16],  # 128 bits
        13: ISSUED,
        # no 14: valid_from is 2026-11-22, the UTC date of issued_at (ISSUED // 86400 = 20779 days)
        15: 20779 + 3 * 365 + 1 - 1,  # 2029-11-21: three years later (2028 is leap), one day earlier
        # no certifier id: the key's trust-list entry names it
    }
    assert payload.claim_map(WORST)[14] == 20779 + 1  # 2026-11-23 is not the date of issued_at: carried


@pytest.mark.parametrize("name", CLAIMS)
def test_round_trip_gives_back_the_compact_claim(texts: dict[str, str], name: str) -> None:
    full = CLAIMS[name]
    decoded = payload.decode_text(texts[name])
    assert decoded.claim == compact(full)  # no certifier id without a trust list
    assert "certifier_id" not in decoded.claim and len(decoded.claim["input_sha256"]) == 32
    certifier = full["certifier_id"]
    result = check(texts[name], trust_doc(entry(certifier_id=certifier)))
    assert result.valid and result.claim == {**compact(full), "certifier_id": certifier}
    assert (result.key_id, result.certifier_id) == (KID, certifier)
    assert payload.matches_full_claim(result.claim, full)
    assert payload.encode_payload(decoded.claim, KEY) == texts[name]  # the compact claim encodes the same


def test_the_certifier_id_is_not_carried(texts: dict[str, str]) -> None:
    assert texts["demo"] == texts["pv"]  # "demo_certifier" and an org_<hex> id give the same bytes
    result = check(texts["demo"], trust_doc(entry(certifier_id="demo_certifier")))
    assert result.valid and result.claim is not None and result.claim["certifier_id"] == "demo_certifier"
    assert payload.matches_full_claim(result.claim, DEMO) and not payload.matches_full_claim(result.claim, PV)


def test_the_full_claim_keeps_its_json_signature(texts: dict[str, str]) -> None:
    json_signature = signing.sign_claim(WORST, KEY)  # what the registry stores beside the payload
    result = check(texts["worst"])
    assert result.valid and result.claim is not None
    assert payload.matches_full_claim(result.claim, WORST)
    assert signing.verify_claim(WORST, json_signature, signing.public_raw(KEY))
    assert not signing.verify_claim(result.claim, json_signature, signing.public_raw(KEY))  # the compact one differs


def _other(value: str | int) -> str | int:
    """A different value of the same type; a hash that differs in its first 32 hex characters."""
    if isinstance(value, int):
        return value + 1
    return ("1" if value[0] == "0" else "0") + value[1:] if len(value) == 64 else value + "x"


@pytest.mark.parametrize("name", [*payload.CLAIM_FIELDS, "certifier_id"])
def test_matches_full_claim_compares_every_field(texts: dict[str, str], name: str) -> None:
    decoded = check(texts["pv"]).claim
    assert decoded is not None and payload.matches_full_claim(decoded, PV)
    changed = {**PV, name: _other(PV[name])}
    assert not payload.matches_full_claim(decoded, changed), name
    assert not payload.matches_full_claim(decoded, {k: v for k, v in PV.items() if k != name}), name


def test_matches_full_claim_edge_cases(texts: dict[str, str]) -> None:
    verified, unverified = check(texts["pv"]).claim, payload.decode_text(texts["pv"]).claim
    assert verified is not None
    # Only the first 128 bits of a hash are carried: a full hash that differs after them still matches.
    later = {**PV, "input_sha256": PV["input_sha256"][:32] + "0" * 32}
    assert payload.matches_full_claim(verified, later)
    # The unverified claim has no certifier id: the full claim's is not compared (check the JSON signature).
    assert payload.matches_full_claim(unverified, {**PV, "certifier_id": "org_other"})
    assert not payload.matches_full_claim(verified, {**PV, "certifier_id": "org_other"})
    assert not payload.matches_full_claim({**verified, "version": True}, PV)  # True == 1, yet not the same
    assert not payload.matches_full_claim({**verified, "input_sha256": ""}, PV)  # an empty prefix matches nothing
    assert not payload.matches_full_claim({**verified, "input_sha256": PV["input_sha256"]}, PV)  # not a prefix
    assert not payload.matches_full_claim({k: v for k, v in verified.items() if k != "value"}, PV)
    assert not payload.matches_full_claim({}, PV)
    assert not payload.matches_full_claim(verified, None)  # type: ignore[arg-type]
    assert not payload.matches_full_claim(verified, {**PV, "input_sha256": None})


def test_text_and_cose_layout(texts: dict[str, str]) -> None:
    text = texts["pv"]
    assert text.startswith("PCF2.") and text[5:].isdigit()
    raw = int(text[5:]).to_bytes((int(text[5:]).bit_length() + 7) // 8, "big")
    cose = payload.text_to_cose(text)
    assert raw == b"\x01" + cose
    protected = bytes.fromhex("4d" "a2" "01" "27" "04" "48") + bytes.fromhex(KID)  # bstr(13) {1: -8, 4: h'kid'}
    assert cose[:2] == b"\xd2\x84"  # tag 18, array of 4
    assert cose[2:16] == protected and cose[16:17] == b"\xa0"  # then an empty unprotected map
    assert cose[-66:-64] == b"\x58\x40"  # bstr(64): the signature
    assert payload.encode_cose(PV, KEY) == cose  # Ed25519 is deterministic, so is the encoding


@given(
    label=st.text(max_size=30), version=st.integers(0, 2**64 - 1), product=st.text(max_size=30),
    gtin=st.none() | st.from_regex(r"[0-9]{14}", fullmatch=True),
    value=st.from_regex(r"-?(0|[1-9][0-9]{0,6})(\.[0-9]{1,4})?", fullmatch=True),
    unit=st.sampled_from(["kg CO2e", "g CO2e", "t CO2e", "kg CO2-eq", ""]), declared=st.text(max_size=40),
    method=st.sampled_from([*payload.METHODS.values(), "PAS 2050"]), issued=st.integers(0, 2**40),
    days=st.tuples(st.integers(0, 2_900_000), st.integers(0, 2_900_000)), same_day=st.booleans(),
    certifier=st.text(min_size=1, max_size=20),
)
@settings(max_examples=150, deadline=None)
def test_any_valid_claim_round_trips(label: str, version: int, product: str, gtin: str | None, value: str,
                                     unit: str, declared: str, method: str, issued: int, days: tuple[int, int],
                                     same_day: bool, certifier: str) -> None:
    from datetime import date, timedelta
    start, end = ((date(1970, 1, 1) + timedelta(days=d)).isoformat() for d in days)
    if same_day and issued < 2_900_000 * 86400:
        start = (date(1970, 1, 1) + timedelta(days=issued // 86400)).isoformat()
    claim = {**PV, "label_id": label, "version": version, "product_id": product, "gtin": gtin, "value": value,
             "unit": unit, "declared_unit": declared, "method": method, "issued_at": issued, "valid_from": start,
             "valid_until": end, "certifier_id": certifier}
    text = payload.encode_payload(claim, KEY)
    assert payload.decode_text(text).claim == compact(claim)
    result = check(text, trust_doc(entry(certifier_id=certifier, not_before=0)))
    assert result.valid and result.claim is not None and payload.matches_full_claim(result.claim, claim)


@pytest.mark.parametrize(("field", "bad"), [
    ("label_id", 5), ("version", -1), ("version", True), ("version", "1"), ("gtin", "6901234567892"),
    ("gtin", "0690123456789X"), ("gtin", 6901234567892), ("value", "18,9"), ("value", "1e3"),
    ("value", "01"), ("value", 18.9), ("value", "18."), ("unit", None), ("boundary", "gate-to-gate"),
    ("boundary", None), ("method", None), ("factor_release_sha256", _sha("x").upper()), ("input_sha256", "ab" * 31),
    ("input_sha256", "ab" * 20), ("input_sha256", "ab" * 15), ("factor_release_sha256", bytes(32)),
    ("issued_at", "2026-11-22"), ("issued_at", -5), ("valid_from", "2026-1-2"), ("valid_from", "20261122"),
    ("valid_until", "1969-12-31"), ("valid_until", None), ("valid_from", None), ("certifier_id", None),
    ("certifier_id", ""), ("key_id", KID.upper()),
])
def test_malformed_claims_are_refused_naming_the_field(field: str, bad: object) -> None:
    with pytest.raises(InvalidClaim) as info:
        payload.encode_payload({**PV, field: bad}, KEY)
    assert info.value.field == field and info.value.code == "invalid-claim"


def test_missing_and_unknown_fields_are_refused() -> None:
    with pytest.raises(InvalidClaim) as info:
        payload.encode_payload({k: v for k, v in PV.items() if k != "gtin"}, KEY)
    assert info.value.field == "gtin"
    with pytest.raises(InvalidClaim) as info:
        payload.encode_payload({**PV, "colour": "blue"}, KEY)
    assert info.value.field == "colour"
    with pytest.raises(InvalidClaim) as info:  # format 1 carried the model; format 2 has no such field
        payload.encode_payload({**PV, "model": "LR7-72HGD-620M"}, KEY)
    assert info.value.field == "model"
    no_certifier = {k: v for k, v in PV.items() if k != "certifier_id"}  # not carried, so not needed
    assert payload.encode_payload(no_certifier, KEY) == payload.encode_payload(PV, KEY)


def test_the_claim_must_name_the_signing_key() -> None:
    with pytest.raises(KeyMismatch) as info:
        payload.encode_payload(PV, OTHER_KEY)
    assert info.value.field == "key_id" and info.value.code == "key-mismatch"


# --- QR size --------------------------------------------------------------------------------------------------

def qr_version(text: str) -> int:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    qr.add_data(text, optimize=20)
    qr.make(fit=True)
    return int(qr.version)


# Measured with qrcode 8.2 (optimize=20), error correction M. Version 12 holds 290 data bytes (2,320 bits); behind
# the 51-character URL (4 + 16 + 51 x 8 = 428 bits in byte mode) at most 228 bytes of COSE fit as digits
# (1,830 bits / 3.32 bits per digit = 551 digits = 228 bytes); behind the 48-character GS1 URL 231.
# Framing, kid and signature take 85 bytes. The PV claim map is 103 bytes: label 6, version 2, product id 12,
# GTIN 10, value 5, unit, boundary and method 2 each, "1 kWp" 7, release 8, the two 16-byte hash prefixes 36,
# issued_at 6, valid_until 4 (valid_from is the date of issued_at: absent; no model, no certifier id).
# 85 + 103 = 188 bytes. Format 1 needed 254 (version 13) for the same label.
@pytest.mark.parametrize(("name", "cose_bytes", "bare", "behind_url", "behind_gs1"), [
    ("pv", 188, 10, 11, 11),
    ("monitor", 214, 11, 12, 12),  # + 25 for "1 monitor over 6 years of use" (2-byte text head) + 1 for "1180"
    ("component", 189, 10, 11, 11),  # "18.90" and "1 m2": + 2 - 1
    ("worst", 224, 11, 12, 12),  # 4 bytes below the 228 that fit behind the /l/ URL
    ("odd", 201, 10, 12, 12),
    ("demo", 188, 10, 11, 11),  # the same bytes as "pv"
])
def test_measured_qr_versions(texts: dict[str, str], name: str, cose_bytes: int, bare: int, behind_url: int,
                              behind_gs1: int) -> None:
    text = texts[name]
    assert len(payload.text_to_cose(text)) == cose_bytes
    assert (qr_version(text), qr_version(URL + text), qr_version(GS1_URL + text)) == (bare, behind_url, behind_gs1)


@pytest.mark.parametrize("name", ["pv", "monitor", "component", "worst", "demo"])
@pytest.mark.parametrize("url", [URL, GS1_URL])
def test_registry_claims_fit_version_12_at_m(texts: dict[str, str], name: str, url: str) -> None:
    assert qr_version(url + texts[name]) <= 12  # label/qr.py refuses more


@pytest.mark.parametrize(("char", "fits"), [("x", 41), ("台", 13)])
def test_room_for_the_declared_unit(char: str, fits: int) -> None:
    """The budget in the module docstring: a PV-like label with a GTIN and a 6-character value."""
    def version(n: int) -> int:
        text = payload.encode_payload({**PV, "value": "1180.5", "declared_unit": char * n}, KEY)
        return max(qr_version(URL + text), qr_version(GS1_URL + text))
    assert version(fits) == 12 and version(fits + 1) == 13


@pytest.mark.parametrize("gtin", [WORST["gtin"], None])
def test_label_qr_prints_the_worst_case(texts: dict[str, str], gtin: str | None) -> None:
    from label.qr import MAX_VERSION, make_qr, qr_content
    content = qr_content("https://label.pcf-registry.cn", WORST["label_id"], gtin=gtin, payload=texts["worst"])
    assert content.startswith(GS1_URL if gtin else URL)
    assert make_qr(content).version <= MAX_VERSION == 12  # make_qr raises QRTooLarge above


def test_decimal_text_is_smaller_than_base32(texts: dict[str, str]) -> None:
    cose = payload.text_to_cose(texts["worst"])
    as_base32 = "PCF2." + base64.b32encode(cose).decode().rstrip("=")
    assert qr_version(URL + texts["worst"]) < qr_version(URL + as_base32)


def test_payload_survives_a_real_qr_code(texts: dict[str, str]) -> None:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=4)
    qr.add_data(URL + texts["worst"], optimize=20)
    qr.make(fit=True)
    image = qr.make_image().get_image().convert("L")
    read = zxingcpp.read_barcodes(image)
    assert [b.text for b in read] == [URL + texts["worst"]]
    result = check(read[0].text)
    assert result.valid and result.claim == {**compact(WORST), "certifier_id": CERTIFIER}


# --- tolerated variations, URLs -----------------------------------------------------------------------------

@pytest.mark.parametrize("variant", [
    lambda t: t.lower(), lambda t: f"  {t}\n", lambda t: t[:40] + "\n" + t[40:90] + " " + t[90:],
    lambda t: t.encode(), lambda t: URL + t, lambda t: URL.upper() + t, lambda t: "pcf2." + t[5:],
])
def test_safe_variations_still_verify(texts: dict[str, str], variant: Callable[[str], str | bytes]) -> None:
    assert check(variant(texts["pv"])).valid


@pytest.mark.parametrize(("url", "name", "valid"), [
    (GS1_URL, "pv", True),
    ("https://label.pcf-registry.cn/l/CD-PCF-2026-000124#", "pv", False),
    ("https://label.pcf-registry.cn/01/06901234567893#", "pv", False),
    ("https://label.pcf-registry.cn/01/06901234567892#", "monitor", False),  # the monitor has no GTIN
    ("https://label.pcf-registry.cn/01/6901234567892#", "pv", True),  # GTIN-13 of the same product
])
def test_the_url_must_name_the_claims_label_or_gtin(texts: dict[str, str], url: str, name: str, valid: bool) -> None:
    result = check(url + texts[name])
    assert result.valid is valid
    assert valid or result.reason == "url-mismatch"


# --- trust list semantics -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("key_entry", "reason"), [
    (entry(), "ok"),
    (entry(not_before=ISSUED), "ok"),  # [not_before, ...: the first second counts
    (entry(status="retired", not_after=ISSUED + 1), "ok"),  # rotation keeps labels signed before it valid
    (entry(status="retired", not_after=ISSUED), "key-retired"),  # ..., not_after): the retirement second does not
    (entry(status="retired", not_after=ISSUED - 86400), "key-retired"),
    (entry(status="current", not_after=ISSUED - 1), "key-retired"),
    (entry(not_before=ISSUED + 1), "key-not-yet-valid"),
    (entry(status="retired", not_before=ISSUED, not_after=ISSUED), "key-retired"),  # empty window
    (entry(status="revoked", not_after=ISSUED + 86400), "key-revoked"),  # inside its window, yet revoked
    (entry(status="revoked"), "key-revoked"),
    (entry(OTHER_KEY), "unknown-key"),
    (entry(certifier_id="org_other"), "ok"),  # the key names the certifier: the payload carries none
    (entry(purpose="log"), "wrong-key-purpose"),
])
def test_key_status_and_window(texts: dict[str, str], key_entry: dict[str, Any], reason: str) -> None:
    result = check(texts["pv"], trust_doc(key_entry))
    assert result.reason == reason, result.detail
    assert result.key_id == KID


def test_another_keys_signature_is_a_bad_signature() -> None:
    cose = bytearray(payload.encode_cose({**PV, "key_id": signing.key_id(signing.public_raw(OTHER_KEY))}, OTHER_KEY))
    cose[8:16] = bytes.fromhex(KID)  # claim it was our key
    result = check(payload.cose_to_text(bytes(cose)))
    assert result.reason == "bad-signature"


def test_trust_list_json_round_trip_and_the_registry_log_key() -> None:
    doc = trust_doc(entry(), entry(OTHER_KEY, status="retired", not_after=DAY0, purpose="log", note="ignored"))
    trust = TrustList.from_json(doc)
    assert trust.key(KID) is not None and trust.key("0" * 16) is None
    assert TrustList.from_json(trust.to_json()) == trust
    assert trust.to_json()["keys"][0] == {**entry(), "purpose": "labels"}


@pytest.mark.parametrize(("change", "field"), [
    (lambda d: d.update(format="pcf-trust-list/2"), "format"),
    (lambda d: d.pop("registry"), "registry"),
    (lambda d: d.update(issued_at="today"), "issued_at"),
    (lambda d: d.update(keys={}), "keys"),
    (lambda d: d["keys"][0].update(key_id="0" * 16), "keys[0].key_id"),
    (lambda d: d["keys"][0].update(public_key="not base64!"), "keys[0].public_key"),
    (lambda d: d["keys"][0].update(public_key="AAAA"), "keys[0].public_key"),
    (lambda d: d["keys"][0].update(status="expired"), "keys[0].status"),
    (lambda d: d["keys"][0].update(status="retired"), "keys[0].not_after"),
    (lambda d: d["keys"][0].update(not_after=d["keys"][0]["not_before"] - 1), "keys[0].not_after"),
    (lambda d: d["keys"][0].update(not_before=None), "keys[0].not_before"),
    (lambda d: d["keys"][0].pop("certifier_name"), "keys[0].certifier_name"),
    (lambda d: d["keys"].append(entry()), "keys"),
])
def test_malformed_trust_lists(texts: dict[str, str], change: Callable[[dict[str, Any]], None], field: str) -> None:
    doc = trust_doc()
    change(doc)
    with pytest.raises(InvalidTrustList) as info:
        TrustList.from_json(doc)
    assert info.value.field == field
    assert check(texts["pv"], doc).reason == "invalid-trust-list"  # the verifier still does not raise


@pytest.mark.parametrize("doc", [None, [], "pcf-trust-list/1", {"format": "pcf-trust-list/1"}])
def test_a_trust_list_of_the_wrong_type_is_a_reason_not_an_exception(texts: dict[str, str], doc: Any) -> None:
    assert check(texts["pv"], doc).reason == "invalid-trust-list"


# --- malformed and tampered payloads ----------------------------------------------------------------------------

def test_every_bit_flip_of_the_cose_bytes_is_invalid(texts: dict[str, str]) -> None:
    cose = payload.text_to_cose(texts["worst"])
    seen = set()
    for i in range(len(cose) * 8):
        flipped = bytearray(cose)
        flipped[i // 8] ^= 0x80 >> (i % 8)
        result = check(payload.cose_to_text(bytes(flipped)))
        assert not result.valid, i
        seen.add(result.reason)
    assert {"bad-signature", "malformed-cbor", "wrong-structure", "invalid-claim", "non-canonical-encoding",
            "unknown-key", "bad-header", "unsupported-algorithm"} <= seen


def test_single_character_substitutions_are_invalid(texts: dict[str, str]) -> None:
    text = texts["worst"]
    positions = [*range(0, 6), *range(6, len(text), 7), len(text) - 1]
    for pos in positions:
        for ch in "0123456789AZ.:#/":
            if ch.upper() == text[pos].upper():
                continue
            result = check(text[:pos] + ch + text[pos + 1:])
            assert not result.valid, (pos, ch)


def test_truncation_at_every_length_is_invalid(texts: dict[str, str]) -> None:
    text = texts["worst"]
    for n in range(len(text)):
        assert not check(text[:n]).valid, n
        assert not check(URL + text[:n]).valid, n
    cose = payload.text_to_cose(text)
    for n in range(len(cose)):
        assert not check(payload.cose_to_text(cose[:n])).valid, n


def test_appended_digits_or_bytes_are_invalid(texts: dict[str, str]) -> None:
    assert not check(texts["pv"] + "7").valid
    result = check(payload.cose_to_text(payload.text_to_cose(texts["pv"]) + b"\x00"))
    assert result.reason == "trailing-data"


@pytest.mark.parametrize(("text", "reason"), [
    ("", "not-a-payload"), ("HC1:6BFOXN", "not-a-payload"), ("PCF", "not-a-payload"),
    ("PCF1.123", "unsupported-version"), ("PCF3.123", "unsupported-version"),  # format 1 was never published
    ("PCF2.12a3", "bad-character"), ("PCF2.１２３", "bad-character"), ("PCF2.²", "bad-character"),
    ("PCF2.0123", "non-canonical-text"), ("PCF2.", "damaged-text"), ("PCF2.2", "damaged-text"),
    ("PCF2." + "9" * 4001, "too-long"),
])
def test_malformed_texts(text: str, reason: str) -> None:
    assert check(text).reason == reason


def test_wrong_sentinel_is_damaged_text(texts: dict[str, str]) -> None:
    cose = payload.text_to_cose(texts["pv"])
    assert check("PCF2." + str(int.from_bytes(b"\x02" + cose, "big"))).reason == "damaged-text"


def _map_header(entries: list[tuple[Any, Any]]) -> bytes:
    """The head of a CBOR map of ``entries``, so that its entries can be written in any order and form."""
    return bytes([0xA0 + len(entries)]) if len(entries) < 24 else bytes([0xB8, len(entries)])


def build(claim_map: dict[int, Any] | None = None, *, payload_bytes: bytes | None = None,
          protected: bytes | None = None, unprotected: bytes = b"\xa0", tag: bytes = b"\xd2",
          signature: bytes | None = None) -> str:
    """A correctly signed COSE_Sign1 text made of the given raw parts (defaults: the PV claim, our header)."""
    body = payload_bytes if payload_bytes is not None else cbor2.dumps(
        payload.claim_map(PV) if claim_map is None else claim_map, canonical=True)
    prot = protected if protected is not None else cbor2.dumps({1: -8, 4: bytes.fromhex(KID)}, canonical=True)
    sig = signature if signature is not None else KEY.sign(cbor2.dumps(["Signature1", prot, b"", body]))
    return payload.cose_to_text(tag + b"\x84" + cbor2.dumps(prot) + unprotected + cbor2.dumps(body) + cbor2.dumps(sig))


def _canonical_entries(m: dict[int, Any]) -> bytes:
    return b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in sorted(m.items()))


PV_MAP = payload.claim_map(PV)
KID_BYTES = bytes.fromhex(KID)


@pytest.mark.parametrize(("make", "reason"), [
    (lambda: build(), "ok"),
    (lambda: build(tag=b""), "wrong-structure"),  # untagged
    (lambda: build(tag=b"\xd1"), "wrong-structure"),  # tag 17, COSE_Mac0
    (lambda: build(protected=cbor2.dumps({1: -7, 4: KID_BYTES}, canonical=True)), "unsupported-algorithm"),
    (lambda: build(protected=cbor2.dumps({4: KID_BYTES})), "unsupported-algorithm"),
    (lambda: build(protected=cbor2.dumps({1: -8}), unprotected=cbor2.dumps({4: KID_BYTES})), "bad-header"),
    (lambda: build(protected=cbor2.dumps({1: -8, 3: 0, 4: KID_BYTES}, canonical=True)), "bad-header"),
    (lambda: build(protected=cbor2.dumps({1: -8, 4: KID_BYTES[:7]}, canonical=True)), "bad-header"),
    (lambda: build(protected=cbor2.dumps([1, -8])), "bad-header"),
    (lambda: build(protected=b"\xff"), "malformed-cbor"),
    (lambda: build(protected=b"\xa2\x01\x27\x04\x58\x08" + KID_BYTES), "non-canonical-encoding"),  # bstr length in 2 bytes
    (lambda: build(protected=b"\xa2\x04\x48" + KID_BYTES + b"\x01\x27"), "non-canonical-encoding"),  # keys out of order
    (lambda: build(signature=b"\x00" * 63), "wrong-structure"),
    (lambda: build(payload_bytes=cbor2.dumps(list(PV_MAP.items()))), "invalid-claim"),
    (lambda: build({**PV_MAP, 99: 1}), "invalid-claim"),
    (lambda: build({k: v for k, v in PV_MAP.items() if k != 5}), "invalid-claim"),  # no value
    (lambda: build({k: v for k, v in PV_MAP.items() if k != 13}), "invalid-claim"),  # no issued_at
    (lambda: build({**PV_MAP, 4: "06901234567892"}), "invalid-claim"),
    (lambda: build({**PV_MAP, 4: 10**14}), "invalid-claim"),
    (lambda: build({**PV_MAP, 8: 3}), "invalid-claim"),  # boundary code 3
    (lambda: build({**PV_MAP, 11: b"\x00" * 15}), "invalid-claim"),
    (lambda: build({**PV_MAP, 12: bytes.fromhex(PV["input_sha256"])}), "invalid-claim"),  # a whole SHA-256
    (lambda: build({**PV_MAP, 15: 2_932_897}), "invalid-claim"),  # 10000-01-01
    (lambda: build({**PV_MAP, 5: "1e3"}), "invalid-claim"),
    (lambda: build({**PV_MAP, 2: True}), "invalid-claim"),
    (lambda: build({**PV_MAP, 16: 1}), "invalid-claim"),  # no key 16
    (lambda: build({**PV_MAP, 17: bytes.fromhex("5e0c8a1f9b2d4c6e7a3f")}), "invalid-claim"),  # format 1's certifier
    (lambda: build({**PV_MAP, 13: 2**63}), "invalid-claim"),  # no valid_from, and no date to restore it from
    (lambda: build({**PV_MAP, 14: 20779}), "non-canonical-encoding"),  # the date of issued_at: must be absent
    (lambda: build({**PV_MAP, 14: 20778}), "ok"),  # another date is carried
    (lambda: build({**PV_MAP, 6: "kg CO2e"}), "non-canonical-encoding"),  # must be code 1
    (lambda: build({**PV_MAP, 1: "CD-PCF-2026-000123"}), "non-canonical-encoding"),  # must be the number
    (lambda: build({**PV_MAP, 3: "prd_3f2a9c0d1e4b5a6c7d8e"}), "non-canonical-encoding"),  # must be bytes
    (lambda: build({**PV_MAP, 4: None}), "invalid-claim"),  # None is an absent key, not null
    (lambda: build(payload_bytes=_map_header(list(PV_MAP.items())) + _canonical_entries(PV_MAP)), "ok"),
    (lambda: build(payload_bytes=b"\xbf" + _canonical_entries(PV_MAP) + b"\xff"), "non-canonical-encoding"),
    (lambda: build(payload_bytes=_map_header(list(PV_MAP.items())) + b"".join(
        cbor2.dumps(k) + cbor2.dumps(v) for k, v in sorted(PV_MAP.items(), reverse=True))), "non-canonical-encoding"),
    (lambda: build(payload_bytes=_map_header(list(PV_MAP.items())) + _canonical_entries(PV_MAP).replace(
        b"\x02\x01\x03", b"\x02\x18\x01\x03", 1)), "non-canonical-encoding"),  # version 1 written in two bytes
    (lambda: build(payload_bytes=cbor2.dumps(PV_MAP, canonical=True) + b"\x00"), "trailing-data"),
])
def test_structure_errors_have_specific_reasons(make: Callable[[], str], reason: str) -> None:
    result = check(make())
    assert result.reason == reason, result.detail


def test_decode_text_raises_payload_invalid_with_the_reason() -> None:
    with pytest.raises(PayloadInvalid) as info:
        payload.decode_text("PCF2.0")
    assert info.value.reason == "non-canonical-text" and info.value.code == "invalid-payload"


# --- nothing raises -----------------------------------------------------------------------------------------------

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text())
def test_random_text_never_raises(text: str) -> None:
    assert not check(text).valid
    assert not check(URL + text).valid


@FUZZ
@given(st.binary())
def test_random_bytes_never_raise(data: bytes) -> None:
    assert not check(data).valid
    assert not check(payload.cose_to_text(data)).valid


@FUZZ
@given(st.from_regex(r"(?i:PCF2\.)[0-9 ]{0,700}", fullmatch=True))
def test_random_digits_never_raise(text: str) -> None:
    assert not check(text).valid


_CBOR = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**64), 2**64) | st.binary(max_size=40) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.integers(-3, 20) | st.text(max_size=3), inner,
                                                                max_size=5),
    max_leaves=30,
)


@FUZZ
@given(st.tuples(_CBOR, _CBOR, _CBOR, _CBOR), st.booleans())
def test_random_cose_like_structures_never_raise(items: tuple[Any, Any, Any, Any], encode_parts: bool) -> None:
    parts = [cbor2.dumps(x) if encode_parts and i in (0, 2) else x for i, x in enumerate(items)]
    assert not check(payload.cose_to_text(cbor2.dumps(cbor2.CBORTag(18, parts)))).valid


@FUZZ
@given(st.dictionaries(st.integers(0, 20), _CBOR, max_size=20))
def test_random_claim_maps_never_raise(claim_map: dict[int, Any]) -> None:
    signed = {**PV_MAP, **claim_map}
    result = check(build(signed))
    if result.claim is not None:
        assert payload.claim_map(result.claim) == signed  # valid only as its one encoding


def test_every_reason_is_documented() -> None:
    assert payload.__doc__ is not None
    for reason in REASONS:
        assert f"``{reason}``" in payload.__doc__
