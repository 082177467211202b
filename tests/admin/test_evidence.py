"""Evidence for reviewers on crafted data: speed, identical patterns in a cohort, bursts;
the queue and detail pages show them; bulk approve skips flagged completions unless told."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import clock
from app.admin import evidence_queries
from app.admin.evidence import Thresholds
from app.banks.models import Module
from app.banks.schema import Mode
from app.certificates import services
from app.certificates.models import Certificate, Completion, CompletionStatus
from app.quiz.models import Attempt, AttemptItem, AttemptStatus
from tests import factories
from tests.certificates.helpers import make_program
from tests.conftest import csrf_token_from
from tests.studio.conftest import Builder, single_choice

QUESTIONS = 6


def attempt(session, user, module, versions, *, start, seconds, choice=None, attempt_no=1):
    """A passed exam attempt of ``len(versions)`` items answered evenly over ``seconds``;
    ``choice(i)`` gives the response of item i (default: a per-user pattern)."""
    done_at = start + timedelta(seconds=seconds)
    row = Attempt(
        user_id=user.id,
        module_id=module.id,
        attempt_no=attempt_no,
        mode=Mode.EXAM,
        status=AttemptStatus.SUBMITTED,
        started_at=start,
        submitted_at=done_at,
        score=float(len(versions)),
        max_score=float(len(versions)),
        percent=100.0,
        passed=True,
        pass_mark=70.0,
    )
    step = seconds / len(versions)
    row.items = [
        AttemptItem(
            position=i + 1,
            question_version_id=v.id,
            display={},
            response=(choice or (lambda n: {"choice": f"u{user.id}-{n}"}))(i),
            saved_at=start + timedelta(seconds=step * (i + 1)),
            score=1.0,
            max_score=1.0,
        )
        for i, v in enumerate(versions)
    ]
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def world(app, db_session, settings):
    """A program of two exam modules; ``complete(user, seconds=…)`` gives a trainee passed
    attempts of both (started two hours ago) and a pending completion. (No app context is
    held open across the test: Flask-WTF would keep one CSRF token in ``g`` for every
    request of the client.)"""
    program, modules, _ = make_program(db_session)
    build = Builder(db_session)
    versions = [build.question(single_choice(f"ev-q{i}")) for i in range(QUESTIONS)]
    start = clock.utcnow() - timedelta(hours=2)

    def complete(user, seconds=1800.0, choice=None, extra=()):
        for module in modules:
            attempt(db_session, user, module, versions, start=start, seconds=seconds, choice=choice)
        for n, minutes in enumerate(extra, start=2):
            attempt(
                db_session, user, modules[0], versions,
                start=start + timedelta(minutes=minutes), seconds=1800, attempt_no=n,
            )  # fmt: skip
        completion = services.record_completion(db_session, user, program, settings=settings)
        db_session.commit()
        return completion

    return complete


def _evidence(db_session, completion):
    return evidence_queries.evidence_for(db_session, [completion], Thresholds())[completion.id]


def test_an_honest_completion_has_evidence_and_no_flags(db_session, world):
    completion = world(factories.make_user("trainee"))
    ev = _evidence(db_session, completion)
    assert len(ev.attempts) == 2 and not ev.flagged
    assert ev.attempts[0].seconds == 1800 and ev.attempts[0].questions == QUESTIONS
    assert ev.distribution.count == 2 * QUESTIONS and ev.distribution.median == 300


def test_six_seconds_for_six_questions_is_flagged_as_speed(db_session, world):
    completion = world(factories.make_user("trainee"), seconds=6)
    ev = _evidence(db_session, completion)
    assert {f.kind for f in ev.flags} == {"speed"} and len(ev.flags) == 2
    assert ev.distribution.median == 1.0


def test_the_same_responses_as_a_cohort_peer_are_flagged(db_session, world):
    same = lambda n: {"choice": f"same-{n}"}  # noqa: E731
    first = world(factories.make_user("trainee"), choice=same)
    second = world(factories.make_user("trainee"), choice=same)
    outsider = world(factories.make_user("trainee", enrol=False), choice=same)
    found = evidence_queries.evidence_for(db_session, [first, second, outsider], Thresholds())
    assert {f.kind for f in found[first.id].flags} == {"identical"}
    assert {f.kind for f in found[second.id].flags} == {"identical"}
    assert not found[outsider.id].flagged  # in no cohort: no peers to compare with


def test_three_attempts_of_a_module_within_an_hour_are_flagged(db_session, world):
    burst = world(factories.make_user("trainee"), extra=(10, 40))  # attempts at 0, 10, 40 min
    spread = world(factories.make_user("trainee"), extra=(50, 100))  # 0, 50, 100 min
    assert [f.kind for f in _evidence(db_session, burst).flags] == ["burst"]
    assert not _evidence(db_session, spread).flagged


def test_the_queue_and_the_detail_page_show_the_evidence(client, db_session, login_as, world):
    fast = world(factories.make_user("trainee", name="Speedy Trainee"), seconds=6)
    login_as("admin")
    queue = client.get("/admin/completions").get_data(as_text=True)
    assert "Flagged:</strong> speed" in queue
    assert f'name="completion_ids" value="{fast.id}"' in queue
    page = client.get(f"/admin/completions/{fast.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1.0 s per question on average (under 10 s)" in body
    assert "Median</dt><dd>1 s" in body and "Speedy Trainee" in body
    assert client.get("/admin/completions/999999").status_code == 404


def _bulk(client, ids, **extra):
    token = csrf_token_from(client.get("/admin/completions").get_data(as_text=True))
    data = {"csrf_token": token, "completion_ids": [str(i) for i in ids], **extra}
    return client.post("/admin/completions/bulk-approve", data=data)


def _statuses(db_session, *completions):
    db_session.expire_all()
    return [db_session.get(Completion, c.id).status for c in completions]


def test_bulk_approve_skips_flagged_unless_told(client, db_session, login_as, world):
    honest = world(factories.make_user("trainee"))
    fast = world(factories.make_user("trainee"), seconds=6)
    login_as("admin")
    response = _bulk(client, [honest.id, fast.id], confirm="y")
    assert response.status_code == 302
    assert _statuses(db_session, honest, fast) == [
        CompletionStatus.APPROVED,
        CompletionStatus.PENDING,
    ]
    assert "skipped 1 flagged" in client.get("/admin/completions").get_data(as_text=True)
    _bulk(client, [fast.id], confirm="y", include_flagged="y")
    assert _statuses(db_session, fast) == [CompletionStatus.APPROVED]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 2


@pytest.mark.parametrize(
    "extra", [{}, {"include_flagged": "y"}], ids=["unconfirmed", "unconfirmed-flagged"]
)
def test_bulk_approve_without_confirmation_changes_nothing(
    client, db_session, login_as, world, extra
):
    honest = world(factories.make_user("trainee"))
    login_as("admin")
    assert _bulk(client, [honest.id], **extra).status_code == 302
    assert _statuses(db_session, honest) == [CompletionStatus.PENDING]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 0


@pytest.mark.parametrize("ids", [[], ["x"]], ids=["none", "not-a-number"])
def test_bulk_approve_with_a_bad_selection_changes_nothing(
    client, db_session, login_as, world, ids
):
    honest = world(factories.make_user("trainee"))
    login_as("admin")
    assert _bulk(client, ids, confirm="y").status_code == 302
    assert _statuses(db_session, honest) == [CompletionStatus.PENDING]
    assert "nothing has changed" in client.get("/admin/completions").get_data(as_text=True)


def test_the_queue_queries_do_not_grow_with_completions(
    client, db_session, login_as, world, count_queries
):
    """PERFORMANCE.md: the review list's query count is the same for few and many rows."""
    login_as("admin")
    counts = []
    for trainees in (2, 6):
        for _ in range(trainees):
            world(factories.make_user("trainee"), seconds=6)
        with count_queries() as q:
            assert client.get("/admin/completions").status_code == 200
        counts.append(q.count)
    assert counts[0] == counts[1]


