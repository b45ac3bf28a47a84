from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kneeclinic.accounts.models import User
from kneeclinic.core.transfer import TransferError, import_export


class Command(BaseCommand):
    help = "Import an export ZIP from another Knee Clinic install into an account (safe to repeat)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("archive", help="the export ZIP")
        parser.add_argument("--user", required=True, help="the email of the account to fill")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["user"]).first()
        if user is None:
            raise CommandError(f"No account with the email {options['user']}.")
        try:
            result = import_export(user, Path(options["archive"]).read_bytes())
        except (TransferError, OSError) as exc:
            raise CommandError(str(exc)) from None
        summary = {
            "created": dict(result.created),
            "already_there": dict(result.existing),
            "files": result.files,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"Imported {sum(result.created.values())} records and {result.files} files; "
                f"{sum(result.existing.values())} were already there."
            )
