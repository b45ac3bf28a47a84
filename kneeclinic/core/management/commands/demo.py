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
        parser.add_argument(
            "--code",
            action="store_true",
            help="print only the demo physio's current sign-in code (instead of an app)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["code"]:
            self.stdout.write(demo.physio_code())
            return
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
        key = " ".join(demo.DEMO_TOTP_SECRET[i : i + 4] for i in range(0, 32, 4))
        self.stdout.write(
            "Bob is a physio, so he also gives a code from an authenticator app: add the key\n"
            f"  {key}\nto your app, or run `.venv/bin/kneeclinic demo --code` for the current code."
        )
