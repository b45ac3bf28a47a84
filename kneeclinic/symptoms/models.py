"""Rows for the symptom checker, the pain diary, self-help logs and the Kujala scale."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from kneeclinic.domain import pain, selfhelp, triage

WHEN_CHOICES = [(w.value, text[0].upper() + text[1:]) for w, text in pain.WHEN_TEXT.items()]
KNEE_CHOICES = [("left", "Left"), ("right", "Right"), ("both", "Both")]
SPOT_CHOICES = [(s.value, text) for s, text in pain.SPOT_TEXT.items()]
MEASURE_CHOICES = [(m.value, selfhelp.GUIDANCE[m].title) for m in selfhelp.Measure]
LEVEL_CHOICES = [(level.value, triage.ADVICE[level].title) for level in triage.Level]


class CheckerRun(models.Model):
    """One pass through the symptom checker; answers are kept as they are given."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checker_runs"
    )
    questionnaire_version = models.CharField(max_length=20, default=triage.QUESTIONNAIRE_VERSION)
    answers = models.JSONField(default=dict, blank=True)
    level = models.CharField(max_length=20, choices=LEVEL_CHOICES, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-started_at"]

    def __str__(self) -> str:
        return f"Checker {self.code} ({self.level or 'unfinished'})"


class PainEntry(models.Model):
    """One pain score: how much, when, which knee and where."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pain_entries"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    pain_nrs = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    when = models.CharField(max_length=20, choices=WHEN_CHOICES)
    knee = models.CharField(max_length=5, choices=KNEE_CHOICES, blank=True)
    spot = models.CharField(max_length=20, choices=SPOT_CHOICES, blank=True)
    note = models.TextField(max_length=500, blank=True)
    activity = models.ForeignKey(
        "activities.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pain_entries",
    )
    client_token = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-at"]
        # A runner's entries over a period (diary, Load, caseload, timeline): without it, a
        # clinic-sized table is read through two indexes and a bitmap AND (docs/deployment.md).
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["runner", "at"], name="pain_entry_runner_at")
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["runner", "client_token"], name="pain_entry_once_per_token"
            ),
            models.CheckConstraint(
                condition=models.Q(pain_nrs__lte=10), name="pain_entry_nrs_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"Pain {self.pain_nrs}/10 {self.when} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def zone(self) -> str:
        """green, amber or red, by the pain model's zones."""
        return pain.zone(self.pain_nrs).value


class SelfHelpLog(models.Model):
    """A self-help measure the runner used, on a day."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="self_help_logs"
    )
    measure = models.CharField(max_length=20, choices=MEASURE_CHOICES)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(max_length=500, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-at"]

    def __str__(self) -> str:
        return f"{self.measure} at {self.at:%Y-%m-%d}"


class AdviceRecord(models.Model):
    """The runner has had advice from a physiotherapist (clears the niggle warning)."""

    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="advice_records"
    )
    on = models.DateField()
    note = models.TextField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-on"]

    def __str__(self) -> str:
        return f"Advice on {self.on}"


class AkpsResponse(models.Model):
    """One completed Kujala Anterior Knee Pain Scale."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="akps_responses"
    )
    version = models.CharField(max_length=10)
    answers = models.JSONField()
    total = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    completed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-completed_at"]

    def __str__(self) -> str:
        return f"Kujala {self.total}/100 on {self.completed_at:%Y-%m-%d}"
