"""``kneeclinic import PATH... --user EMAIL [--json]``: import files, folders or archives."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kneeclinic.accounts.models import User
from kneeclinic.activities import queries, services
from kneeclinic.activities.models import Import


def _files(paths: list[str]) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                found.append((str(child.relative_to(path)), child))
        elif path.is_file():
            found.append((path.name, path))
        else:
            raise CommandError(f"{text}: no such file or folder")
    return found


class Command(BaseCommand):
    help = "Import activity files (FIT, GPX, TCX, gzipped) or ZIP exports for a runner."
    # The project's checks run with `kneeclinic check` and on every server start; an import of a
    # runner's history should not spend a third of a second repeating them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--user", required=True, metavar="EMAIL")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        runner = User.objects.filter(email__iexact=options["user"]).first()
        if runner is None:
            raise CommandError(f"no user with the email {options['user']}")
        files = _files(options["paths"])
        if not files:
            raise CommandError("no files to import")
        show = not options["json"] and sys.stderr.isatty()
        # the parse workers load while the files are stored
        workers = services.start_workers()
        try:
            batch = services.create_import(runner, files)
            finished = services.run_import(batch.pk, self._bar if show else None, workers)
        finally:
            for worker in workers:
                worker.close()
        if finished is None:  # pragma: no cover - a new import cannot be claimed elsewhere
            raise CommandError("the import was taken by another worker")
        if show:
            sys.stderr.write("\n")
        report = queries.import_report(finished)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        for item in report["files"]:
            if item["status"] == "failed":
                self.stdout.write(f"failed: {item['file']}: {item['error']}")
        self.stdout.write(
            f"{report['imported']} imported, {report['duplicates']} duplicates, "
            f"{report['failed']} failed"
        )

    def _bar(self, batch: Import) -> None:  # pragma: no cover - only on a terminal
        total = batch.total_files or batch.done_files or 1
        width = 30
        filled = min(width, round(width * batch.done_files / total))
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {batch.done_files}/{total} "
            f"{batch.current_file[-40:]:<40}"
        )
        sys.stderr.flush()
