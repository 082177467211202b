"""Open Badges 3.0 credential code: official test vector, demo credential, build/sign/verify."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import json
import socket
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.certificates import credential as cred
from app.certificates.credential import CredentialError

HERE = Path(__file__).resolve()
LOCAL_OB3 = HERE.parents[1] / "fixtures" / "ob3"
SHARED_OB3 = HERE.parents[2].parent / "shared" / "data" / "ob3"

# The official test vector's key pair is PUBLISHED in the OB 3.0 spec; test use only.
TV_SEED = bytes.fromhex("6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4")
TV_PUBLIC = bytes.fromhex("4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5")
TV_MULTIKEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
ISSUER_ID = "https://academy.example.org/issuers/1"
VM = ISSUER_ID + "#key-2026"


def _test_vector_file(name: str) -> Path:
    for folder in (LOCAL_OB3, SHARED_OB3):
        if (folder / name).is_file():
            return folder / name
    pytest.skip(f"OB3 test vector file {name} not found in {LOCAL_OB3} or {SHARED_OB3}")


def _shared_file(name: str) -> Path:
    path = SHARED_OB3 / name
    if not path.is_file():
        pytest.skip(f"shared OB3 reference data missing: {path} (../shared/data/ob3 not present)")
    return path


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _tv_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(TV_SEED)


def _resolver_for(vm: str, private_key: Ed25519PrivateKey):
    public_key = private_key.public_key()
    return lambda method: public_key if method == vm else None


def _build(**overrides) -> dict:
    kwargs = {
        "credential_id": "https://academy.example.org/credentials/5f0c9c1e-3d8a-4b8e-9a59-2d1f0e7c1a11",
        "issuer": {
            "id": ISSUER_ID,
            "name": "Dry Needling Academy",
            "url": "https://academy.example.org",
            "email": "registrar@academy.example.org",
        },
        "achievement": {
            "id": "https://academy.example.org/achievements/dn-level-1",
            "name": "Dry Needling Level 1: Upper Quarter",
            "description": "27 contact hours of theory and supervised practice.",
            "criteria": "Pass every module and the final exam (>= 80%).",
            "ce_hours": 27,
            "human_code": "DN-1",
        },
        "learner": {
            "name": "Zoë Ångström-Nguyễn",
            "email": "Zoe@Example.org",
            "licence_number": "PT-123456",
        },
        "valid_from": datetime(2026, 1, 10, tzinfo=UTC),
        "valid_until": datetime(2028, 1, 10, tzinfo=UTC),
        "status_list_credential_url": "https://academy.example.org/status/1",
        "status_index": 94567,
        "activity_start": datetime(2025, 12, 1, 8, tzinfo=UTC),
        "activity_end": datetime(2026, 1, 9, 17, tzinfo=UTC),
        "result_value": "92",
        "email_salt": "0123456789abcdef",
    }
    kwargs.update(overrides)
    return cred.build_credential(**kwargs)


@cache
def _fixed_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"credential-tests").digest())


@cache
def _signed_fixture_json() -> str:
    signed = cred.sign_credential(_build(), _fixed_key(), VM, datetime(2026, 1, 10, tzinfo=UTC))
    return json.dumps(signed)


def _signed() -> dict:
    return json.loads(_signed_fixture_json())


# --------------------------------------------------------------------- official test vector


def test_vector_document_canonical_nquads():
    tv = _json(_test_vector_file("testvector_signed_credential.json"))
    unsecured = {k: v for k, v in tv.items() if k != "proof"}
    expected = _test_vector_file("tv_document-canon.nq").read_text(encoding="utf-8")
    canon = cred.canonicalize(unsecured)
    assert canon == expected
    assert hashlib.sha256(canon.encode()).hexdigest().startswith("87f65a76")


def test_vector_proof_config_canonical_nquads():
    tv = _json(_test_vector_file("testvector_signed_credential.json"))
    config = {k: v for k, v in tv["proof"].items() if k != "proofValue"}
    config["@context"] = tv["@context"]
    expected = _test_vector_file("tv_proof-canon.nq").read_text(encoding="utf-8")
    canon = cred.canonicalize(config)
    assert canon == expected
    assert hashlib.sha256(canon.encode()).hexdigest().startswith("d34009ce")


def test_vector_signing_with_published_seed_reproduces_proof_value():
    tv = _json(_test_vector_file("testvector_signed_credential.json"))
    key = _tv_key()
    assert cred.encode_multikey(key.public_key()) == TV_MULTIKEY
    assert cred.decode_multikey(TV_MULTIKEY).public_bytes_raw() == TV_PUBLIC
    unsecured = {k: v for k, v in tv.items() if k != "proof"}
    proof = tv["proof"]
    signed = cred.sign_credential(
        unsecured, key, proof["verificationMethod"], cred.parse_datetime(proof["created"])
    )
    assert isinstance(signed["proof"], list) and len(signed["proof"]) == 1
    assert signed["proof"][0] == proof  # every proof field, proofValue included
    assert "proof" not in unsecured  # input not mutated


def test_vector_verifies_with_proof_object():
    tv = _json(_test_vector_file("testvector_signed_credential.json"))
    assert isinstance(tv["proof"], dict)
    result = cred.verify_credential(
        tv, _resolver_for(tv["proof"]["verificationMethod"], _tv_key()), NOW
    )
    assert result.ok, result.summary()


# --------------------------------------------------------------------- shared reference data


def test_demo_credential_verifies_with_controller_key():
    demo = _json(_shared_file("demo_dryneedling_signed_eddsa-rdfc-2022.json"))
    controller = _json(_shared_file("demo_controller.json"))
    resolver = cred.key_resolver_from_controller(controller)
    result = cred.verify_credential(demo, resolver, datetime(2026, 1, 1, tzinfo=UTC))
    assert result.ok, result.summary()
    assert [c.name for c in result.checks] == [
        "jsonld",
        "signature",
        "schema",
        "validFrom",
        "validUntil",
    ]
    assert result.verification_method == "https://academy.example.org/issuers/1#key-2025"

    demo["credentialSubject"]["creditsEarned"] = 28.0
    tampered = cred.verify_credential(demo, resolver, datetime(2026, 1, 1, tzinfo=UTC))
    assert not tampered.ok
    assert not tampered.check("signature").passed


def test_demo_credential_expires():
    demo = _json(_shared_file("demo_dryneedling_signed_eddsa-rdfc-2022.json"))
    resolver = cred.key_resolver_from_controller(_json(_shared_file("demo_controller.json")))
    result = cred.verify_credential(demo, resolver, datetime(2027, 3, 4, tzinfo=UTC))
    assert not result.ok and result.expired
    assert result.check("signature").passed


def test_validator_simple_fixture_verifies():
    doc = _json(_shared_file("validator-fixtures/simple.json"))
    vm = doc["proof"][0]["verificationMethod"]
    result = cred.verify_credential(doc, _resolver_for(vm, _tv_key()), NOW)
    assert result.ok, result.summary()


def test_validator_expired_fixture_reports_expired():
    doc = _json(_shared_file("validator-fixtures/simple-err-expired.json"))
    vm = doc["proof"][0]["verificationMethod"]
    result = cred.verify_credential(doc, _resolver_for(vm, _tv_key()), NOW)
    assert not result.ok
    assert result.expired
    assert result.check("signature").passed
    assert result.check("validUntil").message.startswith("expired")


def test_validator_status_list_has_index_23_set():
    status_list = _json(_shared_file("validator-fixtures/bit-string-list_testlist"))
    revoked_name = "validator-fixtures/bit-string-list_credential-status-revoked.json"
    revoked = _json(_shared_file(revoked_name))
    index = int(revoked["credentialStatus"]["statusListIndex"])
    assert index == 23
    bits = cred.decode_status_list(status_list["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= cred.STATUS_LIST_MIN_BITS
    assert cred.is_bit_set(bits, 23)
    assert [i for i in range(len(bits) * 8) if cred.is_bit_set(bits, i)] == [23]
    vm = status_list["proof"][0]["verificationMethod"]
    result = cred.verify_credential(status_list, _resolver_for(vm, _tv_key()), NOW)
    assert result.ok, result.summary()


# --------------------------------------------------------------------- our credentials


def test_built_credential_shape_and_schema():
    doc = _build()
    assert doc["@context"] == [
        cred.CREDENTIALS_V2_CONTEXT,
        cred.OB_CONTEXT,
        cred.OB_EXTENSIONS_CONTEXT,
    ]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["validFrom"] == "2026-01-10T00:00:00Z"
    assert doc["validUntil"] == "2028-01-10T00:00:00Z"
    subject = doc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["name"] == "Zoë Ångström-Nguyễn"
    assert subject["licenseNumber"] == "PT-123456"
    assert subject["creditsEarned"] == 27.0
    assert subject["achievement"]["creditsAvailable"] == 27.0
    assert subject["achievement"]["criteria"] == {
        "narrative": "Pass every module and the final exam (>= 80%)."
    }
    email_id = subject["identifier"][0]
    expected = hashlib.sha256(b"zoe@example.org0123456789abcdef").hexdigest()
    assert email_id == {
        "type": "IdentityObject",
        "identityHash": "sha256$" + expected,
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "0123456789abcdef",
    }
    assert "zoe@example.org" not in json.dumps(doc).lower()
    assert doc["credentialStatus"] == {
        "id": "https://academy.example.org/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://academy.example.org/status/1",
    }
    cred.validate_schema(doc)
    cred.check_no_dropped_terms(doc)


def test_random_salt_by_default():
    a = _build(email_salt=None)["credentialSubject"]["identifier"][0]
    b = _build(email_salt=None)["credentialSubject"]["identifier"][0]
    assert a["salt"] != b["salt"] and len(a["salt"]) >= 16
    assert a["identityHash"] == cred.hash_identity("zoe@example.org", a["salt"])


def test_build_sign_verify_with_fresh_key():
    key = Ed25519PrivateKey.generate()
    signed = cred.sign_credential(_build(), key, VM, datetime(2026, 1, 10, 9, 30, tzinfo=UTC))
    proof = signed["proof"]
    assert isinstance(proof, list) and len(proof) == 1
    assert proof[0]["type"] == "DataIntegrityProof"
    assert proof[0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof[0]["proofPurpose"] == "assertionMethod"
    assert proof[0]["created"] == "2026-01-10T09:30:00Z"
    assert proof[0]["proofValue"].startswith("z")
    cred.validate_schema(signed)
    result = cred.verify_credential(signed, _resolver_for(VM, key), NOW)
    assert result.ok, result.summary()
    # a JSON round trip (what the PDF attachment / API hands out) still verifies
    again = cred.verify_credential(json.loads(json.dumps(signed)), _resolver_for(VM, key), NOW)
    assert again.ok


def test_did_key_verification_method():
    key = Ed25519PrivateKey.generate()
    vm = cred.did_key_verification_method(key.public_key())
    assert vm.startswith("did:key:z6Mk")
    doc = _build(issuer={"id": vm.partition("#")[0], "name": "Dry Needling Academy"})
    signed = cred.sign_credential(doc, key, vm, NOW)
    assert cred.verify_credential(signed, cred.resolve_did_key, NOW).ok
    assert cred.resolve_did_key("https://example.org/#key") is None


def _leaf_paths(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaf_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaf_paths(value, (*path, index))
    else:
        yield path


def _mutated(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    return value + "x"


LEAF_PATHS = list(_leaf_paths(_signed()))


def test_leaf_paths_cover_nested_fields():
    flat = {"/".join(map(str, p)) for p in LEAF_PATHS}
    assert "credentialSubject/achievement/criteria/narrative" in flat
    assert "credentialSubject/identifier/0/identityHash" in flat
    assert "proof/0/proofValue" in flat
    assert "@context/2" in flat
    assert len(LEAF_PATHS) > 40


@pytest.mark.parametrize("path", LEAF_PATHS, ids=lambda p: "/".join(map(str, p)))
def test_changing_any_field_breaks_verification(path):
    doc = _signed()
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = _mutated(parent[path[-1]])
    result = cred.verify_credential(doc, _resolver_for(VM, _fixed_key()), NOW)
    assert not result.ok
    assert not result.check("signature").passed, result.summary()


@pytest.mark.parametrize(
    "path",
    [p for p in LEAF_PATHS if isinstance(p[-1], str) and p[0] != "proof"],
    ids=lambda p: "/".join(map(str, p)),
)
def test_removing_any_field_breaks_verification(path):
    doc = _signed()
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]
    result = cred.verify_credential(doc, _resolver_for(VM, _fixed_key()), NOW)
    assert not result.check("signature").passed, result.summary()


def test_unmodified_fixture_verifies():
    result = cred.verify_credential(_signed(), _resolver_for(VM, _fixed_key()), NOW)
    assert result.ok, result.summary()


def test_added_undefined_term_after_signing_fails_verification():
    doc = _signed()
    doc["credentialSubject"]["favouriteColour"] = "red"
    result = cred.verify_credential(doc, _resolver_for(VM, _fixed_key()), NOW)
    assert not result.ok
    assert not result.check("jsonld").passed
    assert "favouriteColour" in result.check("jsonld").message


def test_wrong_key_unknown_method_and_foreign_controller():
    doc = _signed()
    other = Ed25519PrivateKey.generate()
    assert not cred.verify_credential(doc, _resolver_for(VM, other), NOW).ok
    unresolved = cred.verify_credential(doc, lambda vm: None, NOW)
    assert "could not be resolved" in unresolved.check("signature").message
    # a key that is not the issuer's own cannot sign for the issuer
    forged = cred.sign_credential(
        _build(), other, "https://evil.example/keys#1", datetime(2026, 1, 10, tzinfo=UTC)
    )
    result = cred.verify_credential(forged, lambda vm: other.public_key(), NOW)
    assert not result.ok
    assert "not controlled by the issuer" in result.check("signature").message


# --------------------------------------------------------------------- dropped terms, loader


def test_undefined_term_raises_before_signing():
    doc = _build()
    doc["credentialSubject"]["favouriteColour"] = "red"
    with pytest.raises(CredentialError, match="favouriteColour"):
        cred.check_no_dropped_terms(doc)
    with pytest.raises(CredentialError, match="favouriteColour"):
        cred.sign_credential(doc, _fixed_key(), VM, NOW)


def test_undefined_type_raises():
    doc = _build()
    doc["credentialSubject"]["achievement"]["type"] = ["Achievement", "FancyBadge"]
    with pytest.raises(CredentialError, match="FancyBadge"):
        cred.check_no_dropped_terms(doc)
    doc = _build()
    doc["credentialSubject"]["achievement"]["id"] = "achievements/dn-level-1"
    with pytest.raises(CredentialError, match="relative"):
        cred.check_no_dropped_terms(doc)


def test_extension_type_needs_extensions_context():
    doc = _build()
    doc["@context"] = doc["@context"][:2]
    with pytest.raises(CredentialError, match="1EdTechJsonSchemaValidator2019"):
        cred.check_no_dropped_terms(doc)


def test_loader_refuses_unknown_urls():
    with pytest.raises(CredentialError, match="not one of the pinned"):
        cred.document_loader("https://www.w3.org/2018/credentials/v1")
    with pytest.raises(CredentialError, match="not one of the pinned"):
        cred.document_loader("https://www.w3.org/ns/credentials/v2/")
    doc = _build()
    doc["@context"].append("https://evil.example/context.json")
    with pytest.raises(CredentialError, match=r"evil\.example"):
        cred.check_no_dropped_terms(doc)
    with pytest.raises(CredentialError, match=r"evil\.example"):
        cred.canonicalize(doc)
    loaded = cred.document_loader(cred.OB_CONTEXT)
    assert loaded["documentUrl"] == cred.OB_CONTEXT and "@context" in loaded["document"]


def test_no_network_access(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    key = Ed25519PrivateKey.generate()
    signed = cred.sign_credential(_build(), key, VM, NOW)
    assert cred.verify_credential(signed, _resolver_for(VM, key), NOW).ok


def test_schema_violation_is_reported():
    doc = _build()
    del doc["credentialSubject"]["achievement"]["criteria"]
    with pytest.raises(CredentialError, match="criteria"):
        cred.validate_schema(doc)
    doc = _build()
    doc["validFrom"] = "2026-01-10"
    with pytest.raises(CredentialError, match="validFrom"):
        cred.validate_schema(doc)


def test_build_rejects_unknown_fields_and_bad_values():
    with pytest.raises(CredentialError, match="favourite"):
        _build(learner={"name": "A", "email": "a@example.org", "favourite": "x"})
    with pytest.raises(CredentialError, match="CE hours"):
        _build(
            achievement={
                "id": "https://academy.example.org/a/1",
                "name": "A",
                "description": "B",
                "criteria": "C",
                "ce_hours": -1,
            }
        )
    with pytest.raises(CredentialError, match="valid_until"):
        _build(valid_until=datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(CredentialError, match="timezone"):
        _build(valid_from=datetime(2026, 1, 1))


def test_sign_refuses_already_signed():
    with pytest.raises(CredentialError, match="already has a proof"):
        cred.sign_credential(_signed(), _fixed_key(), VM, NOW)


# --------------------------------------------------------------------- dates


def test_expired_credential_reports_expired():
    key = Ed25519PrivateKey.generate()
    doc = _build(
        valid_from=NOW - timedelta(days=800),
        valid_until=NOW - timedelta(days=70),
    )
    signed = cred.sign_credential(doc, key, VM, NOW - timedelta(days=800))
    result = cred.verify_credential(signed, _resolver_for(VM, key), NOW)
    assert not result.ok
    assert result.expired
    assert result.check("signature").passed
    assert result.check("validUntil").message == f"expired on {doc['validUntil']}"
    assert [c.name for c in result.failures] == ["validUntil"]


def test_not_yet_valid_credential():
    key = Ed25519PrivateKey.generate()
    doc = _build(valid_from=NOW + timedelta(days=1), valid_until=NOW + timedelta(days=700))
    signed = cred.sign_credential(doc, key, VM, NOW)
    result = cred.verify_credential(signed, _resolver_for(VM, key), NOW)
    assert not result.ok and not result.expired
    assert not result.check("validFrom").passed


def test_verify_requires_aware_now():
    with pytest.raises(ValueError, match="timezone-aware"):
        cred.verify_credential(_signed(), lambda vm: None, datetime(2026, 1, 1))


# --------------------------------------------------------------------- status lists and keys


def test_status_list_round_trip():
    indices = {0, 7, 8, 23, 94567, cred.STATUS_LIST_MIN_BITS - 1}
    bits = cred.make_status_bitstring(indices)
    assert len(bits) == 16 * 1024
    encoded = cred.encode_status_list(bits)
    assert encoded.startswith("u") and "=" not in encoded
    decoded = cred.decode_status_list(encoded)
    assert decoded == bits
    assert {i for i in range(len(decoded) * 8) if cred.is_bit_set(decoded, i)} == indices
    assert bits[0] == 0b1000_0001  # index 0 is the most significant bit
    with pytest.raises(CredentialError):
        cred.is_bit_set(decoded, cred.STATUS_LIST_MIN_BITS)
    with pytest.raises(CredentialError, match="at least"):
        cred.make_status_bitstring([], length=1024)


def test_status_list_decode_rejects_garbage_and_bombs():
    with pytest.raises(CredentialError):
        cred.decode_status_list("u!!!!")
    with pytest.raises(CredentialError):
        cred.decode_status_list("uAAAA")
    bomb = gzip.compress(bytes(17 * 1024 * 1024))
    encoded = "u" + base64.urlsafe_b64encode(bomb).rstrip(b"=").decode()
    with pytest.raises(CredentialError, match="allowed size"):
        cred.decode_status_list(encoded)


def test_status_list_credential_signed_and_verified():
    key = Ed25519PrivateKey.generate()
    doc = cred.build_status_list_credential(
        credential_id="https://academy.example.org/status/1",
        issuer=ISSUER_ID,
        valid_from=NOW,
        set_indices=[94567],
    )
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = doc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    signed = cred.sign_credential(doc, key, VM, NOW)
    result = cred.verify_credential(signed, _resolver_for(VM, key), NOW)
    assert result.ok, result.summary()
    bits = cred.decode_status_list(signed["credentialSubject"]["encodedList"])
    assert cred.is_bit_set(bits, 94567) and not cred.is_bit_set(bits, 94566)
    signed["credentialSubject"]["encodedList"] = cred.encode_status_list(
        cred.make_status_bitstring([])
    )
    assert not cred.verify_credential(signed, _resolver_for(VM, key), NOW).ok


def test_multikey_round_trip_and_errors():
    key = Ed25519PrivateKey.generate().public_key()
    mk = cred.encode_multikey(key)
    assert mk.startswith("z6Mk")
    assert cred.decode_multikey(mk).public_bytes_raw() == key.public_bytes_raw()
    for bad in ("", "6Mkabc", "zzzz", "z" + "1" * 48):
        with pytest.raises(CredentialError):
            cred.decode_multikey(bad)


def test_controller_resolver_only_lists_assertion_methods():
    key = Ed25519PrivateKey.generate().public_key()
    controller = {
        "id": ISSUER_ID,
        "verificationMethod": [
            {
                "id": VM,
                "type": "Multikey",
                "controller": ISSUER_ID,
                "publicKeyMultibase": cred.encode_multikey(key),
            },
            {
                "id": ISSUER_ID + "#other",
                "type": "Multikey",
                "controller": ISSUER_ID,
                "publicKeyMultibase": cred.encode_multikey(key),
            },
        ],
        "assertionMethod": [VM],
    }
    resolve = cred.key_resolver_from_controller(copy.deepcopy(controller))
    assert resolve(VM) is not None
    assert resolve(ISSUER_ID + "#other") is None
