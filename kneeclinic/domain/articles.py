"""Articles of the knee clinic: parsing their text, and a forgiving search vocabulary.

An article is Markdown with a small front-matter block::

    ---
    title: What is runner's knee?
    summary: One or two sentences for lists and search results.
    slug: what-is-runners-knee
    topic: about
    last_reviewed: 2026-11-25
    reviewer: Knee Clinic content team
    tags: kneecap, stairs, causes
    references:
      - Crossley KM et al. 2016 consensus statement, Part 1. BJSM 2016.
    ---
    The body, in Markdown.

Links between articles are written ``[text](article:slug)`` and pictures
``![alt text](static:knowledge/name.svg)``; the web layer turns both into real addresses.
The caller reads the files and passes their text in: nothing here touches the disk.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

FRONT_MATTER_FENCE = "---"
REQUIRED_FIELDS = (
    "title",
    "summary",
    "slug",
    "topic",
    "last_reviewed",
    "reviewer",
    "tags",
    "references",
)
LIST_FIELDS = frozenset({"tags", "references"})
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TITLE_CHARS = 120
MAX_SUMMARY_CHARS = 300
ARTICLE_LINK = re.compile(r"\]\(article:([^)\s#]*)")
STATIC_LINK = re.compile(r"\]\(static:([^)\s]*)")


class ArticleError(ValueError):
    """An article's text that cannot be published, with the reason and where to look."""


class Topic(enum.StrEnum):
    """The shelves of the Learn page, in the order a runner usually needs them."""

    ABOUT = "about"
    HELP = "help"
    RELIEF = "relief"
    RECOVERY = "recovery"
    RUNNING = "running"

    @property
    def label(self) -> str:
        return TOPIC_LABELS[self]


TOPIC_LABELS: Mapping[Topic, str] = {
    Topic.ABOUT: "Understanding runner's knee",
    Topic.HELP: "Getting help",
    Topic.RELIEF: "Easing the pain",
    Topic.RECOVERY: "Exercise and recovery",
    Topic.RUNNING: "Running well again",
}


@dataclass(frozen=True, slots=True)
class Article:
    """One published article: its front matter and its Markdown body."""

    slug: str
    title: str
    summary: str
    topic: Topic
    last_reviewed: date
    reviewer: str
    tags: tuple[str, ...]
    references: tuple[str, ...]
    body: str

    @property
    def linked_slugs(self) -> tuple[str, ...]:
        """The slugs this article links to with ``article:`` links, in order of appearance."""
        return tuple(ARTICLE_LINK.findall(self.body))

    @property
    def static_paths(self) -> tuple[str, ...]:
        """The static files (pictures) this article shows, as paths under the static root."""
        return tuple(STATIC_LINK.findall(self.body))


def parse_article(text: str, *, source: str = "article") -> Article:
    """Parse an article's text (front matter + Markdown body) into an :class:`Article`.

    ``source`` names the file in error messages. Raises :class:`ArticleError`.
    """
    fields, body = _split_front_matter(text, source)
    missing = [name for name in REQUIRED_FIELDS if not fields.get(name)]
    if missing:
        raise ArticleError(f"{source}: missing or empty field(s): {', '.join(missing)}")
    if not body.strip():
        raise ArticleError(f"{source}: the article has no body after its front matter")
    slug = _scalar(fields, "slug")
    if not SLUG_PATTERN.match(slug):
        raise ArticleError(f"{source}: slug {slug!r} must be lower-case words joined by hyphens")
    title = _scalar(fields, "title")
    summary = _scalar(fields, "summary")
    if len(title) > MAX_TITLE_CHARS:
        raise ArticleError(f"{source}: the title is longer than {MAX_TITLE_CHARS} characters")
    if len(summary) > MAX_SUMMARY_CHARS:
        raise ArticleError(f"{source}: the summary is longer than {MAX_SUMMARY_CHARS} characters")
    return Article(
        slug=slug,
        title=title,
        summary=summary,
        topic=_topic(_scalar(fields, "topic"), source),
        last_reviewed=_date(_scalar(fields, "last_reviewed"), source),
        reviewer=_scalar(fields, "reviewer"),
        tags=tuple(tag.lower() for tag in _items(fields, "tags")),
        references=_items(fields, "references"),
        body=body.strip() + "\n",
    )


