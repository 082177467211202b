"""The migration to ``use: practice | exam`` (issue 12): the retired ``practice-only`` tag
becomes ``use = 'practice'`` (a case's steps take the case's), everything else ``exam``;
the downgrade puts the tag back. On SQLite, or PostgreSQL with TEST_DATABASE_URL."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.test_migrations import _diff, _fresh_app

BEFORE = "5e1c0a7b2d94"
THIS = "7a3c9e51d2b8"


def _tables():  # type: ignore[no-untyped-def]
    md = sa.MetaData()
    cols = ("id", "question_id", "version_no", "type", "difficulty", "content_hash", "created_at")
    qv = sa.Table(
        "question_versions",
        md,
        *(sa.Column(c) for c in cols),
        sa.Column("content", sa.JSON),
    )
    cv_cols = ("id", "case_id", "version_no", "title", "vignette", "difficulty")
    cv = sa.Table(
        "case_versions",
        md,
        *(sa.Column(c) for c in (*cv_cols, "content_hash", "created_at")),
        sa.Column("tags", sa.JSON),
    )
    steps = sa.Table(
        "case_steps",
        md,
        *(sa.Column(c) for c in ("id", "case_version_id", "position", "disclosure")),
        sa.Column("question_version_id"),
    )
    return qv, cv, steps


def _seed(conn) -> None:  # type: ignore[no-untyped-def]
    qv, cv, steps = _tables()
    conn.execute(sa.text("INSERT INTO topics (id, slug, title, description) VALUES (1,'t','T','')"))
    for qid, key in ((1, "tagged"), (2, "plain"), (3, "step")):
        conn.execute(
            sa.text(
                "INSERT INTO questions (id, key, topic_id, status, case_id, created_at) "
                "VALUES (:i, :k, 1, 'published', :c, '2026-01-01 00:00:00')"
            ),
            {"i": qid, "k": key, "c": None},
        )
    conn.execute(
        sa.text(
            "INSERT INTO cases (id, key, topic_id, status, created_at) "
            "VALUES (1, 'case', 1, 'published', '2026-01-01 00:00:00')"
        )
    )
    common = {"type": "single_choice", "difficulty": "easy", "created_at": "2026-01-01 00:00:00"}
    for vid, qid, tags in ((1, 1, ["a", "practice-only"]), (2, 2, ["a"]), (3, 3, ["b"])):
        content = {"key": f"k{vid}", "type": "single_choice", "stem": "s", "tags": tags}
        conn.execute(
            qv.insert().values(
                id=vid, question_id=qid, version_no=1, content=content, content_hash="h", **common
            )
        )
    conn.execute(
        cv.insert().values(
            id=1,
            case_id=1,
            version_no=1,
            title="c",
            vignette="v",
            difficulty="easy",
            content_hash="h",
            created_at="2026-01-01 00:00:00",
            tags=["practice-only", "x"],
        )
    )
    conn.execute(
        steps.insert().values(
            id=1, case_version_id=1, position=1, disclosure="", question_version_id=3
        )
    )


def _load(value):  # type: ignore[no-untyped-def]
    return json.loads(value) if isinstance(value, str) else value


def test_the_tag_becomes_use_and_comes_back_on_downgrade(tmp_path, request):
    fresh = _fresh_app(tmp_path, request)
    with fresh.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            _seed(conn)
        upgrade(revision=THIS)
        with db.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, use, content FROM question_versions ORDER BY id")
            ).all()
            cases = conn.execute(sa.text("SELECT use, tags FROM case_versions")).all()
        got = {r.id: (r.use, _load(r.content)["use"], _load(r.content)["tags"]) for r in rows}
        assert got == {
            1: ("practice", "practice", ["a"]),  # the tag, now the field
            2: ("exam", "exam", ["a"]),  # untagged: it was drawn in exams, it stays secure
            3: ("practice", "practice", ["b"]),  # a step takes its case's use
        }
        assert [(c.use, _load(c.tags)) for c in cases] == [("practice", ["x"])]

        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, content FROM question_versions ORDER BY id"))
            back = {r.id: _load(r.content) for r in rows}
            tags = _load(conn.execute(sa.text("SELECT tags FROM case_versions")).scalar_one())
        assert back[1]["tags"] == ["a", "practice-only"] and "use" not in back[1]
        assert back[2]["tags"] == ["a"] and "use" not in back[2]
        assert tags == ["x", "practice-only"]
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("question_versions")}
        assert "use" not in columns
        upgrade()
        assert _diff(db.engine) == []
        db.engine.dispose()
