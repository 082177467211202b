"""Open Badges 3.0 credentials: build, check, sign and verify (pure; no Flask, no database).

* JSON-LD contexts and JSON schemas come only from the pinned copies in ``contexts/``;
  any other URL is refused (no network access, ever).
* Signatures are W3C Data Integrity ``eddsa-rdfc-2022`` proofs (Ed25519 over
  SHA-256(canonical proof config) || SHA-256(canonical document), RDFC-1.0 / URDNA2015
  via pyld; ``proofValue`` is multibase base58btc, ``z...``).
* Before signing and when verifying, JSON-LD expansion must not drop anything: an
  undefined term or a relative (undefined) type would otherwise be left out of the
  signed RDF silently.
* Status: ``BitstringStatusListCredential`` helpers (GZIP + multibase base64url).
"""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import inspect
import json
import math
import re
import secrets
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import base58
import jsonschema
from cachetools import LRUCache
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyld import jsonld
from pyld.context_resolver import ContextResolver
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable

__all__ = [
    "ACHIEVEMENT_CREDENTIAL_SCHEMA_URL",
    "CONTEXT_DIR",
    "CREDENTIALS_V2_CONTEXT",
    "OB_CONTEXT",
    "OB_EXTENSIONS_CONTEXT",
    "STATUS_LIST_MIN_BITS",
    "Check",
    "CredentialError",
    "VerificationResult",
    "build_credential",
    "build_status_list_credential",
    "canonicalize",
    "check_no_dropped_terms",
    "decode_multikey",
    "decode_status_list",
    "did_key_verification_method",
    "document_loader",
    "encode_multikey",
    "encode_status_list",
    "format_datetime",
    "hash_identity",
    "is_bit_set",
    "key_resolver_from_controller",
    "make_status_bitstring",
    "parse_datetime",
    "proof_hash_data",
    "resolve_did_key",
    "sign_credential",
    "validate_schema",
    "verify_credential",
]

CREDENTIALS_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
ACHIEVEMENT_CREDENTIAL_SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"
STATUS_LIST_MIN_BITS = 131_072  # 16 KiB, the minimum the Bitstring Status List spec allows
_STATUS_LIST_MAX_BYTES = 16 * 1024 * 1024  # refuse to inflate anything larger (gzip bombs)
_ED25519_MULTICODEC = b"\xed\x01"

CONTEXT_DIR = Path(__file__).resolve().with_name("contexts")


class CredentialError(ValueError):
    """A credential cannot be built, checked, signed or decoded; the message says why."""


# --------------------------------------------------------------------------- pinned files


@cache
def _index() -> dict[str, dict[str, str]]:
    return json.loads((CONTEXT_DIR / "index.json").read_text(encoding="utf-8"))


@cache
def _load_pinned(filename: str) -> Any:
    return json.loads((CONTEXT_DIR / filename).read_text(encoding="utf-8"))


