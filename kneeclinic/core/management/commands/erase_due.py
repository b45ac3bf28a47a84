from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from kneeclinic.core import privacy


class Command(BaseCommand):
    help = "Erase the accounts whose 7-day grace period has ended, and remove expired exports."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        erased = privacy.erase_due()
        expired = privacy.remove_expired_exports()
        if options["json"]:
            self.stdout.write(json.dumps({"erased": erased, "expired_exports": expired}))
        else:
            self.stdout.write(f"Erased {erased} account(s); removed {expired} expired export(s).")
