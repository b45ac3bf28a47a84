"""Back to running: the readiness check, graded walk/run plans and the pain gate between sessions.

Everything here follows the clinical dossier (clinical.md §9 pain-monitoring model, §10 return to
running). The plans are published progressions written down as data; the gate applies the
pain-monitoring model (Silbernagel 2007) to the pain a runner reports during a session, straight
after it and the next morning. None of it is a diagnosis: it is self-management support that a
physiotherapist can review and sign off.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo

MILE_M = 1609.344
"""One statute mile in metres (the US programmes give distances in miles)."""

PAIN_NRS_MIN = 0
PAIN_NRS_MAX = 10


class ReturnToRunError(ValueError):
    """Input the return-to-run rules cannot work with, with a reason a person understands."""


def _check_pain(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReturnToRunError(f"{what} must be a whole number from 0 to 10.")
    if not PAIN_NRS_MIN <= value <= PAIN_NRS_MAX:
        raise ReturnToRunError(f"{what} must be between 0 and 10, not {value}.")


# --------------------------------------------------------------------------------------------
# Readiness check (clinical.md §10.1, suggested app gate)
# --------------------------------------------------------------------------------------------

READY_BRISK_WALK_MIN = 30
"""Minutes of brisk walking without pain before running (UW Health via clinical.md §10.1)."""
READY_SINGLE_LEG_SQUATS = 10
"""Controlled single-leg squats each side (IJSPT 2022 example via clinical.md §10.1)."""
READY_SQUAT_MAX_PAIN_NRS = 2
"""Highest pain allowed during the squats (pain <= 2/10, clinical.md §10.1 pain rule)."""
READY_SINGLE_LEG_HOPS = 10
"""Single-leg hops each side, all without pain (clinical.md §10.1 suggested gate)."""
READY_HOP_MAX_PAIN_NRS = 0
"""Hops must be pain-free (clinical.md §10.1 suggested gate)."""
READY_DAILY_MAX_PAIN_NRS = 2
"""Highest usual daily pain allowed to start running (clinical.md §10.1 suggested gate)."""

# Exercise slugs from the exercise library (kneeclinic/domain/exercises.py) that build
# what a failed readiness item needs.
WORK_ON_WALKING: tuple[str, ...] = ("brisk-walk", "calf-raise", "step-up")
WORK_ON_SQUATS: tuple[str, ...] = ("single-leg-squat-to-box", "lateral-step-down", "wall-sit")
WORK_ON_HOPS: tuple[str, ...] = ("calf-raise", "single-leg-squat-to-box", "step-up")
WORK_ON_DAILY_PAIN: tuple[str, ...] = ("quad-set", "side-lying-hip-abduction", "clamshell")


class ReadinessItem(enum.StrEnum):
    """The five items of the readiness check."""

    BRISK_WALK = "brisk_walk"
    SINGLE_LEG_SQUATS = "single_leg_squats"
    SINGLE_LEG_HOPS = "single_leg_hops"
    DAILY_PAIN = "daily_pain"
    RED_FLAGS = "red_flags"


@dataclass(frozen=True, slots=True)
class ReadinessAnswers:
    """What the runner reports from trying each test (counts are per side)."""

    brisk_walk_pain_free_min: int
    squats_left: int
    squats_right: int
    squat_pain_nrs: int
    hops_left: int
    hops_right: int
    hop_pain_nrs: int
    daily_pain_nrs: int
    red_flags: bool

    def __post_init__(self) -> None:
        for name in ("brisk_walk_pain_free_min", "squats_left", "squats_right"):
            _check_count(getattr(self, name), name.replace("_", " "))
        _check_count(self.hops_left, "hops left")
        _check_count(self.hops_right, "hops right")
        _check_pain(self.squat_pain_nrs, "Pain during the squats")
        _check_pain(self.hop_pain_nrs, "Pain during the hops")
        _check_pain(self.daily_pain_nrs, "Daily pain")


def _check_count(value: int, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ReturnToRunError(f"The number of {what} must be a whole number of 0 or more.")


@dataclass(frozen=True, slots=True)
class ReadinessItemResult:
    item: ReadinessItem
    passed: bool
    reason: str
    work_on: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReadinessResult:
    items: tuple[ReadinessItemResult, ...]

    @property
    def passed(self) -> bool:
        return all(item.passed for item in self.items)

    @property
    def failed(self) -> tuple[ReadinessItemResult, ...]:
        return tuple(item for item in self.items if not item.passed)

    @property
    def work_on(self) -> tuple[str, ...]:
        """Exercise slugs to work on, each once, in the order the failed items name them."""
        seen: dict[str, None] = {}
        for item in self.failed:
            for slug in item.work_on:
                seen.setdefault(slug, None)
        return tuple(seen)


def check_readiness(answers: ReadinessAnswers) -> ReadinessResult:
    """Readiness to start running: suggested gate, clinical.md §10.1 (UW Health; IJSPT 2022)."""
    return ReadinessResult(
        items=(
            _walk_item(answers),
            _squat_item(answers),
            _hop_item(answers),
            _daily_pain_item(answers),
            _red_flag_item(answers),
        )
    )


def _walk_item(a: ReadinessAnswers) -> ReadinessItemResult:
    if a.brisk_walk_pain_free_min >= READY_BRISK_WALK_MIN:
        return ReadinessItemResult(
            ReadinessItem.BRISK_WALK,
            True,
            f"You walked briskly for {a.brisk_walk_pain_free_min} minutes without pain.",
        )
    return ReadinessItemResult(
        ReadinessItem.BRISK_WALK,
        False,
        f"Build up to a {READY_BRISK_WALK_MIN}-minute brisk walk without pain "
        f"(you managed {a.brisk_walk_pain_free_min} minutes).",
        WORK_ON_WALKING,
    )


def _squat_item(a: ReadinessAnswers) -> ReadinessItemResult:
    fewest = min(a.squats_left, a.squats_right)
    if fewest >= READY_SINGLE_LEG_SQUATS and a.squat_pain_nrs <= READY_SQUAT_MAX_PAIN_NRS:
        return ReadinessItemResult(
            ReadinessItem.SINGLE_LEG_SQUATS,
            True,
            f"{READY_SINGLE_LEG_SQUATS} controlled single-leg squats each side with pain "
            f"{a.squat_pain_nrs}/10.",
        )
    if fewest < READY_SINGLE_LEG_SQUATS:
        reason = (
            f"Aim for {READY_SINGLE_LEG_SQUATS} controlled single-leg squats on each leg, knee "
            f"over the foot (you managed {a.squats_left} left and {a.squats_right} right)."
        )
    else:
        reason = (
            f"The squats hurt {a.squat_pain_nrs}/10; keep strengthening until they stay at "
            f"{READY_SQUAT_MAX_PAIN_NRS}/10 or less."
        )
    return ReadinessItemResult(ReadinessItem.SINGLE_LEG_SQUATS, False, reason, WORK_ON_SQUATS)


def _hop_item(a: ReadinessAnswers) -> ReadinessItemResult:
    fewest = min(a.hops_left, a.hops_right)
    if fewest >= READY_SINGLE_LEG_HOPS and a.hop_pain_nrs <= READY_HOP_MAX_PAIN_NRS:
        return ReadinessItemResult(
            ReadinessItem.SINGLE_LEG_HOPS,
            True,
            f"{READY_SINGLE_LEG_HOPS} single-leg hops each side without pain.",
        )
    if fewest < READY_SINGLE_LEG_HOPS:
        reason = (
            f"Aim for {READY_SINGLE_LEG_HOPS} single-leg hops on each leg (you managed "
            f"{a.hops_left} left and {a.hops_right} right)."
        )
    else:
        reason = (
            f"The hops hurt {a.hop_pain_nrs}/10; running is a series of hops, so they need to "
            "be pain-free first."
        )
    return ReadinessItemResult(ReadinessItem.SINGLE_LEG_HOPS, False, reason, WORK_ON_HOPS)


def _daily_pain_item(a: ReadinessAnswers) -> ReadinessItemResult:
    if a.daily_pain_nrs <= READY_DAILY_MAX_PAIN_NRS:
        return ReadinessItemResult(
            ReadinessItem.DAILY_PAIN, True, f"Your everyday pain is {a.daily_pain_nrs}/10."
        )
    return ReadinessItemResult(
        ReadinessItem.DAILY_PAIN,
        False,
        f"Your everyday pain is {a.daily_pain_nrs}/10; let it settle to "
        f"{READY_DAILY_MAX_PAIN_NRS}/10 or less with your exercise programme first.",
        WORK_ON_DAILY_PAIN,
    )


def _red_flag_item(a: ReadinessAnswers) -> ReadinessItemResult:
    if not a.red_flags:
        return ReadinessItemResult(ReadinessItem.RED_FLAGS, True, "No warning signs reported.")
    return ReadinessItemResult(
        ReadinessItem.RED_FLAGS,
        False,
        "You reported a warning sign: do not start running, and get it checked by a doctor "
        "or physiotherapist first.",
    )


# --------------------------------------------------------------------------------------------
# Plan templates (clinical.md §10.2 and §10.3)
# --------------------------------------------------------------------------------------------

MIN_SESSIONS_PER_STAGE = 2
"""Each stage is done at least twice before moving on (US Army programme, clinical.md §10.2)."""
MIN_REST_DAYS_BETWEEN_RUNS = 1
"""At least one rest day between runs (US Army programme; Moen 2012 every other day, §10.2-10.3)."""


class Surface(enum.StrEnum):
    LEVEL_GROUND = "level_ground"
    TREADMILL = "treadmill"


class SignOffPoint(enum.StrEnum):
    """Where a plan can wait for the physiotherapist's review."""

    BEFORE_START = "before_start"
    BEFORE_CONTINUOUS = "before_continuous"


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of a plan: repeat ``run_s`` running and ``walk_s`` walking until the total.

    A stage has either a total distance or a total time. ``walk_s == 0`` means continuous running.
    """

    number: int
    run_s: int
    walk_s: int
    effort: str
    surface: Surface = Surface.LEVEL_GROUND
    total_distance_m: float | None = None
    total_duration_s: int | None = None

    @property
    def continuous(self) -> bool:
        return self.walk_s == 0

    def describe(self, distance: Callable[[float], str] | None = None) -> str:
        """The stage in one line, for a person; ``distance`` writes metres in their unit."""
        if self.total_distance_m is not None:
            write = distance or (lambda metres: f"{metres / 1000:.1f} km")
            total = write(self.total_distance_m)
        else:
            total = f"{(self.total_duration_s or 0) // 60} minutes"
        if self.continuous:
            return f"Run continuously for {total}, {self.effort}."
        return (
            f"Run {_minutes(self.run_s)}, walk {_minutes(self.walk_s)}, repeated for {total}, "
            f"{self.effort}."
        )

    def intervals(self) -> tuple[tuple[str, int], ...]:
        """The timed intervals of the session ("run"/"walk", seconds), for the interval timer.

        Distance-based stages are timed at ``ASSUMED_SESSION_PACE_S_PER_KM`` so the timer has an
        end; the runner stops at the distance.
        """
        total_s = self.expected_duration_s()
        if self.continuous:
            return (("run", total_s),)
        out: list[tuple[str, int]] = []
        elapsed = 0
        while elapsed < total_s:
            run = min(self.run_s, total_s - elapsed)
            out.append(("run", run))
            elapsed += run
            if elapsed >= total_s:
                break
            walk = min(self.walk_s, total_s - elapsed)
            out.append(("walk", walk))
            elapsed += walk
        return tuple(out)

    def expected_duration_s(self) -> int:
        """The session's expected time; for distance stages at an assumed easy walk/run pace."""
        if self.total_duration_s is not None:
            return self.total_duration_s
        distance_km = (self.total_distance_m or 0.0) / 1000
        return round(distance_km * ASSUMED_SESSION_PACE_S_PER_KM)


