"""The Today page gathers one card from each area that has something to say today.

Each module listed in ``CARD_MODULES`` exposes ``card(request) -> Card | None``. The areas own
their cards; Today only orders them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module

from django.http import HttpRequest

CARD_MODULES = (
    "kneeclinic.symptoms.today",
    "kneeclinic.activities.today",
    "kneeclinic.plans.today",
    "kneeclinic.exercises.today",
    "kneeclinic.training.today",
    "kneeclinic.knowledge.today",
)


@dataclass(frozen=True, slots=True)
class Card:
    template: str
    context: dict[str, object] = field(default_factory=dict)


def cards(request: HttpRequest) -> list[Card]:
    found: list[Card] = []
    for name in CARD_MODULES:
        card = import_module(name).card(request)
        if card is not None:
            found.append(card)
    return found


def greeting(user: object) -> str:
    """Morning, afternoon or evening in the user's own time zone."""
    from django.utils import timezone

    tz = getattr(user, "tz", None)
    hour = timezone.localtime(timezone=tz).hour
    if hour < 12:
        return "morning"
    if hour < 18:
        return "afternoon"
    return "evening"
