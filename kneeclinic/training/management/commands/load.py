from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kneeclinic.accounts.models import User
from kneeclinic.domain.units import format_distance
from kneeclinic.training import queries

RECENT_WEEKS = 8


class Command(BaseCommand):
    help = "Show a runner's training load: the next-run and weekly guardrails, weeks and spikes."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--user", required=True, metavar="EMAIL", help="the runner's email")
        parser.add_argument("--json", action="store_true", help="print every figure as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        runner = User.objects.filter(email__iexact=options["user"]).first()
        if runner is None:
            raise CommandError(f"No user with the email {options['user']}.")
        summary = queries.summary_for(runner)
        if options["json"]:
            self.stdout.write(json.dumps(queries.as_json(summary), indent=2))
            return
        unit = summary.unit
        lines = [summary.sentence, "", "Next run: " + summary.next_run.reason]
        lines += ["This week: " + summary.week.reason, ""]
        if summary.weeks:
            lines.append(f"Last {RECENT_WEEKS} weeks (Monday to Sunday):")
            for week in summary.weeks[-RECENT_WEEKS:]:
                lines.append(
                    f"  {week.week_start:%d %b %Y}  {format_distance(week.distance_m, unit):>9}"
                    f"  {week.runs} run{'s' if week.runs != 1 else ''}"
                )
        spikes = [run for run in summary.runs if run.is_spike][-5:]
        if spikes:
            lines += ["", "Latest spikes (a run more than 10 % longer than the 30 days before):"]
            for run in spikes:
                lines.append(
                    f"  {run.local_date:%d %b %Y}  {format_distance(run.distance_m, unit):>9}"
                    f"  vs {format_distance(run.reference_m or 0, unit)}: {run.spike} spike"
                )
        self.stdout.write("\n".join(lines))