def document_loader(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader that serves only the pinned local contexts.

    Any other URL raises :class:`CredentialError`; nothing is ever fetched.
    """
    filename = _index()["contexts"].get(url)
    if filename is None:
        raise CredentialError(
            f"JSON-LD context {url!r} is not one of the pinned local contexts; "
            "refusing to load it (no network access)"
        )
    return {
        "contextUrl": None,
        "documentUrl": url,
        # pyld does not mutate loaded documents in practice, but a copy is cheap insurance.
        "document": copy.deepcopy(_load_pinned(filename)),
    }


# A resolved-context cache of our own (not pyld's process-wide one), so contexts loaded by
# any other pyld user in the process can never be mixed into ours.
_CONTEXT_CACHE: LRUCache = LRUCache(maxsize=256)


def _jsonld_options() -> dict[str, Any]:
    return {
        # base None: relative IRIs stay relative (and are then reported / dropped, as in
        # jsonld.js). pyld's default base '' would resolve them against its placeholder
        # 'http://example.org/base/', silently turning an undefined type into an IRI.
        "base": None,
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_CONTEXT_CACHE, document_loader),
    }


def _jsonld_error(exc: Exception, what: str) -> CredentialError:
    # pyld wraps loader errors; surface the innermost CredentialError message if any.
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, CredentialError):
            return CredentialError(f"{what}: {cause}")
        cause = cause.__cause__ or cause.__context__
    return CredentialError(f"{what}: {exc}")


if "on_property_dropped" not in inspect.signature(jsonld.expand).parameters:  # pragma: no cover
    raise ImportError("app.certificates.credential needs pyld >= 3.3 (on_property_dropped)")


# --------------------------------------------------------------------------- JSON-LD checks

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def _is_absolute_or_blank(value: str) -> bool:
    return value.startswith("_:") or bool(_ABSOLUTE_IRI.match(value))


def _find_relative_references(node: Any, problems: list[str]) -> None:
    """Collect @type/@id values that stayed relative after expansion (dropped by toRdf)."""
    if isinstance(node, list):
        for item in node:
            _find_relative_references(item, problems)
        return
    if not isinstance(node, dict):
        return
    if "@value" in node:
        datatype = node.get("@type")
        if isinstance(datatype, str) and datatype != "@json" and not _ABSOLUTE_IRI.match(datatype):
            problems.append(f"undefined datatype {datatype!r}")
        return
    types = node.get("@type", [])
    for t in types if isinstance(types, list) else [types]:
        if isinstance(t, str) and not _is_absolute_or_blank(t):
            problems.append(f"undefined type {t!r}")
    node_id = node.get("@id")
    if isinstance(node_id, str) and not _is_absolute_or_blank(node_id):
        problems.append(f"relative or undefined IRI {node_id!r}")
    for key, value in node.items():
        if key not in ("@type", "@id"):
            _find_relative_references(value, problems)


def check_no_dropped_terms(doc: Mapping[str, Any]) -> list[Any]:
    """Expand ``doc`` with the pinned contexts and make sure nothing was dropped.

    Raises :class:`CredentialError` naming every undefined term (property) and every type or
    ``@id`` that is not an absolute IRI (JSON-LD keeps those relative and RDF then drops
    them, so they would never be signed). Returns the expanded document.
    """
    if not isinstance(doc, Mapping):
        raise CredentialError("credential must be a JSON object")
    if "@context" not in doc:
        raise CredentialError("credential has no @context")
    dropped: list[str] = []

    def on_dropped(term: str | None) -> None:
        dropped.append(term if term is not None else "<a term mapped to null>")

    try:
        expanded = jsonld.expand(dict(doc), _jsonld_options(), on_property_dropped=on_dropped)
    except CredentialError:
        raise
    except Exception as exc:  # pyld raises JsonLdError (and sometimes others) on bad input
        raise _jsonld_error(exc, "JSON-LD expansion failed") from exc
    if dropped:
        names = ", ".join(repr(t) for t in sorted(set(dropped)))
        raise CredentialError(
            f"JSON-LD expansion dropped undefined term(s) {names}: they are not defined by "
            "the credential's @context and would not be signed"
        )
    problems: list[str] = []
    _find_relative_references(expanded, problems)
    if problems:
        raise CredentialError(
            "JSON-LD expansion left values that RDF would drop: " + "; ".join(sorted(set(problems)))
        )
    return expanded


def canonicalize(doc: Mapping[str, Any]) -> str:
    """RDF Dataset Canonicalization (URDNA2015 = RDFC-1.0) of ``doc`` as N-Quads."""
    try:
        return jsonld.normalize(
            dict(doc),
            {"algorithm": "URDNA2015", "format": "application/n-quads", **_jsonld_options()},
        )
    except CredentialError:
        raise
    except Exception as exc:
        raise _jsonld_error(exc, "RDF canonicalisation failed") from exc


# --------------------------------------------------------------------------- dates


_DATETIME_STAMP = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def parse_datetime(value: Any) -> datetime:
    """Parse an xsd:dateTimeStamp (time zone required) into an aware datetime."""
    if not isinstance(value, str) or not _DATETIME_STAMP.match(value):
        raise CredentialError(f"{value!r} is not a date-time with a time zone")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CredentialError(f"{value!r} is not a valid date-time: {exc}") from exc


def format_datetime(value: datetime) -> str:
    """Aware datetime -> ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, whole seconds)."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise CredentialError(f"{value!r} must be a timezone-aware datetime")
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _require_aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    return now


# --------------------------------------------------------------------------- JSON schema


_FORMAT_CHECKER = jsonschema.FormatChecker()


@_FORMAT_CHECKER.checks("date-time", raises=CredentialError)
def _check_date_time(value: object) -> bool:
    # Our own check: jsonschema's needs an optional package and otherwise silently passes.
    if isinstance(value, str):
        parse_datetime(value)
    return True


@_FORMAT_CHECKER.checks("date", raises=ValueError)
def _check_date(value: object) -> bool:
    if isinstance(value, str):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(f"{value!r} is not a date")
        datetime.strptime(value, "%Y-%m-%d")
    return True


def _refuse_remote(uri: str) -> Resource:
    raise NoSuchResource(ref=uri)


@cache
def _schema_registry() -> Registry:
    resources = []
    for url, filename in _index()["schemas"].items():
        resources.append((url, Resource.from_contents(_load_pinned(filename))))
    return Registry(retrieve=_refuse_remote).with_resources(resources)


