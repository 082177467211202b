"""The library's refusals are told in sentences of ours (translated), by type and known cause;
its own text is logged, never shown."""

from __future__ import annotations

import jwt
import pytest
from pylti1p3.exception import (
    LtiException,
    LtiInvalidNonceException,
    LtiJWTException,
    LtiKeyException,
    LtiMessageValidationException,
    OIDCException,
)

from app.lti import refusals
from app.lti.launch import LaunchRefused


def chained(message: str, cause: Exception) -> LtiMessageValidationException:
    try:
        raise LtiMessageValidationException(message) from cause
    except LtiMessageValidationException as exc:
        return exc


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (OIDCException("Could not find issuer"), refusals.LOGIN),
        (OIDCException("Could not find login hint"), refusals.LOGIN),
        (OIDCException("Could not find registration details"), refusals.UNREGISTERED),
        (OIDCException("No launch URL configured"), refusals.REFUSED),
        (LtiMessageValidationException("Missing state param"), refusals.STATE),
        (LtiMessageValidationException("State not found"), refusals.STATE),
        (LtiException("Missing cookie lti1p3-session-id"), refusals.STATE),
        (LtiInvalidNonceException("Invalid Nonce."), refusals.NONCE),
        (LtiMessageValidationException('The "nonce" field is empty.'), refusals.NONCE),
        (LtiMessageValidationException("Registration not found."), refusals.UNREGISTERED),
        (
            LtiMessageValidationException("Client id not registered for this issuer"),
            refusals.CLIENT,
        ),
        (
            LtiMessageValidationException('The deployment ID "x" is not recognised.'),
            refusals.DEPLOYMENT,
        ),  # fmt: skip
        (
            chained("Can't decode id_token: Signature has expired", jwt.ExpiredSignatureError()),
            refusals.EXPIRED,
        ),  # fmt: skip
        (chained("Can't decode id_token: x", jwt.InvalidSignatureError()), refusals.SIGNATURE),
        (chained("Can't decode id_token: x", jwt.InvalidAudienceError()), refusals.TOKEN),
        (LtiKeyException("Unable to find public key"), refusals.KEYS),
        (
            LtiMessageValidationException("Invalid id_token, JWT must contain 3 parts"),
            refusals.MALFORMED,
        ),  # fmt: skip
        (LtiMessageValidationException("Invalid JWT format, can't be decoded"), refusals.MALFORMED),
        (
            LtiException("Could not find LTI launch data in the session service."),
            refusals.PICK_EXPIRED,
        ),  # fmt: skip
        (LtiException("Missing Roles Claim"), refusals.INCOMPLETE),
        (LtiJWTException('The "deep_linking_settings" field is not set.'), refusals.INCOMPLETE),
        (KeyError("nonce"), refusals.INCOMPLETE),
    ],
)
def test_each_known_cause_has_its_sentence_and_the_original_is_logged(exc, said, caplog):
    with caplog.at_level("WARNING", logger="app.lti.refusals"):
        assert refusals.refusal_message(exc) == str(said)
    assert str(exc).strip("'") in caplog.text


def test_our_own_refusals_keep_their_message():
    assert refusals.refusal_message(LaunchRefused("Unknown platform.")) == "Unknown platform."
