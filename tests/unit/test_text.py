"""Markdown as sanitised HTML (app/text.py): for templates as ``Markup``, for JSON views as
the same plain string."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from app.text import markdown_html, render_markdown

HOSTILE = [
    "**Deep** fibres <script>alert(1)</script>",
    "[a link](javascript:alert(1)) and [another](https://example.org)",
    '<img src=x onerror="alert(1)"> <iframe src="https://example.org"></iframe>',
    "",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_the_json_form_is_the_templates_html_as_a_plain_string(text):
    html = markdown_html(text)
    assert type(html) is str
    assert html == str(render_markdown(text))
    assert isinstance(render_markdown(text), Markup)


def test_what_is_dangerous_is_removed():
    assert "<strong>Deep</strong>" in markdown_html(HOSTILE[0])
    assert "<script" not in markdown_html(HOSTILE[0])
    links = markdown_html(HOSTILE[1])
    assert 'href="javascript' not in links  # left as text, never a link
    assert 'href="https://example.org"' in links and "noopener" in links
    media = markdown_html(HOSTILE[2])
    assert "onerror" not in media and "<iframe" not in media
    assert markdown_html(None) == ""  # type: ignore[arg-type]
