"""What a trainee is shown of an attempt item, and when: the one place keys can leak from.

``item_view`` is everything needed to answer a question and nothing of its key (no correct
flags, feedback, explanation or references). ``feedback_view`` holds those, and is only built
when ``may_show_feedback`` says the module's review policy allows it. Pages and the API both
use these functions, never the question model directly.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from app.banks.schema import Mode, QuestionBase, ReviewPolicy, Use
from app.questions import registry
from app.quiz import scoring
from app.quiz.display import to_display
from app.quiz.models import Attempt, AttemptItem
from app.text import markdown_html


def item_view(
    item: AttemptItem, question: QuestionBase, *, media_url: str | None = None, visible: bool = True
) -> dict[str, Any]:
    """The answerable form of one item, in the attempt's opaque ids and display order."""
    view: dict[str, Any] = {
        "id": item.id,
        "position": item.position,
        "type": question.type.value,
        "seq": item.seq,
        "flagged": item.flagged,
        "answered": item.response is not None,
        "locked": item.locked,
        "response": to_display(question, item.display, item.response),
    }
    if not visible:
        # A case step not yet disclosed: no stem, no options.
        view["hidden"] = True
        return view
    view["stem_html"] = markdown_html(question.stem)
    facet = registry.get(question.type).quiz
    view.update(facet.item_view(question, item.display, media_url))
    return view


def is_secure(item: AttemptItem) -> bool:
    """An exam item: its key, correct option and per-option feedback never reach a trainee,
    and not even its correctness (with the trainee's own answer beside it, that is the key)."""
    return item.version.use == Use.EXAM


def has_secure_items(attempt: Attempt) -> bool:
    return any(is_secure(i) for i in attempt.items)


def may_show_correctness(attempt: Attempt, item: AttemptItem | None = None) -> bool:
    """Never for an exam item (whatever the review policy). Otherwise practice: once an item
    is checked (locked); exam: after submission, unless score-only."""
    if (item is not None and is_secure(item)) or (item is None and has_secure_items(attempt)):
        return False
    if attempt.mode == Mode.PRACTICE:
        return (item is not None and item.locked) or not attempt.is_open
    return not attempt.is_open and attempt.module.review_policy != ReviewPolicy.SCORE


def may_show_feedback(attempt: Attempt, item: AttemptItem | None = None) -> bool:
    """Keys, feedback, explanations and references: never for an exam item; otherwise
    practice once checked, exam by policy."""
    if (item is not None and is_secure(item)) or (item is None and has_secure_items(attempt)):
        return False
    if attempt.mode == Mode.PRACTICE:
        return (item is not None and item.locked) or not attempt.is_open
    return not attempt.is_open and attempt.module.review_policy == ReviewPolicy.FULL


def feedback_view(item: AttemptItem, question: QuestionBase) -> dict[str, Any]:
    """The key, per-option feedback, explanation and references of an item (after policy)."""
    key = scoring.key_response(question)
    result = scoring.score(question, item.response)
    view: dict[str, Any] = {
        "score": result.score,
        "max_score": result.max_score,
        "correct": result.is_correct,
        "key": to_display(question, item.display, key),
        "explanation_html": markdown_html(question.explanation),
        "references": list(question.references),
    }
    facet = registry.get(question.type).quiz
    view.update(facet.feedback_view(question, item.display, item.response))
    return view


def correctness_view(item: AttemptItem) -> dict[str, Any]:
    score = item.score if item.score is not None else 0.0
    return {
        "score": score,
        "max_score": item.max_score,
        "correct": abs(score - item.max_score) < 1e-9,
    }


def visible_item_ids(attempt: Attempt) -> set[int]:
    """Items the trainee may see: every standalone question; a case step once the previous
    step of its case is answered (locked), the first step at once; everything once closed."""
    items = list(attempt.items)
    if not attempt.is_open:
        return {i.id for i in items}
    visible: set[int] = set()
    for index, item in enumerate(items):
        if item.case_step is None or item.case_step == 1 or index > 0 and items[index - 1].locked:
            visible.add(item.id)
    return visible


