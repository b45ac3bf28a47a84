"""Every article shipped with the app parses, cites its sources and links only to what exists."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kneeclinic.domain.articles import Article, parse_article, plain_text

PACKAGE = Path(__file__).resolve().parents[2] / "kneeclinic"
ARTICLES = PACKAGE / "knowledge" / "articles"
STATIC = PACKAGE / "static"

# Other screens link to these slugs, so they must always exist.
PROMISED_SLUGS = {
    "what-is-runners-knee",
    "red-flags",
    "diagnosis",
    "rest-and-modifying-training",
    "ice",
    "painkillers",
    "taping-braces-insoles",
    "exercises",
    "how-much-pain-is-ok",
    "returning-to-running",
    "building-up-gradually",
    "cadence-and-technique",
    "shoes",
    "warming-up",
    "preventing-it-coming-back",
    "physio-assessment",
}
MIN_WORDS, MAX_WORDS = 400, 900
FIRST_PUBLISHED = date(2026, 11, 1)


def article_paths() -> list[Path]:
    return sorted(ARTICLES.glob("*.md"))


def load(path: Path) -> Article:
    return parse_article(path.read_text(encoding="utf-8"), source=path.name)


def test_every_promised_article_exists() -> None:
    assert {path.stem for path in article_paths()} >= PROMISED_SLUGS


@pytest.mark.parametrize("path", article_paths(), ids=lambda p: p.stem)
class TestEachArticle:
    def test_it_parses_and_its_slug_matches_its_file_name(self, path: Path) -> None:
        assert load(path).slug == path.stem

    def test_it_has_references_a_reviewer_and_a_plausible_review_date(self, path: Path) -> None:
        article = load(path)
        assert len(article.references) >= 2
        assert all(len(reference) > 20 for reference in article.references)
        assert article.reviewer
        assert FIRST_PUBLISHED <= article.last_reviewed <= datetime.now(tz=UTC).date()

    def test_it_links_only_to_articles_that_exist(self, path: Path) -> None:
        known = {p.stem for p in article_paths()}
        assert set(load(path).linked_slugs) <= known

    def test_its_pictures_exist_and_have_alt_text(self, path: Path) -> None:
        article = load(path)
        for static_path in article.static_paths:
            assert (STATIC / static_path).is_file(), static_path
        assert "![]" not in article.body

    def test_it_is_a_readable_length(self, path: Path) -> None:
        count = len(plain_text(load(path).body).split())
        assert MIN_WORDS <= count <= MAX_WORDS

    def test_it_contains_no_raw_html(self, path: Path) -> None:
        assert not re.search(r"<[a-zA-Z/!]", load(path).body)

    def test_it_is_written_in_british_spelling(self, path: Path) -> None:
        text = load(path).body.lower()
        for american in ("color", "center ", "behavior", "pediatric", "orthopedic", " favor"):
            assert american not in text, american


def test_every_urgent_advice_names_999_and_nhs_111() -> None:
    body = load(ARTICLES / "red-flags.md").body
    assert "999" in body
    assert "NHS 111" in body
    assert "A&E" in body