FieldValue = str | list[str]


def _split_front_matter(text: str, source: str) -> tuple[dict[str, FieldValue], str]:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != FRONT_MATTER_FENCE:
        raise ArticleError(f"{source}: the text must start with a '---' front-matter line")
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == FRONT_MATTER_FENCE)
    except StopIteration:
        raise ArticleError(f"{source}: the front matter has no closing '---' line") from None
    fields: dict[str, FieldValue] = {}
    current: str | None = None
    for number, line in enumerate(lines[1:end], 2):
        if not line.strip():
            continue
        stripped = line.strip()
        if stripped.startswith("- ") and line[0].isspace():
            target = fields.get(current) if current else None
            if not isinstance(target, list):
                raise ArticleError(f"{source}, line {number}: a list item outside a list field")
            target.append(stripped[2:].strip())
            continue
        name, sep, value = line.partition(":")
        name = name.strip()
        if not sep or not name or line[0].isspace():
            raise ArticleError(f"{source}, line {number}: expected 'name: value', got {line!r}")
        if name in fields:
            raise ArticleError(f"{source}, line {number}: the field {name!r} appears twice")
        value = value.strip()
        if name in LIST_FIELDS:
            fields[name] = [item.strip() for item in value.split(",") if item.strip()]
        else:
            fields[name] = value
        current = name
    return fields, "\n".join(lines[end + 1 :])


def _scalar(fields: Mapping[str, FieldValue], name: str) -> str:
    value = fields[name]
    if isinstance(value, list):  # pragma: no cover - list fields are never read as scalars
        raise AssertionError(name)
    return value


def _items(fields: Mapping[str, FieldValue], name: str) -> tuple[str, ...]:
    value = fields[name]
    return tuple(value) if isinstance(value, list) else (value,)


def _topic(value: str, source: str) -> Topic:
    try:
        return Topic(value)
    except ValueError:
        allowed = ", ".join(topic.value for topic in Topic)
        raise ArticleError(f"{source}: topic {value!r} is not one of: {allowed}") from None


def _date(value: str, source: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArticleError(
            f"{source}: last_reviewed {value!r} is not a date like 2026-11-25"
        ) from None


# --- Plain text for the search index ---------------------------------------------------------

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HEADING = re.compile(r"^[ ]{0,3}#{1,6}[ \t]+(.*?)([.?!:]?)[ \t]*$", re.M)
_LINE_MARKUP = re.compile(r"(^\s*[-*+]\s+|^\s*\d+\.\s+|^\s*>\s?|\|)", re.M)
_INLINE_MARKUP = re.compile(r"[*_`]+")
_SPACES = re.compile(r"[ \t]+")
_RULE_CHARS = frozenset("-: ")  # what is left of horizontal rules and table separators


def plain_text(markdown: str) -> str:
    """The words of a Markdown body without its markup, for indexing and snippets.

    Headings end with a full stop (unless they have their own punctuation), so a snippet
    that runs from a heading into its paragraph still reads as two sentences.
    """
    text = _HEADING.sub(lambda m: m[1] + (m[2] or "."), markdown)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _LINE_MARKUP.sub(" ", text)
    text = _INLINE_MARKUP.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not set(line) <= _RULE_CHARS)


# --- A forgiving search ----------------------------------------------------------------------

MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 8
MIN_TYPO_LENGTH = 4
MAX_WORD_CHARS = 40
_WORD = re.compile(r"[a-z0-9]+")

