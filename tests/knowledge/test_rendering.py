"""Markdown from articles and clinic admins renders safely: injection comes out inert."""

from __future__ import annotations

import re

import pytest

from kneeclinic.knowledge.rendering import render_markdown


@pytest.mark.parametrize(
    "markdown",
    [
        "<script>alert(1)</script>",
        "Hello <img src=x onerror=alert(1)>",
        "[click](javascript:alert(1))",
        "![x](javascript:alert(1))",
        '<a href="https://evil.example" onclick="steal()">link</a>',
        "<iframe src='https://evil.example'></iframe>",
        "[x](vbscript:msgbox(1))",
        "<style>body{display:none}</style>",
        "[data](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_html_and_script_in_markdown_render_inert(markdown: str) -> None:
    html = render_markdown(markdown).lower()
    for dangerous in ("<script", "<iframe", "<style"):
        assert dangerous not in html
    assert not re.search(r"<[^>]*\son\w+=", html)  # no event handler inside a real tag
    assert 'href="javascript:' not in html
    assert 'href="vbscript:' not in html
    assert 'href="data:' not in html


def test_article_and_static_links_become_real_addresses() -> None:
    html = render_markdown(
        "See [ice](article:ice).\n\n![A diagram](static:knowledge/load-spike.svg)"
    )
    assert 'href="/learn/ice/"' in html
    assert 'src="/static/knowledge/load-spike.svg"' in html
    assert 'alt="A diagram"' in html


def test_headings_start_below_the_page_title_and_tables_render() -> None:
    html = render_markdown("# Top\n\n## Next\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n")
    assert "<h1" not in html
    assert "<h2>Top</h2>" in html
    assert "<td>1</td>" in html


def test_outside_links_open_without_leaking_the_page() -> None:
    html = render_markdown("[NHS](https://www.nhs.uk/)")
    assert 'rel="noopener noreferrer"' in html
