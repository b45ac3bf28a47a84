"""Runs and imports: list, detail with streams, upload files as an import, edit, delete."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import datetime
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.shortcuts import get_object_or_404
from ninja import File, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field, StrictBool, StrictFloat

from kneeclinic.accounts.access import visible_to
from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.activities import queries, quota, services
from kneeclinic.activities.models import Activity, Import
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

router = Router(tags=["runs"])
MAX_DISTANCE_M = 1_000_000  # 1,000 km: beyond any run by hand
MAX_DURATION_S = 7 * 24 * 3600
SportName = Literal["running", "walking", "hiking", "cycling", "swimming", "other"]


class RunOut(Schema):
    code: UUID
    name: str
    sport: str
    sub_sport: str
    start: datetime
    elapsed_s: float
    moving_s: float | None
    distance_m: float | None
    ascent_m: float | None
    avg_heart_rate_bpm: float | None
    max_heart_rate_bpm: float | None
    avg_cadence_spm: float | None
    device: str
    source: str
    excluded_from_load: bool
    how_it_felt: str


class RunList(Schema):
    count: int
    items: list[RunOut]


class LapOut(Schema):
    start: datetime
    elapsed_s: float
    distance_m: float | None = None
    moving_s: float | None = None
    avg_heart_rate_bpm: float | None = None
    avg_cadence_spm: float | None = None


class RunDetail(RunOut):
    streams: dict[str, list[float | None]] | None = None
    laps: list[LapOut] = []


class RunFilters(ListParams):
    sport: SportName | None = None
    search: str = ""


class RunPatch(BodyIn):
    name: str | None = Field(default=None, max_length=200)
    sport: SportName | None = None
    excluded_from_load: StrictBool | None = None
    how_it_felt: str | None = Field(default=None, max_length=200)


class RunIn(BodyIn):
    start: Moment
    distance_m: StrictFloat = Field(ge=0, le=MAX_DISTANCE_M)
    duration_s: StrictFloat = Field(gt=0, le=MAX_DURATION_S)
    sport: SportName = "running"
    name: str = Field(default="", max_length=200)
    how_it_felt: str = Field(default="", max_length=200)


class ImportOut(Schema):
    code: UUID
    status: str
    total_files: int | None
    done_files: int
    imported: int
    duplicates: int
    failed: int
    skipped: int
    current_file: str
    created_at: datetime
    finished_at: datetime | None


class ImportFileOut(Schema):
    file: str
    status: str
    error: str | None
    activities: list[dict[str, object]]


class ImportDetail(ImportOut):
    files: list[ImportFileOut]


def _run(request: AuthenticatedRequest, code: UUID) -> Activity:
    run = get_object_or_404(Activity.objects.filter(visible_to(request.user)), code=code)
    return run


@router.get("", response=answers(RunList), summary="List runs, newest first")
def list_runs(request: AuthenticatedRequest, filters: Query[RunFilters]) -> RunList:
    runner = runner_for(request, filters.runner)
    rows = Activity.objects.filter(runner=runner).order_by("-start")
    if filters.sport:
        rows = rows.filter(sport=filters.sport)
    if filters.search:
        rows = rows.filter(name__icontains=filters.search)
    items, count = window(between(rows, "start", filters, runner), filters)
    audit(request, runner, "list", "activity")
    return RunList(count=count, items=[RunOut.from_orm(r) for r in items])


@router.post("", response=answers(RunOut, 201), summary="Enter a run by hand")
def create_run(request: AuthenticatedRequest, payload: RunIn) -> Status[Activity]:
    run = services.create_manual_run(
        request.user,
        start=payload.start,
        distance_m=payload.distance_m,
        duration_s=payload.duration_s,
        sport=payload.sport,
        name=payload.name,
        how_it_felt=payload.how_it_felt,
    )
    return Status(201, run)


# Before "/{code}": Django tries URL patterns in order, and "imports" would match {code}.
@router.post(
    "/imports", response=answers(ImportOut, 202), summary="Upload activity files or an export"
)
def upload(request: AuthenticatedRequest, files: File[list[UploadedFile]]) -> Status[Import]:
    if not files:
        raise HttpError(422, "Send at least one file in the 'files' field.")
    total = sum(f.size or 0 for f in files)
    if total > settings.UPLOAD_MAX_BYTES:
        raise HttpError(413, "The upload is larger than this server accepts.")
    over = quota.refusal(request.user, total)
    if over is not None:
        raise HttpError(413, over)
    batch = services.create_import(request.user, map(services.upload_of, files))
    services.enqueue(batch)
    return Status(202, batch)


@router.get("/{code}", response=answers(RunDetail), summary="One run, with its streams on request")
def get_run(request: AuthenticatedRequest, code: UUID, streams: bool = False) -> RunDetail:
    run = _run(request, code)
    audit(request, run.runner, "view", "activity", run.code)
    # Built from the summary fields: the model's own `streams` (its stored row) is not the API's.
    detail = RunDetail(**RunOut.from_orm(run).model_dump())
    samples = services.load_samples(run) if streams else None
    if samples is not None:
        detail.streams = {
            name: [None if math.isnan(v) else float(v) for v in values.tolist()]
            for name, values in samples.streams().items()
        }
    row = getattr(run, "streams", None) if streams else None
    if row is not None:
        detail.laps = [LapOut(**asdict(lap)) for lap in queries.services_laps(row.laps)]
    return detail


@router.patch(
    "/{code}", response=answers(RunOut), summary="Change a run's name, sport or load setting"
)
def update_run(request: AuthenticatedRequest, code: UUID, payload: RunPatch) -> Activity:
    run = _run(request, code)
    own_data(request, run.runner)
    fields = {k: v for k, v in payload.model_dump().items() if v is not None}
    return services.update_activity(run, **fields) if fields else run


@router.delete("/{code}", response=answers(None, 204), summary="Delete a run")
def delete_run(request: AuthenticatedRequest, code: UUID) -> Status[None]:
    run = _run(request, code)
    own_data(request, run.runner)
    services.delete_activity(run)
    return Status(204, None)


@router.get(
    "/imports/{code}", response=answers(ImportDetail), summary="An import's progress and report"
)
def get_import(request: AuthenticatedRequest, code: UUID) -> ImportDetail:
    batch = get_object_or_404(Import.objects.filter(visible_to(request.user)), code=code)
    report = queries.import_report(batch)
    return ImportDetail(**ImportOut.from_orm(batch).model_dump(), files=report["files"])
