"""The articles shipped with the app: read once from the package's Markdown files."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from django.http import Http404

from kneeclinic.domain.articles import Article, Topic, parse_article, vocabulary

ARTICLES_DIR = Path(__file__).resolve().parent / "articles"
# The order a runner would read them in; articles not listed follow, by title.
READING_ORDER = (
    "what-is-runners-knee",
    "red-flags",
    "diagnosis",
    "physio-assessment",
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
)


@cache
def all_articles() -> tuple[Article, ...]:
    """Every article, by topic shelf and reading order. Bad files fail loudly at start."""
    articles = [
        parse_article(path.read_text(encoding="utf-8"), source=path.name)
        for path in sorted(ARTICLES_DIR.glob("*.md"))
    ]
    topics = list(Topic)
    rank = {slug: number for number, slug in enumerate(READING_ORDER)}
    return tuple(
        sorted(
            articles,
            key=lambda a: (topics.index(a.topic), rank.get(a.slug, len(rank)), a.title.lower()),
        )
    )


@cache
def articles_by_slug() -> dict[str, Article]:
    return {article.slug: article for article in all_articles()}


def get_article(slug: str) -> Article:
    try:
        return articles_by_slug()[slug]
    except KeyError:
        raise Http404("No such article") from None


def shelves() -> list[tuple[Topic, list[Article]]]:
    """Articles grouped by topic, in the Learn page's order; empty shelves left out."""
    grouped = [(topic, [a for a in all_articles() if a.topic is topic]) for topic in Topic]
    return [(topic, articles) for topic, articles in grouped if articles]


@cache
def known_words() -> frozenset[str]:
    return vocabulary(all_articles())


@cache
def library_hash() -> str:
    """A fingerprint of every article's text: the search index is rebuilt when it changes."""
    digest = hashlib.sha256()
    for path in sorted(ARTICLES_DIR.glob("*.md")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