def _reference_evidence(db_session, completions, thresholds):
    """Issue 19 reference: the evidence as computed before the page-wide peer index, with the
    identical flag by the plain pairwise definition (``same_pattern``) over each completion's
    own cohort peers."""
    from app.admin import evidence

    q = evidence_queries
    slugs = set().union(*(q._program_slugs(c) for c in completions))
    module_ids = {m.slug: m.id for m in db_session.scalars(sa.select(Module))}
    module_ids = {s: i for s, i in module_ids.items() if s in slugs}
    peers = q._cohort_peers(db_session, q._cohorts_of(db_session, (c.user_id for c in completions)))
    own_rows = q._attempts(db_session, (c.user_id for c in completions), module_ids.values())
    peer_rows = q._attempts(db_session, set().union(set(), *peers.values()), module_ids.values())
    items = q._items(db_session, [a.id for a, _ in own_rows + peer_rows])
    own = [q._facts(a, t, items[a.id]) for a, t in own_rows]
    others = [q._facts(a, t, items[a.id]) for a, t in peer_rows]
    out = {}
    for c in completions:
        modules = {module_ids[s] for s in q._program_slugs(c) if s in module_ids}
        mine = [
            a
            for a in own
            if a.user_id == c.user_id and a.module_id in modules and a.started_at <= c.completed_at
        ]
        theirs = [a for a in others if a.user_id in peers.get(c.user_id, set())]
        identical = []
        for a in mine:
            matches = [
                p
                for p in theirs
                if p.module_id == a.module_id
                and p.user_id != a.user_id
                and evidence.same_pattern(a.responses, p.responses, thresholds.identical_min_items)
            ]
            if matches:
                identical.append((a.attempt_id, *(p.attempt_id for p in matches)))
        out[c.id] = (mine, identical)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_page_wide_peer_index_finds_what_the_per_completion_comparison_found(
    db_session, world, seed
):
    rng = random.Random(seed)
    patterns = [
        (lambda k: (lambda n: {"choice": f"p{k}-{n}" if n % 3 else "common"}))(k) for k in range(3)
    ]
    completions = []
    for _ in range(8):
        user = factories.make_user("trainee", enrol=rng.random() > 0.2)
        completions.append(world(user, choice=rng.choice(patterns) if rng.random() > 0.3 else None))
    found = evidence_queries.evidence_for(db_session, completions, Thresholds())
    expected = _reference_evidence(db_session, completions, Thresholds())
    assert any(e[1] for e in expected.values())  # the seeds do make identical flags
    for c in completions:
        mine, identical = expected[c.id]
        assert found[c.id].attempts == mine
        got = [f.attempt_ids for f in found[c.id].flags if f.kind == "identical"]
        assert got == identical


