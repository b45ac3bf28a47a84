"""Small helpers for the exercise tests: a session as the player would send it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from kneeclinic.exercises.models import Programme


def payload(
    programme: Programme | None,
    *,
    code: uuid.UUID | None = None,
    day: date = date(2026, 3, 16),
    status: str = "complete",
    logs: list[dict[str, Any]] | None = None,
    started_at: str = "2026-03-16T18:05:00+01:00",
    effort: int | None = 5,
) -> dict[str, Any]:
    return {
        "code": str(code or uuid.uuid4()),
        "programme": str(programme.code) if programme else None,
        "warm_up": programme is None,
        "local_date": day.isoformat(),
        "started_at": started_at,
        "finished_at": None if status == "partial" else "2026-03-16T18:50:00+01:00",
        "status": status,
        "effort": effort,
        "logs": logs if logs is not None else [log("clamshell", 3, pain=1)],
    }


def log(slug: str, sets_done: int, *, pain: int | None = 1, target: int = 3) -> dict[str, Any]:
    return {
        "slug": slug,
        "order": 0,
        "sets_target": target,
        "sets_done": sets_done,
        "reps": 10,
        "hold_s": None,
        "pain_nrs": pain,
        "skipped": False,
    }
