"""``kneeclinic activities --user EMAIL [--json]``: list a runner's activities."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kneeclinic.accounts.models import User
from kneeclinic.activities import queries
from kneeclinic.activities.models import Activity
from kneeclinic.domain import units


class Command(BaseCommand):
    help = "List a runner's activities, newest first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, metavar="EMAIL")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        runner = User.objects.filter(email__iexact=options["user"]).first()
        if runner is None:
            raise CommandError(f"no user with the email {options['user']}")
        rows = Activity.objects.filter(runner=runner).order_by("-start")
        if options["json"]:
            items = [queries.summary(a) for a in rows]
            self.stdout.write(json.dumps({"activities": items, "count": len(items)}, indent=2))
            return
        unit = units.DistanceUnit(runner.units)
        for activity in rows:
            distance = units.format_distance(activity.distance_m or 0, unit)
            local = activity.start.astimezone(runner.tz)
            self.stdout.write(
                f"{local:%Y-%m-%d %H:%M}  {activity.sport:<9} {distance:>10}  "
                f"{units.format_duration(activity.elapsed_s):>8}  {activity.name}"
            )