ASSUMED_SESSION_PACE_S_PER_KM = 480
"""8:00 min/km: an easy walk/run pace used only to estimate how long a distance stage lasts."""


def _minutes(seconds: int) -> str:
    minutes = seconds / 60
    whole = int(minutes)
    label = str(whole) if minutes == whole else f"{minutes:.1f}"
    return f"{label} minute" + ("" if label == "1" else "s")


@dataclass(frozen=True, slots=True)
class PlanTemplate:
    slug: str
    name: str
    source: str
    summary: str
    stages: tuple[Stage, ...]
    runs_per_week: int = 3

    def __post_init__(self) -> None:
        if not self.stages:
            raise ReturnToRunError("A plan needs at least one stage.")
        for number, stage in enumerate(self.stages, start=1):
            if stage.number != number:
                raise ReturnToRunError("Plan stages must be numbered 1, 2, 3, ... in order.")
            if (stage.total_distance_m is None) == (stage.total_duration_s is None):
                raise ReturnToRunError("Each stage needs a total distance or a total time.")

    @property
    def first_continuous_index(self) -> int | None:
        """Index of the first stage without walk breaks, if the plan has one."""
        for index, stage in enumerate(self.stages):
            if stage.continuous:
                return index
        return None


ARMY_TEMPLATE = PlanTemplate(
    slug="army-walk-run",
    name="Walk/run by distance (US Army programme)",
    # clinical.md §10.2
    source="US Army standard return-to-run programme (published trial protocol, Trials 2023)",
    summary=(
        "Six stages from 1 mile of 3-minute runs with 2-minute walks to 2 miles of continuous "
        "running, on level ground, at an easy effort."
    ),
    stages=(
        Stage(1, 180, 120, "easy effort (3/10)", total_distance_m=1.0 * MILE_M),
        Stage(2, 180, 120, "easy effort (3/10)", total_distance_m=1.5 * MILE_M),
        Stage(3, 240, 120, "somewhat easy effort (4/10)", total_distance_m=1.5 * MILE_M),
        Stage(4, 240, 120, "somewhat easy effort (4/10)", total_distance_m=2.0 * MILE_M),
        Stage(5, 240, 60, "somewhat hard effort (5/10)", total_distance_m=2.0 * MILE_M),
        Stage(6, 0, 0, "somewhat hard effort (5/10)", total_distance_m=2.0 * MILE_M),
    ),
)

