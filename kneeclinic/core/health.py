"""Health of the database and the background worker, for /healthz and `kneeclinic` checks."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from kneeclinic.core.models import WorkerHeartbeat

HEARTBEAT_EVERY_S = 10


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "error"
    return "ok"


def worker_status() -> str:
    try:
        cutoff = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_S)
        alive = WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).exists()
    except DatabaseError:
        return "unknown"
    return "ok" if alive else "down"


def beat(worker_id: str) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"beat_at": now, "pid": os.getpid()}
    )


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def start_heartbeat(stop: threading.Event) -> threading.Thread:
    """Beat every few seconds in a daemon thread until ``stop`` is set."""
    ident = worker_id()

    def run() -> None:
        while not stop.is_set():
            close_old_connections()
            # The database may be briefly locked; the next beat tries again.
            with contextlib.suppress(DatabaseError):
                beat(ident)
            stop.wait(HEARTBEAT_EVERY_S)
        WorkerHeartbeat.objects.filter(worker_id=ident).delete()
        connection.close()

    thread = threading.Thread(target=run, name="heartbeat", daemon=True)
    thread.start()
    return thread
