from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from kneeclinic.core import demo


class Command(BaseCommand):
    help = "Load the demo runner (Maya) and physio (Bob) once; running it again changes nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        created = demo.load_demo()[0]
        logins = [
            {"role": "runner", "email": demo.RUNNER_EMAIL, "password": demo.DEMO_PASSWORD},
            {"role": "physio", "email": demo.PHYSIO_EMAIL, "password": demo.DEMO_PASSWORD},
        ]
        if options["json"]:
            self.stdout.write(json.dumps({"created": created, "logins": logins}))
            return
        self.stdout.write("Demo data loaded." if created else "Demo data was already loaded.")
        self.stdout.write("Demo logins:")
        for login in logins:
            self.stdout.write(
                f"  {login['role']:<7} {login['email']:<20} password: {login['password']}"
            )