MOEN_TEMPLATE = PlanTemplate(
    slug="graded-running-time",
    name="Graded running by time (Moen 2012)",
    # clinical.md §10.3
    source="Graded running programme adapted from Moen et al. 2012",
    summary=(
        "Six stages from 16 minutes of 2-minute runs and 2-minute walks on a treadmill to "
        "18 minutes of continuous running outdoors, three times a week."
    ),
    stages=(
        Stage(1, 120, 120, "light jogging", Surface.TREADMILL, total_duration_s=16 * 60),
        Stage(2, 120, 120, "a little quicker jogging", Surface.TREADMILL, total_duration_s=16 * 60),
        Stage(3, 180, 120, "light jogging", total_duration_s=20 * 60),
        Stage(4, 180, 120, "jogging you can talk through", total_duration_s=20 * 60),
        Stage(5, 0, 0, "light jogging", total_duration_s=16 * 60),
        Stage(6, 0, 0, "jogging you can talk through", total_duration_s=18 * 60),
    ),
)

TEMPLATES: dict[str, PlanTemplate] = {t.slug: t for t in (ARMY_TEMPLATE, MOEN_TEMPLATE)}


def template(slug: str) -> PlanTemplate:
    """The plan template with this slug."""
    try:
        return TEMPLATES[slug]
    except KeyError:
        raise ReturnToRunError(f"There is no return-to-run plan called {slug!r}.") from None


