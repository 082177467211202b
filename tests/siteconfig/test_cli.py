"""``flask settings show|set|reset|set-image|remove-image``: checked, audited as the system."""

from __future__ import annotations

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.siteconfig import services as siteconfig
from app.siteconfig.models import SiteImage
from tests.siteconfig import images


def run(runner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(args=["settings", *args])


def test_show_says_where_each_value_comes_from(runner, db_session):
    siteconfig.set_value(db_session, None, "signatory", "Dr Ada Byron")
    db_session.commit()
    output = run(runner, "show").output
    assert "organisation\t'Dry Needling Academy'\t(environment ISSUER_NAME)" in output
    assert "signatory\t'Dr Ada Byron'\t(database)" in output
    assert "attempt_grace_seconds\t60\t(environment ATTEMPT_GRACE_SECONDS)" in output
    assert "registration_open\tTrue\t(default)" in output
    assert "image logo\tnone" in output


def test_set_and_reset_are_audited_as_the_system(runner, db_session):
    result = run(runner, "set", "attempt_grace_seconds", "90")
    assert result.exit_code == 0 and "attempt_grace_seconds = 90" in result.output
    assert run(runner, "set", "registration_open", "off").exit_code == 0
    db_session.expire_all()
    assert siteconfig.stored_values(db_session) == {
        "attempt_grace_seconds": 90,
        "registration_open": False,
    }
    assert run(runner, "reset", "attempt_grace_seconds").exit_code == 0
    db_session.expire_all()
    assert "attempt_grace_seconds" not in siteconfig.stored_values(db_session)
    events = list(db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("site.%"))))
    assert len(events) == 3 and all(e.actor_id is None for e in events)


def test_bad_keys_and_values_exit_non_zero_and_store_nothing(runner, db_session):
    for args in (
        ("set", "no_such_key", "x"),
        ("set", "attempt_grace_seconds", "-1"),
        ("set", "attempt_grace_seconds", "9" * 400),
        ("set", "attempt_grace_seconds", "1e3"),
        ("set", "registration_open", "maybe"),
        ("set", "organisation", "Academy\x01"),
        ("set", "mail_sender", "nobody"),
        ("reset", "no_such_key"),
    ):
        result = run(runner, *args)
        assert result.exit_code == 2, (args, result.output)
        assert "Error:" in result.output
    db_session.expire_all()
    assert siteconfig.stored_values(db_session) == {}


def test_images_from_files(runner, db_session, tmp_path):
    good, bad = tmp_path / "logo.png", tmp_path / "logo.svg"
    good.write_bytes(images.png())
    bad.write_bytes(images.SVG)
    refused = run(runner, "set-image", "logo", str(bad))
    assert refused.exit_code == 2 and "Only PNG and JPEG" in refused.output
    stored = run(runner, "set-image", "logo", str(good))
    assert stored.exit_code == 0 and "image/png" in stored.output
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SiteImage)) == 1
    assert run(runner, "remove-image", "logo").exit_code == 0
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(SiteImage)) == 0