@cache
def _achievement_validator() -> jsonschema.Draft201909Validator:
    schema = _load_pinned(_index()["schemas"][ACHIEVEMENT_CREDENTIAL_SCHEMA_URL])
    jsonschema.Draft201909Validator.check_schema(schema)
    return jsonschema.Draft201909Validator(
        schema, registry=_schema_registry(), format_checker=_FORMAT_CHECKER
    )


def _path(error: jsonschema.ValidationError) -> str:
    parts = ["$"]
    for p in error.absolute_path:
        parts.append(f"[{p}]" if isinstance(p, int) else f".{p}")
    return "".join(parts)


def validate_schema(doc: Mapping[str, Any]) -> None:
    """Validate against the pinned OB 3.0 AchievementCredential schema (draft 2019-09).

    Raises :class:`CredentialError` listing every violation (path: message). Remote
    ``$ref`` s are never fetched; the pinned schema has none (all refs are ``#/$defs``).
    """
    try:
        errors = sorted(
            _achievement_validator().iter_errors(doc), key=lambda e: list(e.absolute_path)
        )
    except Unresolvable as exc:  # pragma: no cover - the pinned schema has only local refs
        raise CredentialError(f"schema refers to a non-pinned resource: {exc}") from exc
    if errors:
        lines = [f"{_path(e)}: {e.message}" for e in errors[:20]]
        if len(errors) > 20:
            lines.append(f"... and {len(errors) - 20} more")
        raise CredentialError("credential does not match the OB 3.0 schema: " + "; ".join(lines))


# --------------------------------------------------------------------------- keys


def encode_multikey(public_key: Ed25519PublicKey) -> str:
    """Ed25519 public key -> ``z6Mk...`` publicKeyMultibase (multicodec 0xed01, base58btc)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58.b58encode(_ED25519_MULTICODEC + raw).decode("ascii")


def decode_multikey(value: str) -> Ed25519PublicKey:
    """``z6Mk...`` publicKeyMultibase -> Ed25519 public key."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise CredentialError("publicKeyMultibase must be base58btc multibase ('z' prefix)")
    try:
        data = base58.b58decode(value[1:])
    except ValueError as exc:
        raise CredentialError(f"publicKeyMultibase is not valid base58btc: {exc}") from exc
    if len(data) != 34 or data[:2] != _ED25519_MULTICODEC:
        raise CredentialError("publicKeyMultibase is not an Ed25519 multikey (0xed01 + 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def did_key_verification_method(public_key: Ed25519PublicKey) -> str:
    """``did:key:z6Mk...#z6Mk...`` verification method id for ``public_key``."""
    mk = encode_multikey(public_key)
    return f"did:key:{mk}#{mk}"


def resolve_did_key(verification_method: str) -> Ed25519PublicKey | None:
    """Resolve a ``did:key`` Ed25519 verification method offline; None if not one."""
    if not isinstance(verification_method, str) or not verification_method.startswith("did:key:"):
        return None
    did, _, fragment = verification_method.partition("#")
    mk = did[len("did:key:") :]
    if fragment and fragment != mk:
        return None
    try:
        return decode_multikey(mk)
    except CredentialError:
        return None


def key_resolver_from_controller(
    controller: Mapping[str, Any],
) -> Callable[[str], Ed25519PublicKey | None]:
    """Resolver over a controller (DID-style) document, e.g. our issuer profile.

    Only ``Multikey`` methods listed in ``assertionMethod`` resolve. Rotated-out keys stay
    resolvable as long as they remain listed, so old credentials still verify.
    """
    allowed = set()
    for item in controller.get("assertionMethod", []):
        allowed.add(item if isinstance(item, str) else item.get("id"))
    keys: dict[str, Ed25519PublicKey] = {}
    methods = list(controller.get("verificationMethod", []))
    methods += [m for m in controller.get("assertionMethod", []) if isinstance(m, Mapping)]
    for method in methods:
        if method.get("type") == "Multikey" and method.get("id") in allowed:
            try:
                keys[method["id"]] = decode_multikey(method.get("publicKeyMultibase", ""))
            except CredentialError:
                continue
    return keys.get


# --------------------------------------------------------------------------- signing


def proof_hash_data(unsecured: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
    """eddsa-rdfc-2022 hashData = SHA-256(canon(proofConfig)) || SHA-256(canon(document)).

    ``proof`` may contain ``proofValue`` (ignored). If it carries its own ``@context``, that
    context must be a prefix of the document's, and is used for both (VC-DI-EdDSA 3.3.2).
    """
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    document = dict(unsecured)
    if "@context" in options:
        doc_ctx = document.get("@context")
        proof_ctx = options["@context"]
        doc_list = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        proof_list = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
        if doc_list[: len(proof_list)] != proof_list:
            raise CredentialError("proof @context does not match the document @context")
        document["@context"] = proof_ctx
    options["@context"] = document["@context"]
    proof_canon = canonicalize(options)
    doc_canon = canonicalize(document)
    return (
        hashlib.sha256(proof_canon.encode("utf-8")).digest()
        + hashlib.sha256(doc_canon.encode("utf-8")).digest()
    )


def sign_credential(
    doc: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    *,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """Return a copy of ``doc`` with an ``eddsa-rdfc-2022`` DataIntegrityProof in ``proof``.

    ``proof`` is an array (the OB 3.0 schema requires one). Refuses documents that already
    carry a proof, and documents whose JSON-LD expansion would drop anything.
    """
    if "proof" in doc:
        raise CredentialError("document already has a proof; sign the unsecured document")
    if not isinstance(verification_method, str) or not _ABSOLUTE_IRI.match(verification_method):
        raise CredentialError("verification_method must be an absolute URL or DID URL")
    unsecured = copy.deepcopy(dict(doc))
    check_no_dropped_terms(unsecured)
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "created": format_datetime(created),
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": proof_purpose,
    }
    check_no_dropped_terms({"@context": unsecured["@context"], **proof})
    signature = private_key.sign(proof_hash_data(unsecured, proof))
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    signed = copy.deepcopy(dict(doc))
    signed["proof"] = [proof]
    return signed


# --------------------------------------------------------------------------- verification


class Check(NamedTuple):
    name: str
    passed: bool
    message: str


@dataclass
class VerificationResult:
    """Outcome of :func:`verify_credential`. ``ok`` iff every check passed.

    Checks (in order): ``jsonld``, ``signature``, ``schema``, ``validFrom``, ``validUntil``.
    Credential status (revocation) is left to the caller (see the status list helpers).
    """

    ok: bool
    checks: list[Check] = field(default_factory=list)
    verification_method: str | None = None

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def expired(self) -> bool:
        c = self.check("validUntil")
        return c is not None and not c.passed and c.message.startswith("expired")

    def summary(self) -> str:
        return "; ".join(
            f"{c.name}: {'ok' if c.passed else 'FAIL'} ({c.message})" for c in self.checks
        )


def _types(doc: Mapping[str, Any]) -> list[str]:
    t = doc.get("type", [])
    return [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)]


def _issuer_id(doc: Mapping[str, Any]) -> str | None:
    issuer = doc.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, Mapping) and isinstance(issuer.get("id"), str):
        return issuer["id"]
    return None


