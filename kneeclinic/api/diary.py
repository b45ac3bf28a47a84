"""The diary: pain entries, self-help, the Kujala scale and symptom-checker results."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field, StrictInt

from kneeclinic.accounts.access import visible_to
from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.api.common import (
    BodyIn,
    ListParams,
    Moment,
    answers,
    audit,
    between,
    own_data,
    runner_for,
    window,
)
from kneeclinic.symptoms import services
from kneeclinic.symptoms.models import (
    MEASURE_CHOICES,
    WHEN_CHOICES,
    AkpsResponse,
    CheckerRun,
    PainEntry,
    SelfHelpLog,
)

router = Router(tags=["diary"])
When = enum.StrEnum("When", {value: value for value, _ in WHEN_CHOICES})  # type: ignore[misc]
Measure = enum.StrEnum("Measure", {value: value for value, _ in MEASURE_CHOICES})  # type: ignore[misc]


class PainOut(Schema):
    code: UUID
    at: datetime
    pain_nrs: int
    when: str
    knee: str
    spot: str
    note: str
    zone: str


PAST_MOMENT = (
    "When it happened, with its time zone (default: now). A time in the future is refused with 422."
)


class PainIn(BodyIn):
    pain_nrs: StrictInt = Field(ge=0, le=10, description="0 = no pain, 10 = worst imaginable")
    when: When
    at: Moment | None = None
    knee: Literal["", "left", "right", "both"] = ""
    note: str = Field(default="", max_length=500)
    client_token: UUID | None = Field(
        default=None, description="Any UUID of yours: sending it again records the entry once."
    )


class PainList(Schema):
    count: int
    items: list[PainOut]


class SelfHelpOut(Schema):
    code: UUID
    measure: str
    at: datetime
    minutes: int | None
    note: str


class SelfHelpIn(BodyIn):
    measure: Measure
    at: Moment | None = Field(default=None, description=PAST_MOMENT)
    minutes: StrictInt | None = Field(default=None, ge=1, le=24 * 60)
    note: str = Field(default="", max_length=500)


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


@router.get("/pain", response=answers(PainList), summary="Pain entries, newest first")
def list_pain(request: AuthenticatedRequest, params: Query[ListParams]) -> PainList:
    runner = runner_for(request, params.runner)
    rows = between(PainEntry.objects.filter(runner=runner), "at", params, runner)
    items, count = window(rows, params)
    audit(request, runner, "list", "pain_entry")
    return PainList(count=count, items=[PainOut.from_orm(row) for row in items])


@router.post(
    "/pain",
    response={**answers(PainOut, 201), 200: PainOut},
    summary="Record a pain score (0-10); the same client_token twice records it once",
)
def add_pain(request: AuthenticatedRequest, payload: PainIn) -> Status[PainEntry]:
    try:
        recorded = services.record_pain(
            request.user,
            pain_nrs=payload.pain_nrs,
            when=str(payload.when),
            knee=payload.knee,
            note=payload.note,
            at=payload.at,
            client_token=payload.client_token,
        )
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from None
    return Status(201 if recorded.created else 200, recorded.entry)


@router.delete("/pain/{code}", response=answers(None, 204), summary="Delete a pain entry")
def delete_pain(request: AuthenticatedRequest, code: UUID) -> Status[None]:
    entry = get_object_or_404(PainEntry.objects.filter(visible_to(request.user)), code=code)
    own_data(request, entry.runner)
    services.delete_pain(request.user, entry.code)
    return Status(204, None)


@router.get("/self-help", response=answers(SelfHelpList), summary="Self-help measures used")
def list_self_help(request: AuthenticatedRequest, params: Query[ListParams]) -> SelfHelpList:
    runner = runner_for(request, params.runner)
    rows = between(SelfHelpLog.objects.filter(runner=runner), "at", params, runner)
    items, count = window(rows, params)
    audit(request, runner, "list", "self_help")
    return SelfHelpList(count=count, items=[SelfHelpOut.from_orm(row) for row in items])


@router.post("/self-help", response=answers(SelfHelpOut, 201), summary="Log a self-help measure")
def add_self_help(request: AuthenticatedRequest, payload: SelfHelpIn) -> Status[SelfHelpLog]:
    try:
        log = services.log_self_help(
            request.user,
            str(payload.measure),
            minutes=payload.minutes,
            note=payload.note,
            at=payload.at,
        )
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from None
    return Status(201, log)


@router.get(
    "/kujala", response=answers(list[KujalaOut]), summary="Kujala (AKPS) scores, newest first"
)
def list_kujala(request: AuthenticatedRequest, runner: UUID | None = None) -> list[AkpsResponse]:
    person = runner_for(request, runner)
    audit(request, person, "list", "akps_response")
    return list(AkpsResponse.objects.filter(runner=person)[:200])


@router.get("/checker", response=answers(list[CheckerOut]), summary="Symptom-checker results")
def list_checker(request: AuthenticatedRequest, runner: UUID | None = None) -> list[CheckerRun]:
    person = runner_for(request, runner)
    audit(request, person, "list", "checker_run")
    return list(CheckerRun.objects.filter(runner=person)[:200])
