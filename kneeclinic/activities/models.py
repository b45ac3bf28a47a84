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


class StoredFile(models.Model):
    """Bytes kept once by their SHA-256 under the data folder (an upload or one activity file)."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.sha256[:12]


class Import(models.Model):
    """One upload (web or command line): files to read, progress and the outcome of each file."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Finished"
        FAILED = "failed", "Stopped with an error"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imports"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    uploads = models.JSONField(default=list)  # [{"name": ..., "sha256": ..., "size": ...}]
    total_files = models.PositiveIntegerField(null=True, blank=True)
    done_files = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    current_file = models.CharField(max_length=300, blank=True)
    error = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"import {self.code} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}


class ImportFile(models.Model):
    """What became of one file of an import. Its presence also marks the file done (resume)."""

    class Status(models.TextChoices):
        IMPORTED = "imported", "Imported"
        DUPLICATE = "duplicate", "Already there"
        FAILED = "failed", "Could not be read"
        SKIPPED = "skipped", "Not an activity file"

    batch = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="files")
    upload_index = models.PositiveIntegerField()
    member_index = models.PositiveIntegerField()
    name = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices)
    error = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("upload_index", "member_index")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["batch", "upload_index", "member_index"], name="one_outcome_per_file"
            )
        ]


class ActivityFile(models.Model):
    """The file an activity came from: its name, its stored bytes and the import that read it.

    A file that came inside a ZIP stays inside the stored ZIP (``member_index`` says which
    member), so an export is kept once, not once as a ZIP and again file by file.
    """

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="file")
    sha256 = models.CharField(max_length=64)  # indexed in Meta: equality only, no LIKE index
    name = models.CharField(max_length=300)
    stored = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    member_index = models.PositiveIntegerField(null=True, blank=True)  # inside ``stored``, a ZIP
    session_index = models.PositiveSmallIntegerField(default=0)
    source_format = models.CharField(max_length=8, blank=True)
    import_file = models.ForeignKey(
        ImportFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="activity_files"
    )

    class Meta:
        # A plain index: db_index=True on a CharField also builds a LIKE index on PostgreSQL,
        # as big as this one (1.1 GB at 12 million files) and never used for a hash.
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["sha256"], name="activity_file_sha256")
        ]


class ActivityStreams(models.Model):
    """The per-second streams of one activity as one compressed blob, and its laps."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="streams")
    blob = models.BinaryField()
    points = models.PositiveIntegerField()
    laps = models.JSONField(default=list)


class Merge(models.Model):
    """A file recognised as the same run as one already there (same start and distance).

    Its activity is not created; the merge is shown on the run page and can be undone,
    which imports it as a run of its own.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kept = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="merges")
    name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    stored = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    member_index = models.PositiveIntegerField(null=True, blank=True)
    session_index = models.PositiveSmallIntegerField(default=0)
    source_format = models.CharField(max_length=8, blank=True)
    start = models.DateTimeField()
    distance_m = models.FloatField(null=True, blank=True)
    device = models.CharField(max_length=120, blank=True)
    import_file = models.ForeignKey(
        ImportFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="merges"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at",)
