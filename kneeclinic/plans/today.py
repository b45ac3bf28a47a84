"""This area's card on the Today page (see kneeclinic.core.today): the next planned session."""

from __future__ import annotations

from django.http import HttpRequest

from kneeclinic.core.today import Card
from kneeclinic.plans import queries, services
from kneeclinic.plans.models import PlanStatus


def card(request: HttpRequest) -> Card | None:
    user = request.user
    if not user.is_authenticated:
        return None
    plan = queries.current_plan(user)
    if plan is None or plan.status == PlanStatus.FINISHED:
        return None
    today = queries.today_for(user)
    waiting = plan.waiting_for()
    upcoming = queries.plan_view(plan, user).upcoming if plan.status == PlanStatus.ACTIVE else ()
    return Card(
        template="plans/_today_card.html",
        context={
            "plan_code": plan.code,
            "today": today,
            "waiting_for": queries.SIGNOFF_TEXT[waiting] if waiting else None,
            "pending": services.pending_session(plan),
            "next": upcoming[0] if upcoming else None,
            "stopped": plan.status == PlanStatus.STOPPED,
        },
    )
