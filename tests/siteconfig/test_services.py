"""Settings in the database: the environment is the default, a stored value wins, each change
is audited, and a bad value or image is refused with nothing stored (both databases)."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
import sqlalchemy as sa
from PIL import Image

from app.audit.models import AuditEvent
from app.settings import get_settings
from app.siteconfig import services as siteconfig
from app.siteconfig.images import ImageRejected, ImageTooLarge
from app.siteconfig.models import SiteImage, SiteSetting
from tests import factories
from tests.siteconfig import images

LIMIT = 64 * 1024


def events(db_session, prefix: str = "site.") -> list[AuditEvent]:
    return list(
        db_session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action.startswith(prefix))
            .order_by(AuditEvent.id)
        )
    )


def count(db_session, model) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def test_unset_settings_are_the_environments(app, db_session):
    with app.app_context():
        env = get_settings()
        effective = siteconfig.apply_overrides(db_session, env)
        branding = siteconfig.branding(db_session, env.issuer)
    assert effective == env
    assert branding.organisation == env.issuer.name == "Dry Needling Academy"
    assert branding.signatory == env.issuer.signatory
    assert branding.logo is None and branding.signature is None
    assert siteconfig.registration_open(db_session) is True


def test_a_stored_value_wins_over_the_environment_and_is_audited(app, db_session):
    admin = factories.make_user("admin")
    siteconfig.set_value(db_session, admin, "organisation", "  Institute of Needling  ")
    siteconfig.set_value(db_session, admin, "signatory", "Dr Ada Byron, Registrar")
    siteconfig.set_value(db_session, admin, "attempt_grace_seconds", 15)
    siteconfig.set_value(db_session, admin, "mail_sender", "Institute <exams@institute.org>")
    db_session.commit()
    with app.app_context():
        env = get_settings()
        effective = siteconfig.apply_overrides(db_session, env)
        branding = siteconfig.branding(db_session, env.issuer)
    assert effective.issuer.name == branding.organisation == "Institute of Needling"  # trimmed
    assert effective.issuer.signatory == branding.signatory == "Dr Ada Byron, Registrar"
    assert effective.attempt_grace_seconds == 15 and env.attempt_grace_seconds == 60
    assert effective.mail.default_sender == "Institute <exams@institute.org>"
    assert effective.issuer.base_url == env.issuer.base_url  # the rest stays the environment's
    changed = events(db_session)
    assert [e.subject_id for e in changed] == [
        "organisation",
        "signatory",
        "attempt_grace_seconds",
        "mail_sender",
    ]
    assert all(e.actor_id == admin.id and e.action == "site.setting_changed" for e in changed)
    assert changed[0].details == {"before": None, "after": "Institute of Needling"}
    assert changed[2].details == {"before": None, "after": 15}


def test_an_unchanged_value_writes_no_audit_event(db_session):
    siteconfig.set_value(db_session, None, "attempt_grace_seconds", 30)
    assert siteconfig.set_value(db_session, None, "attempt_grace_seconds", 30) is False
    assert len(events(db_session)) == 1


def test_reset_goes_back_to_the_environment(app, db_session):
    siteconfig.set_value(db_session, None, "organisation", "Elsewhere")
    assert siteconfig.reset_value(db_session, None, "organisation") is True
    assert siteconfig.reset_value(db_session, None, "organisation") is False
    db_session.commit()
    with app.app_context():
        assert siteconfig.apply_overrides(db_session, get_settings()).issuer.name == (
            "Dry Needling Academy"
        )
    reset = events(db_session)[-1]
    assert reset.action == "site.setting_reset"
    assert reset.details == {"before": "Elsewhere", "after": None}


HOSTILE = [
    ("organisation", "Academy\x00"),
    ("organisation", "Academy \ud800"),
    ("organisation", "Line one\nLine two"),
    ("organisation", "\u202eymedacA"),  # a right-to-left override
    ("organisation", "Zero\u200bwidth"),
    ("organisation", "x" * 201),
    ("organisation", ""),
    ("organisation", "   "),
    ("organisation", 42),
    ("signatory", "Registrar\r\n"),
    ("signatory", "y" * 5000),
    ("attempt_grace_seconds", -1),
    ("attempt_grace_seconds", 3601),
    ("attempt_grace_seconds", 10**30),
    ("attempt_grace_seconds", True),
    ("attempt_grace_seconds", "60"),
    ("attempt_grace_seconds", 1.5),
    ("mail_sender", "not an address"),
    ("mail_sender", "a@example.org, b@example.org"),
    ("mail_sender", "Academy <a@example.org>\r\nBcc: victim@example.org"),
    ("mail_sender", "Academy <a@localhost>"),
    ("mail_sender", "A <" + "a" * 300 + "@example.org>"),
    ("registration_open", "yes"),
]


@pytest.mark.parametrize(("key", "value"), HOSTILE)
def test_a_bad_value_is_refused_and_nothing_is_stored(db_session, key, value):
    with pytest.raises(siteconfig.InvalidSetting) as refused:
        siteconfig.set_value(db_session, None, key, value)
    assert refused.value.key == key
    assert count(db_session, SiteSetting) == 0 and events(db_session) == []


def test_an_unknown_setting_is_refused(db_session):
    with pytest.raises(siteconfig.UnknownSetting):
        siteconfig.set_value(db_session, None, "issuer_name", "X")
    with pytest.raises(siteconfig.UnknownSetting):
        siteconfig.set_image(db_session, None, "favicon", images.png(), LIMIT)
    assert count(db_session, SiteSetting) == 0 and count(db_session, SiteImage) == 0


def test_a_logo_is_stored_re_encoded_and_its_changes_audited_by_hash(app, db_session):
    admin = factories.make_user("admin")
    first = siteconfig.set_image(db_session, admin, "logo", images.png(text="secret"), LIMIT)
    assert first.mime == "image/png"
    assert first.sha256 == hashlib.sha256(first.data).hexdigest()
    assert b"secret" not in first.data  # metadata is not kept
    with Image.open(io.BytesIO(first.data)) as decoded:
        assert decoded.size == (40, 20)
    second = siteconfig.set_image(db_session, admin, "logo", images.jpeg(), LIMIT)
    signature = siteconfig.set_image(db_session, admin, "signature", images.png(60, 30), LIMIT)
    db_session.commit()
    with app.app_context():
        branding = siteconfig.branding(db_session, get_settings().issuer)
    assert branding.logo == second and branding.logo.mime == "image/jpeg"
    assert branding.signature == signature
    assert siteconfig.remove_image(db_session, admin, "logo") is True
    assert siteconfig.remove_image(db_session, admin, "logo") is False
    assert siteconfig.get_image(db_session, "logo") is None
    changed, replaced, _, removed = events(db_session)
    assert changed.details["before"] is None and changed.details["after"] == first.sha256
    assert replaced.details["before"] == first.sha256
    assert replaced.details["after"] == second.sha256
    assert removed.action == "site.image_removed"
    assert removed.details == {"before": second.sha256, "after": None}
    assert all(len(json.dumps(e.details)) < 300 for e in (changed, replaced, removed))  # no bytes


def test_a_polyglot_keeps_only_its_pixels(db_session):
    polyglot = images.png() + b"<html><script>alert(1)</script></html>"
    stored = siteconfig.set_image(db_session, None, "logo", polyglot, LIMIT)
    assert b"<script>" not in stored.data


BAD_IMAGES = [
    ("svg", images.SVG, ImageRejected),
    ("svg after spaces", b"  " + images.SVG, ImageRejected),
    ("gif", images.gif(), ImageRejected),
    ("png with a bad body", images.png_with_bad_body(), ImageRejected),
    ("truncated png", images.truncated_png(), ImageRejected),
    ("jpeg magic then garbage", b"\xff\xd8\xff\xe0" + b"\x00" * 64, ImageRejected),
    ("pixel flood", images.pixel_flood_png(), ImageRejected),
    ("empty", b"", ImageRejected),
    ("html", b"<html><body>logo</body></html>", ImageRejected),
    ("oversized", images.png(1200, 1200, "red") + b"\x00" * LIMIT, ImageTooLarge),
]


@pytest.mark.parametrize(("name", "data", "error"), BAD_IMAGES, ids=[b[0] for b in BAD_IMAGES])
def test_a_bad_image_is_refused_and_nothing_is_stored(db_session, name, data, error):
    siteconfig.set_image(db_session, None, "signature", images.png(), LIMIT)
    before = siteconfig.get_image(db_session, "signature")
    audited = len(events(db_session))
    with pytest.raises(error):
        siteconfig.set_image(db_session, None, "signature", data, LIMIT)
    assert siteconfig.get_image(db_session, "signature") == before
    assert count(db_session, SiteImage) == 1 and len(events(db_session)) == audited


def test_the_images_bytes_kept_per_process_are_bounded_and_each_image_still_shown(
    db_session, monkeypatch
):
    monkeypatch.setattr(siteconfig, "_IMAGE_BYTES", {})
    monkeypatch.setattr(siteconfig, "_IMAGE_BYTES_KEPT", 1)
    logo = siteconfig.set_image(db_session, None, "logo", images.png(color="navy"), 64 * 1024)
    signature = siteconfig.set_image(
        db_session, None, "signature", images.png(color="black"), 64 * 1024
    )
    db_session.commit()
    for _ in range(2):
        shown = siteconfig.get_images(db_session)
        assert shown["logo"].data == logo.data and shown["signature"].data == signature.data
        assert len(siteconfig._IMAGE_BYTES) == 1