def signoff_due(
    plan: PlanTemplate,
    stage_index: int,
    required: Iterable[SignOffPoint],
    granted: Iterable[SignOffPoint],
) -> SignOffPoint | None:
    """The physio sign-off the runner is waiting for before this stage, if any."""
    missing = set(required) - set(granted)
    if SignOffPoint.BEFORE_START in missing:
        return SignOffPoint.BEFORE_START
    continuous = plan.first_continuous_index
    if (
        SignOffPoint.BEFORE_CONTINUOUS in missing
        and continuous is not None
        and stage_index >= continuous
    ):
        return SignOffPoint.BEFORE_CONTINUOUS
    return None


# --------------------------------------------------------------------------------------------
# Scheduling
# --------------------------------------------------------------------------------------------

DEFAULT_RUN_WEEKDAYS = (0, 2, 4)
"""Monday, Wednesday, Friday: three runs a week, every other day (Moen 2012, clinical.md §10.3)."""


@dataclass(frozen=True, slots=True)
class PlannedSession:
    on: date
    stage_index: int
    repeat: int
    """1 for the first time this stage is planned, 2 for the second, ..."""


def check_run_weekdays(weekdays: Sequence[int]) -> tuple[int, ...]:
    """Validate run days (0 = Monday): at least one rest day between runs, week wrap included."""
    days = tuple(sorted(set(weekdays)))
    if not days:
        raise ReturnToRunError("Choose at least one day of the week to run.")
    if any(not 0 <= d <= 6 for d in days):
        raise ReturnToRunError("Days of the week run from 0 (Monday) to 6 (Sunday).")
    gaps = [b - a for a, b in itertools.pairwise(days)] + [days[0] + 7 - days[-1]]
    if any(gap <= MIN_REST_DAYS_BETWEEN_RUNS for gap in gaps):
        raise ReturnToRunError(
            "Leave at least one rest day between runs: no two running days in a row."
        )
    return days


