"""Read-only views of a runner's plan, cadence and shoes, shaped for the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from django.db.models import Case, When
from django.utils import timezone

from kneeclinic.domain import returntorun as rtr
from kneeclinic.domain import shoes as shoe_rules
from kneeclinic.domain import technique
from kneeclinic.domain.units import DistanceUnit, format_distance
from kneeclinic.plans import services
from kneeclinic.plans.models import (
    CadenceTarget,
    PlanSession,
    PlanStatus,
    ReadinessCheck,
    RunCadence,
    RunPlan,
    Shoe,
    ShoeUse,
)

if TYPE_CHECKING:
    from kneeclinic.accounts.models import User

SIGNOFF_TEXT = {
    rtr.SignOffPoint.BEFORE_START: "before you start the plan",
    rtr.SignOffPoint.BEFORE_CONTINUOUS: "before you run without walk breaks",
}


def unit_of(user: User) -> DistanceUnit:
    return DistanceUnit(user.units) if user.units in {"km", "mi"} else DistanceUnit.KM


def today_for(user: User) -> date:
    return timezone.localtime(timezone.now(), user.tz).date()


def latest_readiness(user: User) -> ReadinessCheck | None:
    return ReadinessCheck.objects.filter(runner=user).first()


def current_plan(user: User) -> RunPlan | None:
    """The active plan, else the most recent one (so a finished or paused plan still shows)."""
    return (
        RunPlan.objects.filter(runner=user)
        .exclude(status=PlanStatus.ENDED)
        .order_by(Case(When(status=PlanStatus.ACTIVE, then=0), default=1), "-created_at")
        .first()
    )


@dataclass(frozen=True, slots=True)
class UpcomingSession:
    on: date
    stage_number: int
    repeat: int
    text: str


@dataclass(frozen=True, slots=True)
class PlanView:
    plan: RunPlan
    template: rtr.PlanTemplate
    stage_number: int
    stage_count: int
    stage_text: str
    good_at_stage: int
    needed_at_stage: int
    waiting_for: str | None
    pending: PlanSession | None
    last: PlanSession | None
    upcoming: tuple[UpcomingSession, ...]
    upcoming_all: tuple[UpcomingSession, ...]
    sessions: tuple[PlanSession, ...]
    stages: tuple[tuple[int, str, str], ...]
    """(number, description, "done" | "current" | "to come") for each stage."""

    @property
    def next_session(self) -> UpcomingSession | None:
        return self.upcoming[0] if self.upcoming else None


def stage_text(stage: rtr.Stage, unit: DistanceUnit) -> str:
    return stage.describe(lambda metres: format_distance(metres, unit))


def plan_view(plan: RunPlan, user: User) -> PlanView:
    unit = unit_of(user)
    template = plan.template
    sessions = tuple(plan.sessions.select_related("activity").order_by("-on", "-logged_at"))
    decided = [s for s in sessions if s.decision]
    waiting = plan.waiting_for()
    upcoming_all = tuple(
        UpcomingSession(
            s.on,
            s.stage_index + 1,
            s.repeat,
            stage_text(template.stages[s.stage_index], unit),
        )
        for s in services.upcoming(plan, today_for(user))
    )
    finished = plan.status == PlanStatus.FINISHED
    stages = tuple(
        (
            i + 1,
            stage_text(stage, unit),
            "done"
            if i < plan.stage_index or finished
            else ("current" if i == plan.stage_index else "to come"),
        )
        for i, stage in enumerate(template.stages)
    )
    return PlanView(
        plan=plan,
        template=template,
        stage_number=plan.stage_index + 1,
        stage_count=len(template.stages),
        stage_text=stage_text(plan.stage, unit),
        good_at_stage=plan.good_at_stage,
        needed_at_stage=rtr.MIN_SESSIONS_PER_STAGE,
        waiting_for=SIGNOFF_TEXT[waiting] if waiting else None,
        pending=services.pending_session(plan),
        last=decided[0] if decided else None,
        upcoming=upcoming_all[:6],
        upcoming_all=upcoming_all,
        sessions=sessions,
        stages=stages,
    )


# ------------------------------------------------------------------------- cadence


@dataclass(frozen=True, slots=True)
class CadenceRun:
    code: str
    on: date
    name: str
    avg_spm: float
    speed_mps: float | None
    adjusted_spm: float | None
    on_target: float | None
    ground_contact_ms: float | None
    vertical_oscillation_mm: float | None


@dataclass(frozen=True, slots=True)
class CadenceView:
    runs: tuple[CadenceRun, ...]
    baseline: technique.Baseline | None
    target_range: tuple[int, int] | None
    target: CadenceTarget | None
    trend: tuple[tuple[date, float, int], ...]
    has_dynamics: bool

    def chart_points(self) -> list[dict[str, object]]:
        return [{"date": r.on.isoformat(), "spm": round(r.avg_spm, 1)} for r in reversed(self.runs)]


CADENCE_COLUMNS = (
    "activity", "avg_spm", "median_spm", "running_s", "median_speed_mps", "histogram",
    "ground_contact_ms", "vertical_oscillation_mm", "step_length_mm",
)  # fmt: skip


def latest_target(user: User) -> CadenceTarget | None:
    return CadenceTarget.objects.filter(runner=user).select_related("set_by").first()


def cadence_view(user: User, limit: int = 60) -> CadenceView:
    rows = list(
        RunCadence.objects.filter(activity__runner=user)
        .select_related("activity")
        # The run's code, date and name only: its whole row cost more than the cadence figures.
        .only(*CADENCE_COLUMNS, "activity__code", "activity__start", "activity__name")
        .order_by("-activity__start")[:limit]
    )
    zone = user.tz
    summaries = [
        _summary(r.activity.start, r.avg_spm, r.median_speed_mps, r.running_s, zone) for r in rows
    ]
    baseline, target_range = _baseline_and_range(summaries)
    target = latest_target(user)
    runs = []
    for row, summary in zip(rows, summaries, strict=True):
        adjusted = None
        if baseline is not None and summary.speed_mps:
            adjusted = technique.speed_adjusted_spm(
                summary.avg_spm, summary.speed_mps, baseline.speed_mps
            )
        runs.append(
            CadenceRun(
                code=str(row.activity.code),
                on=summary.on,
                name=row.activity.name or "Run",
                avg_spm=row.avg_spm,
                speed_mps=row.median_speed_mps,
                adjusted_spm=adjusted,
                on_target=services.share_on_target(row, target.target_spm) if target else None,
                ground_contact_ms=row.ground_contact_ms,
                vertical_oscillation_mm=row.vertical_oscillation_mm,
            )
        )
    return CadenceView(
        runs=tuple(runs),
        baseline=baseline,
        target_range=target_range,
        target=target,
        trend=technique.weekly_trend(summaries),
        has_dynamics=any(
            r.ground_contact_ms is not None or r.vertical_oscillation_mm is not None for r in runs
        ),
    )


def _summary(
    start: datetime, avg_spm: float, speed_mps: float | None, running_s: float, zone: tzinfo
) -> technique.RunCadence:
    """One stored run cadence as the technique rules take it, dated in the runner's zone."""
    return technique.RunCadence(
        on=timezone.localtime(start, zone).date(),
        avg_spm=avg_spm,
        speed_mps=speed_mps,
        running_s=running_s,
    )