def _verify_one_proof(
    unsecured: Mapping[str, Any],
    proof: Any,
    issuer_id: str | None,
    resolve_public_key: Callable[[str], Ed25519PublicKey | None],
    require_issuer_controlled_method: bool,
) -> str:
    """Return a success message or raise CredentialError saying what is wrong."""
    if not isinstance(proof, Mapping):
        raise CredentialError("proof is not an object")
    if proof.get("type") != PROOF_TYPE:
        raise CredentialError(f"proof type is {proof.get('type')!r}, expected {PROOF_TYPE!r}")
    if proof.get("cryptosuite") != CRYPTOSUITE:
        raise CredentialError(f"cryptosuite {proof.get('cryptosuite')!r} is not supported")
    if proof.get("proofPurpose") != "assertionMethod":
        raise CredentialError(f"proofPurpose is {proof.get('proofPurpose')!r}, not assertionMethod")
    if "created" in proof:
        parse_datetime(proof["created"])
    vm = proof.get("verificationMethod")
    if not isinstance(vm, str):
        raise CredentialError("proof has no verificationMethod")
    if require_issuer_controlled_method:
        controller = vm.partition("#")[0]
        if issuer_id is None or controller != issuer_id:
            raise CredentialError(
                f"verificationMethod {vm!r} is not controlled by the issuer {issuer_id!r}"
            )
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise CredentialError("proofValue must be base58btc multibase ('z' prefix)")
    try:
        signature = base58.b58decode(value[1:])
    except ValueError as exc:
        raise CredentialError(f"proofValue is not valid base58btc: {exc}") from exc
    if len(signature) != 64:
        raise CredentialError(f"proofValue decodes to {len(signature)} bytes, expected 64")
    public_key = resolve_public_key(vm)
    if public_key is None:
        raise CredentialError(f"verificationMethod {vm!r} could not be resolved to a known key")
    try:
        public_key.verify(signature, proof_hash_data(unsecured, proof))
    except InvalidSignature:
        raise CredentialError("signature does not match: the credential was altered") from None
    return f"eddsa-rdfc-2022 signature valid ({vm})"


