"""Exercise programmes: the phased default, session days, progression suggestions and adherence.

A programme is a list of library exercises, each with its dose and the week it starts, done on a
number of days a week. The clinical rules here follow clinical.md §9 (pain-monitoring model) and
§15 (dosing and the phased template); each names its source in its docstring.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kneeclinic.domain.exercises import WARM_UP_SLUGS, Dose, ExerciseError, get_exercise

PROGRAMME_WEEKS = 12
"""Length of the default programme: trials of 4-12 weeks were effective (clinical.md §15)."""

SESSIONS_PER_WEEK = 3
"""Strength sessions a week with 48 h between them: FOHX trial, Matthews 2017 [R23] (§15)."""

PROGRESS_PAIN_MAX_NRS = 2
"""Pain during an exercise at or below this lets it progress: safe zone 0-2 (§9.2, §15)."""

PAIN_LIMIT_NRS = 5
"""Pain during an exercise above this is too much: Silbernagel 2007 [R45] rule 1 (§9.1)."""

NEXT_MORNING_TOLERANCE_NRS = 1
"""Next-morning pain more than this above that morning's pain is "not settled" (§B.2; U)."""

CONSECUTIVE_SESSIONS_TO_PROGRESS = 2
"""Target met with little pain on this many sessions in a row before progressing (§15)."""


class Phase(enum.StrEnum):
    """The three phases of the §15 template (weeks 1-2, 3-6, then 7-12)."""

    SETTLE = "settle"
    BUILD = "build"
    RETURN = "return"

    @property
    def weeks(self) -> tuple[int, int]:
        """First and last week of the phase (the dossier's "6-12" starts after week 6)."""
        return _PHASE_WEEKS[self]

    @property
    def label(self) -> str:
        first, last = self.weeks
        return f"{_PHASE_NAMES[self]} (weeks {first}-{last})"


_PHASE_WEEKS = {Phase.SETTLE: (1, 2), Phase.BUILD: (3, 6), Phase.RETURN: (7, 12)}
_PHASE_NAMES = {
    Phase.SETTLE: "Settle the knee",
    Phase.BUILD: "Build strength",
    Phase.RETURN: "Back to running",
}


def phase_for_week(week: int) -> Phase:
    """The phase a programme week falls in; weeks after 12 stay in the last phase."""
    if week < 1:
        raise ExerciseError(f"Programme weeks start at 1, not {week}.")
    for phase in Phase:
        if week <= phase.weeks[1]:
            return phase
    return Phase.RETURN


@dataclass(frozen=True, slots=True)
class ProgrammeItem:
    """One exercise of a programme: its dose, and the week it joins the sessions."""

    slug: str
    dose: Dose
    from_week: int = 1
    note: str = ""
    until_week: int | None = None

    @property
    def phase(self) -> Phase:
        return phase_for_week(self.from_week)


@dataclass(frozen=True, slots=True)
class Programme:
    """Exercises with their doses, done on ``days_per_week`` days in each 7-day block."""

    name: str
    items: tuple[ProgrammeItem, ...]
    days_per_week: int = SESSIONS_PER_WEEK
    weeks: int = PROGRAMME_WEEKS

    def __post_init__(self) -> None:
        if not self.items:
            raise ExerciseError("A programme needs at least one exercise.")
        if not 1 <= self.days_per_week <= 7:
            raise ExerciseError(
                f"A programme runs on 1 to 7 days a week, not {self.days_per_week}."
            )
        slugs = [item.slug for item in self.items]
        for slug in slugs:
            get_exercise(slug)
            if slugs.count(slug) > 1:
                raise ExerciseError(f"{slug!r} appears twice in the programme.")
        for item in self.items:
            if not 1 <= item.from_week <= self.weeks:
                raise ExerciseError(
                    f"{item.slug!r} starts in week {item.from_week}, outside the "
                    f"programme's {self.weeks} weeks."
                )
            if item.until_week is not None and item.until_week < item.from_week:
                raise ExerciseError(
                    f"{item.slug!r} would stop in week {item.until_week}, before it starts."
                )

    def items_for_week(self, week: int) -> tuple[ProgrammeItem, ...]:
        """The exercises of a session in ``week``: items that have joined and not yet retired."""
        phase_for_week(week)
        return tuple(
            item
            for item in self.items
            if item.from_week <= week and (item.until_week is None or week <= item.until_week)
        )


def _item(
    slug: str,
    from_week: int,
    until_week: int | None = None,
    note: str = "",
    dose: Dose | None = None,
) -> ProgrammeItem:
    return ProgrammeItem(slug, dose or get_exercise(slug).dose, from_week, note, until_week)


