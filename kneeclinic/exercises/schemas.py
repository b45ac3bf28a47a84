"""The JSON the session player sends, checked field by field before anything is written."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from ninja import Schema
from pydantic import Field, field_validator

from kneeclinic.domain import exercises

MAX_SETS = 20
MAX_REPS = 100
MAX_HOLD_S = 600


class ExerciseLogIn(Schema):
    slug: str
    order: int = Field(0, ge=0, le=100)
    sets_target: int = Field(ge=1, le=MAX_SETS)
    sets_done: int = Field(ge=0, le=MAX_SETS * 2)
    reps: int | None = Field(None, ge=0, le=MAX_REPS)
    hold_s: int | None = Field(None, ge=0, le=MAX_HOLD_S)
    pain_nrs: int | None = Field(None, ge=0, le=10)
    skipped: bool = False

    @field_validator("slug")
    @classmethod
    def known_exercise(cls, value: str) -> str:
        exercises.get_exercise(value)  # raises ExerciseError, a ValueError, with a clear message
        return value


class SessionIn(Schema):
    code: uuid.UUID
    programme: uuid.UUID | None = None
    warm_up: bool = False
    local_date: date
    started_at: datetime
    finished_at: datetime | None = None
    status: str = Field(pattern="^(partial|complete)$")
    effort: int | None = Field(None, ge=0, le=10)
    logs: list[ExerciseLogIn] = Field(default_factory=list, max_length=40)

    @field_validator("started_at", "finished_at", mode="before")
    @classmethod
    def not_a_number(cls, value: object) -> object:
        """Pydantic would read a number as Unix time; the player always sends ISO 8601."""
        if value is not None and not isinstance(value, str | datetime):
            raise ValueError("Times must be ISO 8601, e.g. 2026-11-20T07:00:00+00:00.")
        return value

    @field_validator("started_at", "finished_at")
    @classmethod
    def with_time_zone(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("Times must say their time zone offset.")
        return value


class SessionOut(Schema):
    code: uuid.UUID
    status: str
    created: bool
    logs: int