def schedule(
    plan: PlanTemplate,
    first_day: date,
    *,
    stage_index: int = 0,
    done_at_stage: int = 0,
    weekdays: Sequence[int] = DEFAULT_RUN_WEEKDAYS,
    after: date | None = None,
) -> tuple[PlannedSession, ...]:
    """The remaining sessions on calendar dates if every one goes well.

    Each stage is planned ``MIN_SESSIONS_PER_STAGE`` times (fewer for the current stage when
    some were already done well). ``after`` is the day of the last run, so the next run keeps a
    rest day after it even when ``first_day`` is sooner.
    """
    days = check_run_weekdays(weekdays)
    if not 0 <= stage_index < len(plan.stages):
        raise ReturnToRunError("That stage is not part of this plan.")
    day = first_day
    if after is not None:
        day = max(day, after + timedelta(days=MIN_REST_DAYS_BETWEEN_RUNS + 1))
    sessions: list[PlannedSession] = []
    for index in range(stage_index, len(plan.stages)):
        start_repeat = done_at_stage + 1 if index == stage_index else 1
        for repeat in range(start_repeat, MIN_SESSIONS_PER_STAGE + 1):
            while day.weekday() not in days:
                day += timedelta(days=1)
            sessions.append(PlannedSession(day, index, repeat))
            day += timedelta(days=MIN_REST_DAYS_BETWEEN_RUNS + 1)
    return tuple(sessions)


# --------------------------------------------------------------------------------------------
# The pain gate (clinical.md §9, Appendix B.2)
# --------------------------------------------------------------------------------------------

SAFE_MAX_NRS = 2
"""Safe zone 0-2: proceed (Silbernagel 2007 via clinical.md §9.2); 2 counts as safe."""
ACCEPTABLE_MAX_NRS = 5
"""Acceptable zone 3-5: hold, do not progress (clinical.md §9.2, B.2); 5 is still acceptable."""
SETTLED_TOLERANCE_NRS = 1
"""Next-morning pain up to baseline + 1 counts as settled (product choice, clinical.md B.2)."""
UNSETTLED_SESSIONS_TO_STOP = 2
"""A niggle unsettled after two sessions in a row stops the plan (clinical.md §9.1 rule 2)."""


class Decision(enum.StrEnum):
    PROGRESS = "progress"
    REPEAT = "repeat"
    STEP_BACK = "step_back"
    STOP_AND_SEE_PHYSIO = "stop_and_see_physio"


class PlanStatus(enum.StrEnum):
    ACTIVE = "active"
    FINISHED = "finished"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class SessionPain:
    """Pain (0-10) during a session, straight after it and the next morning, and the usual level."""

    during_nrs: int
    after_nrs: int
    next_morning_nrs: int
    baseline_nrs: int
    swelling: bool = False
    limp: bool = False
    completed: bool = True
    morning_pain_rising: bool = False
    """Mean next-morning pain this week above last week's (see ``morning_pain_rising``)."""

    def __post_init__(self) -> None:
        _check_pain(self.during_nrs, "Pain during the run")
        _check_pain(self.after_nrs, "Pain after the run")
        _check_pain(self.next_morning_nrs, "Pain the next morning")
        _check_pain(self.baseline_nrs, "Your usual pain")


@dataclass(frozen=True, slots=True)
class PlanProgress:
    """Where a runner is in a plan."""

    stage_index: int = 0
    good_at_stage: int = 0
    unsettled_in_a_row: int = 0
    status: PlanStatus = PlanStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class GateResult:
    decision: Decision
    reason: str
    progress: PlanProgress


WEEK_DAYS = 7


