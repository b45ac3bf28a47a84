"""The one way to check who may see a runner's data: ``visible_to(user)``.

A runner sees their own data. A physio sees the runners who agreed to an active care link with
them, for as long as they remain a clinician in a clinic. A clinic admin sees no clinical data
unless they are also the runner's physio. Superusers and staff get no bypass. Every query of a
runner's records goes through :func:`visible_to`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from kneeclinic.accounts.models import CareLink, Role, User


def _linked_runner_ids(user: User) -> QuerySet[CareLink, Any] | list[int]:
    """Runners with an active link to this clinician. A physio who is no longer a clinician,
    or who has been removed from their clinic, follows nobody (checked on every request)."""
    if user.role not in {Role.PHYSIO, Role.ADMIN} or user.clinic_id is None:
        return []
    return CareLink.objects.filter(physio=user, status=CareLink.Status.ACTIVE).values("runner_id")


def visible_runner_ids(user: User | AnonymousUser) -> Q:
    """A filter on User that keeps the runners whose data ``user`` may see."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    return Q(pk=user.pk) | Q(pk__in=_linked_runner_ids(user))


def visible_to(user: User | AnonymousUser, field: str = "runner") -> Q:
    """A filter for any model whose ``field`` is the runner that owns the row."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    return Q(**{f"{field}_id": user.pk}) | Q(**{f"{field}_id__in": _linked_runner_ids(user)})


def can_see_runner(user: User | AnonymousUser, runner: User) -> bool:
    return User.objects.filter(visible_runner_ids(user), pk=runner.pk).exists()
