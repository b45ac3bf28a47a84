"""Verbs that write: readiness checks, plans and their sessions, cadence targets, shoes.

Each turns rows into domain values, asks the domain, and writes the answer back.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kneeclinic.domain import returntorun as rtr
from kneeclinic.domain import shoes as shoe_rules
from kneeclinic.domain import technique
from kneeclinic.domain.activity import Samples, Sport
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
    from kneeclinic.activities.models import Activity
    from kneeclinic.activities.prepare import Cadence


class PlanError(ValueError):
    """Something the runner asked for that the plan cannot do, with a reason they understand."""


STATUS_FROM_DOMAIN = {
    rtr.PlanStatus.ACTIVE: PlanStatus.ACTIVE,
    rtr.PlanStatus.FINISHED: PlanStatus.FINISHED,
    rtr.PlanStatus.STOPPED: PlanStatus.STOPPED,
}


# ------------------------------------------------------------------------- readiness


def record_readiness(runner: User, answers: rtr.ReadinessAnswers) -> ReadinessCheck:
    result = rtr.check_readiness(answers)
    return ReadinessCheck.objects.create(
        runner=runner,
        brisk_walk_pain_free_min=answers.brisk_walk_pain_free_min,
        squats_left=answers.squats_left,
        squats_right=answers.squats_right,
        squat_pain_nrs=answers.squat_pain_nrs,
        hops_left=answers.hops_left,
        hops_right=answers.hops_right,
        hop_pain_nrs=answers.hop_pain_nrs,
        daily_pain_nrs=answers.daily_pain_nrs,
        red_flags=answers.red_flags,
        passed=result.passed,
    )


# ------------------------------------------------------------------------- plans


def start_plan(
    runner: User,
    template_slug: str,
    start_date: date,
    *,
    weekdays: Sequence[int] = rtr.DEFAULT_RUN_WEEKDAYS,
    needs_signoff_before_start: bool = False,
    needs_signoff_before_continuous: bool = False,
    created_by: User | None = None,
) -> RunPlan:
    """Start a plan after a passed readiness check; any other active plan ends."""
    plan_template = rtr.template(template_slug)
    days = rtr.check_run_weekdays(weekdays)
    latest = ReadinessCheck.objects.filter(runner=runner).first()
    creator_is_physio = created_by is not None and created_by.pk != runner.pk
    if not creator_is_physio and (latest is None or not latest.passed):
        raise PlanError("Pass the readiness check before starting a return-to-run plan.")
    with transaction.atomic():
        RunPlan.objects.filter(runner=runner, status=PlanStatus.ACTIVE).update(
            status=PlanStatus.ENDED
        )
        return RunPlan.objects.create(
            runner=runner,
            template_slug=plan_template.slug,
            start_date=start_date,
            run_weekdays=",".join(str(d) for d in days),
            baseline_pain_nrs=latest.daily_pain_nrs if latest is not None else 0,
            needs_signoff_before_start=needs_signoff_before_start,
            needs_signoff_before_continuous=needs_signoff_before_continuous,
            created_by=created_by or runner,
        )


def end_plan(plan: RunPlan) -> RunPlan:
    if plan.status == PlanStatus.ACTIVE:
        plan.status = PlanStatus.ENDED
        plan.save(update_fields=["status"])
    return plan


def sign_off(plan: RunPlan, point: rtr.SignOffPoint, physio: User) -> RunPlan:
    """A physiotherapist's review: the runner may go past this point."""
    now = timezone.now()
    if point is rtr.SignOffPoint.BEFORE_START:
        plan.signed_off_start_by, plan.signed_off_start_at = physio, now
    else:
        plan.signed_off_continuous_by, plan.signed_off_continuous_at = physio, now
    plan.save()
    return plan


def pending_session(plan: RunPlan) -> PlanSession | None:
    """The last session if it still waits for next-morning pain."""
    return (
        plan.sessions.filter(decision="", pain_next_morning_nrs__isnull=True)
        .order_by("-on", "-logged_at")
        .first()
    )


