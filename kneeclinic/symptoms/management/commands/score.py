"""`kneeclinic score akps [--json] < answers.json`: score a questionnaire."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kneeclinic.domain.proms import run_akps_cli

SCORERS = {"akps": run_akps_cli}


class Command(BaseCommand):
    help = (
        "Score a questionnaire read from standard input. 'akps' is the Kujala Anterior Knee "
        'Pain Scale: {"questionnaire": "akps", "version": "1", "answers": {"limp": "none", ...}}.'
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("questionnaire", choices=sorted(SCORERS), help="which questionnaire")
        parser.add_argument("--json", action="store_true", help="print the score as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        code, text = SCORERS[options["questionnaire"]](sys.stdin.read(), as_json=options["json"])
        if code != 0:
            raise CommandError(text.removeprefix("Error: ").rstrip(), returncode=code)
        self.stdout.write(text, ending="")
