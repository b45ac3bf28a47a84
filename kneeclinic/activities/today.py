"""This area's card on the Today page: an import under way, or an invitation to bring in runs."""

from __future__ import annotations

from django.http import HttpRequest

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity, Import
from kneeclinic.core.today import Card


def card(request: HttpRequest) -> Card | None:
    """An unfinished import's progress; for a runner without runs, how to add them; else nothing."""
    user = request.user
    if not isinstance(user, User) or not user.is_runner:
        return None
    running = Import.objects.filter(
        runner=user, status__in=[Import.Status.QUEUED, Import.Status.RUNNING]
    ).first()
    if running is not None:
        return Card(template="activities/_today_card.html", context={"batch": running})
    if Activity.objects.filter(runner=user).exists():
        return None
    return Card(template="activities/_today_card.html", context={"batch": None})
