"""A case scenario's version history and the readable diff between its versions."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from app.banks import models as bm
from tests import factories
from tests.studio.test_cases import _create, case_form, two  # noqa: F401  (fixture)
from tests.studio.test_workflow import post, switch

NEW_VIGNETTE = "A 45-year-old runner, **new** text."


def _published_then_revised(client, build, db_session, a, b) -> bm.Case:
    """A case published by ``b``, then revised by ``b`` and approved by ``a``."""
    rid = _create(client, build)
    post(client, f"/studio/case-revisions/{rid}/submit", {})
    switch(client, b)
    assert post(client, f"/studio/case-revisions/{rid}/review", {"approve": "y"}).status_code == 302
    case = db_session.scalar(sa.select(bm.Case).where(bm.Case.key == "cs-1"))
    r = post(client, f"/studio/cases/{case.id}/revise", {})
    rid2 = int(re.search(r"/case-revisions/(\d+)/edit", r.headers["Location"]).group(1))
    form = case_form("cs-1", build.topic.id, vignette=NEW_VIGNETTE)
    assert post(client, f"/studio/case-revisions/{rid2}/edit", form).status_code == 302
    post(client, f"/studio/case-revisions/{rid2}/submit", {})
    switch(client, a)
    r = post(client, f"/studio/case-revisions/{rid2}/review", {"approve": "y"})
    assert r.status_code == 302
    db_session.refresh(case)
    return case


def test_history_lists_both_versions_and_the_diff_shows_the_changed_vignette(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    a, b = two
    case = _published_then_revised(client, build, db_session, a, b)
    assert case.current_version.version_no == 2

    r = client.get(f"/studio/cases/{case.id}/history")
    assert r.status_code == 200
    page = html.unescape(r.get_data(as_text=True))
    assert "version 1" in page and "version 2" in page
    assert "current (published, drawn)" in page
    assert a.name in page and b.name in page  # authors of the two revisions
    assert "Changes from version 1 to version 2" in page
    lines = [html.unescape(x) for x in re.findall(r"<span[^>]*>(.*?)</span>", page)]
    assert "-vignette: A 45-year-old **runner** with lateral hip pain." in lines
    assert f"+vignette: {NEW_VIGNETTE}" in lines
    # Unchanged step content is context, not a change.
    assert not any(x.startswith(("+", "-")) and "Gluteus medius" in x for x in lines)

    # Any two versions, either way round; the same version twice: no differences.
    back = html.unescape(client.get(f"/studio/cases/{case.id}/history?old=2&new=1").get_data(True))
    assert f"-vignette: {NEW_VIGNETTE}" in back
    same = client.get(f"/studio/cases/{case.id}/history?old=2&new=2").get_data(as_text=True)
    assert "No differences between these versions." in same
    # Version 1 alone: everything added. Bad numbers fall back to the current version.
    first = html.unescape(client.get(f"/studio/cases/{case.id}/history?new=1").get_data(True))
    assert "No earlier version" in first and "+vignette: A 45-year-old" in first
    assert client.get(f"/studio/cases/{case.id}/history?new=x&old=99").status_code == 200


def test_case_page_links_to_its_history(two, client, build, db_session):  # noqa: F811
    rid = _create(client, build)
    case = db_session.scalar(sa.select(bm.Case).where(bm.Case.key == "cs-1"))
    page = client.get(f"/studio/case-revisions/{rid}").get_data(as_text=True)
    assert f"/studio/cases/{case.id}/history" in page


def test_trainee_gets_403_and_an_unknown_case_404(two, client, build, db_session):  # noqa: F811
    _create(client, build)
    case = db_session.scalar(sa.select(bm.Case).where(bm.Case.key == "cs-1"))
    assert client.get("/studio/cases/999999/history").status_code == 404
    trainee = factories.make_user("trainee")
    db_session.commit()
    switch(client, trainee)
    assert client.get(f"/studio/cases/{case.id}/history").status_code == 403
