from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.activities.services import load_samples
from kneeclinic.plans import services


class Command(BaseCommand):
    help = "Work out the cadence of a runner's runs again from their stored streams."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["email"].lower()).first()
        if user is None:
            raise CommandError(f"No account for {options['email']}.")
        runs = Activity.objects.filter(runner=user, sport="running").order_by("start")
        analysed = without = 0
        for activity in runs.iterator():
            if services.analyse_run(activity, load_samples(activity)) is None:
                without += 1
            else:
                analysed += 1
        result = {"email": user.email, "analysed": analysed, "without_cadence": without}
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                f"{user.email}: cadence worked out for {analysed} runs; {without} had none."
            )
