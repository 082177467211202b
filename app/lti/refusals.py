"""What a person is told when a launch (OIDC login, resource-link launch, Deep Linking pick) is
refused: our own whole, translated sentences.

pylti1p3next refuses with its own English, technical texts (``"State not found"``, ``"Can't
decode id_token: Signature has expired"``). They are mapped here, by exception type and known
cause, to a sentence for people; the library's original text is logged for operators. Our own
refusals (``DomainError``, e.g. ``LaunchRefused``) already carry a translated message.
"""

from __future__ import annotations

import logging

import jwt
from flask_babel.speaklater import LazyString
from pylti1p3.exception import (
    LtiException,
    LtiInvalidNonceException,
    LtiKeyException,
    OIDCException,
)

from app.errors import DomainError
from app.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)

REFUSED = _l("This launch cannot be accepted.")
STATE = _l(
    "This launch does not match a login started in this browser. Start it again from your "
    "course; if it fails again, allow this site's cookies in your browser."
)
NONCE = _l(
    "This launch was not started by this site (its nonce is unknown). "
    "Start it again from your course."
)
UNREGISTERED = _l("This platform is not registered on this site.")
CLIENT = _l("This launch names a client id that is not registered for this platform.")
DEPLOYMENT = _l("This launch comes from a deployment that is not registered for this platform.")
EXPIRED = _l("This launch has expired. Start it again from your course.")
SIGNATURE = _l("The signature of this launch does not match the platform's public keys.")
TOKEN = _l("The id_token of this launch is not valid (its dates, issuer or audience).")
KEYS = _l("The platform's public keys could not be read to check this launch.")
MALFORMED = _l("This launch is not a readable LTI 1.3 message.")
INCOMPLETE = _l("This launch lacks information that LTI 1.3 requires.")
LOGIN = _l("The platform's login request names no issuer or no login hint.")
PICK_EXPIRED = _l("This Deep Linking request has expired. Start it again from your course.")

# (exception type, a piece of the library's text in lower case or "" for any, what we say);
# the first that fits wins.
KNOWN_CAUSES: tuple[tuple[type[Exception], str, LazyString], ...] = (
    (OIDCException, "registration", UNREGISTERED),
    (OIDCException, "could not find", LOGIN),  # no issuer, no login hint
    (LtiInvalidNonceException, "", NONCE),
    (LtiKeyException, "", KEYS),
    (LtiException, "state", STATE),
    (LtiException, "missing cookie", STATE),
    (LtiException, "nonce", NONCE),
    (LtiException, "registration not found", UNREGISTERED),
    (LtiException, "client id", CLIENT),
    (LtiException, "deployment id", DEPLOYMENT),
    (LtiException, "launch data", PICK_EXPIRED),
    (LtiException, "id_token", MALFORMED),
    (LtiException, "jwt", MALFORMED),
    (LtiException, '"iss"', MALFORMED),
    (LtiException, "", INCOMPLETE),  # message type, version, roles, sub, Deep Linking settings
)


def _token_problem(exc: Exception) -> LazyString | None:
    """The id_token's signature or dates refused (the library chains PyJWT's exception)."""
    cause = exc.__cause__
    if not isinstance(cause, jwt.InvalidTokenError):
        return None
    if isinstance(cause, jwt.ExpiredSignatureError):
        return EXPIRED
    if isinstance(cause, jwt.InvalidSignatureError):
        return SIGNATURE
    return TOKEN


def refusal_message(exc: Exception) -> str:
    """The sentence the "Launch refused" page shows for ``exc``, in the page's language."""
    if isinstance(exc, DomainError):
        log.info("LTI launch refused (%s): %s", exc.code, type(exc).__name__)
        return exc.message
    log.warning("LTI launch refused: %s: %s", type(exc).__name__, exc)
    if isinstance(exc, KeyError):  # a claim we need is missing
        return str(INCOMPLETE)
    found = _token_problem(exc)
    if found is not None:
        return str(found)
    text = str(exc).lower()
    for kind, piece, message in KNOWN_CAUSES:
        if isinstance(exc, kind) and piece in text:
            return str(message)
    return str(REFUSED)
