from __future__ import annotations

import threading
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from kneeclinic.core.health import start_heartbeat


class Command(BaseCommand):
    help = "Run the background worker (imports, exports), with a heartbeat for /healthz."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        thread = start_heartbeat(stop)
        try:
            call_command("db_worker", interval=options["interval"], no_startup_delay=True)
        finally:
            stop.set()
            thread.join(timeout=5)
