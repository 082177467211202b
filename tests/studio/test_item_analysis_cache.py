"""The studio's item analysis is kept (app/derived) and computed again only when what it reads
changes: a closed attempt, a regrade (tests/regrade/test_regrade_forgets_analysis.py)."""

from __future__ import annotations

import json
import math
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.analysis.item_analysis import analyse, analyse_cached, dump_analysis, load_analysis
from app.derived import store
from app.derived.models import DerivedResult
from tests import factories
from tests.studio.conftest import single_choice
from tests.studio.test_item_analysis import _setup

URL = "/studio/modules/studio-exam/analysis"


def _kept(db_session, module_id):
    return db_session.scalar(
        sa.select(DerivedResult)
        .where(DerivedResult.kind == store.ITEM_ANALYSIS, DerivedResult.subject == str(module_id))
        .execution_options(populate_existing=True)
    )


def test_a_kept_analysis_reads_back_equal_to_a_fresh_one(build, db_session):
    _, module, _ = _setup(build)
    fresh = analyse(db_session, module)
    payload = json.loads(json.dumps(dump_analysis(fresh), allow_nan=False))
    loaded = load_analysis(module, payload)
    assert loaded.result.to_dict() == fresh.result.to_dict()
    assert loaded.result.items[0].distractors == fresh.result.items[0].distractors
    assert (loaded.attempts, loaded.fixed_form, loaded.labels) == (
        fresh.attempts, fresh.fixed_form, fresh.labels,
    )  # fmt: skip


def test_drawn_forms_read_back_equal_too(build, db_session):
    versions = [build.question(single_choice(f"kd-q{i}")) for i in range(4)]
    module = build.module(slug="kept-drawn", count=2)
    for i, j, picks in [(0, 1, "ab"), (1, 2, "aa"), (2, 3, "ba"), (0, 3, "bb"), (1, 3, "ab")]:
        marks = [
            (versions[k], 1.0 if c == "a" else 0.0, {"choice": c})
            for k, c in zip((i, j), picks, strict=True)
        ]
        build.attempt(factories.make_user("trainee"), module, marks)
    fresh = analyse(db_session, module)
    assert not fresh.fixed_form
    loaded = load_analysis(module, json.loads(json.dumps(dump_analysis(fresh))))
    assert loaded.result.to_dict() == fresh.result.to_dict()


def test_the_page_computes_once_then_reuses_it_until_an_attempt_closes(
    client, login_as, build, db_session, count_queries
):
    versions, module, _ = _setup(build)
    login_as("admin")
    first = client.get(URL)
    assert first.status_code == 200
    kept = _kept(db_session, module.id)
    assert kept is not None and kept.payload["attempts"] == 12
    with count_queries() as q:
        second = client.get(URL)
    assert second.status_code == 200
    # Reused: the attempts' items are not read again, only the stamp's aggregate.
    assert not [s for s in q.statements if "attempt_items" in s]
    rows = re.findall(r"ia-q\d v1</a></th>.*?</tr>", first.get_data(as_text=True), re.S)
    assert len(rows) == 5
    assert rows == re.findall(r"ia-q\d v1</a></th>.*?</tr>", second.get_data(as_text=True), re.S)
    assert "Calculated" in second.get_data(as_text=True)

    # A thirteenth trainee's first attempt closes: the stamp changes, the page computes again.
    build.attempt(
        factories.make_user("trainee"), module, [(v, 1.0, {"choice": "a"}) for v in versions]
    )
    with count_queries() as q:
        third = client.get(URL).get_data(as_text=True)
    assert [s for s in q.statements if "attempt_items" in s]
    assert "<strong>13</strong>" in third
    assert _kept(db_session, module.id).payload["attempts"] == 13


def test_analyse_cached_equals_analyse_after_every_change(build, db_session):
    versions, module, users = _setup(build)
    for step in range(3):
        kept = analyse_cached(db_session, module)
        again = analyse_cached(db_session, module)
        assert kept.computed_now and not again.computed_now
        assert again.value.result.to_dict() == analyse(db_session, module).result.to_dict()
        # A trainee whose first attempt was open closes it (a different change each step).
        marks = [(v, float(step % 2), {"choice": "a" if step % 2 else "b"}) for v in versions]
        build.attempt(factories.make_user("trainee"), module, marks)


def test_an_unreadable_stored_result_is_computed_again(build, db_session):
    _, module, _ = _setup(build)
    analyse_cached(db_session, module)
    store.keep(db_session)
    db_session.execute(
        sa.update(DerivedResult)
        .where(DerivedResult.kind == store.ITEM_ANALYSIS)
        .values(payload={"an": "older shape"})
    )
    again = analyse_cached(db_session, module)
    assert again.computed_now
    assert again.value.result.to_dict() == analyse(db_session, module).result.to_dict()
    store.keep(db_session)
    assert "result" in _kept(db_session, module.id).payload


def test_a_result_json_cannot_hold_is_shown_not_kept(db_session):
    def dump(value):
        json.dumps(value, allow_nan=False)
        return value

    got = store.cached(
        db_session, store.ITEM_ANALYSIS, "nan-subject", "s1", lambda: {"x": math.nan}, dump, dict
    )
    assert got.computed_now and math.isnan(got.value["x"])
    store.keep(db_session)
    assert db_session.get(DerivedResult, (store.ITEM_ANALYSIS, "nan-subject")) is None


