"""Return-to-run plans and their sessions, and shoes."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Router, Schema

from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.api.common import answers, audit, runner_for
from kneeclinic.plans.models import RunPlan, Shoe

router = Router(tags=["back to running"])


class PlanSessionOut(Schema):
    code: UUID
    on: date
    stage_index: int
    completed: bool
    pain_during_nrs: int
    pain_after_nrs: int
    pain_next_morning_nrs: int | None
    decision: str
    reason: str


class PlanOut(Schema):
    code: UUID
    template_slug: str
    start_date: date
    status: str
    stage_index: int
    needs_signoff_before_start: bool
    needs_signoff_before_continuous: bool
    signed_off_start_at: datetime | None
    signed_off_continuous_at: datetime | None
    sessions: list[PlanSessionOut]


class ShoeOut(Schema):
    code: UUID
    name: str
    start_date: date
    starting_distance_m: float
    is_default: bool
    retired: bool


@router.get("", response=answers(list[PlanOut]), summary="Return-to-run plans with their sessions")
def list_plans(request: AuthenticatedRequest, runner: UUID | None = None) -> list[RunPlan]:
    person = runner_for(request, runner)
    audit(request, person, "list", "run_plan")
    return list(RunPlan.objects.filter(runner=person).prefetch_related("sessions"))


@router.get("/shoes", response=answers(list[ShoeOut]), summary="Shoes")
def list_shoes(request: AuthenticatedRequest, runner: UUID | None = None) -> list[Shoe]:
    person = runner_for(request, runner)
    audit(request, person, "list", "shoe")
    return list(Shoe.objects.filter(runner=person))