def _jsonld_check(doc: Mapping[str, Any]) -> Check:
    try:
        check_no_dropped_terms(doc)
        return Check("jsonld", True, "all terms defined by the pinned contexts")
    except CredentialError as exc:
        return Check("jsonld", False, str(exc))


def _signature_check(
    doc: Mapping[str, Any],
    resolve_public_key: Callable[[str], Ed25519PublicKey | None],
    require_issuer_controlled_method: bool,
) -> tuple[Check, str | None]:
    """Every proof checked; the verification method of the first proof that names one."""
    vm: str | None = None
    proofs = doc.get("proof")
    if proofs is None:
        return Check("signature", False, "credential has no proof"), vm
    proof_list = proofs if isinstance(proofs, list) else [proofs]
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    messages: list[str] = []
    passed = bool(proof_list)
    if not proof_list:
        messages.append("proof array is empty")
    for proof in proof_list:
        if isinstance(proof, Mapping) and isinstance(proof.get("verificationMethod"), str):
            vm = vm or proof["verificationMethod"]
        try:
            messages.append(
                _verify_one_proof(
                    unsecured,
                    proof,
                    _issuer_id(doc),
                    resolve_public_key,
                    require_issuer_controlled_method,
                )
            )
        except CredentialError as exc:
            passed = False
            messages.append(str(exc))
        except Exception as exc:  # a malformed credential must not crash the verifier
            passed = False
            messages.append(f"proof could not be checked: {exc}")
    return Check("signature", passed, "; ".join(messages)), vm


def _schema_check(doc: Mapping[str, Any]) -> Check:
    types = _types(doc)
    if "OpenBadgeCredential" not in types and "AchievementCredential" not in types:
        return Check("schema", True, "not an Open Badge credential; no schema applies")
    candidate = dict(doc)
    note = ""
    if isinstance(candidate.get("proof"), Mapping):
        candidate["proof"] = [candidate["proof"]]
        note = " (single proof object treated as an array)"
    try:
        validate_schema(candidate)
        return Check("schema", True, "matches the OB 3.0 AchievementCredential schema" + note)
    except CredentialError as exc:
        return Check("schema", False, str(exc))


def _validity_checks(doc: Mapping[str, Any], now: datetime) -> list[Check]:
    """``validFrom`` and ``validUntil`` against ``now``."""
    checks: list[Check] = []
    if "validFrom" in doc:
        try:
            valid_from = parse_datetime(doc["validFrom"])
            if now < valid_from:
                checks.append(Check("validFrom", False, f"not valid before {doc['validFrom']}"))
            else:
                checks.append(Check("validFrom", True, f"valid from {doc['validFrom']}"))
        except CredentialError as exc:
            checks.append(Check("validFrom", False, str(exc)))
    else:
        checks.append(Check("validFrom", True, "no validFrom"))

    if "validUntil" in doc:
        try:
            valid_until = parse_datetime(doc["validUntil"])
            if now >= valid_until:
                checks.append(Check("validUntil", False, f"expired on {doc['validUntil']}"))
            else:
                checks.append(Check("validUntil", True, f"valid until {doc['validUntil']}"))
        except CredentialError as exc:
            checks.append(Check("validUntil", False, str(exc)))
    else:
        checks.append(Check("validUntil", True, "no expiry"))
    return checks


def verify_credential(
    doc: Mapping[str, Any],
    resolve_public_key: Callable[[str], Ed25519PublicKey | None],
    now: datetime,
    *,
    require_issuer_controlled_method: bool = True,
) -> VerificationResult:
    """Verify a signed credential offline; never raises for a bad credential.

    ``resolve_public_key(verificationMethod)`` returns the trusted key or None. With
    ``require_issuer_controlled_method`` the verification method (minus its ``#fragment``)
    must equal the issuer id. ``proof`` may be an object or an array (every proof must be a
    valid eddsa-rdfc-2022 proof). The schema check applies to Open Badge credentials only;
    a single-object ``proof`` is treated as a one-element array for it.
    """
    _require_aware(now)
    if not isinstance(doc, Mapping):
        return VerificationResult(False, [Check("jsonld", False, "not a JSON object")])
    checks = [_jsonld_check(doc)]
    signature, vm = _signature_check(doc, resolve_public_key, require_issuer_controlled_method)
    checks += [signature, _schema_check(doc), *_validity_checks(doc, now)]
    return VerificationResult(all(c.passed for c in checks), checks, vm)


# --------------------------------------------------------------------------- building


