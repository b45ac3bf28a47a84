"""The account behind the request: who am I, and my preferences."""

from __future__ import annotations

import enum
import zoneinfo
from typing import Literal
from uuid import UUID

from ninja import Router, Schema
from pydantic import Field

from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.api.common import BodyIn, answers

router = Router(tags=["account"])


class MeOut(Schema):
    code: UUID
    email: str
    name: str
    role: str
    units: str
    time_zone: str
    date_style: str
    sore_knee: str


@router.get("", response=answers(MeOut), summary="Who am I")
def me(request: AuthenticatedRequest) -> MeOut:
    user = request.user
    return MeOut(
        code=user.code,
        email=user.email,
        name=user.name,
        role=user.role,
        units=user.units,
        time_zone=user.time_zone,
        date_style=user.date_style,
        sore_knee=user.sore_knee,
    )


# Every IANA time zone name, so that the OpenAPI document lists exactly what is accepted.
TimeZoneName = enum.StrEnum(  # type: ignore[misc]
    "TimeZoneName", {name: name for name in sorted(zoneinfo.available_timezones())}
)


class MePatch(BodyIn):
    name: str | None = Field(default=None, max_length=150)
    units: Literal["km", "mi"] | None = None
    time_zone: TimeZoneName | None = None
    date_style: Literal["dmy", "iso", "mdy"] | None = None
    sore_knee: Literal["", "left", "right", "both"] | None = None


@router.patch("", response=answers(MeOut), summary="Change my preferences")
def update_me(request: AuthenticatedRequest, payload: MePatch) -> MeOut:
    user = request.user
    changed = []
    for field in ("name", "units", "time_zone", "date_style", "sore_knee"):
        value = getattr(payload, field)
        if value is not None:
            setattr(user, field, str(value))
            changed.append(field)
    if changed:
        user.save(update_fields=changed)
    return me(request)
