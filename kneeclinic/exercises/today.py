"""This area's card on the Today page: today's exercise session, and the warm-up before a run."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest

from kneeclinic.accounts.models import User
from kneeclinic.core.today import Card
from kneeclinic.exercises import prescribing, queries


def run_planned(runner: User, day: date) -> bool:
    """Whether the runner's active return-to-run plan has a run on ``day``."""
    from kneeclinic.plans.models import PlanStatus, RunPlan

    plans = RunPlan.objects.filter(runner=runner, status=PlanStatus.ACTIVE, start_date__lte=day)
    return any(day.weekday() in plan.weekdays for plan in plans)


def card(request: HttpRequest) -> Card | None:
    user = request.user
    if not isinstance(user, User) or user.is_clinician:
        return None
    day = queries.local_today(user)
    programme = queries.active_programme(user)
    context: dict[str, object] = {
        "run_today": run_planned(user, day),
        "programme": programme,
        "warm_up_minutes": queries.warm_up_minutes(),
        "from_physio": prescribing.unseen(user),
    }
    if programme is not None:
        context["today"] = queries.today(programme, day)
    return Card(template="exercises/_today_card.html", context=context)
