from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

# (URL namespace that marks the item active, label, URL name)
NAV = (
    ("core", "Today", "core:today"),
    ("activities", "Runs", "activities:list-runs"),
    ("training", "Load", "training:load"),
    ("symptoms", "Diary", "symptoms:diary"),
    ("exercises", "Exercises", "exercises:programme"),
    ("plans", "Plan", "plans:plan"),
    ("knowledge", "Learn", "knowledge:learn"),
)
CLINIC_NAV = ("clinic", "Clinic", "clinic:caseload")


def site(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    nav = list(NAV)
    if user is not None and user.is_authenticated and user.is_clinician:
        nav.insert(0, CLINIC_NAV)  # a physio's day starts at the caseload, first on a phone too
    match = getattr(request, "resolver_match", None)
    return {
        "site_name": settings.SITE_NAME,
        "nav_items": nav,
        "nav_active": _active(match),
        "user_time_zone": user.time_zone if user is not None and user.is_authenticated else "UTC",
    }


def _active(match: object) -> str:
    """The nav item of the page: its area, or Today only for Today itself (not settings)."""
    if match is None:
        return ""
    area = str(getattr(match, "app_name", "") or "")
    if area == "core" and getattr(match, "url_name", "") != "today":
        return ""
    return area
