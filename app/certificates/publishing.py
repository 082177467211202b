"""The documents the issuer publishes for verifiers: its Profile (also a controller document),
its ``did:web`` document, and the Achievement a credential names.

Both controller documents put the DID context first and list every key that ever signed as a
``Multikey`` in ``verificationMethod`` and ``assertionMethod``: a rotated key carries
``expires`` (when it stopped signing), a compromised one ``revoked``. Old credentials keep
verifying after a rotation; nothing signed by a revoked key does. Verifiers such as
``@digitalbazaar/vc`` read ``assertionMethod`` straight from a document whose first context is
the DID context, so no JSON-LD framing (which drops unknown terms) is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.certificates.credential import (
    CREDENTIALS_V2_CONTEXT,
    DID_CONTEXT,
    MULTIKEY_CONTEXT,
    OB_CONTEXT,
    format_datetime,
)
from app.certificates.models import SigningKey
from app.settings import IssuerSettings

CRITERIA = "Passed every required module exam and the final certification exam of the program."


def verification_methods(controller: str, rows: Iterable[SigningKey]) -> list[dict[str, Any]]:
    """Every key as a Multikey of ``controller`` (``expires`` / ``revoked`` when set)."""
    methods = []
    for row in rows:
        method: dict[str, Any] = {
            "id": f"{controller}#key-{row.kid}",
            "type": "Multikey",
            "controller": controller,
            "publicKeyMultibase": row.public_key_multibase,
        }
        if row.retired_at is not None:
            method["expires"] = format_datetime(row.retired_at)
        if row.revoked_at is not None:
            method["revoked"] = format_datetime(row.revoked_at)
        methods.append(method)
    return methods


def issuer_profile(settings: IssuerSettings, rows: Iterable[SigningKey]) -> dict[str, Any]:
    """The OB ``Profile`` at ``/issuer``: the issuer's name and links, and the controller
    document of the keys whose ids start with the profile URL."""
    methods = verification_methods(settings.profile_url, rows)
    profile: dict[str, Any] = {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT, CREDENTIALS_V2_CONTEXT, OB_CONTEXT],
        "id": settings.profile_url,
        "type": "Profile",
        "name": settings.name,
        "url": settings.base_url,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
    if settings.email:
        profile["email"] = settings.email
    if settings.did:
        profile["alsoKnownAs"] = [settings.did]
    return profile


def did_document(settings: IssuerSettings, rows: Iterable[SigningKey]) -> dict[str, Any] | None:
    """The ``did:web`` document of the issuer, or None without a configured base URL."""
    did = settings.did
    if did is None:
        return None
    methods = verification_methods(did, rows)
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "alsoKnownAs": [settings.profile_url],
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }


def achievement_document(
    settings: IssuerSettings, slug: str, title: str, description: str, criteria: str, hours: float
) -> dict[str, Any]:
    """The ``Achievement`` served at its URL as JSON-LD (the same as in the credentials)."""
    return {
        "@context": [CREDENTIALS_V2_CONTEXT, OB_CONTEXT],
        "id": settings.achievement_url(slug),
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": title,
        "description": description,
        "criteria": {"narrative": criteria},
        "creditsAvailable": float(hours),
        "creator": {"id": settings.issuer_id, "type": ["Profile"], "name": settings.name},
    }