def hash_identity(email: str, salt: str) -> str:
    """OB IdentityHash of an e-mail address: ``sha256$`` + hex(SHA-256(email + salt)).

    The address is stripped and lower-cased first, so verifiers must do the same.
    """
    normalised = email.strip().lower()
    return "sha256$" + hashlib.sha256((normalised + salt).encode("utf-8")).hexdigest()


_ISSUER_KEYS = {"id", "name", "url", "email", "description", "phone", "image"}
_ACHIEVEMENT_ALIASES = {
    "id": "id",
    "name": "name",
    "description": "description",
    "criteria": "criteria",
    "criteria_narrative": "criteria",
    "narrative": "criteria",
    "ce_hours": "ce_hours",
    "credits": "ce_hours",
    "creditsEarned": "ce_hours",
    "credits_earned": "ce_hours",
    "achievement_type": "achievementType",
    "achievementType": "achievementType",
    "human_code": "humanCode",
    "humanCode": "humanCode",
    "field_of_study": "fieldOfStudy",
    "fieldOfStudy": "fieldOfStudy",
    "image": "image",
}
_LEARNER_ALIASES = {
    "name": "name",
    "email": "email",
    "licence_number": "licenseNumber",
    "license_number": "licenseNumber",
    "licenseNumber": "licenseNumber",
}


def _canonical_keys(what: str, given: Mapping[str, Any], aliases: Mapping[str, str]) -> dict:
    out: dict[str, Any] = {}
    for key, value in given.items():
        if key not in aliases:
            allowed = ", ".join(sorted(aliases))
            raise CredentialError(f"unknown {what} field {key!r} (allowed: {allowed})")
        target = aliases[key]
        if target in out:
            raise CredentialError(f"{what} field {target!r} given twice (via {key!r})")
        if value is not None:
            out[target] = value
    return out


