"""Markdown to safe HTML: markdown-it-py renders, nh3 (ammonia) sanitises with an allowlist.

Instructor text is sanitised here on every render, so nothing unsafe reaches a page even if it
reached the database.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "sub",
    "sup",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "span",
    "abbr",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


@lru_cache(maxsize=4096)
def _render(text: str) -> str:
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def render_markdown(text: str) -> Markup:
    """Sanitised HTML for Markdown ``text`` (safe to insert in a template)."""
    return Markup(_render(text))


def markdown_html(text: str) -> str:
    """The same sanitised HTML as a plain string, for JSON views: the rendering this process
    keeps, without a ``Markup`` made and copied back to ``str`` (50 items and their options
    on an attempt page; issue 19)."""
    return _render(text)