def _baseline_and_range(
    summaries: list[technique.RunCadence],
) -> tuple[technique.Baseline | None, tuple[int, int] | None]:
    try:
        baseline = technique.easy_baseline(summaries)
    except technique.TechniqueError:
        return None, None
    try:
        return baseline, technique.target_range(baseline.spm)
    except technique.TechniqueError:
        return baseline, None


@dataclass(frozen=True, slots=True)
class CadenceFigures:
    baseline: technique.Baseline | None
    target_range: tuple[int, int] | None
    target: CadenceTarget | None


def cadence_figures(user: User, limit: int = 60) -> CadenceFigures:
    """The baseline, target range and target of ``cadence_view``, from the same runs, without
    loading each run (the physio's back-to-running card shows only these)."""
    zone = user.tz
    rows = (
        RunCadence.objects.filter(activity__runner=user)
        .order_by("-activity__start")
        .values_list("activity__start", "avg_spm", "median_speed_mps", "running_s")[:limit]
    )
    summaries = [_summary(*row, zone) for row in rows]
    return CadenceFigures(*_baseline_and_range(summaries), latest_target(user))


# ------------------------------------------------------------------------- shoes


@dataclass(frozen=True, slots=True)
class ShoeRow:
    shoe: Shoe
    distance_m: float
    distance_text: str
    prompt: shoe_rules.WearPrompt
    runs: int


