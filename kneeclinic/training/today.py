"""This area's card on the Today page: the guardrail for the next run."""

from __future__ import annotations

from django.http import HttpRequest

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.core.today import Card
from kneeclinic.training import queries


def card(request: HttpRequest) -> Card | None:
    """The next-run limit for a runner who has runs; nothing for others."""
    user = request.user
    if not isinstance(user, User) or not user.is_runner:
        return None
    if not Activity.objects.filter(runner=user).exists():
        return None
    summary = queries.summary_for(user)
    return Card(
        template="training/_today_card.html",
        context={"summary": summary, "unit": summary.unit},
    )
