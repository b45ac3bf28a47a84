"""The planned sessions as a private, revocable iCalendar feed."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.core import calendar

pytestmark = pytest.mark.django_db


def start_programme(runner: User) -> None:
    from kneeclinic.exercises.models import Programme

    Programme.objects.create(
        runner=runner, name="Knee, thigh and hip", started_on=timezone.localdate(), days_per_week=3
    )


def test_the_feed_lists_exercise_days_as_all_day_events(client: Client, alice: User) -> None:
    start_programme(alice)
    secret = calendar.new_feed(alice)
    response = client.get(reverse("core:calendar-feed", args=[secret]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(response.content)
    events = [c for c in parsed.walk("VEVENT") if isinstance(c, icalendar.Event)]
    assert 15 <= len(events) <= 21  # 3 days a week for six weeks
    first = events[0]
    assert str(first["summary"]) == "Knee exercises"
    assert first.end - first.start == timedelta(days=1)


def test_a_revoked_or_replaced_address_stops_at_once(client: Client, alice: User) -> None:
    old = calendar.new_feed(alice)
    new = calendar.new_feed(alice)
    assert client.get(reverse("core:calendar-feed", args=[old])).status_code == 404
    assert client.get(reverse("core:calendar-feed", args=[new])).status_code == 200
    calendar.revoke(alice)
    assert client.get(reverse("core:calendar-feed", args=[new])).status_code == 404


def test_a_guessed_address_finds_nothing(client: Client, alice: User) -> None:
    calendar.new_feed(alice)
    assert client.get(reverse("core:calendar-feed", args=["guess"])).status_code == 404


def test_the_page_makes_and_stops_the_feed(alice_client: Client, alice: User) -> None:
    response = alice_client.post(reverse("core:new-calendar-feed"), follow=True)
    assert "/calendar/" in response.content.decode()
    assert calendar.active_feed(alice) is not None
    alice_client.post(reverse("core:revoke-calendar-feed"))
    assert calendar.active_feed(alice) is None
