"""The one way to check who may see a runner's data: ``visible_to(user)``.

A runner sees their own data. A physio sees the runners who agreed to an active care link with
them. A clinic admin sees no clinical data unless they are also the runner's physio. Superusers
and staff get no bypass. Every query of a runner's records goes through :func:`visible_to`.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from kneeclinic.accounts.models import CareLink, User


def visible_runner_ids(user: User | AnonymousUser) -> Q:
    """A filter on User that keeps the runners whose data ``user`` may see."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    linked = CareLink.objects.filter(physio=user, status=CareLink.Status.ACTIVE).values("runner_id")
    return Q(pk=user.pk) | Q(pk__in=linked)


def visible_to(user: User | AnonymousUser, field: str = "runner") -> Q:
    """A filter for any model whose ``field`` is the runner that owns the row."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    linked = CareLink.objects.filter(physio=user, status=CareLink.Status.ACTIVE).values("runner_id")
    return Q(**{f"{field}_id": user.pk}) | Q(**{f"{field}_id__in": linked})


def can_see_runner(user: User | AnonymousUser, runner: User) -> bool:
    return User.objects.filter(visible_runner_ids(user), pk=runner.pk).exists()