_STOP_WORDS_TEXT = """a an and are as at be can do does for from how i if in is it its my me of on
or should the to what when where which who why will with you your after before"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# Words runners use, and the words the articles use for the same thing. Each group is
# symmetric: any word of a group finds all the others.
SYNONYM_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "kneecap kneecaps patella patellar patellofemoral",
        "pfp patellofemoral",
        "hurt hurts hurting pain painful sore ache aching",
        "ibuprofen nsaid nsaids naproxen antiinflammatory",
        "painkiller painkillers paracetamol ibuprofen analgesic",
        "ice cold frozen cryotherapy",
        "brace braces sleeve sleeves support",
        "insole insoles orthoses orthotics inserts",
        "shoe shoes trainers footwear",
        "cadence steprate stride strides",
        "warmup warm warming",
        "stretch stretches stretching",
        "scan scans mri xray imaging ct",
        "physio physiotherapist physiotherapy",
        "swelling swollen swell",
        "urgent emergency 999 111",
        "spike spikes jump increase",
        "exercise exercises strengthening strength",
        "rest resting break",
        "tape taping kinesiology",
    )
)


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """One word of the query and the words that may stand for it (the word itself first)."""

    word: str
    alternatives: tuple[str, ...]
    corrected: bool


@dataclass(frozen=True, slots=True)
class ExpandedQuery:
    """A search query turned into terms; empty when nothing searchable was typed."""

    terms: tuple[QueryTerm, ...]

    @property
    def is_empty(self) -> bool:
        return not self.terms

    @property
    def corrections(self) -> tuple[str, ...]:
        """Words of the vocabulary that stand in for misspelt words, for a "did you mean"."""
        return tuple(t.alternatives[1] for t in self.terms if t.corrected)


def words(text: str) -> list[str]:
    """Lower-case words of ``text`` (letters and digits; apostrophes and hyphens split)."""
    return _WORD.findall(text.lower().replace("x-ray", "xray").replace("warm-up", "warmup"))


def vocabulary(articles: Iterable[Article]) -> frozenset[str]:
    """Every word that appears in the articles' titles, summaries, tags and bodies."""
    found: set[str] = set()
    for article in articles:
        text = " ".join((article.title, article.summary, " ".join(article.tags), article.body))
        found.update(word for word in words(text) if len(word) <= MAX_WORD_CHARS)
    return frozenset(found)


def expand_query(query: str, known_words: frozenset[str]) -> ExpandedQuery:
    """Split a query into terms, each with synonyms and, for unknown words, near spellings.

    Words of the query that are not in ``known_words`` and are at least
    ``MIN_TYPO_LENGTH`` letters long are matched against ``known_words`` within one edit
    (a letter added, dropped, changed, or two neighbours swapped). Symbols, stop words and
    overlong input are dropped, so any text gives a clean (possibly empty) result.
    """
    terms: list[QueryTerm] = []
    seen: set[str] = set()
    for word in words(query[:MAX_QUERY_CHARS]):
        if word in STOP_WORDS or word in seen or len(word) > MAX_WORD_CHARS:
            continue
        seen.add(word)
        corrections: list[str] = []
        if word not in known_words and len(word) >= MIN_TYPO_LENGTH:
            corrections = sorted(w for w in known_words if within_one_edit(word, w))
        alternatives = [word, *corrections]
        for base in list(alternatives):
            alternatives.extend(sorted(_synonyms(base)))
        terms.append(
            QueryTerm(
                word=word,
                alternatives=tuple(dict.fromkeys(alternatives)),
                corrected=bool(corrections),
            )
        )
        if len(terms) == MAX_QUERY_TERMS:
            break
    return ExpandedQuery(terms=tuple(terms))


def _synonyms(word: str) -> set[str]:
    found: set[str] = set()
    for group in SYNONYM_GROUPS:
        if word in group:
            found |= group
    found.discard(word)
    return found


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by at most one insertion, deletion, change or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    i = next((i for i, (x, y) in enumerate(zip(shorter, longer)) if x != y), len(shorter))  # noqa: B905
    return shorter[i:] == longer[i + 1 :]


# --- Highlighted snippets --------------------------------------------------------------------

MARK_START = "\x02"
MARK_END = "\x03"


@dataclass(frozen=True, slots=True)
class SnippetPart:
    """A piece of a search snippet; ``marked`` pieces matched the query."""

    text: str
    marked: bool


def snippet_parts(raw: str) -> tuple[SnippetPart, ...]:
    """Split a snippet whose matches the database wrapped in MARK_START/MARK_END.

    The parts are plain text for the template to escape, so nothing in an article or a
    query can become markup. Stray or unbalanced markers are dropped.
    """
    parts: list[SnippetPart] = []
    marked = False
    for piece in re.split(f"([{MARK_START}{MARK_END}])", raw):
        if piece == MARK_START:
            marked = True
        elif piece == MARK_END:
            marked = False
        elif piece:
            parts.append(SnippetPart(text=piece, marked=marked))
    return tuple(parts)
