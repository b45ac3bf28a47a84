"""The diary: pain entries, self-help, the Kujala scale and symptom-checker results."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from kneeclinic.accounts.access import visible_to
from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.api.common import ListParams, audit, between, own_data, runner_for, window
from kneeclinic.symptoms.models import (
    MEASURE_CHOICES,
    WHEN_CHOICES,
    AkpsResponse,
    CheckerRun,
    PainEntry,
    SelfHelpLog,
)

router = Router(tags=["diary"])
WHENS = {value for value, _ in WHEN_CHOICES}
MEASURES = {value for value, _ in MEASURE_CHOICES}


class PainOut(Schema):
    code: UUID
    at: datetime
    pain_nrs: int
    when: str
    knee: str
    spot: str
    note: str
    zone: str


class PainIn(Schema):
    pain_nrs: int
    when: str
    at: datetime | None = None
    knee: Literal["", "left", "right", "both"] = ""
    note: str = ""


class PainList(Schema):
    count: int
    items: list[PainOut]


class SelfHelpOut(Schema):
    code: UUID
    measure: str
    at: datetime
    minutes: int | None
    note: str


class SelfHelpIn(Schema):
    measure: str
    at: datetime | None = None
    minutes: int | None = None
    note: str = ""


class SelfHelpList(Schema):
    count: int
    items: list[SelfHelpOut]


class KujalaOut(Schema):
    code: UUID
    version: str
    total: int
    completed_at: datetime
    answers: dict[str, object]


class CheckerOut(Schema):
    code: UUID
    level: str
    started_at: datetime
    completed_at: datetime | None
    answers: dict[str, object]


@router.get("/pain", response=PainList, summary="Pain entries, newest first")
def list_pain(request: AuthenticatedRequest, params: Query[ListParams]) -> PainList:
    runner = runner_for(request, params.runner)
    rows = between(PainEntry.objects.filter(runner=runner), "at", params, runner)
    items, count = window(rows, params)
    audit(request, runner, "list", "pain_entry")
    return PainList(count=count, items=[PainOut.from_orm(row) for row in items])


@router.post("/pain", response={201: PainOut}, summary="Record a pain score (0-10)")
def add_pain(request: AuthenticatedRequest, payload: PainIn) -> Status[PainEntry]:
    if not 0 <= payload.pain_nrs <= 10:
        raise HttpError(422, "pain_nrs is a score from 0 (no pain) to 10 (worst imaginable).")
    if payload.when not in WHENS:
        raise HttpError(422, f"when must be one of: {', '.join(sorted(WHENS))}.")
    entry = PainEntry.objects.create(
        runner=request.user,
        pain_nrs=payload.pain_nrs,
        when=payload.when,
        at=payload.at or timezone.now(),
        knee=payload.knee,
        note=payload.note[:500],
    )
    return Status(201, entry)


@router.delete("/pain/{code}", response={204: None}, summary="Delete a pain entry")
def delete_pain(request: AuthenticatedRequest, code: UUID) -> Status[None]:
    entry = get_object_or_404(PainEntry.objects.filter(visible_to(request.user)), code=code)
    own_data(request, entry.runner)
    entry.delete()
    return Status(204, None)


@router.get("/self-help", response=SelfHelpList, summary="Self-help measures used")
def list_self_help(request: AuthenticatedRequest, params: Query[ListParams]) -> SelfHelpList:
    runner = runner_for(request, params.runner)
    rows = between(SelfHelpLog.objects.filter(runner=runner), "at", params, runner)
    items, count = window(rows, params)
    audit(request, runner, "list", "self_help")
    return SelfHelpList(count=count, items=[SelfHelpOut.from_orm(row) for row in items])


@router.post("/self-help", response={201: SelfHelpOut}, summary="Log a self-help measure")
def add_self_help(request: AuthenticatedRequest, payload: SelfHelpIn) -> Status[SelfHelpLog]:
    if payload.measure not in MEASURES:
        raise HttpError(422, f"measure must be one of: {', '.join(sorted(MEASURES))}.")
    if payload.minutes is not None and not 0 < payload.minutes <= 24 * 60:
        raise HttpError(422, "minutes must be between 1 and 1440.")
    log = SelfHelpLog.objects.create(
        runner=request.user,
        measure=payload.measure,
        at=payload.at or timezone.now(),
        minutes=payload.minutes,
        note=payload.note[:500],
    )
    return Status(201, log)


@router.get("/kujala", response=list[KujalaOut], summary="Kujala (AKPS) scores, newest first")
def list_kujala(request: AuthenticatedRequest, runner: UUID | None = None) -> list[AkpsResponse]:
    person = runner_for(request, runner)
    audit(request, person, "list", "akps_response")
    return list(AkpsResponse.objects.filter(runner=person)[:200])


@router.get("/checker", response=list[CheckerOut], summary="Symptom-checker results")
def list_checker(request: AuthenticatedRequest, runner: UUID | None = None) -> list[CheckerRun]:
    person = runner_for(request, runner)
    audit(request, person, "list", "checker_run")
    return list(CheckerRun.objects.filter(runner=person)[:200])
