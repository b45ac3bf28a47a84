"""This area's card on the Today page (see kneeclinic.core.today)."""

from __future__ import annotations

import uuid

from django.http import HttpRequest

from kneeclinic.accounts.models import User
from kneeclinic.core.today import Card
from kneeclinic.symptoms import queries
from kneeclinic.symptoms.forms import PAIN_CHOICES


def card(request: HttpRequest) -> Card | None:
    user = request.user
    if not isinstance(user, User) or not user.is_runner:
        return None
    return Card(
        template="symptoms/_today_card.html",
        context={
            "status": queries.pain_status(user),
            "ask_morning": queries.asks_morning_check(user),
            "morning_token": uuid.uuid4(),
            "reminder": queries.akps_reminder(user).value,
            "pain_choices": PAIN_CHOICES,
        },
    )