def log_session(
    plan: RunPlan,
    on: date,
    *,
    pain_during_nrs: int,
    pain_after_nrs: int,
    pain_next_morning_nrs: int | None = None,
    swelling: bool = False,
    limp: bool = False,
    completed: bool = True,
) -> PlanSession:
    """Record a session; with next-morning pain it is decided at once, else the next morning."""
    if plan.status != PlanStatus.ACTIVE:
        raise PlanError("This plan is no longer active.")
    if plan.waiting_for() is not None:
        raise PlanError("This plan is waiting for your physiotherapist's review.")
    if pending_session(plan) is not None:
        raise PlanError("First tell us how the knee felt the morning after your last session.")
    if on > timezone.localtime(timezone.now(), _runner_zone(plan.runner)).date():
        raise PlanError("A session can only be logged once it has happened, not for a later day.")
    # Validate the numbers through the domain before writing anything.
    rtr.SessionPain(pain_during_nrs, pain_after_nrs, pain_next_morning_nrs or 0, 0)
    session = PlanSession.objects.create(
        plan=plan,
        on=on,
        stage_index=plan.stage_index,
        pain_during_nrs=pain_during_nrs,
        pain_after_nrs=pain_after_nrs,
        swelling=swelling,
        limp=limp,
        completed=completed,
    )
    link_runs(plan)
    if pain_next_morning_nrs is not None:
        return record_morning(session, pain_next_morning_nrs)
    return session


def record_morning(session: PlanSession, pain_next_morning_nrs: int) -> PlanSession:
    """Next-morning pain completes a session: the pain gate decides the next step."""
    plan = session.plan
    if session.decision:
        raise PlanError("This session has already been decided.")
    earlier = plan.sessions.exclude(pk=session.pk).filter(pain_next_morning_nrs__isnull=False)
    mornings = [
        (on, nrs)
        for on, nrs in earlier.values_list("on", "pain_next_morning_nrs")
        if nrs is not None
    ]
    mornings.append((session.on, pain_next_morning_nrs))
    pain = rtr.SessionPain(
        during_nrs=session.pain_during_nrs,
        after_nrs=session.pain_after_nrs,
        next_morning_nrs=pain_next_morning_nrs,
        baseline_nrs=plan.baseline_pain_nrs,
        swelling=session.swelling,
        limp=session.limp,
        completed=session.completed,
        morning_pain_rising=rtr.morning_pain_rising(mornings, session.on),
    )
    result = rtr.gate(plan.template, plan.progress(), pain)
    with transaction.atomic():
        session.pain_next_morning_nrs = pain_next_morning_nrs
        session.decision = result.decision.value
        session.reason = result.reason
        session.decided_at = timezone.now()
        session.save()
        plan.stage_index = result.progress.stage_index
        plan.good_at_stage = result.progress.good_at_stage
        plan.unsettled_in_a_row = result.progress.unsettled_in_a_row
        plan.status = STATUS_FROM_DOMAIN[result.progress.status]
        plan.save()
    return session


def upcoming(plan: RunPlan, today: date) -> tuple[rtr.PlannedSession, ...]:
    """The rest of the plan on calendar dates, if every session goes well from here."""
    if plan.status != PlanStatus.ACTIVE:
        return ()
    last = plan.sessions.order_by("-on").values_list("on", flat=True).first()
    return rtr.schedule(
        plan.template,
        max(today, plan.start_date),
        stage_index=plan.stage_index,
        done_at_stage=plan.good_at_stage,
        weekdays=plan.weekdays,
        after=last,
    )


