"""Rows for exercise programmes, the sessions a runner does, and their decisions on suggestions.

Exercises themselves are data in ``kneeclinic.domain.exercises``; rows refer to them by slug.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from kneeclinic.domain import exercises, programmes

SLUG_CHOICES = [(e.slug, e.name) for e in exercises.LIBRARY]
NRS = [MinValueValidator(0), MaxValueValidator(10)]


class Programme(models.Model):
    """A runner's exercise programme: which exercises, how much, how often, from which day."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_programmes"
    )
    name = models.CharField(max_length=120)
    started_on = models.DateField()
    days_per_week = models.PositiveSmallIntegerField(
        default=programmes.SESSIONS_PER_WEEK,
        validators=[MinValueValidator(1), MaxValueValidator(7)],
    )
    weeks = models.PositiveSmallIntegerField(default=programmes.PROGRAMME_WEEKS)
    active = models.BooleanField(default=True)
    prescribed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["runner", "active"])]

    def __str__(self) -> str:
        return f"{self.name} from {self.started_on:%Y-%m-%d}"


class ProgrammeItem(models.Model):
    """One exercise in a programme with its dose and the week it joins."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="items")
    slug = models.CharField(max_length=40, choices=SLUG_CHOICES)
    order = models.PositiveSmallIntegerField(default=0)
    sets = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    reps = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_s = models.PositiveSmallIntegerField(null=True, blank=True)
    each_side = models.BooleanField(default=False)
    load = models.CharField(max_length=80, default="body weight")
    rest_s = models.PositiveSmallIntegerField(default=60)
    from_week = models.PositiveSmallIntegerField(default=1)
    until_week = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["order", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["programme", "slug"], name="programme_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.slug}: {self.dose.describe()}"

    @property
    def dose(self) -> exercises.Dose:
        return exercises.Dose(
            sets=self.sets,
            reps=self.reps,
            hold_s=self.hold_s,
            each_side=self.each_side,
            load=self.load,
            rest_s=self.rest_s,
        )

    @property
    def exercise(self) -> exercises.Exercise:
        return exercises.get_exercise(self.slug)

    def as_domain(self) -> programmes.ProgrammeItem:
        return programmes.ProgrammeItem(
            self.slug, self.dose, self.from_week, self.note, self.until_week
        )


class SessionStatus(models.TextChoices):
    PARTIAL = "partial", "Partly done"
    COMPLETE = "complete", "Done"


class ExerciseSession(models.Model):
    """One session in the player. ``code`` comes from the phone, so a resent result is one row.

    ``started_at``/``finished_at`` are the phone's own clock; ``local_date`` is the day on the
    phone when the session started. ``received_at`` is the server's clock.
    """

    code = models.UUIDField(unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_sessions"
    )
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions"
    )
    warm_up = models.BooleanField(default=False)
    local_date = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.PARTIAL
    )
    effort = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=NRS, help_text="How hard it felt, 0 (rest) to 10"
    )
    received_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-local_date", "-started_at"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["runner", "local_date"])]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(effort__lte=10), name="exercise_session_effort_0_to_10"
            )
        ]

    def __str__(self) -> str:
        return f"Session {self.local_date:%Y-%m-%d} ({self.status})"


class ExerciseLog(models.Model):
    """What was done of one exercise in one session, and how much it hurt."""

    session = models.ForeignKey(ExerciseSession, on_delete=models.CASCADE, related_name="logs")
    slug = models.CharField(max_length=40, choices=SLUG_CHOICES)
    order = models.PositiveSmallIntegerField(default=0)
    sets_target = models.PositiveSmallIntegerField(default=1)
    sets_done = models.PositiveSmallIntegerField(default=0)
    reps = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_s = models.PositiveSmallIntegerField(null=True, blank=True)
    pain_nrs = models.PositiveSmallIntegerField(null=True, blank=True, validators=NRS)
    skipped = models.BooleanField(default=False)

    class Meta:
        ordering: ClassVar[list[str]] = ["order", "pk"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["session", "slug"], name="exercise_log_once"),
            models.CheckConstraint(
                condition=models.Q(pain_nrs__lte=10), name="exercise_log_pain_0_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slug}: {self.sets_done}/{self.sets_target} sets"

    @property
    def target_met(self) -> bool:
        return not self.skipped and self.sets_done >= self.sets_target


class Decision(models.Model):
    """The runner's answer to a progress or regress suggestion, with the reason shown then."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(ProgrammeItem, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(
        max_length=10, choices=[(k.value, k.value.title()) for k in programmes.SuggestionKind]
    )
    accepted = models.BooleanField()
    reason = models.CharField(max_length=300)
    summary = models.CharField(max_length=300, blank=True)
    from_slug = models.CharField(max_length=40)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-decided_at"]

    def __str__(self) -> str:
        verb = "accepted" if self.accepted else "declined"
        return f"{self.kind} {verb} for {self.from_slug}"

    @property
    def exercise_name(self) -> str:
        return exercises.get_exercise(self.from_slug).name


class ProgrammeChange(models.Model):
    """A physio's change to a runner's programme, with their note; the runner sees each one.

    ``summary`` says what changed in words ("Added Clamshell: 3 sets of 15, each side");
    ``seen_at`` is set when the runner has opened their programme since.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="programme_changes"
    )
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="changes")
    physio = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(max_length=300)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["runner", "seen_at"])]

    def __str__(self) -> str:
        return self.summary
