"""A runner's record as a FHIR R4 Bundle, for the runner and their linked physio."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils import timezone
from ninja import Router

from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.activities.models import Activity
from kneeclinic.api.common import answers, audit, runner_for
from kneeclinic.domain import fhir, triage_fhir
from kneeclinic.symptoms.models import AkpsResponse, CheckerRun, PainEntry

router = Router(tags=["FHIR"])


@router.get(
    "/Patient/{code}/$everything",
    response=answers(dict[str, Any]),
    summary="The runner's record as a FHIR R4 Bundle",
)
def everything(request: AuthenticatedRequest, code: UUID) -> dict[str, Any]:
    runner = runner_for(request, code)
    audit(request, runner, "export", "fhir_bundle")
    pains = [
        fhir.PainValue(str(p.code), p.at, p.pain_nrs, p.when)
        for p in PainEntry.objects.filter(runner=runner).order_by("at")
    ]
    runs = [
        fhir.RunValue(str(a.code), a.start, a.distance_m, a.moving_s or a.elapsed_s, a.sport)
        for a in Activity.objects.filter(runner=runner).order_by("start")
    ]
    scores = [
        fhir.ScoreValue(str(s.code), s.completed_at, s.total, dict(s.answers))
        for s in AkpsResponse.objects.filter(runner=runner).order_by("completed_at")
    ]
    responses = []
    for checked in CheckerRun.objects.filter(runner=runner, completed_at__isnull=False):
        try:
            response = triage_fhir.build_response(checked.answers, checked.completed_at)  # type: ignore[arg-type]
        except ValueError:
            continue  # answers from an older questionnaire version
        responses.append({**response, "id": f"checker-{checked.code}"})
    return fhir.bundle(
        str(runner.code),
        pains=pains,
        runs=runs,
        scores=scores,
        responses=responses,
        generated=timezone.now(),
    )
