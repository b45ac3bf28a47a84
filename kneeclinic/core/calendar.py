"""The runner's planned exercise days and walk/run sessions as an iCalendar feed.

The feed's address holds a random secret; only its SHA-256 is stored. Revoking it (or making a
new one) stops the old address at once. Events are all-day, so they sit right in any time zone.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, timedelta

import icalendar
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.core.models import CalendarFeed

DAYS_AHEAD = 42
PRODUCT_ID = "-//Knee Clinic//Planned sessions//EN"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_feed(user: User) -> str:
    """Revoke any earlier feed and make a new one; returns the secret for the address."""
    secret = secrets.token_urlsafe(32)
    CalendarFeed.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
    CalendarFeed.objects.create(user=user, digest=_digest(secret))
    return secret


def revoke(user: User) -> None:
    CalendarFeed.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())


def active_feed(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at=None).first()


def owner_of(secret: str) -> User | None:
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at=None, user__is_active=True)
        .first()
    )
    return feed.user if feed else None


def planned(user: User, first: date, last: date) -> list[tuple[date, str, str]]:
    """(day, title, description) for exercise days and walk/run sessions between the dates."""
    from kneeclinic.domain.programmes import session_days
    from kneeclinic.exercises.queries import active_programme
    from kneeclinic.plans import services as plan_services
    from kneeclinic.plans.queries import current_plan, stage_text, unit_of

    events: list[tuple[date, str, str]] = []
    programme = active_programme(user)
    if programme is not None:
        for day in session_days(programme.started_on, programme.days_per_week, first, last):
            events.append((day, "Knee exercises", f"Your programme: {programme.name}."))
    plan = current_plan(user)
    if plan is not None:
        unit = unit_of(user)
        for session in plan_services.upcoming(plan, first):
            if first <= session.on <= last:
                text = stage_text(plan.template.stages[session.stage_index], unit)
                events.append((session.on, f"Walk/run: stage {session.stage_index + 1}", text))
    return sorted(events)


def feed_ics(user: User, today: date) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODUCT_ID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Knee Clinic")
    for day, title, description in planned(user, today, today + timedelta(days=DAYS_AHEAD)):
        event = icalendar.Event()
        uid_source = f"{user.code}:{day.isoformat()}:{title}".encode()
        event.add("uid", hashlib.sha256(uid_source).hexdigest()[:32] + "@kneeclinic")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        event.add("summary", title)
        event.add("description", description)
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return bytes(cal.to_ical())