def morning_pain_rising(mornings: Iterable[tuple[date, int]], today: date) -> bool:
    """Mean morning pain of the last 7 days above the 7 before (Silbernagel 2007 rule 3, §9.1, B.2).

    Needs at least one morning in each week; days run up to and including ``today``.
    """
    this_week: list[int] = []
    last_week: list[int] = []
    for day, nrs in mornings:
        _check_pain(nrs, "Morning pain")
        age = (today - day).days
        if 0 <= age < WEEK_DAYS:
            this_week.append(nrs)
        elif WEEK_DAYS <= age < 2 * WEEK_DAYS:
            last_week.append(nrs)
    if not this_week or not last_week:
        return False
    return sum(this_week) / len(this_week) > sum(last_week) / len(last_week)


def zone(pain_nrs: int) -> str:
    """Pain zone: "safe" (0-2), "acceptable" (3-5) or "high risk" (6-10) (clinical.md §9.2)."""
    _check_pain(pain_nrs, "Pain")
    if pain_nrs <= SAFE_MAX_NRS:
        return "safe"
    if pain_nrs <= ACCEPTABLE_MAX_NRS:
        return "acceptable"
    return "high risk"


def gate(plan: PlanTemplate, progress: PlanProgress, pain: SessionPain) -> GateResult:
    """Decide the next step from one session's pain (Silbernagel 2007, clinical.md §9 and B.2)."""
    if progress.status is not PlanStatus.ACTIVE:
        raise ReturnToRunError("This plan is no longer active, so sessions cannot be logged.")
    if not 0 <= progress.stage_index < len(plan.stages):
        raise ReturnToRunError("That stage is not part of this plan.")
    settled = pain.next_morning_nrs <= pain.baseline_nrs + SETTLED_TOLERANCE_NRS
    if not settled:
        return _unsettled(progress, pain)
    if pain.during_nrs > ACCEPTABLE_MAX_NRS or pain.after_nrs > ACCEPTABLE_MAX_NRS:
        worst = max(pain.during_nrs, pain.after_nrs)
        return _step_back(
            progress,
            f"Pain reached {worst}/10, above the {ACCEPTABLE_MAX_NRS}/10 the pain-monitoring "
            "model allows, so the load comes down a stage.",
        )
    if pain.swelling or pain.limp:
        sign = "swelling" if pain.swelling else "a limp"
        return _step_back(progress, f"The knee showed {sign}, so the load comes down a stage.")
    calm = replace(progress, unsettled_in_a_row=0)
    if pain.morning_pain_rising:
        # Appendix B.2 counts a weekly rise as "reduce load". We hold the stage instead: a
        # 7-day mean stays raised for a week after one bump, so stepping back on it would step
        # back again and again for one event that the per-session rules have already judged.
        return GateResult(
            Decision.REPEAT,
            "Your morning pain has been a little higher this week than last week; it should not "
            "creep up from week to week, so stay at this stage until it settles.",
            calm,
        )
    if not pain.completed:
        return GateResult(
            Decision.REPEAT,
            "The session was not finished, so it does not count yet: repeat this stage.",
            calm,
        )
    if max(pain.during_nrs, pain.after_nrs) > SAFE_MAX_NRS:
        worst = max(pain.during_nrs, pain.after_nrs)
        return GateResult(
            Decision.REPEAT,
            f"Pain of {worst}/10 is acceptable but not yet comfortable (over {SAFE_MAX_NRS}/10), "
            f"so stay at this stage until it stays at {SAFE_MAX_NRS}/10 or less.",
            calm,
        )
    return _good_session(plan, calm)


def _good_session(plan: PlanTemplate, progress: PlanProgress) -> GateResult:
    good = progress.good_at_stage + 1
    if good < MIN_SESSIONS_PER_STAGE:
        return GateResult(
            Decision.REPEAT,
            f"A comfortable session, settled by the next morning. Each stage is done at least "
            f"{MIN_SESSIONS_PER_STAGE} times, so repeat it once more.",
            replace(progress, good_at_stage=good),
        )
    last = progress.stage_index == len(plan.stages) - 1
    if last:
        return GateResult(
            Decision.PROGRESS,
            "Comfortable and settled by the next morning on the last stage: the plan is complete.",
            replace(progress, good_at_stage=good, status=PlanStatus.FINISHED),
        )
    return GateResult(
        Decision.PROGRESS,
        f"Comfortable (pain {SAFE_MAX_NRS}/10 or less) and settled by the next morning, "
        f"{good} times at this stage: move on to stage {progress.stage_index + 2}.",
        replace(progress, stage_index=progress.stage_index + 1, good_at_stage=0),
    )


