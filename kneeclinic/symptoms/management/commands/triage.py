"""`kneeclinic triage [--json] < response.json`: evaluate a FHIR QuestionnaireResponse."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kneeclinic.domain.triage_fhir import run_triage_cli


class Command(BaseCommand):
    help = (
        "Read a FHIR QuestionnaireResponse for the knee symptom checker from standard input and "
        "print the outcome: the level of help, the reasons with the answers behind them, and "
        "the advice. It gives information, not a diagnosis."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the outcome as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        code, text = run_triage_cli(sys.stdin.read(), as_json=options["json"])
        if code != 0:
            raise CommandError(text.removeprefix("Error: ").rstrip(), returncode=code)
        self.stdout.write(text, ending="")
