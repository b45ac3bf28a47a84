"""Background work: a thin wrapper so the worker and the command line share one code path."""

from __future__ import annotations

from django.tasks import task

from kneeclinic.activities import services


@task()
def run_import_task(batch_id: int) -> str:
    """Run (or resume) an import; a second worker for the same import does nothing."""
    finished = services.run_import(batch_id)
    return "claimed elsewhere" if finished is None else finished.status
