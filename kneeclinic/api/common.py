"""What every area's API shares: whose data, the audit of who read it, paging and dates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Schema
from ninja.errors import HttpError

from kneeclinic.accounts.access import visible_runner_ids
from kneeclinic.accounts.models import User
from kneeclinic.accounts.types import AuthenticatedRequest

MAX_LIMIT = 200
MAX_OFFSET = 100_000


class ListParams(Schema):
    runner: UUID | None = None
    since: date | None = None
    until: date | None = None
    limit: int = 50
    offset: int = 0


def runner_for(request: AuthenticatedRequest, code: UUID | None) -> User:
    """The runner whose data is asked for: yourself by default, or a runner linked to you."""
    if code is None or code == request.user.code:
        return request.user
    runner = User.objects.filter(visible_runner_ids(request.user), code=code).first()
    if runner is None:
        raise Http404
    return runner


def own_data(request: AuthenticatedRequest, runner: User) -> None:
    """Only the runner changes their own records."""
    if runner.pk != request.user.pk:
        raise HttpError(403, "Only the runner can change their own records.")


AUDIT_ACTIONS = {"list": "R", "view": "R", "export": "E"}


def audit(request: HttpRequest, runner: User, action: str, what: str, code: object = "") -> None:
    """Record that someone other than the runner read the runner's data (list, view, export)."""
    from kneeclinic.clinic import audit as trail

    trail.record_access(request, runner, AUDIT_ACTIONS[action], what, code, verb=f"api {action}")


def between(rows: QuerySet[Any], field: str, params: ListParams, runner: User) -> QuerySet[Any]:
    """Rows whose ``field`` falls on the days since..until in the runner's own time zone."""
    if params.since is not None:
        rows = rows.filter(**{f"{field}__gte": datetime.combine(params.since, time.min, runner.tz)})
    if params.until is not None:
        end = datetime.combine(params.until + timedelta(days=1), time.min, runner.tz)
        rows = rows.filter(**{f"{field}__lt": end})
    return rows


def window(rows: QuerySet[Any], params: ListParams) -> tuple[list[Any], int]:
    """One page of rows and the total count; page sizes and depth are capped."""
    if not 1 <= params.limit <= MAX_LIMIT:
        raise HttpError(422, f"limit must be between 1 and {MAX_LIMIT}.")
    if not 0 <= params.offset <= MAX_OFFSET:
        raise HttpError(422, f"offset must be between 0 and {MAX_OFFSET}; use since/until.")
    return list(rows[params.offset : params.offset + params.limit]), rows.count()
