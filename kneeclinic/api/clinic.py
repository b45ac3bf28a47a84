"""A physio's caseload: linked runners, sorted by need, with the reasons."""

from __future__ import annotations

from uuid import UUID

from ninja import Router, Schema
from ninja.errors import HttpError

from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.api.common import answers
from kneeclinic.clinic import caseload

router = Router(tags=["clinic"])


class ReasonOut(Schema):
    key: str
    text: str
    badge: str


class CaseloadRow(Schema):
    runner: UUID
    name: str
    email: str
    reasons: list[ReasonOut]


@router.get(
    "/caseload",
    response=answers(list[CaseloadRow]),
    summary="Your linked runners, most in need first",
)
def get_caseload(request: AuthenticatedRequest) -> list[CaseloadRow]:
    if not request.user.is_clinician:
        raise HttpError(403, "The caseload is for physiotherapists.")
    return [
        CaseloadRow(
            runner=row.runner.code,
            name=row.runner.display_name,
            email=row.runner.email,
            reasons=[ReasonOut(key=r.key, text=r.text, badge=r.badge) for r in row.reasons],
        )
        for row in caseload.build(request.user)
    ]
