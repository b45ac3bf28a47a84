from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kneeclinic.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Take a consistent backup (database + uploaded files) while the app runs."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "destination", nargs="?", help="file or folder (default: DATA_DIR/backups)"
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["destination"] or settings.DATA_DIR / "backups")
        if options["destination"] is None:
            target.mkdir(mode=0o700, exist_ok=True)
        try:
            path = backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps({"backup": str(path), "bytes": path.stat().st_size}))
        else:
            self.stdout.write(f"Backup written to {path} ({path.stat().st_size:,} bytes).")
