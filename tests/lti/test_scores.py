"""End to end: a launched learner takes the module, the platform receives the score (AGS,
through its OAuth2 token endpoint); a platform that is down gets it later; failures resend."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.lti.models import LtiAccount, LtiScorePost
from app.lti.services import PlatformFields, register_platform
from tests import factories
from tests.lti.platform import AGS, SCORE_SCOPE, Platform
from tests.lti.test_launch import launch, login_initiation
from tests.quiz.conftest import Trainee, bank  # noqa: F401 (fixture, by name)
from tests.xapi.test_lrs import take_module


@pytest.fixture
def platform(app, client, db_session):
    test_platform = Platform()
    test_platform.start()
    register_platform(db_session, None, PlatformFields(**test_platform.registration()))
    db_session.commit()
    test_platform.tool_keyset = client.get("/lti/jwks.json").json  # as a platform fetches it
    yield test_platform
    test_platform.stop()


def launched_learner(app, client, db_session, platform) -> Trainee:
    auth = login_initiation(client, platform)
    claim = {AGS: {"scope": [SCORE_SCOPE], "lineitem": f"{platform.issuer}/lineitems/1"}}
    assert (
        launch(client, auth["state"], platform.id_token(auth["nonce"], **claim)).status_code == 302
    )
    link = db_session.scalar(sa.select(LtiAccount))
    user = db_session.get(factories.User, link.user_id)
    issued = factories.make_token(user)
    db_session.commit()
    return Trainee(user=user, client=app.test_client(), token=issued.secret)


@pytest.mark.usefixtures("bank")
def test_a_launched_learner_takes_the_module_and_the_platform_receives_the_score(
    app, client, db_session, platform
):
    learner = launched_learner(app, client, db_session, platform)
    take_module(learner, db_session, "score-exam")
    assert platform.refused == []
    [score] = platform.scores
    assert score["userId"] == "platform-user-42"
    assert score["scoreGiven"] == score["scoreMaximum"] > 0
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    post = db_session.scalar(sa.select(LtiScorePost))
    db_session.refresh(post)
    assert post.status == "sent" and post.attempts == 1
    assert db_session.scalar(
        sa.select(AuditEvent.action).where(AuditEvent.action == "lti.score_sent")
    )


@pytest.mark.usefixtures("bank")
def test_a_platform_that_is_down_gets_the_score_later_and_failures_can_be_resent(
    app, client, db_session, platform, runner, frozen_clock
):
    learner = launched_learner(app, client, db_session, platform)
    platform.down = True
    take_module(learner, db_session, "score-exam")
    post = db_session.scalar(sa.select(LtiScorePost))
    db_session.refresh(post)
    assert (
        post.status == "pending" and post.attempts == 1 and "LtiServiceException" in post.last_error
    )
    assert runner.invoke(args=["lti", "scores", "send"]).output.startswith("Sent 0, failed 0")
    for _ in range(8):  # every retry after its backoff, until given up
        frozen_clock.advance(hours=7)
        runner.invoke(args=["lti", "scores", "send"])
    db_session.refresh(post)
    assert post.status == "failed" and platform.scores == []
    assert str(post.id) in runner.invoke(args=["lti", "scores", "list", "--failed"]).output

    platform.down = False
    result = runner.invoke(args=["lti", "scores", "resend", str(post.id)])
    assert "Sent 1" in result.output, result.output
    db_session.refresh(post)
    assert post.status == "sent" and len(platform.scores) == 1
