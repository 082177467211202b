"""Issue 14's bank checks, each on a small bank written for the test."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.banks import pools
from app.banks.content_lint import authoring_note, spelling_variant
from app.banks.lint import lint_bank
from app.banks.loader import load_bank

TODAY = date(2027, 6, 1)


def q(key: str, qtype: str = "single_choice", **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "key": key,
        "type": qtype,
        "status": "published",
        "difficulty": "easy",
        "use": "exam",
        "objective": "obj",
        "cognitive_level": "application",
        "stem": f"A patient asks about {key}. What do you do?",
        "explanation": "Because.",
        "references": ["Author 2020. Title. Journal."],
    }
    if qtype == "single_choice":
        base["options"] = [
            {"id": "a", "text": "Stop needling and reassess", "correct": True},
            {"id": "b", "text": "Carry on with needling"},
            {"id": "c", "text": "Needle a bit more deeply now"},
        ]
    elif qtype == "true_false":
        base["answer"] = True
    base.update(kw)
    return base


def module(slug: str, mode: str, blueprint: list[dict], **kw: Any) -> dict[str, Any]:
    base = {"slug": slug, "title": slug, "mode": mode, "blueprint": blueprint, **kw}
    if slug == "alpha-exam":
        base["objectives"] = [{"id": "obj", "text": "Objective", "competency": "technique"}]
    return base


def write(tmp_path: Path, questions: list[dict], *, cases=(), modules=None, head="") -> Path:
    folder = tmp_path / "bank"
    folder.mkdir(exist_ok=True)
    doc: dict[str, Any] = {"topic": "alpha"}
    doc["topics"] = [{"id": "alpha", "title": "Alpha"}, {"id": "regulations", "title": "Reg"}]
    doc["questions"] = questions
    doc["cases"] = list(cases)
    doc["modules"] = (
        modules
        if modules is not None
        else [module("alpha-exam", "exam", [{"topic": "alpha", "difficulty": "easy", "count": 1}])]
    )
    (folder / "bank.yaml").write_text(head + yaml.safe_dump(doc, sort_keys=False))
    return folder


def problems(folder: Path, today: date | None = TODAY) -> list[str]:
    bank = load_bank(folder)
    return [f"{p.severity}: {p}" for p in bank.problems + lint_bank(bank, today)]


def deep_pool(n: int = 3, **kw: Any) -> list[dict]:
    return [q(f"q{i}", **kw) for i in range(n)]


# ---------------------------------------------------------------- authoring notes


@pytest.mark.parametrize(
    "text",
    [
        "As FACTS.md says, the pleura lies deep.",
        "FACTS §1 lists it.",
        "Cited in §3 item 32.",
        "See § 7 items 63-65.",
        "Practice only: the numbers are secondary.",
        "A practice-only item.",
        "The provisional panel agreed.",
        "The authoring panel's provisional consensus.",
        "This item is not used in exams.",
    ],
)
def test_authoring_notes_are_recognised(text: str) -> None:
    assert authoring_note(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Florida Statutes §486.117 sets the requirements.",
        "Fla. Stat. § 486 governs physical therapy.",
        "Under §486.021 a PT may...",
        "The facts of the case suggest a pneumothorax.",
        "Practise the technique only under supervision.",
        "The Delphi panel agreed on the criteria.",
    ],
)
def test_statutes_and_plain_words_are_not_authoring_notes(text: str) -> None:
    assert authoring_note(text) is None


@pytest.mark.parametrize(
    "field,value",
    [
        ("stem", "Per FACTS.md, what is the depth?"),
        ("explanation", "Cited in FACTS.md §3 item 32."),
        ("title", "Practice only"),
        ("references", ["Author 2020. Title. FACTS §1 item 6."]),
    ],
)
def test_learner_text_with_an_authoring_note_is_an_error(tmp_path, field, value) -> None:
    folder = write(tmp_path, [*deep_pool(2), q("noted", **{field: value})])
    found = [p for p in problems(folder) if "noted" in p and "reviewer_notes" in p]
    assert found and found[0].startswith("error:"), problems(folder)


def test_option_feedback_and_case_texts_are_learner_text(tmp_path) -> None:
    noted = q("noted")
    noted["options"][1]["feedback"] = "Not used in exams."
    case = {
        "key": "case-a",
        "title": "A case",
        "status": "published",
        "vignette": "A runner (provisional panel) with heel pain.",
        "steps": [{"disclosure": "See §3 item 32.", "question": q("case-a-s1")}],
    }
    found = problems(write(tmp_path, [*deep_pool(2), noted], cases=[case]))
    assert any("'noted'" in p and "options.2.feedback" in p for p in found), found
    assert any("'case-a'" in p and "vignette" in p for p in found), found
    assert any("'case-a'" in p and "steps.1.disclosure" in p for p in found), found


def test_reviewer_notes_and_statutes_are_fine(tmp_path) -> None:
    noted = q(
        "noted",
        stem="Under Fla. Stat. §486.117, what must a PT complete before needling?",
        reviewer_notes="FACTS.md §3 item 32; practice only; provisional panel.",
    )
    noted["options"][0]["reviewer_notes"] = "Not used in exams (FACTS §1)."
    found = problems(write(tmp_path, [*deep_pool(2), noted]))
    assert not [p for p in found if "reviewer_notes" in p], found


# ---------------------------------------------------------------- paths outside the repository


@pytest.mark.parametrize(
    "comment",
    [
        "# Sources: /srv/someone/shared/domain/FACTS.md\n",
        "# Sources: shared/domain/FACTS.md\n",
        "# Sources: ../shared/domain/FACTS.md\n",
        "# See ~/notes.txt\n",
    ],
)
def test_a_bank_file_naming_a_path_outside_the_repository_is_an_error(tmp_path, comment) -> None:
    found = problems(write(tmp_path, deep_pool(), head=comment))
    assert any(p.startswith("error:") and "outside the repository" in p for p in found), found


def test_urls_and_repository_paths_are_fine(tmp_path) -> None:
    head = "# Sources: docs/sources.md; https://doi.org/10.1/abc/def and mg/kg/day\n"
    found = problems(write(tmp_path, deep_pool(), head=head))
    assert not [p for p in found if "outside the repository" in p], found


# ---------------------------------------------------------------- levels and review dates


def test_a_question_without_cognitive_level_is_warned(tmp_path) -> None:
    bare = q("bare")
    del bare["cognitive_level"]
    found = problems(write(tmp_path, [*deep_pool(2), bare]))
    assert any(p.startswith("warning:") and "'bare': cognitive_level" in p for p in found)


def test_review_dates(tmp_path) -> None:
    questions = [
        *deep_pool(3),
        q("past", as_of="2025-01-01", review_by="2026-01-01"),
        q("future", as_of="2026-06-01", review_by="2028-01-01"),
        q("half", as_of="2026-06-01"),
        q("other-half", review_by="2028-01-01"),
    ]
    found = problems(write(tmp_path, questions))
    assert any("'past': review_by: review date 2026-01-01 has passed" in p for p in found)
    assert not any("'future'" in p for p in found), found
    assert any("'half': review_by: missing" in p for p in found)
    assert any("'other-half': as_of: missing" in p for p in found)
    # Without a date the past check is skipped (lint stays pure).
    assert not any("has passed" in p for p in problems(write(tmp_path, questions), today=None))


def test_jurisdiction_items_need_dates(tmp_path) -> None:
    questions = [
        *deep_pool(3),
        q("reg-oregon", topic="regulations", tags=["oregon"]),
        q(
            "reg-dated",
            topic="regulations",
            tags=["oregon"],
            as_of="2026-01-01",
            review_by="2027-12-31",
        ),
        q("reg-general", topic="regulations", tags=["consent"]),
        q("tagged", tags=["jurisdiction"]),
    ]
    found = problems(write(tmp_path, questions))
    assert any("'reg-oregon': as_of: a jurisdiction item" in p for p in found)
    assert any("'tagged': as_of: a jurisdiction item" in p for p in found)
    assert not any("'reg-dated'" in p or "'reg-general'" in p for p in found), found


# ---------------------------------------------------------------- pools


def test_exam_pool_depth(tmp_path) -> None:
    shallow = problems(write(tmp_path, deep_pool(2)))
    assert any("pool 'alpha' easy: 2 eligible exam item(s) for 1 drawn" in p for p in shallow)
    assert not any("3 × drawn" in p for p in problems(write(tmp_path, deep_pool(3))))


def test_applied_share_of_a_pool(tmp_path) -> None:
    questions = [*deep_pool(2, cognitive_level="recall"), q("applied")]
    found = problems(write(tmp_path, questions))
    assert any("1 of 3 exam questions are application or analysis" in p for p in found)
    questions = [q("r", cognitive_level="recall"), *deep_pool(2, cognitive_level="analysis")]
    assert not any("application or analysis" in p for p in problems(write(tmp_path, questions)))


def test_practice_module_needs_40_questions_and_a_case_module_8_cases(tmp_path) -> None:
    modules = [
        module("alpha-exam", "exam", [{"topic": "alpha", "difficulty": "easy", "count": 1}]),
        module("alpha-practice", "practice", [{"topic": "alpha", "count": 1}]),
        {"slug": "case-practice", "title": "c", "mode": "practice", "cases": [{"count": 1}]},
    ]
    practice = [q(f"p{i}", use="practice") for i in range(39)]
    case = {
        "key": "pc",
        "title": "c",
        "status": "published",
        "use": "practice",
        "vignette": "A patient.",
        "steps": [{"question": q("pc-s1", use="practice")}],
    }
    found = problems(write(tmp_path, [*deep_pool(), *practice], cases=[case], modules=modules))
    assert any("'alpha-practice'" in p and "draws from 39 practice questions" in p for p in found)
    assert any("'case-practice'" in p and "draws from 1 practice cases" in p for p in found)
    practice.append(q("p39", use="practice"))
    found = problems(write(tmp_path, [*deep_pool(), *practice], cases=[case], modules=modules))
    assert not any("'alpha-practice'" in p and "practice questions" in p for p in found)


def test_case_draws_need_three_cases_each(tmp_path) -> None:
    def case(key: str, topic: str) -> dict:
        return {
            "key": key,
            "title": key,
            "topic": topic,
            "status": "published",
            "vignette": "A patient.",
            "steps": [{"question": q(f"{key}-s1")}],
        }

    modules = [
        module(
            "alpha-exam",
            "exam",
            [{"topic": "alpha", "difficulty": "easy", "count": 1}],
            cases=[{"topic": "alpha", "count": 1}, {"topic": "regulations", "count": 1}],
        )
    ]
    cases = [
        case("ca1", "alpha"),
        case("ca2", "alpha"),
        case("ca3", "alpha"),
        case("cr", "regulations"),
    ]
    found = problems(write(tmp_path, deep_pool(), cases=cases, modules=modules))
    assert any("cases: pool 'regulations': 1 eligible exam item(s) for 1 drawn" in p for p in found)
    assert not any("pool 'alpha': " in p for p in found), found
    inv = pools.inventory_of_bank(load_bank(tmp_path / "bank"))
    rows = [p.contract() for p in pools.exam_pools(inv)]
    assert {
        "module": "alpha-exam",
        "topic": "cases",
        "difficulty": None,
        "drawn": 2,
        "eligible": 4,
    } in rows


# ---------------------------------------------------------------- cues


def test_true_false_share(tmp_path) -> None:
    tf = [q(f"tf{i}", "true_false", answer=i < 3) for i in range(4)]  # 3 of 4 true
    found = problems(write(tmp_path, [*deep_pool(), *tf]))
    assert any("the key is 'true' in 75% of published true/false questions" in p for p in found)
    tf[0]["answer"] = False  # 2 of 4
    assert not any("'true' in" in p for p in problems(write(tmp_path, [*deep_pool(), *tf])))


def test_true_false_share_within_cases(tmp_path) -> None:
    case = {
        "key": "c1",
        "title": "c",
        "status": "published",
        "vignette": "A patient.",
        "steps": [{"question": q(f"c1-s{i}", "true_false", answer=True)} for i in range(2)],
    }
    found = problems(write(tmp_path, deep_pool(), cases=[case]))
    assert any("'true' in 100% of published true/false case steps" in p for p in found)


def test_key_length_cues(tmp_path) -> None:
    def shortest(key: str) -> dict:
        return q(
            key,
            options=[
                {"id": "a", "text": "Stop", "correct": True},
                {"id": "b", "text": "Carry on with needling"},
                {"id": "c", "text": "Needle a bit more deeply"},
            ],
        )

    questions = [shortest("s1"), shortest("s2"), q("ok1"), q("ok2")]  # the key is shortest in 2
    found = problems(write(tmp_path, questions))
    assert any("unique shortest option in 50.0%" in p for p in found), found
    inv = pools.inventory_of_bank(load_bank(tmp_path / "bank"))
    assert pools.cues(inv)["key_unique_shortest_share"] == 0.5
    assert pools.cues(inv)["key_unique_longest_share"] == 0.0


def test_multiple_response_spread(tmp_path) -> None:
    def mr(key: str) -> dict:
        return q(
            key,
            "multiple_response",
            options=[
                {"id": "a", "text": "Short", "correct": True},
                {"id": "b", "text": "Brief", "correct": True},
                {"id": "c", "text": "A much longer wrong option"},
                {"id": "d", "text": "Another long wrong option"},
            ],
        )

    found = problems(write(tmp_path, [*deep_pool(), *(mr(f"m{i}") for i in range(5))]))
    assert any("all 5 multiple-response questions have 2 correct option(s)" in p for p in found)
    assert any("shorter ones in 5 of 5" in p for p in found)


# ---------------------------------------------------------------- script concordance


def sct(key: str, counts: list[int] | None = None, source: str = "provisional", **kw: Any) -> dict:
    counts = counts or [0, 1, 2, 6, 1]
    fields = {"hypothesis": "Myofascial pain", "new_information": "A taut band", **kw}
    panel = {"counts": counts, "source": source, "size": sum(counts)}
    return q(key, "script_concordance", panel=panel, **fields)


def test_a_provisional_panel_in_an_exam_is_an_error(tmp_path) -> None:
    found = problems(write(tmp_path, [*deep_pool(), sct("exam-sct")]))
    assert any(p.startswith("error:") and "'exam-sct': panel.source" in p for p in found)
    found = problems(
        write(
            tmp_path, [*deep_pool(), sct("p-sct", use="practice"), sct("r-sct", source="recorded")]
        )
    )
    assert not any("panel.source" in p for p in found), found


def test_a_panel_list_in_a_bank_file_is_refused(tmp_path) -> None:
    old = sct("old", use="practice")
    old["panel"] = [0, 1, 2, 6, 1]
    found = problems(write(tmp_path, [*deep_pool(), old]))
    assert any(
        p.startswith("error:") and "'old': panel: write the panel as a mapping" in p for p in found
    )


def test_panel_size_must_equal_the_counts(tmp_path) -> None:
    odd = sct("odd", use="practice")
    odd["panel"]["size"] = 99
    found = problems(write(tmp_path, [*deep_pool(), odd]))
    assert any("'odd'" in p and "size: 99 panellists" in p for p in found), found


def test_duplicate_scenarios_with_different_panels_are_warned(tmp_path) -> None:
    questions = [
        *deep_pool(),
        sct("a", use="practice"),
        sct("b", [0, 0, 1, 4, 9], use="practice"),
        sct("c", [1, 1, 1, 1, 1], use="practice", new_information="Pain on deep breathing"),
        sct("d", use="practice", new_information="A taut band here"),
    ]
    found = problems(write(tmp_path, questions))
    assert any("different panels in a and b" in p for p in found), found
    assert any("different panels in b and d" in p for p in found), found  # nearly the same
    assert not any(" c:" in p or "in a and c" in p or "in a and d" in p for p in found), found


def test_retiring_one_of_two_same_scenarios_reconciles_them(tmp_path) -> None:
    questions = [
        *deep_pool(),
        sct("kept", use="practice"),
        sct("old", [0, 0, 1, 4, 9], use="practice", status="retired"),
    ]
    found = problems(write(tmp_path, questions))
    assert not any("different panels" in p for p in found), found
    questions[-1]["status"] = "published"
    found = problems(write(tmp_path, questions))
    assert any("different panels in kept and old" in p for p in found), found


# ---------------------------------------------------------------- short-answer spellings


@pytest.mark.parametrize(
    "word,other",
    [
        ("haematoma", "hematoma"),
        ("hematoma", "haematoma"),
        ("anaesthesia", "anesthesia"),
        ("lymphoedema", "lymphedema"),
        ("edema", "oedema"),
        ("ischaemia", "ischemia"),
        ("paediatric", "pediatric"),
        ("haemorrhage", "hemorrhage"),
        ("immobilisation", "immobilization"),
        ("planes", None),
        ("them", None),
        ("syncope", None),
    ],
)
def test_spelling_variants(word: str, other: str | None) -> None:
    assert spelling_variant(word) == other


def test_a_short_answer_without_the_other_spelling_is_warned(tmp_path) -> None:
    questions = [
        *deep_pool(),
        q("one", "short_answer", answers=["haematoma"]),
        q("both", "short_answer", answers=["haematoma", "hematoma", "bruise"]),
        q("wild", "short_answer", answers=["h*matoma"]),
    ]
    found = problems(write(tmp_path, questions))
    assert any("'one': answers: accept the other spelling too: hematoma" in p for p in found)
    assert not any("'both'" in p or "'wild'" in p for p in found), found


def test_a_clean_bank_has_no_issue_14_problems(tmp_path) -> None:
    questions = [
        *deep_pool(),
        q("rec", cognitive_level="recall"),
        q("tf1", "true_false", answer=True),
        q("tf2", "true_false", answer=False),
    ]
    assert problems(write(tmp_path, questions)) == []


# ---------------------------------------------------------------- references and docs/sources.md

SOURCES = """# Sources

