from __future__ import annotations

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """The background worker writes its last sign of life here; /healthz reads it."""

    worker_id = models.CharField(max_length=64, unique=True)
    pid = models.PositiveIntegerField()
    beat_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(default=timezone.now)


class DemoState(models.Model):
    """Records that the demo data was loaded, so `make run` loads it once."""

    key = models.CharField(max_length=50, unique=True)
    loaded_at = models.DateTimeField(default=timezone.now)
