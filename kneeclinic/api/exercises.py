"""The exercise programme and the sessions done."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Query, Router, Schema

from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.api.common import ListParams, answers, audit, between, runner_for, window
from kneeclinic.exercises.models import ExerciseSession, Programme

router = Router(tags=["exercises"])


class ItemOut(Schema):
    code: UUID
    slug: str
    order: int
    sets: int
    reps: int | None
    hold_s: int | None
    each_side: bool
    load: str
    rest_s: int
    from_week: int
    until_week: int | None
    note: str


class ProgrammeOut(Schema):
    code: UUID
    name: str
    started_on: date
    days_per_week: int
    weeks: int
    active: bool
    items: list[ItemOut]


class LogOut(Schema):
    slug: str
    sets_target: int
    sets_done: int
    reps: int | None
    hold_s: int | None
    pain_nrs: int | None
    skipped: bool


class SessionOut(Schema):
    code: UUID
    local_date: date
    started_at: datetime
    finished_at: datetime | None
    status: str
    effort: int | None
    logs: list[LogOut]


class SessionList(Schema):
    count: int
    items: list[SessionOut]


@router.get("/programmes", response=answers(list[ProgrammeOut]), summary="Exercise programmes")
def list_programmes(request: AuthenticatedRequest, runner: UUID | None = None) -> list[Programme]:
    person = runner_for(request, runner)
    audit(request, person, "list", "programme")
    return list(Programme.objects.filter(runner=person).prefetch_related("items"))


@router.get("/sessions", response=answers(SessionList), summary="Exercise sessions, newest first")
def list_sessions(request: AuthenticatedRequest, params: Query[ListParams]) -> SessionList:
    person = runner_for(request, params.runner)
    rows = ExerciseSession.objects.filter(runner=person).prefetch_related("logs")
    items, count = window(
        between(rows.order_by("-started_at"), "started_at", params, person), params
    )
    audit(request, person, "list", "exercise_session")
    return SessionList(count=count, items=[SessionOut.from_orm(row) for row in items])
