"""The account behind the request: who am I, and my preferences."""

from __future__ import annotations

import zoneinfo
from typing import Literal
from uuid import UUID

from ninja import Router, Schema
from pydantic import field_validator

from kneeclinic.accounts.types import AuthenticatedRequest

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


@router.get("", response=MeOut, summary="Who am I")
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


class MePatch(Schema):
    name: str | None = None
    units: Literal["km", "mi"] | None = None
    time_zone: str | None = None
    date_style: Literal["dmy", "iso", "mdy"] | None = None
    sore_knee: Literal["", "left", "right", "both"] | None = None

    @field_validator("time_zone")
    @classmethod
    def known_time_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in zoneinfo.available_timezones():
            raise ValueError(f"{value!r} is not a time zone name such as Europe/London")
        return value


@router.patch("", response=MeOut, summary="Change my preferences")
def update_me(request: AuthenticatedRequest, payload: MePatch) -> MeOut:
    user = request.user
    changed = []
    for field in ("name", "units", "time_zone", "date_style", "sore_knee"):
        value = getattr(payload, field)
        if value is not None:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        user.save(update_fields=changed)
    return me(request)
