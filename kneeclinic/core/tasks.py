"""Background tasks of the core: thin wrappers around services."""

from __future__ import annotations

from datetime import datetime

from django.tasks import task

from kneeclinic.core import privacy


@task()
def build_export(export_id: int) -> None:
    privacy.build_export(export_id)


@task()
def erase_due_accounts() -> int:
    return privacy.erase_due()


def schedule_erasure(due_at: datetime) -> None:
    """Queue the erasure for its due time; without a deferring backend, `erase_due` does it."""
    if erase_due_accounts.get_backend().supports_defer:
        erase_due_accounts.using(run_after=due_at).enqueue()
