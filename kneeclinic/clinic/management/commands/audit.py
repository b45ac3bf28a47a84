"""``kneeclinic audit verify``: prove the audit trail was not altered, shortened or reordered."""

from __future__ import annotations

import json
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kneeclinic.clinic.audit import verify_chain


class Command(BaseCommand):
    help = "Check the audit trail. `audit verify` re-walks the hash chain and exits 1 if broken."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("operation", choices=["verify"], help="what to do with the trail")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        result = verify_chain()
        seconds = round(time.monotonic() - started, 3)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": result.ok,
                        "checked": result.checked,
                        "problem": result.problem,
                        "event_id": result.event_id,
                        "seconds": seconds,
                    }
                )
            )
        elif result.ok:
            self.stdout.write(f"The audit trail is intact: {result.checked} events checked.")
        if not result.ok:
            where = f" (event {result.event_id})" if result.event_id is not None else ""
            raise CommandError(
                f"The audit trail is broken{where}: {result.problem}. "
                f"{result.checked} events were intact before it."
            )
