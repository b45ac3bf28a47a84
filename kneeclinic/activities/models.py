"""A runner's activities: one row per run (or walk, ride...), with its summary."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from kneeclinic.domain.activity import Sport, SubSport


class Source(models.TextChoices):
    FILE = "file", "Imported file"
    MANUAL = "manual", "Entered by hand"


class Activity(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activities"
    )
    name = models.CharField(max_length=200, blank=True)
    sport = models.CharField(
        max_length=12, choices=[(s.value, s.value.title()) for s in Sport], default=Sport.RUNNING
    )
    sub_sport = models.CharField(
        max_length=12,
        choices=[(s.value, s.value.title()) for s in SubSport],
        default=SubSport.GENERIC,
    )
    start = models.DateTimeField(db_index=True)
    utc_offset_s = models.IntegerField(null=True, blank=True)
    elapsed_s = models.FloatField()
    moving_s = models.FloatField(null=True, blank=True)
    distance_m = models.FloatField(null=True, blank=True)
    ascent_m = models.FloatField(null=True, blank=True)
    avg_heart_rate_bpm = models.FloatField(null=True, blank=True)
    max_heart_rate_bpm = models.FloatField(null=True, blank=True)
    avg_cadence_spm = models.FloatField(null=True, blank=True)
    device = models.CharField(max_length=120, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FILE)
    excluded_from_load = models.BooleanField(default=False)
    how_it_felt = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-start",)
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["runner", "-start"])]

    def __str__(self) -> str:
        return self.name or f"{self.sport} on {self.start:%Y-%m-%d}"