def _runner_zone(runner: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(runner.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def link_runs(plan: RunPlan) -> int:
    """Attach imported runs to logged sessions: same local day, similar distance or time."""
    from kneeclinic.activities.models import Activity

    open_sessions = list(plan.sessions.filter(activity__isnull=True))
    if not open_sessions:
        return 0
    days = {s.on for s in open_sessions}
    taken = PlanSession.objects.filter(activity__isnull=False).values("activity_id")
    runs = list(
        Activity.objects.filter(runner=plan.runner, sport=Sport.RUNNING)
        .exclude(pk__in=taken)
        .filter(
            start__date__gte=min(days) - timedelta(days=1),
            start__date__lte=max(days) + timedelta(days=1),
        )
    )
    planned = []
    for s in open_sessions:
        stage = plan.template.stages[s.stage_index]
        planned.append(
            rtr.PlannedRun(
                key=str(s.pk),
                on=s.on,
                distance_m=stage.total_distance_m,
                duration_s=stage.expected_duration_s(),
            )
        )
    done = [
        rtr.DoneRun(
            key=str(a.pk),
            start=a.start,
            duration_s=a.elapsed_s,
            distance_m=a.distance_m,
            utc_offset_s=a.utc_offset_s,
        )
        for a in runs
    ]
    matches = rtr.match_runs(planned, done, _runner_zone(plan.runner))
    for match in matches:
        PlanSession.objects.filter(pk=int(match.planned_key)).update(activity_id=int(match.run_key))
    return len(matches)


# ------------------------------------------------------------------------- cadence


def set_cadence_target(
    runner: User,
    target_spm: int,
    *,
    set_by: User,
    baseline_spm: float | None = None,
    note: str = "",
) -> CadenceTarget:
    technique.check_target_spm(target_spm)
    return CadenceTarget.objects.create(
        runner=runner, target_spm=target_spm, baseline_spm=baseline_spm, set_by=set_by, note=note
    )


def analyse_run(activity: Activity, samples: Samples | None) -> RunCadence | None:
    """Work out and store a run's cadence from its streams (or its file's average if none)."""
    from kneeclinic.activities.prepare import cadence_of

    RunCadence.objects.filter(activity=activity).delete()
    if activity.sport != Sport.RUNNING:
        return None
    row = cadence_row(activity, cadence_of(samples))
    if row is not None:
        row.save()
    return row


def store_cadences(runs: Iterable[tuple[Activity, Cadence | None]]) -> int:
    """``analyse_run`` for new runs (no cadence stored yet), with the figures worked out already.

    An import works out each run's figures beside its parsing (``prepare.cadence_of``); this
    stores them all in one statement. Returns how many runs got a cadence.
    """
    rows = [row for activity, cadence in runs if (row := cadence_row(activity, cadence))]
    RunCadence.objects.bulk_create(rows)
    return len(rows)


def cadence_row(activity: Activity, cadence: Cadence | None) -> RunCadence | None:
    """The (unsaved) cadence of a run: from its streams' figures, else its file's average."""
    if activity.sport != Sport.RUNNING:
        return None
    if cadence is not None:
        return RunCadence(activity=activity, **cadence.fields())
    if activity.avg_cadence_spm:
        spm = activity.avg_cadence_spm
        if technique.RUNNING_MIN_SPM <= spm <= technique.MAX_PLAUSIBLE_SPM:
            speed = (
                activity.distance_m / activity.elapsed_s
                if activity.distance_m and activity.elapsed_s
                else None
            )
            return RunCadence(
                activity=activity,
                avg_spm=spm,
                median_spm=spm,
                running_s=activity.moving_s or activity.elapsed_s,
                median_speed_mps=speed,
                histogram={},
            )
    return None


def share_on_target(cadence: RunCadence, target_spm: float) -> float | None:
    """Share of running time within +/- 3 steps/min of the target, from the stored histogram."""
    if not cadence.histogram or cadence.running_s <= 0:
        return None
    near = sum(
        seconds
        for value, seconds in cadence.histogram.items()
        if abs(float(value) - target_spm) <= technique.TARGET_BAND_SPM
    )
    return float(near) / cadence.running_s


# ------------------------------------------------------------------------- shoes


def add_shoe(
    runner: User,
    name: str,
    start_date: date,
    *,
    starting_distance_m: float = 0.0,
    is_default: bool = False,
    first_check_km: int = int(shoe_rules.WEAR_CHECK_KM[0]),
    second_check_km: int = int(shoe_rules.WEAR_CHECK_KM[1]),
) -> Shoe:
    shoe_rules.Shoe("new", name, start_date, starting_distance_m)
    shoe_rules.check_thresholds((first_check_km, second_check_km))
    with transaction.atomic():
        if is_default or not Shoe.objects.filter(runner=runner, retired=False).exists():
            Shoe.objects.filter(runner=runner).update(is_default=False)
            is_default = True
        return Shoe.objects.create(
            runner=runner,
            name=name.strip(),
            start_date=start_date,
            starting_distance_m=starting_distance_m,
            is_default=is_default,
            first_check_km=first_check_km,
            second_check_km=second_check_km,
        )


def update_shoe(shoe: Shoe, **fields: object) -> Shoe:
    allowed = {
        "name",
        "start_date",
        "starting_distance_m",
        "retired",
        "is_default",
        "first_check_km",
        "second_check_km",
    }
    for name, value in fields.items():
        if name not in allowed:
            raise PlanError(f"A shoe has no field called {name}.")
        setattr(shoe, name, value)
    shoe.domain()
    shoe_rules.check_thresholds((shoe.first_check_km, shoe.second_check_km))
    with transaction.atomic():
        if shoe.is_default:
            Shoe.objects.filter(runner=shoe.runner).exclude(pk=shoe.pk).update(is_default=False)
        shoe.save()
    return shoe


def delete_shoe(shoe: Shoe) -> int:
    """Delete a shoe; its runs stay, unassigned. Returns how many runs lost their shoe."""
    runs = shoe.uses.count()
    shoe.delete()
    return runs


def assign_shoe(activity: Activity, shoe: Shoe | None, *, automatic: bool = False) -> None:
    """Put a run in a shoe (or none). Automatic assignment never overrides the runner's choice."""
    if shoe is not None and shoe.runner_id != activity.runner_id:
        raise PlanError("That shoe belongs to someone else.")
    existing = ShoeUse.objects.filter(activity=activity).first()
    if automatic and existing is not None and not existing.automatic:
        return
    if shoe is None:
        ShoeUse.objects.filter(activity=activity).delete()
        return
    ShoeUse.objects.update_or_create(
        activity=activity, defaults={"shoe": shoe, "automatic": automatic}
    )


def auto_assign_shoes(
    activities: Iterable[Activity], gear_names: dict[int, str] | None = None, *, new: bool = False
) -> int:
    """Assign imported runs to shoes: the export's gear name if it names one, else the default.

    ``gear_names`` maps activity id to the gear named by a Strava export's activities.csv.
    ``new`` says the runs were just created, so none has a shoe yet: their shoes are then
    written in one statement.
    """
    gear_names = gear_names or {}
    chosen: list[tuple[Activity, Shoe]] = []
    shoes_by_runner: dict[int, list[Shoe]] = {}
    for activity in activities:
        if activity.sport != Sport.RUNNING:
            continue
        shoes = shoes_by_runner.get(activity.runner_id)
        if shoes is None:  # once per runner
            shoes = shoes_by_runner[activity.runner_id] = list(
                Shoe.objects.filter(runner_id=activity.runner_id)
            )
        if not shoes:
            continue  # nothing to choose from (choose_shoe would answer None)
        default = next((s for s in shoes if s.is_default), None)
        local_day = timezone.localtime(activity.start, _runner_zone(activity.runner)).date()
        key = shoe_rules.choose_shoe(
            local_day,
            [s.domain() for s in shoes],
            str(default.pk) if default else None,
            gear_names.get(activity.pk, ""),
        )
        if key is not None:
            chosen.append((activity, next(s for s in shoes if str(s.pk) == key)))
    if new:
        ShoeUse.objects.bulk_create(
            [ShoeUse(activity=activity, shoe=shoe, automatic=True) for activity, shoe in chosen]
        )
    else:
        for activity, shoe in chosen:
            assign_shoe(activity, shoe, automatic=True)
    return len(chosen)


def change_gates(
    plan: RunPlan,
    *,
    weekdays: Sequence[int],
    needs_signoff_before_start: bool,
    needs_signoff_before_continuous: bool,
) -> list[str]:
    """A physio changes the run days or the review points of an active plan.

    Returns what changed, in words; an empty list when nothing did. A sign-off already given
    stays given.
    """
    if plan.status != PlanStatus.ACTIVE:
        raise PlanError("This plan is no longer active.")
    days = ",".join(str(d) for d in rtr.check_run_weekdays(weekdays))
    changed: list[str] = []
    if days != plan.run_weekdays:
        changed.append("run days")
    if needs_signoff_before_start != plan.needs_signoff_before_start:
        changed.append(
            "a review before the first run"
            if needs_signoff_before_start
            else "no review before the first run"
        )
    if needs_signoff_before_continuous != plan.needs_signoff_before_continuous:
        changed.append(
            "a review before running without walk breaks"
            if needs_signoff_before_continuous
            else "no review before running without walk breaks"
        )
    if changed:
        plan.run_weekdays = days
        plan.needs_signoff_before_start = needs_signoff_before_start
        plan.needs_signoff_before_continuous = needs_signoff_before_continuous
        plan.save(
            update_fields=[
                "run_weekdays",
                "needs_signoff_before_start",
                "needs_signoff_before_continuous",
            ]
        )
    return changed
