"""Background work: a thin wrapper so the worker and the command line share one code path."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from kneeclinic.activities import importer, services
from kneeclinic.activities.models import Import


@task()
def run_import_task(batch_id: int) -> str:
    """Run (or resume) an import; a second worker for the same import does nothing."""
    finished = services.run_import(batch_id)
    return "claimed elsewhere" if finished is None else finished.status


def resume_stalled_imports() -> int:
    """Queue again every unfinished import whose worker stopped (killed, or its task lost).

    The worker does this when it starts and every minute after, so an import interrupted by a
    crash carries on by itself, not only once its runner opens the import page. A queued-again
    import gets a fresh heartbeat, so it is not queued twice while it waits for the worker.
    Returns how many were queued.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=importer.STALE_AFTER_S)
    quiet = Q(heartbeat_at__lt=stale) | Q(heartbeat_at=None, created_at__lt=stale)
    stalled = Q(status__in=[Import.Status.QUEUED, Import.Status.RUNNING]) & quiet
    resumed = 0
    for pk in Import.objects.filter(stalled).values_list("pk", flat=True):
        with transaction.atomic():
            if Import.objects.filter(stalled, pk=pk).update(
                status=Import.Status.QUEUED, heartbeat_at=now
            ):
                services.enqueue(Import(pk=pk))
                resumed += 1
    return resumed
