"""The search index of the articles, readers' topic suggestions, and clinics' service pages."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from kneeclinic.accounts.models import Clinic


class ArticleIndex(models.Model):
    """One article's searchable text, filled from the Markdown files by ``services.reindex``.

    On SQLite an FTS5 table (``knowledge_article_fts``) mirrors these rows; on PostgreSQL the
    search vectors are computed from these columns.
    """

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField()
    body_text = models.TextField()
    keywords = models.TextField(blank=True)
    library_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.slug


class TopicSuggestion(models.Model):
    """A reader's answer to "What would you like us to write about?"."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        PLANNED = "planned", "Planned"
        WRITTEN = "written", "Written"
        MERGED = "merged", "Merged into another"
        DECLINED = "declined", "Not planned"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    text = models.TextField(max_length=500)
    from_article = models.SlugField(max_length=100, blank=True)
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="topic_suggestions",
    )
    # A salted hash of the sender's address, for throttling: the address itself is not kept.
    sender_hash = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    answered_by = models.SlugField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    seen_by_suggester_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class ClinicPage(models.Model):
    """A clinic's own page: its services, diagnostic options and how to book."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="page")
    introduction = models.TextField(max_length=2000, blank=True)
    services = models.TextField(max_length=5000, blank=True)
    diagnostics = models.TextField(max_length=5000, blank=True)
    how_to_book = models.TextField(max_length=2000, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.TextField(max_length=500, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Page of {self.clinic}"


class AssessmentRequest(models.Model):
    """A request for an assessment, sent from a clinic's page to its physiotherapists."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="assessment_requests")
    name = models.CharField(max_length=150)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    message = models.TextField(max_length=2000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sender_hash = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} -> {self.clinic}"