def _step_back(progress: PlanProgress, reason: str, unsettled_in_a_row: int = 0) -> GateResult:
    if progress.stage_index == 0:
        reason += " You are on the first stage already: rest, then repeat it."
    new = PlanProgress(
        stage_index=max(0, progress.stage_index - 1),
        good_at_stage=0,
        unsettled_in_a_row=unsettled_in_a_row,
    )
    return GateResult(Decision.STEP_BACK, reason, new)


def _unsettled(progress: PlanProgress, pain: SessionPain) -> GateResult:
    unsettled = progress.unsettled_in_a_row + 1
    base = (
        f"Next-morning pain was {pain.next_morning_nrs}/10 against your usual "
        f"{pain.baseline_nrs}/10: it had not settled."
    )
    if unsettled >= UNSETTLED_SESSIONS_TO_STOP or pain.next_morning_nrs > ACCEPTABLE_MAX_NRS:
        return GateResult(
            Decision.STOP_AND_SEE_PHYSIO,
            base + " A niggle that does not settle is a reason to pause the plan and see "
            "your physiotherapist before running again.",
            replace(progress, unsettled_in_a_row=unsettled, status=PlanStatus.STOPPED),
        )
    return _step_back(progress, base + " The load comes down a stage.", unsettled)


# --------------------------------------------------------------------------------------------
# Matching imported runs to planned sessions
# --------------------------------------------------------------------------------------------

MATCH_RELATIVE_TOLERANCE = 0.4
"""A run matches a planned session when its distance (or, for timed stages, its elapsed time) is
within 40 % of the plan: walk breaks, paused watches and GPS error make runs differ."""


@dataclass(frozen=True, slots=True)
class PlannedRun:
    """A planned session to match: its local date and what it should cover."""

    key: str
    on: date
    distance_m: float | None = None
    duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class DoneRun:
    """An imported run: when it started and what it covered."""

    key: str
    start: datetime
    duration_s: float
    distance_m: float | None = None
    utc_offset_s: int | None = None


@dataclass(frozen=True, slots=True)
class RunMatch:
    planned_key: str
    run_key: str
    difference: float
    """Relative difference from the plan (0.1 = 10 % off)."""


def local_date(run: DoneRun, fallback: tzinfo) -> date:
    """The run's calendar date where it was run: its own recorded offset, else the runner's zone."""
    if run.start.tzinfo is None:
        raise ReturnToRunError("A run's start time must include its time zone.")
    if run.utc_offset_s is not None:
        return (run.start.astimezone(UTC) + timedelta(seconds=run.utc_offset_s)).date()
    return run.start.astimezone(fallback).date()


def _difference(planned: PlannedRun, run: DoneRun) -> float | None:
    if planned.distance_m is not None and run.distance_m is not None and planned.distance_m > 0:
        return abs(run.distance_m - planned.distance_m) / planned.distance_m
    if planned.duration_s is not None and planned.duration_s > 0:
        return abs(run.duration_s - planned.duration_s) / planned.duration_s
    return None


def match_runs(
    planned: Sequence[PlannedRun], runs: Sequence[DoneRun], zone_info: tzinfo
) -> tuple[RunMatch, ...]:
    """Pair runs with planned sessions: same local day, within ``MATCH_RELATIVE_TOLERANCE``.

    Each run and each planned session is used at most once; the closest pairs win, so a run
    that fits two planned sessions goes to the nearer one (ties: the earlier-listed session).
    """
    candidates: list[tuple[float, int, int, RunMatch]] = []
    for p_index, plan in enumerate(planned):
        for r_index, run in enumerate(runs):
            if local_date(run, zone_info) != plan.on:
                continue
            diff = _difference(plan, run)
            if diff is None or diff > MATCH_RELATIVE_TOLERANCE:
                continue
            candidates.append((diff, p_index, r_index, RunMatch(plan.key, run.key, diff)))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    used_plans: set[int] = set()
    used_runs: set[int] = set()
    matches: list[tuple[int, RunMatch]] = []
    for _, p_index, r_index, match in candidates:
        if p_index in used_plans or r_index in used_runs:
            continue
        used_plans.add(p_index)
        used_runs.add(r_index)
        matches.append((p_index, match))
    return tuple(match for _, match in sorted(matches, key=lambda m: m[0]))
