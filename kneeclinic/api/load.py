"""The load summary and guardrails: the same figures as the Load page and `kneeclinic load`."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ninja import Router

from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.api.common import answers, audit, runner_for
from kneeclinic.training import queries

router = Router(tags=["load"])


@router.get(
    "",
    response=answers(dict[str, Any]),
    summary="Weekly totals, per-run spikes and the guardrails for the next run",
)
def get_load(request: AuthenticatedRequest, runner: UUID | None = None) -> dict[str, Any]:
    person = runner_for(request, runner)
    audit(request, person, "view", "load")
    return queries.as_json(queries.summary_for(person))