def case_view(item: AttemptItem, visible: bool) -> dict[str, Any] | None:
    """The vignette of an item's case, and this step's disclosure only when it is open."""
    case = item.case_version
    if case is None or item.case_step is None:
        return None
    view: dict[str, Any] = {
        "id": case.id,
        "title": case.title,
        "vignette_html": markdown_html(case.vignette),
        "step": item.case_step,
        "step_count": len(case.steps),
    }
    if visible:
        step = next((s for s in case.steps if s.position == item.case_step), None)
        if step is not None and step.disclosure:
            view["disclosure_html"] = markdown_html(step.disclosure)
    return view


def result_view(
    attempt: Attempt, breakdown: dict[str, list[dict[str, Any]]] | None = None
) -> dict[str, Any] | None:
    """Score, maximum, percent and pass/fail of a closed attempt (None while open); with the
    result by topic and objective when given (the review of a secure exam)."""
    if attempt.is_open:
        return None
    return {
        "score": attempt.score,
        "max_score": attempt.max_score,
        "percent": attempt.percent,
        "passed": attempt.passed,
        **(breakdown or {}),
    }


def objective_texts(module: Any) -> dict[str, str]:
    return {o["id"]: o["text"] for o in (module.objectives or []) if "id" in o and "text" in o}


def breakdown_view(
    rows: list[tuple[str, str, str | None, float | None, float]], objective_texts: dict[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """Score/total per topic and per learning objective, from (topic slug, topic title,
    objective, item score, item max score) rows; items without an objective count in their
    topic only. Sorted by topic title and objective id."""
    topics: dict[str, dict[str, Any]] = {}
    objectives: dict[str, dict[str, Any]] = {}
    for slug, title, objective, score, max_score in rows:
        t = topics.setdefault(slug, {"topic": slug, "title": title, "score": 0.0, "max_score": 0.0})
        t["score"] += float(score or 0.0)
        t["max_score"] += float(max_score)
        if objective:
            o = objectives.setdefault(
                objective,
                {
                    "objective": objective,
                    "text": objective_texts.get(objective, objective),
                    "score": 0.0,
                    "max_score": 0.0,
                },
            )
            o["score"] += float(score or 0.0)
            o["max_score"] += float(max_score)
    return {
        "by_topic": sorted(topics.values(), key=lambda t: (t["title"], t["topic"])),
        "by_objective": [objectives[k] for k in sorted(objectives)],
    }


def attempt_view(
    attempt: Attempt,
    media_url: Any = None,
    grace_seconds: int | None = None,
    breakdown: dict[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The whole attempt as the trainee may see it now: items (answerable form), the case
    context, and per item the correctness and feedback only when the review policy allows.

    ``media_url(sha256) -> str`` builds the URLs of the images questions show.
    """
    visible = visible_item_ids(attempt)
    items = []
    for item in attempt.items:
        version = item.version
        question = version.as_question()
        url = media_url(version.media_sha256) if (media_url and version.media_sha256) else None
        is_visible = item.id in visible
        view = item_view(item, question, media_url=url, visible=is_visible)
        case = case_view(item, is_visible)
        if case is not None:
            view["case"] = case
        if is_visible and may_show_feedback(attempt, item):
            view["feedback"] = feedback_view(item, question)
        elif is_visible and may_show_correctness(attempt, item):
            if attempt.is_open:
                result = scoring.score(question, item.response)
                view["result"] = {
                    "score": result.score,
                    "max_score": result.max_score,
                    "correct": result.is_correct,
                }
            else:
                view["result"] = correctness_view(item)
        items.append(view)
    return {
        "id": attempt.id,
        "module": attempt.module.slug,
        "module_title": attempt.module.title,
        "mode": attempt.mode.value,
        "status": attempt.status.value,
        "attempt_no": attempt.attempt_no,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "grace_seconds": grace_seconds,
        "submitted_at": attempt.submitted_at,
        "review_policy": attempt.module.review_policy.value,
        "result": result_view(attempt, breakdown),
        "items": items,
    }


# ---------------------------------------------------------------- the exam room


def verdict(attempt: Attempt, item: AttemptItem) -> bool | None:
    """True/False once an answer's correctness may be shown while the attempt is open (a
    checked practice question, an answered practice case step); None otherwise."""
    if not (attempt.is_open and item.locked and item.response is not None):
        return None
    if not may_show_correctness(attempt, item):
        return None
    return scoring.score(item.version.as_question(), item.response).is_correct


def navigator_view(attempt: Attempt) -> list[dict[str, Any]]:
    """Each item's state for the exam room's navigator, in order: answered, flagged, open,
    its case (id, title, step) and its verdict (✓/✗) when correctness may be shown."""
    visible = visible_item_ids(attempt)
    out = []
    for item in attempt.items:
        case = item.case_version if item.case_step is not None else None
        out.append(
            {
                "position": item.position,
                "answered": item.response is not None,
                "flagged": item.flagged,
                "available": item.id in visible,
                "case_step": item.case_step,
                "case_id": case.id if case is not None else None,
                "case_title": case.title if case is not None else None,
                "verdict": verdict(attempt, item),
            }
        )
    return out


def navigator_groups(navigator: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive navigator entries grouped: one group per case (its title, then its steps),
    one per run of standalone questions (title None)."""
    groups: list[dict[str, Any]] = []
    for entry in navigator:
        if groups and groups[-1]["case_id"] == entry["case_id"]:
            groups[-1]["items"].append(entry)
        else:
            groups.append(
                {"case_id": entry["case_id"], "title": entry["case_title"], "items": [entry]}
            )
    return groups


SUMMARY_LENGTH = 80


def _shorten(text: str, limit: int = SUMMARY_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _labels(view: dict[str, Any]) -> dict[str, str]:
    """Opaque id -> plain text of the options (or regions) a view shows."""
    labels: dict[str, str] = {}
    for part in ("options", "regions"):
        for option in view.get(part) or []:
            text = option.get("label") or option.get("text") or option.get("html") or ""
            if "id" in option:
                labels[str(option["id"])] = str(Markup(text).striptags())
    for point in view.get("scale") or []:
        labels[str(point["value"])] = str(point["label"])
    return labels


def answer_summary(view: dict[str, Any]) -> str | None:
    """The trainee's own answer in short plain text (one line of a collapsed case step), or
    None when it has no short form (matching, ordering, a point...) or there is none."""
    response = view.get("response")
    if not isinstance(response, dict):
        return None
    labels = _labels(view)
    if isinstance(response.get("choice"), str):
        return _shorten(labels.get(response["choice"], "")) or None
    if isinstance(response.get("choices"), list):
        texts = [labels.get(c, "") for c in response["choices"]]
        return _shorten("; ".join(t for t in texts if t)) or None
    if isinstance(response.get("region"), str):
        return _shorten(labels.get(response["region"], "")) or None
    if isinstance(response.get("text"), str):
        return _shorten(response["text"]) or None
    value = response.get("value")
    if isinstance(value, bool):
        return labels.get("true" if value else "false")
    if isinstance(value, int | float):
        return labels.get(str(value), f"{value:g}")
    return None


def module_length(module: Any, step_counts: list[list[int]] | None = None) -> dict[str, Any]:
    """What a module draws, counted truthfully: its standalone questions, its cases, and the
    steps those cases hold. ``step_counts`` (``queries.case_step_counts``) gives, per case
    draw, the step counts of the cases it can take: the fewest and the most steps an attempt
    can have (several draws may in fact not share a case, so the range is at most that wide).
    """
    questions = sum(int(r["count"]) for r in module.blueprint or [])
    cases = sum(int(c["count"]) for c in module.case_draws or [])
    least = most = 0
    for draw, counts in zip(module.case_draws or [], step_counts or [], strict=False):
        n = min(int(draw["count"]), len(counts))
        least += sum(counts[:n])
        most += sum(counts[len(counts) - n :]) if n else 0
    return {
        "questions": questions,
        "cases": cases,
        "steps_min": least,
        "steps_max": most,
        "items_min": questions + least,
        "items_max": questions + most,
    }
