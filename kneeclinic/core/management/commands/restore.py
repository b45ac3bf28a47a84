from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kneeclinic.core.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `kneeclinic backup`. Stop the app first: this replaces the data."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("archive", help="the .tar.gz written by `kneeclinic backup`")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore(Path(options["archive"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps({"restored": manifest}))
        else:
            self.stdout.write(f"Restored the backup taken {manifest.get('created', '?')}.")