def default_programme() -> Programme:
    """The minimum phased template of clinical.md §15, with home-friendly choices.

    Weeks 1-2: hip work, thigh tightening, a shallow wall sit and four stretches.
    Weeks 3-6: adds bridge (the §15 "5/6" choice), side plank, squat, seated knee straightening
    (the "12 or 13" choice, needing no machine) and side step-down.
    Weeks 7-12: adds one-leg squat, split squat, step-up and calf raise.
    When a harder version joins, the easier one retires (product choice, so that a session stays
    near 45 minutes; the §15 list is cumulative).
    """
    build, ret = Phase.BUILD.weeks[0], Phase.RETURN.weeks[0]
    settle_end, build_end = Phase.SETTLE.weeks[1], Phase.BUILD.weeks[1]
    return Programme(
        name="Runner's knee: 12-week starter programme",
        items=(
            _item("side-lying-hip-abduction", 1, settle_end),
            _item("standing-hip-abduction-band", 1, build_end),
            _item("clamshell", 1, build_end),
            _item("hip-external-rotation-band", 1),
            _item("quad-set", 1, settle_end),
            _item(
                "wall-sit",
                1,
                settle_end,
                "Stay high on the wall for now: only a slight knee bend.",
                Dose(sets=5, hold_s=30, rest_s=60),
            ),
            _item("bridge", build),
            _item("side-plank", build),
            _item("squat", build, build_end),
            _item("seated-knee-extension", build, build_end),
            _item("lateral-step-down", build),
            _item("single-leg-squat-to-box", ret),
            _item("split-squat", ret),
            _item("step-up", ret),
            _item("calf-raise", ret),
            _item("quadriceps-stretch", 1),
            _item("hamstring-stretch", 1),
            _item("calf-stretch", 1),
            _item("hip-flexor-stretch", 1),
        ),
    )


def warm_up() -> tuple[ProgrammeItem, ...]:
    """The pre-run warm-up: 5 min brisk walk or easy jog, then dynamic drills (§14; drills U)."""
    return tuple(_item(slug, 1) for slug in WARM_UP_SLUGS)


REP_TEMPO_S = 5
"""One repetition takes about 5 s: 2 s up, 1 s hold, 2 s down (FOHX tempo, Matthews 2017, §15)."""

SETUP_S = 30
"""Time to read, set up and move between exercises (product estimate)."""


def estimated_duration_s(items: Iterable[ProgrammeItem]) -> int:
    """Roughly how long a session of ``items`` takes, rests included, for "about N minutes"."""
    total = 0
    for item in items:
        dose = item.dose
        sides = 2 if dose.each_side else 1
        if dose.reps is None:
            per_set = dose.hold_s or 0
        else:
            per_set = dose.reps * (REP_TEMPO_S - 1 + (dose.hold_s or 1))
        # Working one side rests the other, so only the rest beyond that is waited out.
        rest = max(0, dose.rest_s - (sides - 1) * per_set)
        total += SETUP_S + dose.sets * sides * per_set + (dose.sets - 1) * rest
    return total


# ---------------------------------------------------------------------------- calendar


def programme_week(start: date, day: date) -> int:
    """The 1-based programme week ``day`` falls in, counting 7-day blocks from ``start``."""
    if day < start:
        raise ExerciseError(f"{day:%d %B %Y} is before the programme started ({start:%d %B %Y}).")
    return (day - start).days // 7 + 1


def _day_offsets(days_per_week: int) -> frozenset[int]:
    """Spread sessions evenly through a 7-day block: 3 a week gives days 0, 2 and 5... (§15)."""
    return frozenset(round(i * 7 / days_per_week) for i in range(days_per_week))


def is_session_day(start: date, days_per_week: int, day: date) -> bool:
    """Whether a session is planned on ``day`` (none before the start)."""
    if day < start:
        return False
    return (day - start).days % 7 in _day_offsets(days_per_week)


def session_days(start: date, days_per_week: int, first: date, last: date) -> tuple[date, ...]:
    """Planned session days between ``first`` and ``last`` inclusive, for a calendar."""
    days: list[date] = []
    day = max(first, start)
    while day <= last:
        if is_session_day(start, days_per_week, day):
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)


# ---------------------------------------------------------------------------- progression


class SuggestionKind(enum.StrEnum):
    PROGRESS = "progress"
    HOLD = "hold"
    REGRESS = "regress"


