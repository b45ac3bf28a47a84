"""``kneeclinic reindex``: rebuild the articles' search index from their Markdown files."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from kneeclinic.knowledge.services import reindex


class Command(BaseCommand):
    help = "Rebuild the search index of the knee clinic's articles from their Markdown files."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = reindex()
        if options["json"]:
            self.stdout.write(json.dumps({"indexed": count}))
        else:
            self.stdout.write(f"Indexed {count} articles.")