def test_a_second_computation_for_another_stamp_replaces_the_first(db_session):
    for stamp, value in (("s1", {"v": 1}), ("s2", {"v": 2})):
        store.cached(db_session, store.ITEM_ANALYSIS, "x", stamp, lambda v=value: v, dict, dict)
        store.keep(db_session)
    db_session.expire_all()
    row = db_session.get(DerivedResult, (store.ITEM_ANALYSIS, "x"))
    assert (row.stamp, row.payload) == ("s2", {"v": 2})
    assert store.cached(
        db_session, store.ITEM_ANALYSIS, "x", "s2", lambda: pytest.fail("recomputed"), dict, dict
    ).value == {"v": 2}


def test_an_unknown_kind_is_refused(db_session):
    with pytest.raises(ValueError, match="unknown derived kind"):
        store.cached(db_session, "nope", 1, "s", dict, dict, dict)


def test_a_result_computed_in_a_rolled_back_transaction_is_not_kept(db_session):
    store.cached(db_session, store.ITEM_ANALYSIS, "rb", "s1", lambda: {"v": 1}, dict, dict)
    db_session.rollback()
    store.keep(db_session)
    assert db_session.get(DerivedResult, (store.ITEM_ANALYSIS, "rb")) is None


def test_a_queued_result_is_reused_before_it_is_kept(db_session):
    store.cached(db_session, store.ITEM_ANALYSIS, "q", "s1", lambda: {"v": 1}, dict, dict)
    again = store.cached(
        db_session, store.ITEM_ANALYSIS, "q", "s1", lambda: pytest.fail("recomputed"), dict, dict
    )
    assert again.value == {"v": 1} and not again.computed_now


def _reads_payload(statements: list[str]) -> bool:
    return any("derived_results.payload" in s for s in statements)


def test_a_worker_reuses_the_result_it_loaded_while_the_stored_row_is_that_one(
    db_session, count_queries
):
    """Issue 19: an analysis of a 10,000-question pool is a 10 MB payload. A worker keeps the
    result it loaded and reads only the row's stamp and time while that row stays: another
    worker's newer result, a row ``forget`` deleted (a regrade) or another stamp is read or
    computed again."""
    loads: list[object] = []

    def load(payload):
        loads.append(payload)
        return dict(payload)

    def get(stamp="s1", compute=lambda: {"v": 1}):
        return store.cached(db_session, store.ITEM_ANALYSIS, "w", stamp, compute, dict, load)

    get()
    store.keep(db_session)
    first = get()  # read from its row, kept by the worker
    with count_queries() as q:
        second = get(compute=lambda: pytest.fail("recomputed"))
    assert second.value is first.value and len(loads) == 1 and not _reads_payload(q.statements)

    # Another worker stores a newer result for the same stamp: read again, not the old copy.
    db_session.execute(
        sa.update(DerivedResult)
        .where(DerivedResult.subject == "w")
        .values(payload={"v": 2}, computed_at=first.computed_at + timedelta(seconds=1))
    )
    with count_queries() as q:
        assert get().value == {"v": 2}
    assert _reads_payload(q.statements) and len(loads) == 2

    # A regrade forgets the row (the stamp may not change): computed again.
    store.forget(db_session, store.ITEM_ANALYSIS, ["w"])
    assert get(compute=lambda: {"v": 3}).computed_now
    assert get("s2", compute=lambda: {"v": 4}).value == {"v": 4}  # another stamp


def test_a_worker_keeps_only_the_most_recently_used_results(db_session, monkeypatch):
    monkeypatch.setitem(store.KEEP_LOADED, store.ITEM_ANALYSIS, 2)
    for subject in ("a", "b", "c"):
        store.cached(db_session, store.ITEM_ANALYSIS, subject, "s", lambda: {"v": 1}, dict, dict)
    store.keep(db_session)
    for subject in ("a", "b", "a", "c"):  # "b" is the least recently used when "c" comes
        store.cached(db_session, store.ITEM_ANALYSIS, subject, "s", pytest.fail, dict, dict)
    assert [k for k in store._loaded if k[0] == store.ITEM_ANALYSIS] == [
        (store.ITEM_ANALYSIS, "a"),
        (store.ITEM_ANALYSIS, "c"),
    ]


def test_a_reused_analysis_carries_the_requests_own_module(build, db_session):
    """The worker's copy is shared by its requests; the module it names is the caller's, not
    the object of the request that loaded it (that session is gone)."""
    from app.banks.models import Module

    _, module, _ = _setup(build)
    analyse_cached(db_session, module)
    store.keep(db_session)
    loaded = analyse_cached(db_session, module)  # read from its row: the worker keeps it
    db_session.expunge(module)
    fresh = db_session.get(Module, loaded.value.module.id)
    reused = analyse_cached(db_session, fresh)
    assert reused.value.result is loaded.value.result and not reused.computed_now
    assert reused.value.module is fresh and fresh is not module
