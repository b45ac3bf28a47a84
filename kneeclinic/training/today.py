"""This area's card on the Today page (see kneeclinic.core.today)."""

from __future__ import annotations

from django.http import HttpRequest

from kneeclinic.core.today import Card


def card(request: HttpRequest) -> Card | None:
    return None