@dataclass(frozen=True, slots=True)
class ExerciseOutcome:
    """How one exercise went in one session.

    ``pain_nrs`` is the worst knee pain during it (0-10); ``morning_pain_nrs`` the knee score on
    the morning of the session and ``next_morning_pain_nrs`` the morning after, when known.
    """

    day: date
    target_met: bool
    pain_nrs: int
    morning_pain_nrs: int | None = None
    next_morning_pain_nrs: int | None = None

    def __post_init__(self) -> None:
        for label, value in (
            ("Pain during the exercise", self.pain_nrs),
            ("Morning pain", self.morning_pain_nrs),
            ("Next-morning pain", self.next_morning_pain_nrs),
        ):
            if value is not None and not 0 <= value <= 10:
                raise ExerciseError(f"{label} must be between 0 and 10, not {value}.")

    @property
    def morning_rise_nrs(self) -> int | None:
        """How much the knee score rose from the session morning to the next, if both known."""
        if self.morning_pain_nrs is None or self.next_morning_pain_nrs is None:
            return None
        return self.next_morning_pain_nrs - self.morning_pain_nrs


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What to do next with one exercise, why, and where the rule comes from."""

    kind: SuggestionKind
    slug: str
    reason: str
    advice: str = ""
    next_slug: str | None = None
    source: str = "clinical.md §9 (Silbernagel 2007) and §15"


def _regress_reason(latest: ExerciseOutcome) -> str | None:
    """Why the latest session breaks the pain-monitoring limits (§9.1, Silbernagel 2007)."""
    if latest.pain_nrs > PAIN_LIMIT_NRS:
        return (
            f"Your knee pain reached {latest.pain_nrs}/10 during it; the limit is "
            f"{PAIN_LIMIT_NRS}/10."
        )
    rise = latest.morning_rise_nrs
    if rise is not None and rise > NEXT_MORNING_TOLERANCE_NRS:
        return (
            f"Your knee was {latest.next_morning_pain_nrs}/10 the next morning, up from "
            f"{latest.morning_pain_nrs}/10: it had not settled."
        )
    return None


def _hold_reason(outcome: ExerciseOutcome) -> str | None:
    """Why one session does not count towards progressing (§15 product rule), if it does not."""
    if not outcome.target_met:
        return "You did not finish the full target last time."
    if outcome.pain_nrs > PROGRESS_PAIN_MAX_NRS:
        return (
            f"Pain was {outcome.pain_nrs}/10: acceptable, but progress waits until it stays at "
            f"{PROGRESS_PAIN_MAX_NRS}/10 or less."
        )
    rise = outcome.morning_rise_nrs
    if rise is None:
        return "Waiting for your knee score the morning after."
    if rise > 0:
        return "Your knee was a little worse the morning after."
    return None


def suggest(slug: str, outcomes: Sequence[ExerciseOutcome]) -> Suggestion:
    """Progress, hold or regress one exercise from its recent sessions.

    Progress when the target was met with pain <= 2/10 on the last two sessions and the
    next-morning pain did not rise (clinical.md §15 product rule, based on §9); regress when the
    latest session broke the pain-monitoring limits (§9.1, Silbernagel 2007 [R45]).
    """
    exercise = get_exercise(slug)
    if not outcomes:
        return Suggestion(SuggestionKind.HOLD, slug, "No sessions recorded yet.")
    recent = sorted(outcomes, key=lambda outcome: outcome.day)
    latest = recent[-1]
    reason = _regress_reason(latest)
    if reason is not None:
        return Suggestion(
            SuggestionKind.REGRESS, slug, reason, exercise.regress_by, exercise.regression
        )
    window = recent[-CONSECUTIVE_SESSIONS_TO_PROGRESS:]
    for outcome in reversed(window):
        reason = _hold_reason(outcome)
        if reason is not None:
            return Suggestion(SuggestionKind.HOLD, slug, reason)
    if len(window) < CONSECUTIVE_SESSIONS_TO_PROGRESS:
        return Suggestion(
            SuggestionKind.HOLD,
            slug,
            f"It went well; one more session like that and it is time to progress "
            f"({CONSECUTIVE_SESSIONS_TO_PROGRESS} in a row needed).",
        )
    return Suggestion(
        SuggestionKind.PROGRESS,
        slug,
        f"You met the target with pain at {PROGRESS_PAIN_MAX_NRS}/10 or less on your last "
        f"{CONSECUTIVE_SESSIONS_TO_PROGRESS} sessions, and your knee was no worse the next "
        "morning.",
        exercise.progress_by,
        exercise.progression,
    )


# ---------------------------------------------------------------------------- adherence


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A session as adherence sees it: the local day it was done and whether it was finished."""

    day: date
    complete: bool


@dataclass(frozen=True, slots=True)
class WeekAdherence:
    """Sessions done against sessions planned in one programme week (so far, for this week)."""

    week: int
    first_day: date
    planned: int
    completed: int
    partial: int

    @property
    def percent(self) -> int:
        """Completed days as a share of planned days, capped at 100 (extra sessions are fine)."""
        if self.planned == 0:
            return 100
        return round(100 * min(self.completed, self.planned) / self.planned)


