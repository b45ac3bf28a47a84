from __future__ import annotations

import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from collections.abc import Callable
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
        parser.add_argument(
            "--threads",
            type=int,
            default=4,
            help="threads in each web worker (a request waiting on the disk or a lock leaves the "
            "CPU to the others)",
        )
        parser.add_argument("--with-worker", action="store_true", help="also run the task worker")
        parser.add_argument("--no-migrate", action="store_true", help="skip applying migrations")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        web = [
            sys.executable, "-m", "gunicorn", "kneeclinic.wsgi:application",
            "--bind", options["bind"], "--workers", str(options["workers"]),
            "--threads", str(options["threads"]),
            "--access-logfile", "-", "--graceful-timeout", "5", "--timeout", "120",
        ]  # fmt: skip
        supervisor = Supervisor(self.stdout.write)
        supervisor.start("web", web)
        if options["with_worker"]:
            supervisor.start("worker", [sys.executable, "-m", "kneeclinic.cli", "worker"])
        self.stdout.write(f"Knee Clinic is running at http://{options['bind']}/  (Ctrl-C stops it)")
        supervisor.run()


class Supervisor:
    """Runs the web server and the worker; restarts a worker that dies; one signal stops all.

    The worker can die on a database that stays locked longer than its timeout (a long demo
    load, a backup on a slow disk): it is restarted, a few times a minute at most, rather than
    taking the web server down with it. If the web server stops, everything stops.
    """

    RESTARTS_PER_MINUTE = 5

    def __init__(self, say: Callable[[str], object]) -> None:
        self.say = say
        self.commands: dict[str, list[str]] = {}
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.restarts: list[float] = []
        self.stopping = False

    def start(self, name: str, command: list[str]) -> None:
        self.commands[name] = command
        self.children[name] = subprocess.Popen(command)  # noqa: S603 (our own interpreter)

    def stop(self, signum: int = signal.SIGTERM, frame: object = None) -> None:
        self.stopping = True
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        try:
            while not self.stopping:
                time.sleep(0.5)
                if self.children["web"].poll() is not None:
                    self.say("The web server stopped; stopping the worker too.")
                    self.stop()
                worker = self.children.get("worker")
                if worker is not None and worker.poll() is not None and not self.stopping:
                    self._restart_worker(worker.returncode)
        finally:
            for child in self.children.values():
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()

    def _restart_worker(self, code: int) -> None:
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < 60]
        if len(self.restarts) >= self.RESTARTS_PER_MINUTE:
            self.say("The worker keeps stopping; stopping Knee Clinic. See the log above.")
            self.stop()
            return
        self.restarts.append(now)
        self.say(f"The worker stopped (exit {code}); starting it again.")
        time.sleep(1)
        self.start("worker", self.commands["worker"])
