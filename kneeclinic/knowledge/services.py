"""Verbs that write: rebuilding the search index, taking suggestions, editing clinic pages."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from kneeclinic.accounts.models import Clinic, User
from kneeclinic.domain.articles import plain_text, vocabulary
from kneeclinic.knowledge import library
from kneeclinic.knowledge.models import (
    ArticleIndex,
    AssessmentRequest,
    ClinicPage,
    TopicSuggestion,
)
from kneeclinic.knowledge.search import FTS_TABLE

SUGGESTIONS_PER_HOUR = 5
REQUESTS_PER_HOUR = 3
THROTTLE_WINDOW = timedelta(hours=1)


class Throttled(Exception):
    """Too many submissions from one sender within the window; the message says what to do."""


# --- The search index -------------------------------------------------------------------------


def ensure_index() -> None:
    """Rebuild the index when the shipped articles differ from what it holds (cheap check)."""
    if not ArticleIndex.objects.filter(library_hash=library.library_hash()).exists():
        reindex()


@transaction.atomic
def reindex() -> int:
    """Fill the index from the Markdown files; returns the number of articles indexed."""
    articles = library.all_articles()
    fingerprint = library.library_hash()
    ArticleIndex.objects.exclude(slug__in=[a.slug for a in articles]).delete()
    rows = []
    for article in articles:
        row, _ = ArticleIndex.objects.update_or_create(
            slug=article.slug,
            defaults={
                "title": article.title,
                "summary": article.summary,
                "body_text": plain_text(article.body),
                "keywords": " ".join(sorted(vocabulary([article]) | set(article.tags))),
                "library_hash": fingerprint,
            },
        )
        rows.append(row)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608 - a constant name  # nosec B608
            cursor.executemany(
                f"INSERT INTO {FTS_TABLE} (slug, title, summary, body, keywords) "  # noqa: S608  # nosec B608
                "VALUES (%s, %s, %s, %s, %s)",
                [(r.slug, r.title, r.summary, r.body_text, r.keywords) for r in rows],
            )
    return len(rows)


# --- Suggestions ------------------------------------------------------------------------------


def sender_hash(address: str | None, user: User | None = None) -> str:
    """A salted hash of who sent something: enough to throttle, useless to identify anyone.

    Signed-in people are counted by account (so many people behind one address are not
    throttled together); everyone else by their address.
    """
    sender = f"user:{user.pk}" if user is not None and user.is_authenticated else address
    salted = f"{settings.SECRET_KEY}:{sender or 'unknown'}".encode()
    return hashlib.sha256(salted).hexdigest()


def _check_throttle(
    model: type[TopicSuggestion] | type[AssessmentRequest], who: str, limit: int
) -> None:
    since = timezone.now() - THROTTLE_WINDOW
    if model.objects.filter(sender_hash=who, created_at__gte=since).count() >= limit:
        raise Throttled(
            f"Thank you! We have received {limit} messages from you in the last hour, which is "
            "our limit. Please try again in an hour."
        )


def suggest_topic(
    *, text: str, address: str | None, user: User | None, from_article: str = ""
) -> TopicSuggestion:
    who = sender_hash(address, user)
    _check_throttle(TopicSuggestion, who, SUGGESTIONS_PER_HOUR)
    slug = from_article if from_article in library.articles_by_slug() else ""
    return TopicSuggestion.objects.create(
        text=text.strip(),
        from_article=slug,
        suggested_by=user if user is not None and user.is_authenticated else None,
        sender_hash=who,
    )


def set_suggestion_status(
    suggestion: TopicSuggestion, status: str, *, answered_by: str = ""
) -> None:
    """Mark planned, written (with the article that answers it) or declined.

    Marking a suggestion written also marks the duplicates merged into it, so everyone who
    asked for that topic is told.
    """
    now = timezone.now()
    suggestion.status = status
    suggestion.answered_by = answered_by if status == TopicSuggestion.Status.WRITTEN else ""
    suggestion.updated_at = now
    suggestion.save(update_fields=["status", "answered_by", "updated_at"])
    if status == TopicSuggestion.Status.WRITTEN:
        suggestion.duplicates.update(answered_by=answered_by, updated_at=now)


def merge_suggestion(duplicate: TopicSuggestion, into: TopicSuggestion) -> None:
    if duplicate.pk == into.pk or into.status == TopicSuggestion.Status.MERGED:
        raise ValueError("A suggestion can only be merged into another, open suggestion.")
    now = timezone.now()
    with transaction.atomic():
        duplicate.duplicates.update(merged_into=into, updated_at=now)
        duplicate.status = TopicSuggestion.Status.MERGED
        duplicate.merged_into = into
        duplicate.answered_by = into.answered_by
        duplicate.updated_at = now
        duplicate.save(update_fields=["status", "merged_into", "answered_by", "updated_at"])


def mark_answers_seen(user: User) -> int:
    """The runner has seen the articles that answer their suggestions."""
    return (
        TopicSuggestion.objects.filter(suggested_by=user, seen_by_suggester_at__isnull=True)
        .exclude(answered_by="")
        .update(seen_by_suggester_at=timezone.now())
    )


# --- Clinic pages -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClinicPageInput:
    introduction: str
    services: str
    diagnostics: str
    how_to_book: str
    phone: str
    email: str
    address: str


def update_clinic_page(clinic: Clinic, data: ClinicPageInput, *, by: User) -> ClinicPage:
    page, _ = ClinicPage.objects.get_or_create(clinic=clinic)
    page.introduction = data.introduction
    page.services = data.services
    page.diagnostics = data.diagnostics
    page.how_to_book = data.how_to_book
    page.phone = data.phone
    page.email = data.email
    page.address = data.address
    page.updated_at = timezone.now()
    page.updated_by = by
    page.save()
    return page


def request_assessment(
    clinic: Clinic,
    *,
    name: str,
    email: str,
    phone: str,
    message: str,
    address: str | None,
    user: User | None,
) -> AssessmentRequest:
    who = sender_hash(address, user)
    _check_throttle(AssessmentRequest, who, REQUESTS_PER_HOUR)
    return AssessmentRequest.objects.create(
        clinic=clinic,
        name=name.strip(),
        email=email.strip(),
        phone=phone.strip(),
        message=message.strip(),
        requested_by=user if user is not None and user.is_authenticated else None,
        sender_hash=who,
    )


def mark_request_handled(request: AssessmentRequest) -> None:
    request.handled_at = timezone.now()
    request.save(update_fields=["handled_at"])
