"""The failed score posts page: listed with the platform's answer, resent one by one or all at
once (POST, CSRF, audited), never posting twice a score the platform accepted; a disabled
registration's posts are held, not lost."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import clock
from app.audit.models import AuditEvent
from app.lti import scores
from app.lti.models import LtiGradeLink, LtiPlatform, LtiScorePost
from app.lti.services import PlatformFields, register_platform, set_disabled
from tests import factories
from tests.conftest import csrf_token_from
from tests.lti.platform import SCORE_SCOPE, Platform


@pytest.fixture
def platform(app, client, db_session):
    test_platform = Platform()
    test_platform.start()
    register_platform(db_session, None, PlatformFields(**test_platform.registration()))
    db_session.commit()
    test_platform.tool_keyset = client.get("/lti/jwks.json").json
    yield test_platform
    test_platform.stop()


def score_post(db_session, platform, status: str = "failed", attempt_id: int = 1) -> LtiScorePost:
    row = db_session.scalar(sa.select(LtiPlatform))
    link = db_session.scalar(sa.select(LtiGradeLink))
    if link is None:
        learner = factories.make_user("trainee")
        link = LtiGradeLink(platform_id=row.id, user_id=learner.id, subject="platform-user-42",
                            module_slug="score-exam", lineitem=f"{platform.issuer}/lineitems/1",
                            scopes=[SCORE_SCOPE])  # fmt: skip
        db_session.add(link)
        db_session.flush()
    post = LtiScorePost(
        grade_link_id=link.id,
        attempt_id=attempt_id,
        score={"given": 7.0, "maximum": 10.0, "timestamp": clock.utcnow().isoformat()},
        status=status,
        attempts=8 if status == "failed" else 1,
        next_attempt_at=clock.utcnow(),
        last_error="LtiServiceException: HTTP response [503]" if status == "failed" else "",
        sent_at=clock.utcnow() if status == "sent" else None,
    )
    db_session.add(post)
    db_session.commit()
    return post


def resend(client, path: str):
    """POST with the page's CSRF token; the response is closed (what a server does once it
    has gone out: the queued score posts are sent then)."""
    token = csrf_token_from(client.get("/admin/lti/scores").get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token})
    response.close()
    return response


def test_a_failed_post_is_listed_and_resent_once(client, db_session, login_as, platform):
    post = score_post(db_session, platform)
    admin = login_as("admin")
    page = client.get("/admin/lti/scores").get_data(as_text=True)
    assert "HTTP response [503]" in page and "platform-user-42" in page and "score-exam" in page

    response = resend(client, f"/admin/lti/scores/{post.id}/resend")
    assert response.status_code == 302
    db_session.refresh(post)
    assert post.status == "sent" and len(platform.scores) == 1  # sent after the response
    assert platform.scores[0]["scoreGiven"] == 7.0
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "lti.score_resend"))
    assert event.actor_id == admin.id and event.subject_id == str(post.id)

    # Resending an accepted score is refused: the platform does not get it twice.
    again = resend(client, f"/admin/lti/scores/{post.id}/resend")
    assert again.status_code == 302
    assert "accepted this score already" in client.get("/admin/lti/scores").get_data(as_text=True)
    assert len(platform.scores) == 1


def test_a_failed_post_whose_attempt_was_accepted_meanwhile_is_not_resent(
    client, db_session, login_as, platform
):
    failed = score_post(db_session, platform, "failed", attempt_id=5)
    score_post(db_session, platform, "sent", attempt_id=5)
    login_as("admin")
    resend(client, f"/admin/lti/scores/{failed.id}/resend")
    db_session.refresh(failed)
    assert failed.status == "failed" and platform.scores == []
    resend(client, "/admin/lti/scores/resend-failed")
    db_session.refresh(failed)
    assert failed.status == "failed" and platform.scores == []


def test_resend_all_failed(client, db_session, login_as, platform):
    posts = [score_post(db_session, platform, attempt_id=n) for n in (1, 2)]
    login_as("admin")
    assert resend(client, "/admin/lti/scores/resend-failed").status_code == 302
    for post in posts:
        db_session.refresh(post)
        assert post.status == "sent"
    assert len(platform.scores) == 2
    assert "No failed score post" in client.get("/admin/lti/scores").get_data(as_text=True)


@pytest.mark.parametrize("role", ["trainee", "instructor"])
def test_only_administrators_see_and_resend(client, db_session, login_as, platform, role):
    post = score_post(db_session, platform)
    login_as(role)
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    assert client.get("/admin/lti/scores").status_code == 403
    for path in (f"/admin/lti/scores/{post.id}/resend", "/admin/lti/scores/resend-failed"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403
    db_session.refresh(post)
    assert post.status == "failed" and platform.scores == []


def test_a_resend_without_csrf_token_changes_nothing(client, db_session, login_as, platform):
    post = score_post(db_session, platform)
    login_as("admin")
    assert client.post(f"/admin/lti/scores/{post.id}/resend").status_code == 400
    db_session.refresh(post)
    assert post.status == "failed" and platform.scores == []


def test_a_disabled_registrations_posts_are_held_then_sent(db_session, platform):
    post = score_post(db_session, platform, "pending")
    post.attempts = 0
    row = db_session.scalar(sa.select(LtiPlatform))
    set_disabled(db_session, None, row, True)
    db_session.commit()
    assert scores.send_due(db_session) == (0, 0)
    db_session.refresh(post)
    assert post.status == "pending" and post.attempts == 0 and platform.scores == []
    assert scores.held_count(db_session) == 1
    set_disabled(db_session, None, row, False)
    db_session.commit()
    assert scores.send_due(db_session) == (1, 0)
    assert len(platform.scores) == 1