def _require_str(what: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CredentialError(f"{what} must be a non-empty string")
    return value


def _require_url(what: str, value: Any) -> str:
    _require_str(what, value)
    if not _ABSOLUTE_IRI.match(value) or any(c.isspace() for c in value):
        raise CredentialError(f"{what} must be an absolute URL/IRI, got {value!r}")
    return value


def _image(what: str, value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"id": _require_url(what, value), "type": "Image"}
    if isinstance(value, Mapping):
        return {"type": "Image", **value}
    raise CredentialError(f"{what} must be a URL or an Image object")


def _credits(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise CredentialError(f"CE hours must be a number, got {value!r}")
    hours = float(value)
    if not math.isfinite(hours) or hours < 0:
        raise CredentialError(f"CE hours must be a finite, non-negative number, got {value!r}")
    return hours


def _issuer_profile(issuer: Mapping[str, Any]) -> dict[str, Any]:
    """The issuer's ``Profile``: id, name, url (+ optional email, description, phone, image)."""
    iss = dict(issuer)
    unknown = set(iss) - _ISSUER_KEYS
    if unknown:
        raise CredentialError(f"unknown issuer field(s) {sorted(unknown)}")
    issuer_obj: dict[str, Any] = {
        "id": _require_url("issuer id", iss.get("id")),
        "type": ["Profile"],
        "name": _require_str("issuer name", iss.get("name")),
    }
    if iss.get("url") is not None:
        issuer_obj["url"] = _require_url("issuer url", iss["url"])
    for key in ("email", "description", "phone"):
        if iss.get(key) is not None:
            issuer_obj[key] = _require_str(f"issuer {key}", iss[key])
    if iss.get("image") is not None:
        issuer_obj["image"] = _image("issuer image", iss["image"])
    return issuer_obj


def _achievement(achievement: Mapping[str, Any]) -> dict[str, Any]:
    """The ``Achievement``; its CE hours are ``creditsAvailable``."""
    ach = _canonical_keys("achievement", achievement, _ACHIEVEMENT_ALIASES)
    criteria = ach.get("criteria")
    if isinstance(criteria, str):
        criteria = {"narrative": _require_str("criteria narrative", criteria)}
    elif not isinstance(criteria, Mapping) or not criteria:
        raise CredentialError("achievement criteria (a narrative) is required")
    if "ce_hours" not in ach:
        raise CredentialError("achievement ce_hours is required")
    hours = _credits(ach["ce_hours"])
    achievement_obj: dict[str, Any] = {
        "id": _require_url("achievement id", ach.get("id")),
        "type": ["Achievement"],
        "achievementType": ach.get("achievementType", "Certificate"),
        "name": _require_str("achievement name", ach.get("name")),
        "description": _require_str("achievement description", ach.get("description")),
        "criteria": dict(criteria),
        "creditsAvailable": hours,
    }
    for key in ("fieldOfStudy", "humanCode"):
        if key in ach:
            achievement_obj[key] = _require_str(f"achievement {key}", ach[key])
    if "image" in ach:
        achievement_obj["image"] = _image("achievement image", ach["image"])
    return achievement_obj


def _subject(
    learner: Mapping[str, Any],
    achievement_obj: dict[str, Any],
    *,
    email_salt: str | None,
    name_identifier: bool,
    activity_start: datetime | None,
    activity_end: datetime | None,
    result_value: str | None,
) -> dict[str, Any]:
    """The ``AchievementSubject``: the learner (e-mail hashed), dates, credits and result."""
    lrn = _canonical_keys("learner", learner, _LEARNER_ALIASES)
    learner_name = _require_str("learner name", lrn.get("name"))
    email = _require_str("learner email", lrn.get("email"))
    salt = email_salt if email_salt is not None else secrets.token_hex(16)
    identifiers: list[dict[str, Any]] = [
        {
            "type": "IdentityObject",
            "identityHash": hash_identity(email, salt),
            "identityType": "emailAddress",
            "hashed": True,
            "salt": salt,
        }
    ]
    if name_identifier:
        identifiers.append(
            {
                "type": "IdentityObject",
                "identityHash": learner_name,
                "identityType": "name",
                "hashed": False,
            }
        )
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "name": learner_name,
        "identifier": identifiers,
    }
    if lrn.get("licenseNumber") is not None:
        subject["licenseNumber"] = _require_str("licence number", lrn["licenseNumber"])
    if activity_start is not None:
        subject["activityStartDate"] = format_datetime(activity_start)
    if activity_end is not None:
        subject["activityEndDate"] = format_datetime(activity_end)
    subject["creditsEarned"] = achievement_obj["creditsAvailable"]
    result: dict[str, Any] = {"type": ["Result"], "status": "Completed"}
    if result_value is not None:
        result["value"] = _require_str("result value", result_value)
    subject["result"] = [result]
    subject["achievement"] = achievement_obj
    return subject


def _status_entry(status_list_credential_url: str, status_index: int) -> dict[str, Any]:
    """The credential's revocation entry in a bitstring status list."""
    if isinstance(status_index, bool) or not isinstance(status_index, int) or status_index < 0:
        raise CredentialError("status_index must be a non-negative integer")
    status_url = _require_url("status_list_credential_url", status_list_credential_url)
    return {
        "id": f"{status_url}#{status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(status_index),
        "statusListCredential": status_url,
    }


def build_credential(
    *,
    credential_id: str,
    issuer: Mapping[str, Any],
    achievement: Mapping[str, Any],
    learner: Mapping[str, Any],
    valid_from: datetime,
    valid_until: datetime | None,
    status_list_credential_url: str,
    status_index: int,
    name: str | None = None,
    description: str | None = None,
    activity_start: datetime | None = None,
    activity_end: datetime | None = None,
    result_value: str | None = None,
    email_salt: str | None = None,
    name_identifier: bool = True,
) -> dict[str, Any]:
    """Build an unsigned OB 3.0 ``OpenBadgeCredential`` (VC Data Model 2.0).

    ``issuer``: id, name, url (+ optional email, description, phone, image).
    ``achievement``: id, name, description, criteria (narrative string or Criteria object;
    alias criteria_narrative), ce_hours (alias credits / creditsEarned) and optionally
    achievement_type (default "Certificate"), human_code, field_of_study, image.
    ``learner``: name, email, optional licence_number.

    The learner's e-mail appears only hashed (salted ``IdentityObject``); the learner's name
    is ``credentialSubject.name`` and, with ``name_identifier``, also an ``IdentityObject``
    of identityType "name". CE hours go to ``creditsEarned`` (subject) and
    ``creditsAvailable`` (achievement). The result is checked for dropped JSON-LD terms and
    against the OB schema before it is returned.
    """
    credential_id = _require_url("credential_id", credential_id)
    issuer_obj = _issuer_profile(issuer)
    achievement_obj = _achievement(achievement)
    subject = _subject(
        learner,
        achievement_obj,
        email_salt=email_salt,
        name_identifier=name_identifier,
        activity_start=activity_start,
        activity_end=activity_end,
        result_value=result_value,
    )
    status = _status_entry(status_list_credential_url, status_index)

    doc: dict[str, Any] = {
        "@context": [CREDENTIALS_V2_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name or f"{achievement_obj['name']} - Certificate of Completion",
    }
    if description is not None:
        doc["description"] = _require_str("description", description)
    doc["issuer"] = issuer_obj
    doc["validFrom"] = format_datetime(valid_from)
    if valid_until is not None:
        if valid_until <= valid_from:
            raise CredentialError("valid_until must be after valid_from")
        doc["validUntil"] = format_datetime(valid_until)
    doc["credentialSubject"] = subject
    doc["credentialStatus"] = status
    doc["credentialSchema"] = [
        {"id": ACHIEVEMENT_CREDENTIAL_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}
    ]
    check_no_dropped_terms(doc)
    validate_schema(doc)
    return doc


def add_evidence(
    doc: Mapping[str, Any], entries: Iterable[Mapping[str, str]], scope_regions: Iterable[str]
) -> dict[str, Any]:
    """The unsigned credential with its practical evidence (issue 15), checked again.

    ``entries``: name, description and genre of each OB 3.0 ``Evidence`` entry (hours by mode,
    supervised sessions, stations passed). ``scope_regions``: the body regions the credential
    covers, as the achievement's tags ``region:<id>``.
    """
    out = copy.deepcopy(dict(doc))
    evidence = [
        {
            "type": ["Evidence"],
            "name": _require_str("evidence name", e["name"]),
            "description": _require_str("evidence description", e["description"]),
            "genre": _require_str("evidence genre", e["genre"]),
        }
        for e in entries
    ]
    if evidence:
        out["evidence"] = evidence
    tags = [f"region:{_require_str('scope region', r)}" for r in scope_regions]
    if tags:
        out["credentialSubject"]["achievement"]["tag"] = tags
    check_no_dropped_terms(out)
    validate_schema(out)
    return out


# --------------------------------------------------------------------------- status lists


def make_status_bitstring(set_indices: Iterable[int], length: int = STATUS_LIST_MIN_BITS) -> bytes:
    """Bitstring of ``length`` bits (rounded up to whole bytes) with ``set_indices`` set.

    Index 0 is the most significant bit of the first byte (Bitstring Status List v1.0).
    """
    if length < STATUS_LIST_MIN_BITS:
        raise CredentialError(f"a status list must have at least {STATUS_LIST_MIN_BITS} bits")
    bits = bytearray((length + 7) // 8)
    for index in set_indices:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < length:
            raise CredentialError(f"status index {index!r} is outside 0..{length - 1}")
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encode_status_list(bits: bytes) -> str:
    """GZIP, then multibase base64url without padding (``u`` prefix)."""
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_status_list(encoded_list: str) -> bytes:
    """Inverse of :func:`encode_status_list` (also accepts the un-prefixed legacy form)."""
    if not isinstance(encoded_list, str) or not encoded_list:
        raise CredentialError("encodedList must be a non-empty string")
    data = encoded_list[1:] if encoded_list.startswith("u") else encoded_list
    try:
        compressed = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (ValueError, TypeError) as exc:
        raise CredentialError(f"encodedList is not base64url: {exc}") from exc
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        bits = inflater.decompress(compressed, _STATUS_LIST_MAX_BYTES + 1)
    except zlib.error as exc:
        raise CredentialError(f"encodedList is not GZIP data: {exc}") from exc
    if len(bits) > _STATUS_LIST_MAX_BYTES or inflater.unconsumed_tail:
        raise CredentialError("encodedList inflates beyond the allowed size")
    if not inflater.eof:
        raise CredentialError("encodedList GZIP data is truncated")
    return bits


def is_bit_set(bits: bytes, index: int) -> bool:
    """True if bit ``index`` (0 = most significant bit of the first byte) is set."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(bits) * 8:
        raise CredentialError(
            f"status index {index!r} is outside the list (0..{len(bits) * 8 - 1})"
        )
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def build_status_list_credential(
    *,
    credential_id: str,
    issuer: str | Mapping[str, Any],
    valid_from: datetime,
    set_indices: Iterable[int] = (),
    length: int = STATUS_LIST_MIN_BITS,
    valid_until: datetime | None = None,
    status_purpose: str = "revocation",
) -> dict[str, Any]:
    """Build an unsigned ``BitstringStatusListCredential``; sign it with sign_credential."""
    credential_id = _require_url("credential_id", credential_id)
    if isinstance(issuer, Mapping):
        issuer_value: Any = {"id": _require_url("issuer id", issuer.get("id"))}
        if issuer.get("name"):
            issuer_value["name"] = issuer["name"]
    else:
        issuer_value = _require_url("issuer", issuer)
    doc: dict[str, Any] = {
        "@context": [CREDENTIALS_V2_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_value,
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        doc["validUntil"] = format_datetime(valid_until)
    doc["credentialSubject"] = {
        "id": f"{credential_id}#list",
        "type": "BitstringStatusList",
        "statusPurpose": status_purpose,
        "encodedList": encode_status_list(make_status_bitstring(set_indices, length)),
    }
    check_no_dropped_terms(doc)
    return doc
