from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kneeclinic.accounts.models import User
from kneeclinic.core import privacy


class Command(BaseCommand):
    help = "Write everything about one user to a ZIP (the same file as the 'Your data' page)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("destination", help="the .zip file to write")
        parser.add_argument("--user", required=True, help="the user's email")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["user"]).first()
        if user is None:
            raise CommandError(f"No account with the email {options['user']}.")
        destination = Path(options["destination"])
        counts = privacy.write_export(user, destination)
        if options["json"]:
            self.stdout.write(json.dumps({"export": str(destination), "counts": counts}))
        else:
            self.stdout.write(f"Wrote {destination} ({sum(counts.values())} records).")
