"""Issue 18 (the studio): plain-language errors linked to their fields, a duplicate key that
keeps the draft, generated option ids, pagination and search, standard setting item by item."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.banks import models as bm
from tests.studio.conftest import single_choice
from tests.studio.test_workflow import post, sc_form, two  # noqa: F401  (fixture)


def _summary(html: str) -> str:
    return html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]


def test_a_bad_key_is_a_sentence_linked_to_the_key_field(two, client, build):  # noqa: F811
    form = sc_form("Bad Key!", build.topic.id)
    r = post(client, "/studio/questions/new", form)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    summary = _summary(html)
    assert 'href="#key"' in summary
    assert "Key: use lower-case letters, digits and hyphens" in summary
    assert "pattern" not in html and "^[a-z0-9]" not in html
    assert re.search(r'<input[^>]*aria-describedby="key-error"[^>]*aria-invalid="true"', html)
    assert 'id="key-error"' in html
    assert 'value="Median"' in html  # the rest of the draft is shown again as typed


def test_an_empty_option_text_links_to_that_option(two, client, build):  # noqa: F811
    form = sc_form("ux-empty-opt", build.topic.id)
    form["options-1-text"] = ""
    html = post(client, "/studio/questions/new", form).get_data(as_text=True)
    summary = _summary(html)
    assert 'href="#options-1-text"' in summary
    assert "this is required" in summary and "String should" not in html


def test_a_duplicate_key_is_a_field_error_and_the_draft_is_kept(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    build.question(single_choice("ux-dup"))
    db_session.commit()
    form = sc_form("ux-dup", build.topic.id, stem="A brand new stem typed by the author")
    form["options-1-text"] = "Radial (typed)"
    r = post(client, "/studio/questions/new", form)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "“ux-dup” is already the key of another question" in _summary(html)
    assert 'href="#key"' in _summary(html)
    assert "A brand new stem typed by the author" in html
    assert 'value="Radial (typed)"' in html and 'value="ux-dup"' in html
    count = db_session.scalar(
        sa.select(sa.func.count()).select_from(bm.Question).where(bm.Question.key == "ux-dup")
    )
    assert count == 1


# ---------------------------------------------------------------- standard setting


def _panel(build, db_session, n=3):
    versions = [
        build.question(single_choice(f"ux-ss{i}", stem=f"Which muscle is item {i}?"))
        for i in range(n)
    ]
    module = build.module(slug="ux-exam", count=n)
    db_session.commit()
    return module, versions


def test_each_item_shows_stem_options_and_key_with_progress(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    _panel(build, db_session)
    base = "/studio/modules/ux-exam/standard-setting"
    overview = client.get(base).get_data(as_text=True)
    assert "0 of 3 rated" in overview and "Start rating" in overview
    html = client.get(f"{base}/items/2").get_data(as_text=True)
    assert "Item 2 of 3" in html and "0 of 3 rated" in html
    assert "Which muscle is item 1?" in html  # the stem, rendered
    assert "Option 0" in html and "Option 3" in html  # every option
    assert "Correct answer" in html  # the key marked where it stands
    assert "Your answer" not in html


def test_ratings_are_saved_one_post_each_and_kept_across_items(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    module, _ = _panel(build, db_session)
    base = "/studio/modules/ux-exam/standard-setting"
    r = post(client, f"{base}/items/1", {"rating": "0.6", "save_next": "y"}, page=f"{base}/items/1")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"{base}/items/2")
    r = post(client, f"{base}/items/2", {"rating": "0.7", "save_next": "y"}, page=f"{base}/items/2")
    assert r.status_code == 302
    page = client.get(f"{base}/items/3").get_data(as_text=True)
    assert "2 of 3 rated" in page
    assert 'value="0.6"' in client.get(f"{base}/items/1").get_data(as_text=True)
    from app.studio.models import StandardSettingJudgement

    row = db_session.scalar(
        sa.select(StandardSettingJudgement).where(StandardSettingJudgement.module_id == module.id)
    )
    assert row.ratings == {"ux-ss0": 0.6, "ux-ss1": 0.7}
    r = post(client, f"{base}/items/3", {"rating": "0.5", "save_next": "y"}, page=f"{base}/items/3")
    assert r.headers["Location"].endswith(f"{base}#decide-heading")  # the last one: propose
    assert "3 of 3 rated" in client.get(base).get_data(as_text=True)


@pytest.mark.parametrize("bad", ["1.5", "abc", "", "nan", "1e400"])
def test_a_bad_rating_is_a_message_on_the_item_and_saves_nothing(
    bad,
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    module, _ = _panel(build, db_session)
    url = "/studio/modules/ux-exam/standard-setting/items/1"
    r = post(client, url, {"rating": bad, "save": "y"}, page=url)
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert "The rating was not saved." in html and 'href="#rating"' in html
    assert "float" not in html.lower()
    from app.studio.models import StandardSettingJudgement

    assert db_session.scalar(sa.select(sa.func.count()).select_from(StandardSettingJudgement)) == 0


@pytest.mark.parametrize("position", ["0", "4"])
def test_an_item_out_of_range_goes_back_to_the_overview_with_a_message(
    position,
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    _panel(build, db_session)
    r = client.get(f"/studio/modules/ux-exam/standard-setting/items/{position}")
    assert r.status_code == 302 and r.headers["Location"].endswith("/standard-setting")
    assert "There is no item" in client.get(r.headers["Location"]).get_data(as_text=True)
    # an id beyond any integer the app stores is an unknown id (app.input_guard): a 404
    assert client.get(f"/studio/modules/ux-exam/standard-setting/items/{10**30}").status_code == 404


def test_proposing_too_early_is_a_message_on_the_page_not_bad_request(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    module, _ = _panel(build, db_session)
    base = "/studio/modules/ux-exam/standard-setting"
    r = post(client, "/studio/modules/ux-exam/pass-mark", {"method": "angoff"}, page=base)
    assert r.status_code == 302 and r.headers["Location"].endswith("#decide-heading")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Bad request" not in page and "Propose the pass mark" in page
    assert "No judge has rated every item yet." in page or "needs a panel" in page
    r = post(client, "/studio/modules/ux-exam/pass-mark", {"method": "nonsense"}, page=base)
    assert r.status_code == 302
    assert "Choose a method" in client.get(r.headers["Location"]).get_data(as_text=True)
    db_session.refresh(module)
    assert module.pass_mark == 70.0


def test_limits_are_saved_on_their_own_and_keep_the_ratings(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    _panel(build, db_session)
    base = "/studio/modules/ux-exam/standard-setting"
    post(client, f"{base}/items/1", {"rating": "0.6", "save": "y"}, page=f"{base}/items/1")
    limits = {"hofstee-c_min": "40", "hofstee-c_max": "80", "hofstee-f_min": "10"}
    r = post(client, f"{base}/limits", limits, page=base)
    assert r.status_code == 400 and "Give all four limits" in r.get_data(as_text=True)
    r = post(client, f"{base}/limits", {**limits, "hofstee-f_max": "50"}, page=base)
    assert r.status_code == 302
    from app.studio.models import StandardSettingJudgement

    row = db_session.scalar(sa.select(StandardSettingJudgement))
    assert row.ratings == {"ux-ss0": 0.6}
    assert row.hofstee == {"c_min": 40.0, "c_max": 80.0, "f_min": 10.0, "f_max": 50.0}


# ---------------------------------------------------------------- pagination and search


def _many(build, db_session, n=30):
    for i in range(n):
        build.question(
            single_choice(f"ux-pg-{i:02d}", stem=f"Stem number {i:02d} about the trapezius")
        )
    build.question(single_choice("ux-pg-other", stem="A 100% unique_stem on the gluteus"))
    db_session.commit()


def _keys(html: str) -> list[str]:
    return re.findall(r">(ux-pg-[\w-]+)</a>", html)


def test_questions_are_paged_and_query_counts_do_not_grow_with_the_page(
    two,  # noqa: F811
    client,
    build,
    db_session,
    count_queries,
):
    _many(build, db_session)
    first = client.get("/studio/?q=ux-pg-").get_data(as_text=True)
    assert len(_keys(first)) == 25 and "1–25 of 31" in first and "Page 1 of 2" in first
    assert 'rel="next"' in first and "page=2" in first
    second = client.get("/studio/?q=ux-pg-&page=2").get_data(as_text=True)
    assert len(_keys(second)) == 6 and not set(_keys(first)) & set(_keys(second))
    with count_queries() as one:
        client.get("/studio/?q=ux-pg-&page=1")
    with count_queries() as two_:
        client.get("/studio/?q=ux-pg-&page=2")
    assert one.count == two_.count


@pytest.mark.parametrize("page", [str(10**30), "99", "-3", "abc", "２"])
def test_a_hostile_page_number_is_clamped(
    page,
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    _many(build, db_session)
    r = client.get(f"/studio/?q=ux-pg-&page={page}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    expect = "Page 1 of 2" if page in ("-3", "abc", "２") else "Page 2 of 2"
    assert expect in html


def test_search_matches_the_stem_and_treats_wildcards_as_text(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    _many(build, db_session)
    html = client.get("/studio/?q=GLUTEUS").get_data(as_text=True)
    assert _keys(html) == ["ux-pg-other"]
    assert _keys(client.get("/studio/?q=100%25").get_data(as_text=True)) == ["ux-pg-other"]
    assert _keys(client.get("/studio/?q=unique_stem").get_data(as_text=True)) == ["ux-pg-other"]
    assert _keys(client.get("/studio/?q=%25").get_data(as_text=True)) == ["ux-pg-other"]


def test_a_nul_in_the_search_is_a_clear_error(two, client, build, db_session):  # noqa: F811
    _many(build, db_session, n=2)
    r = client.get("/studio/?q=ux%00pg")  # refused at the door (app.input_guard), naming q
    assert r.status_code == 400 and "NUL" in r.get_data(as_text=True)
    r = client.get("/studio/?q=ux%01pg")  # another control character: the studio's message
    assert r.status_code == 400 and "control character" in r.get_data(as_text=True)
    r = client.get("/studio/?cq=" + "x" * 101)
    assert r.status_code == 400 and "too long" in r.get_data(as_text=True)


def test_cases_modules_and_queues_are_searchable(two, client, build, db_session):  # noqa: F811
    build.module(slug="ux-cardio-exam")
    build.module(slug="ux-neuro-exam")
    db_session.commit()
    html = client.get("/studio/?mq=neuro").get_data(as_text=True)
    assert "ux-neuro-exam" in html and "ux-cardio-exam" not in html


# ---------------------------------------------------------------- the image library


def _png(size=(20, 10)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (0, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_the_library_shows_names_sizes_dimensions_and_thumbnails_and_searches(
    two,  # noqa: F811
    client,
    db_session,
):
    from app.studio import services

    a, _b = two
    arm = services.upload_image(db_session, a, _png((64, 48)), "C:\\scans\\arm diagram.png")
    services.upload_image(db_session, a, _png((30, 20)), "neck.png")
    db_session.commit()
    html = client.get("/studio/media").get_data(as_text=True)
    assert "arm_diagram.png" in html and "neck.png" in html
    assert "64 × 48 px" in html and "30 × 20 px" in html
    assert f'<img src="/media/{arm.sha256}"' in html
    assert arm.sha256[:16] + "…" not in html  # no longer listed by hash
    found = client.get("/studio/media?q=ARM").get_data(as_text=True)
    assert "arm_diagram.png" in found and "neck.png" not in found
    # the question form offers images by name
    form = client.get("/studio/questions/new?type=hotspot").get_data(as_text=True)
    assert f'value="{arm.sha256}.png">arm_diagram.png (64 × 48 px)' in form


# ---------------------------------------------------------------- generated option ids


def _no_ids(form: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if not re.fullmatch(r"options-\d+-id", k)}


def test_option_ids_are_generated_and_kept_when_editing(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    page = client.get("/studio/questions/new?type=single_choice").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="options-0-id"[^>]*type="hidden"', page) or re.search(
        r'<input[^>]*type="hidden"[^>]*name="options-0-id"', page
    )
    assert '<label for="options-0-id"' not in page  # nobody types an id
    r = post(client, "/studio/questions/new", _no_ids(sc_form("ux-ids", build.topic.id)))
    assert r.status_code == 302
    row = db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "ux-ids"))
    assert [o.id for o in row.current_version.as_question().options] == ["o1", "o2"]
    rid = int(re.search(r"/revisions/(\d+)/edit", r.headers["Location"]).group(1))
    # edit: the first option removed, a new one added; the kept one keeps its id
    edit = {
        **_no_ids(sc_form("ux-ids", build.topic.id)),
        "options-0-id": "o2", "options-0-text": "Ulnar", "options-0-correct": "y",
        "options-1-text": "Radial",
    }  # fmt: skip
    r = post(client, f"/studio/revisions/{rid}/edit", edit, page=f"/studio/revisions/{rid}/edit")
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    db_session.expire_all()
    from app.studio.models import Revision

    rev = db_session.get(Revision, rid)
    options = rev.version.as_question().options
    assert [(o.id, o.text) for o in options] == [("o2", "Ulnar"), ("o1", "Radial")]


def test_unused_starter_rows_are_dropped_not_reported(two, client, build, db_session):  # noqa: F811
    form = {**_no_ids(sc_form("ux-starter", build.topic.id)), "options-2-text": ""}
    form.update({"options-3-text": "", "options-3-feedback": "", "options-3-id": ""})
    r = post(client, "/studio/questions/new", form)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    row = db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "ux-starter"))
    assert [o.text for o in row.current_version.as_question().options] == ["Median", "Ulnar"]


# ---------------------------------------------------------------- word-level diffs


def test_word_diff_marks_removed_and_added_words_with_words_not_colour_only():
    from app.studio.diffs import word_diff

    left, right = word_diff(
        "Insert the needle <b>slowly</b> here", "Insert the needle quickly here"
    )
    assert str(left) == (
        'Insert the needle <del><span class="visually-hidden">removed: </span>'
        "&lt;b&gt;slowly&lt;/b&gt;</del> here"
    )
    assert str(right) == (
        'Insert the needle <ins><span class="visually-hidden">added: </span>quickly</ins> here'
    )


def test_compare_pairs_options_by_their_id_and_names_the_fields():
    import yaml

    from app.studio.diffs import compare

    class V:
        def __init__(self, data):
            self.data = data

    def dump(v):
        return yaml.safe_dump(v.data)

    old = V(
        {
            "stem": "Which nerve?",
            "options": [{"id": "o1", "text": "Median"}, {"id": "o2", "text": "Ulnar"}],
        }
    )
    new = V(
        {
            "stem": "Which nerve is it?",
            "options": [
                {"id": "o2", "text": "Ulnar"},
                {"id": "o1", "text": "Radial"},
                {"id": "o3", "text": "Axillary"},
            ],
        }
    )
    rows = {r.field: r for r in compare(old, new, dump)}
    assert set(rows) == {"stem", "options o1 · text", "options o3 · id", "options o3 · text"}
    assert "<ins>" in str(rows["stem"].after) and "is it?" in str(rows["stem"].after)
    assert "Median" in str(rows["options o1 · text"].before)
    assert rows["options o3 · text"].change == "added"
    assert compare(new, new, dump) == []


def test_objectives_are_picked_from_the_modules_objectives(two, client, build, db_session):  # noqa: F811
    module = build.module(slug="ux-obj-exam")
    module.objectives = [
        {"id": "saf-pneumothorax", "text": "Avoid the pleura over the thorax", "competency": "x"}
    ]
    db_session.commit()
    html = client.get("/studio/questions/new?type=single_choice").get_data(as_text=True)
    assert re.search(r'<input[^>]*list="objective-options"', html)
    assert (
        '<option value="saf-pneumothorax">saf-pneumothorax: Avoid the pleura over the thorax'
        in html
    )


def test_the_revision_page_shows_the_key_through_the_trainee_renderer_not_json(
    two,  # noqa: F811
    client,
    build,
):
    r = post(client, "/studio/questions/new", sc_form("ux-keyview", build.topic.id))
    rid = int(re.search(r"/revisions/(\d+)/edit", r.headers["Location"]).group(1))
    html = client.get(f"/studio/revisions/{rid}").get_data(as_text=True)
    key = html.split('id="key-heading"', 1)[1].split("</section>", 1)[0]
    assert "Correct answer" in key and "Median" in key
    assert '"correct": true' not in html and "&#34;correct&#34;" not in html


def test_preview_renders_the_draft_as_a_trainee_sees_it_and_saves_nothing(
    two,  # noqa: F811
    client,
    build,
    db_session,
):
    form = {**sc_form("ux-preview", build.topic.id, stem="A **bold** stem"), "action": "preview"}
    form.pop("save")
    r = post(client, "/studio/questions/new", form)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    section = html.split('id="draft-preview"', 1)[1]
    assert "<strong>bold</strong>" in section  # rendered Markdown, not JSON
    assert 'class="trainee-preview"' in section and "Ulnar" in section  # the type's partial
    assert "Correct answer" in section
    assert 'value="Median"' in html  # the form is kept as typed
    assert db_session.scalar(sa.select(bm.Question).where(bm.Question.key == "ux-preview")) is None
    bad = {**form, "options-0-correct": ""}
    bad.pop("options-0-correct")
    r = post(client, "/studio/questions/new", bad)
    assert r.status_code == 400 and 'id="draft-preview"' not in r.get_data(as_text=True)


def test_marked_pages_still_render_their_markup(two, client):  # noqa: F811
    assert "<code>flask banks export</code>" in client.get("/studio/export").get_data(as_text=True)
    page = client.get("/studio/import").get_data(as_text=True)
    assert "Each question or case with a new key becomes your draft" in page
