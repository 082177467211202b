"""Item analysis from the database: first exam attempts only, checked against numpy."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from app.analysis.item_analysis import analyse
from app.banks.schema import Mode
from app.quiz.models import AttemptStatus
from tests import factories
from tests.studio.conftest import single_choice

# 12 examinees × 5 single-choice items; the key of every item is "a".
CHOICES = [
    "aaaaa",
    "aaaab",
    "aabac",
    "abaaa",
    "baaca",
    "aabbd",
    "acbaa",
    "bbaad",
    "abcca",
    "cbbab",
    "dcbbb",
    "bddcc",
]


def _setup(build, choices=CHOICES):
    versions = [build.question(single_choice(f"ia-q{i}")) for i in range(5)]
    module = build.module(count=5)
    users = []
    for row in choices:
        user = factories.make_user("trainee")
        users.append(user)
        marks = [
            (v, 1.0 if c == "a" else 0.0, {"choice": c}) for v, c in zip(versions, row, strict=True)
        ]
        build.attempt(user, module, marks)
    return versions, module, users


def _numpy_reference(choices):
    x = np.array([[1.0 if c == "a" else 0.0 for c in row] for row in choices])
    n, k = x.shape
    totals = x.sum(axis=1)
    ref = {"items": []}
    for i in range(k):
        xi = x[:, i]
        rest = totals - xi
        ref["items"].append(
            {
                "facility": xi.mean(),
                "sd": xi.std(ddof=1),
                "discrimination_index": np.corrcoef(xi, rest)[0, 1],
                "point_biserial": np.corrcoef(xi, totals)[0, 1],
                "alpha_if_deleted": _alpha(np.delete(x, i, axis=1)),
            }
        )
    d = totals - totals.mean()
    m2, m3, m4 = (d**2).mean(), (d**3).mean(), (d**4).mean()
    k2 = n * m2 / (n - 1)
    k3 = n**2 * m3 / ((n - 1) * (n - 2))
    k4 = n**2 * ((n + 1) * m4 - 3 * (n - 1) * m2**2) / ((n - 1) * (n - 2) * (n - 3))
    alpha = _alpha(x)
    ref["test"] = {
        "n": n,
        "mean": totals.mean(),
        "median": float(np.median(totals)),
        "sd": totals.std(ddof=1),
        "skewness": k3 / k2**1.5,
        "kurtosis": k4 / k2**2,
        "alpha": alpha,
        "kr20": k / (k - 1) * (1 - (x.mean(0) * (1 - x.mean(0))).sum() / totals.var(ddof=0)),
        "sem": totals.std(ddof=1) * np.sqrt(1 - alpha),
    }
    return ref


def _alpha(x):
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


def test_statistics_match_an_independent_numpy_computation(build, db_session):
    _, module, _ = _setup(build)
    analysis = analyse(db_session, module)
    assert analysis.fixed_form and analysis.attempts == 12
    ref = _numpy_reference(CHOICES)
    result = analysis.result.to_dict()
    for name, value in ref["test"].items():
        assert result["test"][name] == pytest.approx(value, abs=1e-9), name
    for got, want in zip(result["items"], ref["items"], strict=True):
        for name, value in want.items():
            assert got[name] == pytest.approx(value, abs=1e-9), (got["item"], name)


def test_distractor_table_counts_the_canonical_option_chosen(build, db_session):
    _, module, _ = _setup(build)
    result = analyse(db_session, module).result
    first = result.items[0]
    counts = {row.option: row.count for row in first.distractors}
    assert counts == {"a": 7, "b": 3, "c": 1, "d": 1}
    assert [row.is_key for row in first.distractors] == [True, False, False, False]
    # Nobody chose d in item 3 (index 2)? ia-q2 column: a,b,a,a,a,b,b,a,c,b,b,d -> d once.
    second = result.items[1]
    assert {row.option: row.count for row in second.distractors}["d"] == 1


def test_only_first_exam_attempts_count(build, db_session):
    versions, module, users = _setup(build)
    before = analyse(db_session, module).result.to_dict()
    # Second attempts, practice attempts and an open first attempt change nothing.
    perfect = [(v, 1.0, {"choice": "a"}) for v in versions]
    wrong = [(v, 0.0, {"choice": "b"}) for v in versions]
    for user in users:
        build.attempt(user, module, wrong, attempt_no=2)
    practice_user = factories.make_user("trainee")
    build.attempt(practice_user, module, perfect, mode=Mode.PRACTICE)
    open_user = factories.make_user("trainee")
    build.attempt(open_user, module, perfect, status=AttemptStatus.IN_PROGRESS)
    after = analyse(db_session, module)
    assert after.attempts == 12
    now = after.result.to_dict()
    # Exposure counts every trainee served (the practice and the open attempt too): 12 -> 14.
    assert {i["exposure"] for i in before["items"]} == {12}
    assert {i["exposure"] for i in now["items"]} == {14}
    for data in (before, now):
        for item in data["items"]:
            item.pop("exposure")
    assert now == before


def test_practice_attempts_never_count_even_when_first(build, db_session):
    versions, module, _ = _setup(build)
    user = factories.make_user("trainee")
    # The practice attempt is attempt 1; the exam-mode attempt 2 is this trainee's first exam.
    build.attempt(user, module, [(v, 1.0, {"choice": "a"}) for v in versions], mode=Mode.PRACTICE)
    build.attempt(user, module, [(v, 0.0, {"choice": "c"}) for v in versions], attempt_no=2)
    analysis = analyse(db_session, module)
    assert analysis.attempts == 13
    assert analysis.result.test.mean == pytest.approx(
        np.mean([row.count("a") for row in CHOICES] + [0])
    )


def test_drawn_forms_use_rest_of_attempt_per_version(build, db_session):
    versions = [build.question(single_choice(f"dr-q{i}")) for i in range(4)]
    module = build.module(slug="drawn-exam", count=2)
    rows = [((0, 1), "aa"), ((0, 2), "ab"), ((1, 3), "ba"), ((2, 3), "aa"), ((0, 3), "bb")]
    for (i, j), picks in rows:
        user = factories.make_user("trainee")
        build.attempt(
            user,
            module,
            [
                (versions[i], 1.0 if picks[0] == "a" else 0.0, {"choice": picks[0]}),
                (versions[j], 1.0 if picks[1] == "a" else 0.0, {"choice": picks[1]}),
            ],
        )
    analysis = analyse(db_session, module)
    assert not analysis.fixed_form
    q0 = next(s for s in analysis.result.items if s.item == "dr-q0 v1")
    assert q0.n == 3 and q0.facility == pytest.approx(2 / 3)
    assert q0.alpha_if_deleted is None
    x, rest = np.array([1.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0])
    assert q0.discrimination_index == pytest.approx(np.corrcoef(x, rest)[0, 1], abs=1e-9)
    assert analysis.result.test.n == 5


def test_cli_analyses_a_module_as_json(build, db_session, runner):
    _setup(build)
    db_session.commit()
    result = runner.invoke(args=["stats", "analyse", "--module", "studio-exam", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["test"]["n"] == 12 and len(data["items"]) == 5
    assert {item["exposure"] for item in data["items"]} == {12}  # twelve trainees served each
    table = runner.invoke(args=["stats", "analyse", "--module", "studio-exam"])
    assert table.exit_code == 0 and "ia-q0 v1" in table.output
    assert "exposure" in table.output
    unknown = runner.invoke(args=["stats", "analyse", "--module", "nope"])
    assert unknown.exit_code != 0 and "no module" in unknown.output


def _items_in(page: str) -> list[str]:
    import re

    return re.findall(r'<th scope="row"><a href="[^"]+">(ia-q\d v1)</a></th>', page)


def test_the_page_lists_the_items_a_page_at_a_time_and_the_csv_every_item(
    build, db_session, client, login_as, monkeypatch
):
    """Issue 19: a pool of 10,000 questions made a page of 7-11 MB. Items come a page at a
    time, searchable by name and filterable to the flagged ones, each page with its items'
    distractors; the CSV holds every item, negative correlations as numbers."""
    from app.studio import routes

    _, module, _ = _setup(build)
    db_session.commit()
    monkeypatch.setattr(routes, "ANALYSIS_PAGE_SIZE", 2)
    login_as("instructor")
    url = f"/studio/modules/{module.slug}/analysis"
    first = client.get(url).get_data(as_text=True)
    assert _items_in(first) == ["ia-q0 v1", "ia-q1 v1"] and "Page 1 of 3" in first
    assert first.count("<caption>ia-q") == 2  # the distractors of this page's items only
    last = client.get(f"{url}?page=99").get_data(as_text=True)  # clamped to the last page
    assert _items_in(last) == ["ia-q4 v1"] and "Page 3 of 3" in last
    assert _items_in(client.get(f"{url}?q=IA-Q3").get_data(as_text=True)) == ["ia-q3 v1"]
    result = analyse(db_session, module).result
    flagged = [it.item for it in result.items if it.flags]
    assert flagged and len(flagged) < len(result.items)
    shown = client.get(f"{url}?flagged=1&page=1").get_data(as_text=True)
    assert _items_in(shown) == flagged[:2] and "Show every item" in shown
    assert client.get(f"{url}?q=%00").status_code == 400  # hostile bytes: the app's guard
    assert "Nothing found." in client.get(f"{url}?q=zz").get_data(as_text=True)

    csv_response = client.get(f"{url}.csv")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True))))
    assert rows[0][:3] == ["item", "question_id", "version"] and len(rows) == 6
    by_item = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    for it in result.items:
        row = by_item[it.item]
        assert float(row["facility"]) == pytest.approx(it.facility)
        assert row["flags"] == " ".join(it.flags)
        if it.discrimination_index is not None:
            assert float(row["discrimination_index"]) == pytest.approx(it.discrimination_index)
