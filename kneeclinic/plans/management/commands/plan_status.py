from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kneeclinic.accounts.models import User
from kneeclinic.plans import queries


class Command(BaseCommand):
    help = "Show a runner's return-to-run plan: stage, next run and the last decision."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["email"].lower()).first()
        if user is None:
            raise CommandError(f"No account for {options['email']}.")
        plan = queries.current_plan(user)
        if plan is None:
            result: dict[str, object] = {"email": user.email, "plan": None}
        else:
            view = queries.plan_view(plan, user)
            nxt = view.next_session
            result = {
                "email": user.email,
                "plan": view.template.slug,
                "status": plan.status,
                "stage": view.stage_number,
                "stages": view.stage_count,
                "waiting_for_review": view.waiting_for,
                "next_run": nxt.on.isoformat() if nxt else None,
                "last_decision": view.last.decision if view.last else None,
                "last_reason": view.last.reason if view.last else None,
            }
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        if result["plan"] is None:
            self.stdout.write(f"{user.email} has no return-to-run plan.")
            return
        self.stdout.write(
            f"{user.email}: {result['plan']} stage {result['stage']} of {result['stages']}, "
            f"{result['status']}; next run {result['next_run'] or '-'}."
        )
        if result["last_reason"]:
            self.stdout.write(f"Last decision: {result['last_decision']} - {result['last_reason']}")