def _shoe_runs(user: User) -> list[shoe_rules.ShoeRun]:
    # plain values: a runner has a row for every run, and model objects cost more than the rest
    uses = ShoeUse.objects.filter(shoe__runner=user).values_list(
        "shoe_id", "activity__start", "activity__distance_m"
    )
    zone = user.tz
    return [
        shoe_rules.ShoeRun(
            on=timezone.localtime(start, zone).date(),
            distance_m=distance_m or 0.0,
            shoe_key=str(shoe_id),
        )
        for shoe_id, start, distance_m in uses
    ]


def shoe_rows(user: User) -> tuple[list[ShoeRow], shoe_rules.RotationAdvice]:
    unit = unit_of(user)
    shoes = list(Shoe.objects.filter(runner=user))
    runs = _shoe_runs(user)
    totals = shoe_rules.distances_m([s.domain() for s in shoes], runs)
    counts: dict[str, int] = {}
    for r in runs:
        counts[r.shoe_key or ""] = counts.get(r.shoe_key or "", 0) + 1
    rows = [
        ShoeRow(
            shoe=s,
            distance_m=totals[str(s.pk)],
            distance_text=format_distance(totals[str(s.pk)], unit, decimals=0),
            prompt=shoe_rules.wear_prompt(totals[str(s.pk)], (s.first_check_km, s.second_check_km)),
            runs=counts.get(str(s.pk), 0),
        )
        for s in shoes
    ]
    advice = shoe_rules.rotation_advice([s.domain() for s in shoes], runs, today_for(user))
    return rows, advice


@dataclass(frozen=True, slots=True)
class ShoeRunRow:
    use: ShoeUse
    distance_text: str


@dataclass(frozen=True, slots=True)
class ShoeDetail:
    row: ShoeRow
    runs: list[ShoeRunRow]
    pain: shoe_rules.PainAroundChange | None
    too_old_for_plan: bool


def _pain_by_day(user: User, since: datetime) -> list[tuple[date, int]]:
    """Daily pain for the shoe page: diary entries, else plan sessions' after-run pain."""
    from kneeclinic.symptoms.models import PainEntry

    found: list[tuple[date, int]] = [
        (timezone.localtime(at, user.tz).date(), nrs)
        for at, nrs in PainEntry.objects.filter(runner=user, at__gte=since).values_list(
            "at", "pain_nrs"
        )
    ]
    for on, nrs in PlanSession.objects.filter(plan__runner=user, on__gte=since.date()).values_list(
        "on", "pain_after_nrs"
    ):
        found.append((on, nrs))
    return found


def shoe_detail(shoe: Shoe, user: User) -> ShoeDetail:
    rows, _ = shoe_rows(user)
    row = next(r for r in rows if r.shoe.pk == shoe.pk)
    unit = unit_of(user)
    uses = [
        ShoeRunRow(
            use,
            format_distance(use.activity.distance_m, unit) if use.activity.distance_m else "",
        )
        for use in ShoeUse.objects.filter(shoe=shoe)
        .select_related("activity")
        .order_by("-activity__start")
    ]
    window = timedelta(days=shoe_rules.PAIN_WINDOW_DAYS)
    since = datetime.combine(shoe.start_date - window, datetime.min.time(), tzinfo=user.tz)
    pain = shoe_rules.pain_around_change(shoe.start_date, _pain_by_day(user, since))
    return ShoeDetail(
        row=row,
        runs=uses,
        pain=pain if pain.before_days or pain.after_days else None,
        too_old_for_plan=shoe_rules.too_old_for_return_to_run(shoe.domain(), today_for(user)),
    )


# ------------------------------------------------------------------------- exercise links


def exercise_links(slugs: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, url) for each exercise slug, linking to its page in the exercise library."""
    from django.urls import NoReverseMatch, reverse

    from kneeclinic.domain.exercises import ExerciseError, get_exercise

    links = []
    for slug in slugs:
        try:
            name = get_exercise(slug).name
        except ExerciseError:
            continue
        try:
            url = reverse("exercises:show-exercise", args=[slug])
        except NoReverseMatch:
            url = reverse("exercises:programme")
        links.append((name, url))
    return links
