"""Parsing articles, and the forgiving search vocabulary built from them."""

from __future__ import annotations

from datetime import date

import pytest

from kneeclinic.domain.articles import (
    Article,
    ArticleError,
    ExpandedQuery,
    SnippetPart,
    Topic,
    expand_query,
    parse_article,
    plain_text,
    snippet_parts,
    vocabulary,
    within_one_edit,
    words,
)

GOOD = """---
title: What is runner's knee?
summary: Pain around the kneecap that running and stairs bring on.
slug: what-is-runners-knee
topic: about
last_reviewed: 2026-11-25
reviewer: Knee Clinic content team
tags: Kneecap, stairs
references:
  - Crossley KM et al. 2016 consensus statement, Part 1. BJSM 2016.
  - Collins NJ et al. 2018 consensus statement. BJSM 2018.
---

# Runner's knee

It hurts behind the **patella**. See [red flags](article:red-flags) and
![Where it hurts](static:knowledge/where-it-hurts.svg).
"""


def with_line(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


def make_article(body: str, *, title: str = "T", tags: tuple[str, ...] = ()) -> Article:
    return Article(
        slug="s",
        title=title,
        summary="",
        topic=Topic.ABOUT,
        last_reviewed=date(2026, 1, 1),
        reviewer="r",
        tags=tags,
        references=("x",),
        body=body,
    )


class TestParseArticle:
    def test_it_reads_every_front_matter_field(self) -> None:
        article = parse_article(GOOD)
        assert article.slug == "what-is-runners-knee"
        assert article.title == "What is runner's knee?"
        assert article.summary.startswith("Pain around the kneecap")
        assert article.topic is Topic.ABOUT
        assert article.last_reviewed == date(2026, 11, 25)
        assert article.reviewer == "Knee Clinic content team"
        assert article.tags == ("kneecap", "stairs")
        assert len(article.references) == 2
        assert article.references[1].startswith("Collins NJ")

    def test_the_body_keeps_its_markdown_without_the_front_matter(self) -> None:
        body = parse_article(GOOD).body
        assert body.startswith("# Runner's knee")
        assert "---" not in body
        assert body.endswith("svg).\n")

    def test_it_lists_internal_links_and_pictures(self) -> None:
        article = parse_article(GOOD)
        assert article.linked_slugs == ("red-flags",)
        assert article.static_paths == ("knowledge/where-it-hurts.svg",)

    def test_a_single_inline_reference_is_a_list_of_one(self) -> None:
        text = GOOD.replace(
            "references:\n  - Crossley KM et al. 2016 consensus statement, Part 1. BJSM 2016.\n"
            "  - Collins NJ et al. 2018 consensus statement. BJSM 2018.\n",
            "references: NHS ice leaflets\n",
        )
        assert parse_article(text).references == ("NHS ice leaflets",)

    def test_a_byte_order_mark_and_blank_lines_in_front_matter_are_fine(self) -> None:
        text = "\ufeff" + GOOD.replace("topic: about\n", "topic: about\n\n")
        assert parse_article(text).topic is Topic.ABOUT

    def test_the_topic_has_a_label_for_the_learn_page(self) -> None:
        assert Topic.HELP.label == "Getting help"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "must start with a '---'"),
            ("title: x\n", "must start with a '---'"),
            ("---\ntitle: x\n", "no closing '---'"),
            (with_line("slug: what-is-runners-knee\n", ""), "missing or empty field(s): slug"),
            (with_line("reviewer: Knee Clinic content team", "reviewer:"), "reviewer"),
            (with_line("slug: what-is-runners-knee", "slug: What Is"), "lower-case words"),
            (with_line("topic: about", "topic: gossip"), "topic 'gossip' is not one of"),
            (with_line("last_reviewed: 2026-11-25", "last_reviewed: last week"), "not a date"),
            (with_line("title: What", "title: " + "x" * 121 + " What"), "title is longer"),
            (with_line("summary: Pain", "summary: " + "x" * 301), "summary is longer"),
            (with_line("topic: about", "topic: about\ntopic: help"), "appears twice"),
            (with_line("topic: about", "just words"), "line 5: expected 'name: value'"),
            (with_line("topic: about", "  indented: value"), "expected 'name: value'"),
            (with_line("topic: about", "topic: about\n  - stray"), "list item outside"),
            (GOOD.split("---\n\n")[0] + "---\n\n   \n", "has no body"),
        ],
    )
    def test_it_rejects_bad_articles_with_a_clear_reason(self, text: str, message: str) -> None:
        with pytest.raises(ArticleError, match=r"^ice\.md") as caught:
            parse_article(text, source="ice.md")
        assert message in str(caught.value)

    def test_a_list_item_before_any_field_is_rejected(self) -> None:
        with pytest.raises(ArticleError, match="list item outside"):
            parse_article("---\n  - stray\n---\nbody\n")


