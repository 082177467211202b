"""Served practice items: signed tokens and their display order. Pure (no Flask, no SQLAlchemy).

Serving a practice item changes nothing (no state change on GET): the page carries a signed
token naming the trainee, the question version, the objective and a random nonce. The order
of options and their opaque ids are derived from the nonce with an HMAC of the secret key, so
the answer POST can rebuild exactly what was shown, and the ids say nothing about the key.
The nonce also makes answering idempotent (one review per served item).
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, URLSafeSerializer

from app.banks.schema import QuestionBase
from app.i18n import gettext as _
from app.questions import registry

if TYPE_CHECKING:  # annotations only: this module stays free of the database layer
    from app.banks import models as bm
    from app.progress.models import PracticeAnswer, ReviewCard

SALT = "practice-item"
MAX_AGE = timedelta(hours=24)


class ItemTokenInvalid(ValueError):
    """The token was not issued by us, to this trainee, or is too old."""


@dataclass(frozen=True)
class ServedItem:
    user_id: int
    version_id: int
    objective: str
    nonce: str
    issued_at: datetime


@dataclass(frozen=True)
class PracticeResult:
    """A stored practice answer, what it answered and the card it reviewed (for the pages)."""

    answer: PracticeAnswer
    version: bm.QuestionVersion
    question: QuestionBase
    display: dict[str, Any]
    card: ReviewCard
    replayed: bool  # the same served item was answered before: nothing changed


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def sign(secret: str, item: ServedItem) -> str:
    payload = {
        "u": item.user_id,
        "v": item.version_id,
        "o": item.objective,
        "n": item.nonce,
        "t": int(item.issued_at.timestamp()),
    }
    return URLSafeSerializer(secret, salt=SALT).dumps(payload)


def read(secret: str, token: Any, user_id: int, now: datetime) -> ServedItem:
    """The served item of ``token`` if it is ours, for ``user_id`` and not older than a day."""
    if not isinstance(token, str) or not token or len(token) > 1000:
        raise ItemTokenInvalid(_("token: missing or malformed"))
    try:
        data = URLSafeSerializer(secret, salt=SALT).loads(token)
    except BadSignature:
        raise ItemTokenInvalid(_("token: not a practice item of yours")) from None
    if not isinstance(data, dict) or data.get("u") != user_id:
        raise ItemTokenInvalid(_("token: not a practice item of yours"))
    issued = datetime.fromtimestamp(int(data["t"]), tz=now.tzinfo)
    if now - issued > MAX_AGE:
        raise ItemTokenInvalid(_("token: this practice item has expired; load a new one"))
    return ServedItem(
        user_id=user_id,
        version_id=int(data["v"]),
        objective=str(data["o"]),
        nonce=str(data["n"]),
        issued_at=issued,
    )


def _opaque(secret: str, nonce: str, part: str, real: str) -> str:
    digest = hmac.new(secret.encode(), f"{nonce}|{part}|{real}".encode(), hashlib.sha256)
    return digest.hexdigest()[:10]


def display_for(question: QuestionBase, secret: str, nonce: str) -> dict[str, Any]:
    """Opaque ids in the order shown (the same shape as an attempt item's ``display``)."""
    seed = hmac.new(secret.encode(), nonce.encode(), hashlib.sha256).digest()
    rng = random.Random(seed)
    return registry.get(question.type).content.display(
        question, rng, lambda part, real: _opaque(secret, nonce, part, real)
    )
