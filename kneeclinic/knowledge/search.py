"""Full-text search over the articles: SQLite FTS5 or PostgreSQL, same queries, same answers.

The query is first expanded by the domain helper (synonyms and near spellings), then every
term becomes an OR group of its alternatives and the groups are ANDed; when that finds
nothing, the groups are ORed instead. Matches in snippets come back wrapped in the domain's
markers and are split into plain-text parts, so nothing from a query or an article becomes
markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from kneeclinic.domain.articles import (
    MARK_END,
    MARK_START,
    Article,
    ExpandedQuery,
    SnippetPart,
    expand_query,
    snippet_parts,
    words,
)
from kneeclinic.knowledge import library

MAX_RESULTS = 20
FTS_TABLE = "knowledge_article_fts"
SNIPPET_WORDS = 24


@dataclass(frozen=True, slots=True)
class SearchHit:
    article: Article
    snippet: tuple[SnippetPart, ...]


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    expanded: ExpandedQuery
    hits: tuple[SearchHit, ...]
    broadened: bool  # True when no article had every word, so any word was enough


def search(query: str) -> SearchResults:
    from kneeclinic.knowledge.services import ensure_index

    expanded = expand_query(query, library.known_words())
    if expanded.is_empty:
        return SearchResults(query=query, expanded=expanded, hits=(), broadened=False)
    ensure_index()
    rows = _run(expanded, every_term=True)
    broadened = not rows and len(expanded.terms) > 1
    if broadened:
        rows = _run(expanded, every_term=False)
    by_slug = library.articles_by_slug()
    hits = [
        SearchHit(article=by_slug[slug], snippet=snippet_parts(raw))
        for slug, raw in rows
        if slug in by_slug
    ]
    hits.sort(key=lambda hit: -_label_matches(hit.article, expanded))  # stable: keeps rank order
    return SearchResults(query=query, expanded=expanded, hits=tuple(hits), broadened=broadened)


def _label_matches(article: Article, expanded: ExpandedQuery) -> int:
    """How many of the reader's own words (or their corrections) name the article's subject.

    Synonyms widen what is found, but an article tagged or titled with the very word the
    reader typed ("stairs") should come before one that merely mentions "pain" a lot.
    """
    labels = set(words(" ".join((article.title, *article.tags))))
    return sum(
        1
        for term in expanded.terms
        if labels & {term.word, *(term.alternatives[1:2] if term.corrected else ())}
    )


def _run(expanded: ExpandedQuery, *, every_term: bool) -> list[tuple[str, str]]:
    if connection.vendor == "postgresql":
        return _postgres(expanded, every_term=every_term)
    return _sqlite(expanded, every_term=every_term)


def _groups(expanded: ExpandedQuery, quote: str, either: str) -> list[str]:
    # Alternatives are made of [a-z0-9] only (domain.words), so quoting cannot be escaped.
    return [
        "(" + f" {either} ".join(f"{quote}{word}{quote}" for word in term.alternatives) + ")"
        for term in expanded.terms
    ]


def _sqlite(expanded: ExpandedQuery, *, every_term: bool) -> list[tuple[str, str]]:
    match = (" AND " if every_term else " OR ").join(_groups(expanded, '"', "OR"))
    sql = (
        f"SELECT slug, snippet({FTS_TABLE}, 3, %s, %s, '…', {SNIPPET_WORDS}) "  # noqa: S608 - constants; values are parameters  # nosec B608
        f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "
        f"ORDER BY bm25({FTS_TABLE}, 0.0, 10.0, 4.0, 1.0, 2.0) LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [MARK_START, MARK_END, match, MAX_RESULTS])
        return [(str(slug), str(raw)) for slug, raw in cursor.fetchall()]


POSTGRES_VECTOR = (
    "setweight(to_tsvector('english', title), 'A') || "
    "setweight(to_tsvector('english', summary), 'B') || "
    "setweight(to_tsvector('english', keywords), 'C') || "
    "setweight(to_tsvector('english', body_text), 'D')"
)


def _postgres(expanded: ExpandedQuery, *, every_term: bool) -> list[tuple[str, str]]:
    tsquery = (" & " if every_term else " | ").join(_groups(expanded, "", "|"))
    options = (
        f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, "
        "MinWords=10, MaxFragments=1"
    )
    sql = (
        "SELECT slug, ts_headline('english', body_text, q, %s) "  # noqa: S608 - constants; values are parameters  # nosec B608
        f"FROM knowledge_articleindex, to_tsquery('english', %s) q "
        f"WHERE ({POSTGRES_VECTOR}) @@ q "
        f"ORDER BY ts_rank({POSTGRES_VECTOR}, q) DESC, slug LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [options, tsquery, MAX_RESULTS])
        return [(str(slug), str(raw)) for slug, raw in cursor.fetchall()]
