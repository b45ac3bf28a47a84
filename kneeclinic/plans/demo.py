"""Maya's return to running after her flare-up: readiness, a plan in progress, cadence, shoes."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kneeclinic.activities.models import Activity
from kneeclinic.core.demo import DemoPeople
from kneeclinic.domain import returntorun as rtr
from kneeclinic.plans import services
from kneeclinic.plans.models import ReadinessCheck, RunPlan, Shoe

RETURN_WEEKDAYS = (1, 4, 6)  # Tuesday, Friday, Sunday: her easy return runs


def load(people: DemoPeople) -> None:
    maya, bob, today = people.runner, people.physio, people.today
    _readiness(people)
    plan = services.start_plan(
        maya,
        "army-walk-run",
        people.spike_day + timedelta(days=15),
        weekdays=RETURN_WEEKDAYS,
        needs_signoff_before_start=True,
        needs_signoff_before_continuous=True,
        created_by=maya,
    )
    services.sign_off(plan, rtr.SignOffPoint.BEFORE_START, bob)
    _sessions(people, plan)
    runs = list(
        Activity.objects.filter(runner=maya, sport="running")
        .order_by("start")
        .only(
            "pk",
            "start",
            "runner",
            "sport",
            "distance_m",
            "elapsed_s",
            "moving_s",
            "avg_cadence_spm",
        )
    )
    for activity in runs[-60:]:
        services.analyse_run(activity, None)
    _shoes(people, runs)
    services.set_cadence_target(
        maya, 173, set_by=bob, baseline_spm=162.0, note="About 7 % up: short, quick steps."
    )
    del today


def _readiness(people: DemoPeople) -> None:
    first = services.record_readiness(
        people.runner, rtr.ReadinessAnswers(20, 10, 8, 3, 6, 10, 2, 3, False)
    )
    second = services.record_readiness(
        people.runner, rtr.ReadinessAnswers(35, 10, 10, 1, 10, 10, 0, 1, False)
    )
    now = timezone.now()
    ReadinessCheck.objects.filter(pk=first.pk).update(
        created_at=now - timedelta(days=(people.today - people.spike_day).days - 8)
    )
    ReadinessCheck.objects.filter(pk=second.pk).update(
        created_at=now - timedelta(days=(people.today - people.spike_day).days - 14)
    )


def _sessions(people: DemoPeople, plan: RunPlan) -> None:
    """A session on each of the latest run days, mostly comfortable, one held at acceptable pain.

    The most recent one still waits for its next-morning answer.
    """
    pains = [(1, 1, 1), (2, 2, 1), (1, 2, 1), (4, 3, 2), (2, 1, 1), (1, 1, 1), (2, 2, 1)]
    pains += [(1, 1, 1), (2, 1, 1)]
    run_days = [
        plan.start_date + timedelta(days=n)
        for n in range((people.today - plan.start_date).days)
        if (plan.start_date + timedelta(days=n)).weekday() in RETURN_WEEKDAYS
    ][-len(pains) :]
    for number, (day, (during, after, morning)) in enumerate(zip(run_days, pains, strict=False)):
        last = number == len(run_days) - 1
        services.log_session(
            plan,
            day,
            pain_during_nrs=during,
            pain_after_nrs=after,
            pain_next_morning_nrs=None if last else morning,
        )


def _shoes(people: DemoPeople, runs: list[Activity]) -> None:
    maya, today = people.runner, people.today
    old = services.add_shoe(
        maya, "Pegasus 40", today - timedelta(days=540), starting_distance_m=120_000
    )
    new = services.add_shoe(maya, "Ghost 15", today - timedelta(days=120), is_default=True)
    Shoe.objects.filter(pk=old.pk).update(is_default=False)
    switch = today - timedelta(days=120)
    for i, activity in enumerate(runs):
        local_day = timezone.localtime(activity.start, maya.tz).date()
        shoe = new if local_day >= switch and i % 4 else old
        services.assign_shoe(activity, shoe, automatic=True)
