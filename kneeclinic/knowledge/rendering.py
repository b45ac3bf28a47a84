"""Markdown to HTML, safely: raw HTML in content is never passed through.

Two guards: markdown-it renders with HTML disabled (tags in the text come out escaped), and
nh3 then keeps only an allow-list of tags, attributes and URL schemes. ``article:`` and
``static:`` links in the Markdown become real addresses here.
"""

from __future__ import annotations

from functools import cache

import nh3
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _rewrite(tokens: list[Token]) -> None:
    for token in tokens:
        if token.children:
            _rewrite(token.children)
        for attribute, prefix in (("href", "article:"), ("src", "static:")):
            value = token.attrGet(attribute)
            if isinstance(value, str) and value.startswith(prefix):
                target = value.removeprefix(prefix)
                token.attrSet(
                    attribute,
                    reverse("knowledge:show-article", args=[target])
                    if prefix == "article:"
                    else static(target),
                )


def render_markdown(text: str) -> SafeString:
    """HTML for ``text``; headings start at h2 because the page has its own h1."""
    tokens = _parser().parse(text)
    _rewrite(tokens)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"} and token.tag == "h1":
            token.tag = "h2"
    html = _parser().renderer.render(tokens, _parser().options, {})
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above  # nosec B308 B703


@cache
def render_article_body(slug: str, body: str) -> SafeString:
    """The rendered body of a shipped article, cached: the files do not change while running."""
    return render_markdown(body)
