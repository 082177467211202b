"""The design system's Jinja macros (app/templates/_components.html)."""

from __future__ import annotations

from flask import render_template_string


def test_table_region_is_a_named_keyboard_region_with_its_caption(app) -> None:
    source = (
        '{% from "_components.html" import table_region %}'
        '{% call table_region("Attempts & scores") %}<tbody><tr><td>1</td></tr></tbody>'
        "{% endcall %}"
    )
    with app.test_request_context("/"):
        html = render_template_string(source)
    assert 'role="region" tabindex="0" aria-label="Attempts &amp; scores"' in html
    assert "<caption>Attempts &amp; scores</caption>" in html
    assert 'class="table table-stack"' in html
    assert "<td>1</td>" in html


def test_badge_and_alert_carry_words_not_colour_alone(app) -> None:
    source = (
        '{% from "_components.html" import badge, alert %}'
        '{{ badge("Passed", "success") }}|{{ alert("Saved", "success") }}|'
        '{{ alert("No", "danger") }}'
    )
    with app.test_request_context("/"):
        badge, saved, refused = render_template_string(source).split("|")
    assert "badge-success" in badge and "Passed" in badge and 'aria-hidden="true">✓' in badge
    assert 'role="status"' in saved and "Saved" in saved
    assert 'role="alert"' in refused
