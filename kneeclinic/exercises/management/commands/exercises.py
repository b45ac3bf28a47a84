"""`kneeclinic exercises start|stop|report EMAIL`: a runner's exercise programme from the shell."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kneeclinic.accounts.models import User
from kneeclinic.domain import programmes as domain
from kneeclinic.exercises import queries, services


class Command(BaseCommand):
    help = "Start, stop or report on a runner's exercise programme."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["start", "stop", "report"])
        parser.add_argument("email", help="the runner's email address")
        parser.add_argument("--json", action="store_true", help="report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        runner = User.objects.filter(email__iexact=options["email"]).first()
        if runner is None:
            raise CommandError(f"No account with the email {options['email']}.")
        day = queries.local_today(runner)
        if options["action"] == "start":
            programme = services.start_default_programme(runner, day)
            self.stdout.write(f"Started {programme.name!r} on {day:%d %B %Y}.")
            return
        if options["action"] == "stop":
            stopped = services.stop_programme(runner)
            self.stdout.write("Stopped the programme." if stopped else "No programme was running.")
            return
        self._report(runner, options["json"])

    def _report(self, runner: User, as_json: bool) -> None:
        programme = queries.active_programme(runner)
        if programme is None:
            raise CommandError("This runner has no active exercise programme.")
        day = queries.local_today(runner)
        weeks = queries.adherence(programme, day)
        report = {
            "programme": programme.name,
            "started_on": programme.started_on.isoformat(),
            "week": queries.current_week(programme, day),
            "adherence_percent": domain.overall_adherence(weeks) if weeks else None,
            "weeks": [
                {"week": w.week, "planned": w.planned, "completed": w.completed,
                 "partial": w.partial, "percent": w.percent}
                for w in weeks
            ],
        }  # fmt: skip
        if as_json:
            self.stdout.write(json.dumps(report, indent=2))
            return
        if not weeks:
            self.stdout.write(f"{report['programme']}: no sessions were due yet.")
            return
        self.stdout.write(
            f"{report['programme']}, week {report['week']}: "
            f"{report['adherence_percent']}% of planned sessions done."
        )
        for w in weeks:
            self.stdout.write(
                f"  week {w.week:>2}: {w.completed} of {w.planned} done"
                + (f", {w.partial} partly" if w.partial else "")
            )
