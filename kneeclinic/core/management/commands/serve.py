from __future__ import annotations

import os
import signal
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Serve Knee Clinic with gunicorn; with --with-worker the background worker runs beside it "
        "and one Ctrl-C stops both."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port to listen on")
        parser.add_argument("--workers", type=int, default=2, help="web worker processes")
        parser.add_argument("--with-worker", action="store_true", help="also run the task worker")
        parser.add_argument("--no-migrate", action="store_true", help="skip applying migrations")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        web = [
            sys.executable, "-m", "gunicorn", "kneeclinic.wsgi:application",
            "--bind", options["bind"], "--workers", str(options["workers"]),
            "--access-logfile", "-", "--graceful-timeout", "5", "--timeout", "120",
        ]  # fmt: skip
        children = [subprocess.Popen(web)]  # noqa: S603 (our own interpreter and arguments)
        if options["with_worker"]:
            worker = [sys.executable, "-m", "kneeclinic.cli", "worker"]
            children.append(subprocess.Popen(worker))  # noqa: S603
        self.stdout.write(f"Knee Clinic is running at http://{options['bind']}/  (Ctrl-C stops it)")
        self._wait(children)

    def _wait(self, children: list[subprocess.Popen[bytes]]) -> None:
        def stop(signum: int, frame: object) -> None:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while True:
                exited = [c for c in children if c.poll() is not None]
                if exited:
                    stop(signal.SIGTERM, None)
                    break
                try:
                    os.wait()
                except ChildProcessError:
                    break
        finally:
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
