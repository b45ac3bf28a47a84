"""Search: the same queries find the same articles on SQLite and on PostgreSQL.

CI runs this module on both databases (KNEECLINIC_TEST_POSTGRES selects PostgreSQL).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kneeclinic.knowledge import services
from kneeclinic.knowledge.models import ArticleIndex
from kneeclinic.knowledge.search import search

pytestmark = pytest.mark.django_db

# query -> the article that must come first
FIRST_HITS = {
    "patela": "what-is-runners-knee",
    "kneecap": "what-is-runners-knee",
    "stairs hurt": "what-is-runners-knee",
    "ibuprofen": "painkillers",
    "ibuprofin": "painkillers",
    "frozen peas": "ice",
    "cadance": "cadence-and-technique",
    "10 % rule": "building-up-gradually",
    "insoles": "taping-braces-insoles",
    "replace shoes": "shoes",
    "warm-up stretching": "warming-up",
    "999": "red-flags",
    "MRI": "diagnosis",
    "walk run": "returning-to-running",
    "traffic light": "how-much-pain-is-ok",
}


@pytest.mark.parametrize(("query", "slug"), FIRST_HITS.items())
def test_each_query_puts_the_right_article_first(query: str, slug: str) -> None:
    hits = search(query).hits
    assert hits, query
    assert hits[0].article.slug == slug


def test_a_misspelling_is_corrected_and_the_match_highlighted() -> None:
    results = search("patela")
    assert results.expanded.corrections == ("patella",)
    marked = {part.text.lower() for part in results.hits[0].snippet if part.marked}
    assert marked & {"patella", "kneecap", "patellofemoral"}


def test_when_no_article_has_every_word_any_word_is_enough() -> None:
    results = search("kneecap zzzz")
    assert results.broadened
    assert results.hits


@pytest.mark.parametrize(
    "query",
    ["over about", "very once", "!!! ### $$$", "'\"();--", "x" * 10_000, "knee " * 2_000, ""],
)
def test_symbols_and_huge_queries_give_a_clean_result(query: str) -> None:
    results = search(query)
    assert isinstance(results.hits, tuple)


def test_fts_syntax_in_a_query_is_treated_as_words() -> None:
    assert search('ice AND "cold" NEAR(x) OR -pain*').hits


def test_the_index_rebuilds_itself_when_the_articles_change() -> None:
    services.reindex()
    ArticleIndex.objects.update(library_hash="old")
    assert search("ice").hits
    assert not ArticleIndex.objects.filter(library_hash="old").exists()


def test_reindex_command_indexes_every_article(capsys: pytest.CaptureFixture[str]) -> None:
    ArticleIndex.objects.create(
        slug="gone", title="x", summary="x", body_text="x", library_hash="x"
    )
    call_command("reindex")
    assert "Indexed 16 articles." in capsys.readouterr().out
    assert not ArticleIndex.objects.filter(slug="gone").exists()
    assert ArticleIndex.objects.count() == 16


def test_reindex_can_report_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("reindex", "--json")
    assert capsys.readouterr().out.strip() == '{"indexed": 16}'


# query -> every article it finds: pinned, so both databases must find exactly these
SAME_ON_BOTH_DATABASES = {
    "patela": {
        "cadence-and-technique",
        "diagnosis",
        "exercises",
        "ice",
        "physio-assessment",
        "red-flags",
        "rest-and-modifying-training",
        "taping-braces-insoles",
        "what-is-runners-knee",
    },
    "stairs hurt": {
        "diagnosis",
        "exercises",
        "how-much-pain-is-ok",
        "physio-assessment",
        "red-flags",
        "rest-and-modifying-training",
        "what-is-runners-knee",
    },
    "kneecap": {
        "cadence-and-technique",
        "diagnosis",
        "exercises",
        "ice",
        "physio-assessment",
        "red-flags",
        "rest-and-modifying-training",
        "taping-braces-insoles",
        "what-is-runners-knee",
    },
    "ibuprofen": {"painkillers", "red-flags", "what-is-runners-knee"},
    "ice": {"ice", "painkillers", "red-flags", "warming-up", "what-is-runners-knee"},
    "cadance": {
        "cadence-and-technique",
        "physio-assessment",
        "preventing-it-coming-back",
        "returning-to-running",
        "shoes",
        "what-is-runners-knee",
    },
    "shoes": {
        "diagnosis",
        "physio-assessment",
        "preventing-it-coming-back",
        "rest-and-modifying-training",
        "returning-to-running",
        "shoes",
        "taping-braces-insoles",
    },
    "swelling": {
        "diagnosis",
        "how-much-pain-is-ok",
        "ice",
        "painkillers",
        "physio-assessment",
        "red-flags",
        "rest-and-modifying-training",
        "returning-to-running",
        "what-is-runners-knee",
    },
    "MRI": {"diagnosis", "physio-assessment", "red-flags", "what-is-runners-knee"},
    "physio": {
        "cadence-and-technique",
        "diagnosis",
        "exercises",
        "how-much-pain-is-ok",
        "ice",
        "physio-assessment",
        "preventing-it-coming-back",
        "red-flags",
        "taping-braces-insoles",
        "warming-up",
        "what-is-runners-knee",
    },
}


@pytest.mark.parametrize(("query", "slugs"), SAME_ON_BOTH_DATABASES.items())
def test_both_databases_find_the_same_articles(query: str, slugs: set[str]) -> None:
    assert {hit.article.slug for hit in search(query).hits} == slugs