## Safety

- Brady S, McEvoy J, Dommerholt J, Doody C 2014. Adverse events. J Man Manip Ther. Abstract.
- Chartered Society of Physiotherapy 2024. Insurance FAQ (csp.org.uk). Where it says it: the FAQ.
- Physiotherapy Alberta (year not recorded). FAQ. Where it says it: the FAQ.
"""


@pytest.mark.parametrize(
    "reference,listed",
    [
        ("Brady S, et al. 2014. Adverse events following trigger point dry needling.", True),
        ("Brady 2014. J Man Manip Ther.", True),
        ("Brady S, et al. 2015. Another paper.", False),  # not the year listed
        ("Boyce D, et al. 2020. Adverse events.", False),
        ("Chartered Society of Physiotherapy 2024. Insurance FAQ.", True),
        ("csp.org.uk. Insurance FAQ.", True),  # a web site named in an entry
        ("Physiotherapy Alberta. FAQ Dry Needling Adverse Events.", True),
    ],
)
def test_references_name_a_listed_source(reference: str, listed: bool) -> None:
    from app.banks.content_lint import names_a_source, source_entries

    assert names_a_source(reference, source_entries(SOURCES)) is listed


def test_lint_checks_references_against_docs_sources_beside_the_bank(tmp_path) -> None:
    from app.banks.lint import lint_path

    questions = [*deep_pool(), q("unlisted", references=["Nobody X 2001. Unknown. Nowhere."])]
    folder = write(tmp_path, questions)
    _, warnings = lint_path(str(folder), TODAY)
    assert not [w for w in warnings if "docs/sources.md" in str(w)]  # no docs/ beside: skipped
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "sources.md").write_text(SOURCES + "- Author 2020. Title.\n")
    _, warnings = lint_path(str(folder), TODAY)
    found = [str(w) for w in warnings if "docs/sources.md" in str(w)]
    assert found == [
        f"{folder / 'bank.yaml'}: question 'unlisted': references.1: names no source listed in "
        "docs/sources.md (first author and year): add the source there"
    ]
