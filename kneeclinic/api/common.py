"""What every area's API shares: whose data, the audit of who read it, paging and dates."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Schema
from ninja.errors import HttpError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from kneeclinic.accounts.access import visible_runner_ids
from kneeclinic.accounts.models import User
from kneeclinic.accounts.types import AuthenticatedRequest

MAX_LIMIT = 200
MAX_OFFSET = 100_000


class BodyIn(BaseModel):
    """Request bodies: a JSON object with known fields only (ninja's Schema accepts any value)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def no_nul(cls, value: object) -> object:
        """A NUL character is never text anyone typed, and PostgreSQL cannot store it."""
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text cannot contain NUL characters")
        return value


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    error: ErrorBody


ERROR_STATUSES = (400, 401, 403, 404, 413, 422, 429)


def answers(ok: Any, status: int = 200) -> dict[int, Any]:
    """An operation's documented responses: its success and the common error body."""
    return {status: ok, **dict.fromkeys(ERROR_STATUSES, ErrorOut)}


def _iso_day(value: object) -> object:
    """Only YYYY-MM-DD: pydantic would otherwise read "0" as 1 January 1970."""
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise ValueError("use a date as YYYY-MM-DD")
    return value


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
Day = Annotated[date, BeforeValidator(_iso_day)]


def _iso_moment(value: object) -> object:
    """Only an ISO 8601 date and time: pydantic would otherwise read a number as Unix time."""
    if value is not None and not isinstance(value, str | datetime):
        raise ValueError("use a date and time as ISO 8601, e.g. 2026-11-20T07:00:00+00:00")
    return value


Moment = Annotated[datetime, BeforeValidator(_iso_moment)]


class ListParams(Schema):
    runner: UUID | None = None
    since: Day | None = None
    until: Day | None = None
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


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