class TestPlainText:
    def test_it_drops_markup_and_keeps_words(self) -> None:
        markdown = (
            "# Heading\n\n## Why?\n\nSome **bold** and _italic_ text with [a link](article:x).\n\n"
            "- one item\n1. first\n> quoted\n\n![A picture](static:a.svg)\n\n"
            "| a | b |\n|---|---|\n| c | d |\n\n---\n"
        )
        assert plain_text(markdown) == (
            "Heading.\nWhy?\nSome bold and italic text with a link.\none item\nfirst\nquoted\n"
            "A picture\na b\nc d"
        )


class TestWords:
    def test_it_splits_on_symbols_and_joins_x_ray_and_warm_up(self) -> None:
        assert words("Runner's knee: X-ray & Warm-up?") == [
            "runner",
            "s",
            "knee",
            "xray",
            "warmup",
        ]

    def test_vocabulary_gathers_words_from_every_part_of_every_article(self) -> None:
        articles = [
            make_article("Patella pain", title="Knee", tags=("stairs",)),
            make_article("Ice " + "z" * 41, title="Cold"),
        ]
        assert vocabulary(articles) == {"patella", "pain", "knee", "stairs", "ice", "cold"}


class TestWithinOneEdit:
    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("patella", "patella"),
            ("patela", "patella"),  # a letter dropped
            ("patellla", "patella"),  # a letter added
            ("patelia", "patella"),  # a letter changed
            ("ptaella", "patella"),  # neighbours swapped
            ("knees", "knee"),  # a letter added at the end
            ("aknee", "knee"),  # a letter added at the start
        ],
    )
    def test_near_spellings_match(self, a: str, b: str) -> None:
        assert within_one_edit(a, b)
        assert within_one_edit(b, a)

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("patla", "patella"),  # two letters dropped
            ("pateall", "patella"),  # two changes
            ("ptaelal", "patella"),  # two swaps
            ("abcd", "badc"),  # swaps of non-neighbours
            ("knee", "kneel" + "s"),
            ("abc", "axcy"),  # one added and one changed
        ],
    )
    def test_distant_spellings_do_not(self, a: str, b: str) -> None:
        assert not within_one_edit(a, b)


KNOWN = frozenset({"patella", "knee", "stairs", "pain", "ice", "shoes", "painful", "cadence"})


class TestExpandQuery:
    def test_a_misspelt_kneecap_word_finds_patella_and_its_synonyms(self) -> None:
        query = expand_query("patela", KNOWN)
        (term,) = query.terms
        assert term.word == "patela"
        assert term.corrected
        assert term.alternatives[:2] == ("patela", "patella")
        assert {"kneecap", "patellofemoral", "patellar"} <= set(term.alternatives)
        assert query.corrections == ("patella",)

    def test_kneecap_finds_patella_through_the_synonym_table(self) -> None:
        (term,) = expand_query("Kneecap", KNOWN).terms
        assert not term.corrected
        assert term.alternatives[0] == "kneecap"
        assert "patella" in term.alternatives

    def test_known_words_are_not_corrected(self) -> None:
        (term,) = expand_query("stairs", KNOWN).terms
        assert term == type(term)(word="stairs", alternatives=("stairs",), corrected=False)

    def test_short_unknown_words_are_not_guessed(self) -> None:
        (term,) = expand_query("ica", KNOWN).terms
        assert term.alternatives == ("ica",)

    def test_stop_words_symbols_and_repeats_are_dropped(self) -> None:
        query = expand_query("Why do my STAIRS hurt?!? stairs", KNOWN)
        assert [t.word for t in query.terms] == ["stairs", "hurt"]
        assert "pain" in query.terms[1].alternatives

    @pytest.mark.parametrize("text", ["", "   ", "!!! @@@ ### %%%", "<script>", "the and of"])
    def test_nothing_searchable_gives_an_empty_query(self, text: str) -> None:
        query = expand_query(text, KNOWN)
        assert query == ExpandedQuery(terms=()) or [t.word for t in query.terms] == ["script"]
        if text != "<script>":
            assert query.is_empty

    def test_a_ten_thousand_character_query_is_cut_short_cleanly(self) -> None:
        query = expand_query("knee " * 2000, KNOWN)
        assert [t.word for t in query.terms] == ["knee"]
        many = " ".join(f"word{i}" for i in range(50))
        assert len(expand_query(many, KNOWN).terms) == 8

    def test_overlong_words_are_ignored(self) -> None:
        assert expand_query("a" * 41, KNOWN).is_empty


class TestSnippetParts:
    def test_marked_words_are_split_out_for_highlighting(self) -> None:
        raw = "pain behind the \x02patella\x03 on \x02stairs\x03"
        assert snippet_parts(raw) == (
            SnippetPart("pain behind the ", marked=False),
            SnippetPart("patella", marked=True),
            SnippetPart(" on ", marked=False),
            SnippetPart("stairs", marked=True),
        )

    def test_text_that_looks_like_markup_stays_plain_text(self) -> None:
        assert snippet_parts("<b>x</b>\x03") == (SnippetPart("<b>x</b>", marked=False),)
