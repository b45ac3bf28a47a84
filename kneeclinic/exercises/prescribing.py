"""Verbs that write for a physio prescribing a runner's programme.

Every change is kept as a ``ProgrammeChange`` with the physio's note, so the runner sees what
changed and why on Today and on their Exercises page. The caller has already checked that the
physio may see the runner (``clinic.views._runner_for``); these functions check the rest: the item
belongs to the runner's active programme and the dose makes sense.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.domain import exercises
from kneeclinic.domain.exercises import Dose, ExerciseError
from kneeclinic.exercises import services
from kneeclinic.exercises.models import Programme, ProgrammeChange, ProgrammeItem


class PrescriptionError(ValueError):
    """A change that cannot be made; the message says why, for the physio."""


@dataclass(frozen=True, slots=True)
class DoseIn:
    """A dose as a physio typed it, with the weeks it applies to."""

    sets: int
    reps: int | None
    hold_s: int | None
    each_side: bool
    load: str
    from_week: int
    until_week: int | None

    def dose(self) -> Dose:
        try:
            return Dose(
                sets=self.sets,
                reps=self.reps,
                hold_s=self.hold_s,
                each_side=self.each_side,
                load=self.load.strip() or "body weight",
            )
        except ExerciseError as exc:
            raise PrescriptionError(str(exc)) from exc

    def check_weeks(self, programme: Programme) -> None:
        if not 1 <= self.from_week <= programme.weeks:
            raise PrescriptionError(
                f"The starting week must be between 1 and {programme.weeks}, "
                f"the length of the programme."
            )
        if self.until_week is not None and self.until_week < self.from_week:
            raise PrescriptionError("The last week cannot come before the starting week.")


def _weeks_text(data: DoseIn) -> str:
    if data.until_week is not None:
        return f" (weeks {data.from_week} to {data.until_week})"
    return f" (from week {data.from_week})" if data.from_week > 1 else ""


def _log(programme: Programme, physio: User, summary: str, note: str) -> ProgrammeChange:
    Programme.objects.filter(pk=programme.pk).update(prescribed_by=physio)
    return ProgrammeChange.objects.create(
        runner=programme.runner,
        programme=programme,
        physio=physio,
        summary=summary[:300],
        note=note.strip()[:500],
    )


@transaction.atomic
def start_for(runner: User, physio: User, today: date, note: str = "") -> Programme:
    """Start the standard phased programme for the runner, prescribed by this physio."""
    programme = services.start_default_programme(runner, today)
    _log(programme, physio, f"Started the programme “{programme.name}”", note)
    programme.refresh_from_db()
    return programme


def _active(runner: User) -> Programme:
    programme = Programme.objects.filter(runner=runner, active=True).first()
    if programme is None:
        raise PrescriptionError(f"{runner.display_name} has no programme running: start one first.")
    return programme


def _item(runner: User, item_code: uuid.UUID) -> ProgrammeItem:
    item = (
        ProgrammeItem.objects.filter(
            code=item_code, programme__runner=runner, programme__active=True
        )
        .select_related("programme")
        .first()
    )
    if item is None:
        raise PrescriptionError("That exercise is not in the runner's current programme.")
    return item


@transaction.atomic
def add(runner: User, physio: User, slug: str, data: DoseIn, note: str = "") -> ProgrammeItem:
    """Add an exercise from the library to the runner's active programme."""
    programme = _active(runner)
    try:
        exercise = exercises.get_exercise(slug)
    except (KeyError, ExerciseError) as exc:
        raise PrescriptionError("Choose an exercise from the library.") from exc
    if programme.items.filter(slug=slug).exists():
        raise PrescriptionError(
            f"{exercise.name} is already in the programme: change its dose instead."
        )
    dose = data.dose()
    data.check_weeks(programme)
    last = programme.items.aggregate(last=Max("order"))["last"]
    item = ProgrammeItem.objects.create(
        programme=programme,
        slug=slug,
        order=0 if last is None else last + 1,
        sets=dose.sets,
        reps=dose.reps,
        hold_s=dose.hold_s,
        each_side=dose.each_side,
        load=dose.load,
        rest_s=dose.rest_s,
        from_week=data.from_week,
        until_week=data.until_week,
    )
    _log(programme, physio, f"Added {exercise.name}: {dose.describe()}{_weeks_text(data)}", note)
    return item


@transaction.atomic
def change(
    runner: User, physio: User, item_code: uuid.UUID, data: DoseIn, note: str = ""
) -> ProgrammeItem:
    """Change an exercise's dose or weeks."""
    item = _item(runner, item_code)
    dose = data.dose()
    data.check_weeks(item.programme)
    before = item.dose.describe()
    item.sets, item.reps, item.hold_s = dose.sets, dose.reps, dose.hold_s
    item.each_side, item.load = dose.each_side, dose.load
    item.from_week, item.until_week = data.from_week, data.until_week
    item.save(
        update_fields=["sets", "reps", "hold_s", "each_side", "load", "from_week", "until_week"]
    )
    after = dose.describe()
    what = f"from {before} to {after}" if before != after else f"kept at {after}"
    _log(
        item.programme,
        physio,
        f"Changed {item.exercise.name}: {what}{_weeks_text(data)}",
        note,
    )
    return item


@transaction.atomic
def remove(runner: User, physio: User, item_code: uuid.UUID, note: str = "") -> None:
    """Take an exercise out of the programme (sessions already done keep their record)."""
    item = _item(runner, item_code)
    name = item.exercise.name
    programme = item.programme
    item.delete()
    _log(programme, physio, f"Removed {name}", note)


def unseen(runner: User) -> list[ProgrammeChange]:
    """The physio's changes the runner has not opened yet, newest first."""
    return list(
        ProgrammeChange.objects.filter(runner=runner, seen_at__isnull=True).select_related(
            "physio"
        )[:5]
    )


def recent(runner: User, limit: int = 10) -> list[ProgrammeChange]:
    return list(ProgrammeChange.objects.filter(runner=runner).select_related("physio")[:limit])


def mark_seen(runner: User) -> int:
    return ProgrammeChange.objects.filter(runner=runner, seen_at__isnull=True).update(
        seen_at=timezone.now()
    )