def _identical(found, completion):
    return [f.attempt_ids for f in found[completion.id].flags if f.kind == "identical"]


def test_kept_flags_are_reused_and_recomputed_when_the_cohort_changes(
    db_session, world, count_queries
):
    """The identical-answers flags are kept per completion (app/derived) and computed again
    when a cohort peer finishes an attempt, leaves the cohort, or the threshold changes; at
    each step they equal the pairwise reference."""
    from app.derived import store
    from app.enrolment.models import Enrolment

    same = lambda n: {"choice": f"kept-{n}"}  # noqa: E731
    first = world(factories.make_user("trainee"), choice=same)
    honest = world(factories.make_user("trainee"))
    completions = [first, honest]

    def check(thresholds=None):
        thresholds = thresholds or Thresholds()
        found = evidence_queries.evidence_for(db_session, completions, thresholds)
        store.keep(db_session)
        expected = _reference_evidence(db_session, completions, thresholds)
        for c in completions:
            assert _identical(found, c) == expected[c.id][1]
        return found

    assert _identical(check(), first) == []
    with count_queries() as q:
        again = evidence_queries.evidence_for(db_session, completions, Thresholds())
    # Kept: only the completions' own items are read, not every peer's.
    assert len([s for s in q.statements if "FROM attempt_items" in s]) == 1
    assert _identical(again, first) == []

    copier = factories.make_user("trainee")
    world(copier, choice=same)  # a peer finishes attempts with the same answers
    assert len(_identical(check(), first)) == 2  # both modules' attempts now match

    enrolment = db_session.scalar(sa.select(Enrolment).where(Enrolment.user_id == copier.id))
    cohort_id, enrolment.cohort_id = enrolment.cohort_id, None  # the copier leaves the cohort
    db_session.commit()
    assert _identical(check(), first) == []

    world(factories.make_user("trainee", enrol=False), choice=same)  # in no cohort: no peer
    assert _identical(check(), first) == []

    enrolment.cohort_id = cohort_id  # the copier comes back
    db_session.commit()
    assert len(_identical(check(), first)) == 2
    strict = Thresholds(identical_min_items=QUESTIONS + 1)  # more than the exam has
    assert _identical(check(strict), first) == []
    assert len(_identical(check(), first)) == 2


def test_a_kept_result_of_an_older_shape_is_computed_again(db_session, world):
    from app.derived import store
    from app.derived.models import DerivedResult

    same = lambda n: {"choice": f"old-{n}"}  # noqa: E731
    first = world(factories.make_user("trainee"), choice=same)
    world(factories.make_user("trainee"), choice=same)
    assert _identical(evidence_queries.evidence_for(db_session, [first], Thresholds()), first)
    store.keep(db_session)
    db_session.execute(
        sa.update(DerivedResult)
        .where(DerivedResult.kind == store.IDENTICAL_ANSWERS)
        .values(payload={"older": True})
    )
    found = evidence_queries.evidence_for(db_session, [first], Thresholds())
    assert len(_identical(found, first)) == 2
    store.keep(db_session)
    row = db_session.get(DerivedResult, (store.IDENTICAL_ANSWERS, str(first.id)))
    db_session.refresh(row)
    assert "matches" in row.payload
