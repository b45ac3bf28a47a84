from __future__ import annotations

import contextlib
import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection

from kneeclinic.core.health import start_heartbeat

RESUME_EVERY_S = 60
"""How often the worker looks for imports whose worker stopped (see resume_stalled_imports)."""


class Command(BaseCommand):
    help = "Run the background worker (imports, exports), with a heartbeat for /healthz."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        thread = start_heartbeat(stop)
        resumer = start_resuming(stop)
        try:
            call_command("db_worker", interval=options["interval"], no_startup_delay=True)
        finally:
            stop.set()
            thread.join(timeout=5)
            resumer.join(timeout=5)


def start_resuming(stop: threading.Event) -> threading.Thread:
    """Queue again, now and every minute until ``stop``, imports left by a stopped worker."""
    from kneeclinic.activities.tasks import resume_stalled_imports

    def run() -> None:
        while not stop.is_set():
            close_old_connections()
            # The database may be briefly locked; the next round tries again.
            with contextlib.suppress(DatabaseError):
                resume_stalled_imports()
            stop.wait(RESUME_EVERY_S)
        connection.close()

    thread = threading.Thread(target=run, name="resume-imports", daemon=True)
    thread.start()
    return thread