def weekly_adherence(
    start: date, days_per_week: int, sessions: Iterable[SessionRecord], until: date
) -> tuple[WeekAdherence, ...]:
    """Adherence for each programme week from ``start`` up to and including ``until``.

    A day counts once however many sessions it had; a day with only an unfinished session counts
    as partial, not done. Planned days after ``until`` do not count yet (sessions vs prescribed,
    issue 6; 3 a week per FOHX [R23], §15).
    """
    if until < start:
        return ()
    complete_days: set[date] = set()
    partial_days: set[date] = set()
    for session in sessions:
        (complete_days if session.complete else partial_days).add(session.day)
    partial_days -= complete_days
    weeks: list[WeekAdherence] = []
    for week in range(1, programme_week(start, until) + 1):
        first = start + timedelta(days=7 * (week - 1))
        last = min(first + timedelta(days=6), until)

        def in_week(day: date, first: date = first, last: date = last) -> bool:
            return first <= day <= last

        weeks.append(
            WeekAdherence(
                week=week,
                first_day=first,
                planned=len(session_days(start, days_per_week, first, last)),
                completed=sum(1 for day in complete_days if in_week(day)),
                partial=sum(1 for day in partial_days if in_week(day)),
            )
        )
    return tuple(weeks)


def overall_adherence(weeks: Sequence[WeekAdherence]) -> int:
    """Completed planned sessions over all planned sessions so far, as a whole percentage."""
    planned = sum(week.planned for week in weeks)
    if planned == 0:
        return 100
    return round(100 * sum(min(w.completed, w.planned) for w in weeks) / planned)


# ---------------------------------------------------------------------------- applying a change

REPS_STEP = 2
REPS_MAX = 15
REPS_MIN = 5
HOLD_STEP_S = 10
HOLD_MAX_S = 60
HOLD_MIN_S = 10
"""Dose steps when a runner accepts a suggestion: small steps within 5-15 reps and 10-60 s holds,
the ranges of the §15 starting doses (product choice, U: clinician sign-off needed)."""


@dataclass(frozen=True, slots=True)
class Change:
    """What accepting a suggestion does to one programme item, in words."""

    item: ProgrammeItem
    summary: str


def _step_dose(dose: Dose, harder: bool) -> Dose | None:
    """The dose one step harder or easier, or None at the edge of the range."""
    if dose.reps is not None:
        if harder and dose.reps < REPS_MAX:
            return _with(dose, reps=min(REPS_MAX, dose.reps + REPS_STEP))
        if not harder and dose.reps > REPS_MIN:
            return _with(dose, reps=max(REPS_MIN, dose.reps - REPS_STEP))
        return None
    hold = dose.hold_s or 0
    if harder and hold < HOLD_MAX_S:
        return _with(dose, hold_s=min(HOLD_MAX_S, hold + HOLD_STEP_S))
    if not harder and hold > HOLD_MIN_S:
        return _with(dose, hold_s=max(HOLD_MIN_S, hold - HOLD_STEP_S))
    return None


def _with(dose: Dose, **changes: int) -> Dose:
    values = {
        "sets": dose.sets,
        "reps": dose.reps,
        "hold_s": dose.hold_s,
        "each_side": dose.each_side,
        "load": dose.load,
        "rest_s": dose.rest_s,
    }
    return Dose(**(values | changes))  # type: ignore[arg-type]


def apply_suggestion(
    item: ProgrammeItem, kind: SuggestionKind, in_programme: frozenset[str]
) -> Change:
    """Accepting a progress or regress suggestion: first a dose step, then the linked exercise.

    Progress adds 2 reps (to 15) or 10 s of hold (to 60 s), then moves to the next harder
    exercise; regress takes the same steps back, then moves to the easier one (§15 progression
    and regression columns; B.2 "reduce load (previous step)"). Linked exercises already in the
    programme are skipped, leaving the advice text to do the rest.
    """
    if kind is SuggestionKind.HOLD:
        return Change(item, "No change: keep the same dose.")
    harder = kind is SuggestionKind.PROGRESS
    stepped = _step_dose(item.dose, harder)
    if stepped is not None:
        return Change(
            ProgrammeItem(item.slug, stepped, item.from_week, item.note, item.until_week),
            f"New dose: {stepped.describe()} (was {item.dose.describe()}).",
        )
    exercise = get_exercise(item.slug)
    linked = exercise.progression if harder else exercise.regression
    if linked is not None and linked not in in_programme:
        nxt = get_exercise(linked)
        return Change(
            ProgrammeItem(linked, nxt.dose, item.from_week, until_week=item.until_week),
            f"{exercise.name} is replaced by {nxt.name} at {nxt.dose.describe()}.",
        )
    advice = exercise.progress_by if harder else exercise.regress_by
    return Change(item, f"The dose stays at {item.dose.describe()}. {advice}")
