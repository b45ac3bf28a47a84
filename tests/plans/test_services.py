"""Plans, sessions and the gate as stored; run matching; cadence analysis; shoes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
import pytest
import time_machine
from django.utils import timezone

from kneeclinic.activities.models import Activity
from kneeclinic.domain import returntorun as rtr
from kneeclinic.domain.activity import Samples
from kneeclinic.plans import queries, services
from kneeclinic.plans.models import PlanStatus, RunCadence, RunPlan, Shoe, ShoeUse

if TYPE_CHECKING:
    from kneeclinic.accounts.models import User

pytestmark = pytest.mark.django_db

READY = rtr.ReadinessAnswers(30, 10, 10, 1, 10, 10, 0, 1, False)
MONDAY = date(2026, 3, 2)


def run(
    runner: User,
    start: datetime,
    km: float,
    minutes: float,
    *,
    offset_s: int | None = None,
    name: str = "Run",
) -> Activity:
    return Activity.objects.create(
        runner=runner,
        name=name,
        sport="running",
        start=start,
        utc_offset_s=offset_s,
        elapsed_s=minutes * 60,
        distance_m=km * 1000,
    )


def ready_plan(
    runner: User, *, before_start: bool = False, before_continuous: bool = False
) -> RunPlan:
    services.record_readiness(runner, READY)
    return services.start_plan(
        runner,
        "army-walk-run",
        MONDAY,
        needs_signoff_before_start=before_start,
        needs_signoff_before_continuous=before_continuous,
    )


# ------------------------------------------------------------------ readiness and plans


def test_a_plan_needs_a_passed_readiness_check(alice: User) -> None:
    with pytest.raises(services.PlanError, match="readiness check"):
        services.start_plan(alice, "army-walk-run", MONDAY)
    services.record_readiness(alice, rtr.ReadinessAnswers(20, 10, 10, 1, 10, 10, 0, 1, False))
    with pytest.raises(services.PlanError, match="readiness check"):
        services.start_plan(alice, "army-walk-run", MONDAY)


def test_a_physio_can_start_a_plan_for_their_runner_without_the_check(
    alice: User, bob: User
) -> None:
    plan = services.start_plan(alice, "graded-running-time", MONDAY, created_by=bob)
    assert plan.created_by == bob
    assert plan.baseline_pain_nrs == 0


def test_starting_a_plan_ends_the_previous_one_and_takes_the_usual_pain(alice: User) -> None:
    first = ready_plan(alice)
    second = services.start_plan(alice, "graded-running-time", MONDAY, weekdays=(1, 3, 5))
    first.refresh_from_db()
    assert first.status == PlanStatus.ENDED
    assert second.run_weekdays == "1,3,5"
    assert second.baseline_pain_nrs == 1
    assert queries.current_plan(alice) == second


def test_the_current_plan_is_the_active_one_else_the_newest_not_ended(alice: User) -> None:
    def plan(status: str, days_ago: int) -> RunPlan:
        return RunPlan.objects.create(
            runner=alice, template_slug="graded-running-time", start_date=MONDAY, status=status,
            created_at=timezone.now() - timedelta(days=days_ago),
        )  # fmt: skip

    assert queries.current_plan(alice) is None
    plan(PlanStatus.ENDED, 1)
    assert queries.current_plan(alice) is None
    older_finished = plan(PlanStatus.FINISHED, 30)
    assert queries.current_plan(alice) == older_finished
    active = plan(PlanStatus.ACTIVE, 20)
    plan(PlanStatus.STOPPED, 2)  # newer, but not active
    assert queries.current_plan(alice) == active
    active.status = PlanStatus.ENDED
    active.save()
    assert queries.current_plan(alice).status == PlanStatus.STOPPED  # type: ignore[union-attr]


def test_a_session_waits_for_the_next_morning_before_the_gate_decides(alice: User) -> None:
    plan = ready_plan(alice)
    session = services.log_session(plan, MONDAY, pain_during_nrs=1, pain_after_nrs=2)
    assert session.decision == ""
    assert services.pending_session(plan) == session
    with pytest.raises(services.PlanError, match="morning after"):
        services.log_session(plan, MONDAY + timedelta(days=2), pain_during_nrs=1, pain_after_nrs=1)
    session = services.record_morning(session, 1)
    assert session.decision == "repeat"
    plan.refresh_from_db()
    assert (plan.stage_index, plan.good_at_stage) == (0, 1)
    with pytest.raises(services.PlanError, match="already been decided"):
        services.record_morning(session, 1)


def test_a_session_on_a_later_day_is_refused(alice: User) -> None:
    plan = ready_plan(alice)
    with (
        time_machine.travel(datetime(2026, 3, 2, 23, 30, tzinfo=UTC)),
        pytest.raises(services.PlanError, match="once it has happened"),
    ):
        # 23:30 UTC on 2 March is still 2 March in London; 3 March is tomorrow.
        services.log_session(plan, date(2026, 3, 3), pain_during_nrs=0, pain_after_nrs=0)


def test_two_good_sessions_progress_and_a_flare_steps_back(alice: User) -> None:
    plan = ready_plan(alice)
    for day in (0, 2):
        services.log_session(
            plan,
            MONDAY + timedelta(days=day),
            pain_during_nrs=1,
            pain_after_nrs=1,
            pain_next_morning_nrs=1,
        )
    plan.refresh_from_db()
    assert plan.stage_index == 1
    session = services.log_session(
        plan,
        MONDAY + timedelta(days=4),
        pain_during_nrs=7,
        pain_after_nrs=4,
        pain_next_morning_nrs=2,
    )
    assert session.decision == "step_back"
    assert "7/10" in session.reason
    plan.refresh_from_db()
    assert plan.stage_index == 0


def test_morning_pain_creeping_up_over_a_week_holds_the_stage(alice: User) -> None:
    plan = ready_plan(alice)
    # Week one: settled mornings at 0. Week two: still "settled" (within 1 of the usual 1/10)
    # but higher on average, which the weekly rule catches.
    for day, morning in ((2, 0), (4, 0), (6, 0), (9, 2)):
        last = services.log_session(
            plan,
            date(2026, 3, day),
            pain_during_nrs=1,
            pain_after_nrs=1,
            pain_next_morning_nrs=morning,
        )
    assert last.decision == "repeat"
    assert "higher this week than last week" in last.reason
    plan.refresh_from_db()
    assert (plan.stage_index, plan.good_at_stage) == (1, 1)  # stage 2, the bump not counted


def test_a_niggle_that_does_not_settle_twice_stops_the_plan(alice: User) -> None:
    plan = ready_plan(alice)
    for day in (0, 2):
        services.log_session(
            plan,
            MONDAY + timedelta(days=day),
            pain_during_nrs=2,
            pain_after_nrs=3,
            pain_next_morning_nrs=4,
        )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.STOPPED
    last = plan.sessions.first()
    assert last is not None and last.decision == "stop_and_see_physio"
    with pytest.raises(services.PlanError, match="no longer active"):
        services.log_session(plan, MONDAY + timedelta(days=4), pain_during_nrs=0, pain_after_nrs=0)


def test_a_plan_waits_for_the_physio_before_it_starts_and_before_continuous_running(
    alice: User, bob: User
) -> None:
    plan = ready_plan(alice, before_start=True, before_continuous=True)
    assert plan.waiting_for() is rtr.SignOffPoint.BEFORE_START
    with pytest.raises(services.PlanError, match="waiting for your physiotherapist"):
        services.log_session(plan, MONDAY, pain_during_nrs=0, pain_after_nrs=0)
    services.sign_off(plan, rtr.SignOffPoint.BEFORE_START, bob)
    assert plan.waiting_for() is None
    plan.stage_index = 5
    assert plan.waiting_for() is rtr.SignOffPoint.BEFORE_CONTINUOUS
    services.sign_off(plan, rtr.SignOffPoint.BEFORE_CONTINUOUS, bob)
    assert plan.waiting_for() is None
    assert plan.signed_off_continuous_by == bob


def test_upcoming_sessions_keep_a_rest_day_after_the_last_run(alice: User) -> None:
    plan = ready_plan(alice)
    services.log_session(plan, MONDAY, pain_during_nrs=0, pain_after_nrs=0, pain_next_morning_nrs=0)
    upcoming = services.upcoming(plan, MONDAY)
    assert upcoming[0] == rtr.PlannedSession(date(2026, 3, 4), 0, 2)
    services.end_plan(plan)
    assert services.upcoming(plan, MONDAY) == ()


# ------------------------------------------------------------------ matching runs


def test_an_imported_run_on_the_session_day_is_linked_to_it(alice: User) -> None:
    plan = ready_plan(alice)
    matching = run(alice, datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 1.7, 14)
    run(alice, datetime(2026, 3, 2, 18, 0, tzinfo=UTC), 10.0, 60)  # far too long
    session = services.log_session(plan, MONDAY, pain_during_nrs=0, pain_after_nrs=0)
    session.refresh_from_db()
    assert session.activity == matching


def test_a_run_that_fits_two_sessions_is_linked_to_one_only(alice: User, bob: User) -> None:
    plan = ready_plan(alice)
    services.log_session(plan, MONDAY, pain_during_nrs=0, pain_after_nrs=0, pain_next_morning_nrs=0)
    services.log_session(plan, MONDAY, pain_during_nrs=0, pain_after_nrs=0, pain_next_morning_nrs=0)
    only = run(alice, datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 1.6, 13)
    assert services.link_runs(plan) == 1
    assert plan.sessions.filter(activity=only).count() == 1
    assert services.link_runs(plan) == 0


def test_a_run_abroad_is_dated_by_its_own_offset(alice: User) -> None:
    # Alice lives in London; she runs in New York at 22:30 on 2 March (03:30 UTC on 3 March).
    plan = ready_plan(alice)
    abroad = run(alice, datetime(2026, 3, 3, 3, 30, tzinfo=UTC), 1.6, 13, offset_s=-5 * 3600)
    session = services.log_session(plan, MONDAY, pain_during_nrs=0, pain_after_nrs=0)
    session.refresh_from_db()
    assert session.activity == abroad


# ------------------------------------------------------------------ cadence


def samples_at(spm: float, seconds: int = 600, speed: float = 3.0) -> Samples:
    cadence = np.full(seconds, spm)
    cadence[100:160] = 0.0  # a drop-out
    cadence[300:360] = 112.0  # a walking break
    return Samples(
        time_s=np.arange(seconds, dtype=float),
        cadence_spm=cadence,
        speed_mps=np.full(seconds, speed),
        stance_time_ms=np.full(seconds, 250.0),
    )


def test_a_run_is_analysed_without_its_walking_breaks_and_drop_outs(alice: User) -> None:
    activity = run(alice, datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 1.6, 10)
    stored = services.analyse_run(activity, samples_at(172.0))
    assert stored is not None
    assert stored.avg_spm == 172.0
    assert stored.running_s == 480.0
    assert stored.histogram == {"172": 480.0}
    assert stored.ground_contact_ms == 250.0
    assert services.share_on_target(stored, 175) == 1.0
    assert services.share_on_target(stored, 176) == 0.0


def test_a_run_without_streams_falls_back_to_its_file_average(alice: User) -> None:
    activity = run(alice, datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 3.0, 18)
    assert services.analyse_run(activity, None) is None
    activity.avg_cadence_spm = 164.0
    stored = services.analyse_run(activity, None)
    assert stored is not None
    assert stored.avg_spm == 164.0
    assert stored.median_speed_mps == pytest.approx(3000 / 1080)
    assert services.share_on_target(stored, 164) is None
    activity.avg_cadence_spm = 82.0  # strides left undoubled: not a running step rate
    assert services.analyse_run(activity, None) is None
    activity.avg_cadence_spm, activity.sport = 164.0, "walking"
    assert services.analyse_run(activity, samples_at(120.0)) is None
    assert RunCadence.objects.count() == 0


def test_the_cadence_view_gives_baseline_target_and_share_on_target(alice: User, bob: User) -> None:
    for day, spm in ((2, 160.0), (4, 162.0), (6, 164.0)):
        activity = run(alice, datetime(2026, 3, day, 7, 0, tzinfo=UTC), 5.0, 28)
        services.analyse_run(activity, samples_at(spm))
    services.set_cadence_target(alice, 171, set_by=bob, baseline_spm=162.0)
    view = queries.cadence_view(alice)
    assert view.baseline is not None and view.baseline.spm == 162.0
    assert view.target_range == (170, 178)
    assert view.target is not None and view.target.set_by == bob
    assert [r.on_target for r in view.runs] == [0.0, 0.0, 0.0]
    assert view.has_dynamics
    assert [p["spm"] for p in view.chart_points()] == [160.0, 162.0, 164.0]
    # the physio's card reads the same figures without loading each run
    figures = queries.cadence_figures(alice)
    assert (figures.baseline, figures.target_range, figures.target) == (
        view.baseline,
        view.target_range,
        view.target,
    )
    assert queries.cadence_figures(alice, limit=1).baseline != view.baseline  # the latest runs


def test_cadence_figures_without_runs_have_no_baseline_or_range(alice: User) -> None:
    figures = queries.cadence_figures(alice)
    assert (figures.baseline, figures.target_range, figures.target) == (None, None, None)


def test_an_implausible_target_is_refused(alice: User) -> None:
    with pytest.raises(Exception, match="between 140 and 220"):
        services.set_cadence_target(alice, 90, set_by=alice)


# ------------------------------------------------------------------ shoes


def test_the_first_shoe_becomes_the_default_and_runs_count_towards_it(alice: User) -> None:
    pegasus = services.add_shoe(alice, "Pegasus", date(2026, 1, 1), starting_distance_m=100_000)
    assert pegasus.is_default
    runs = [run(alice, datetime(2026, 3, d, 7, 0, tzinfo=UTC), 8.0, 45) for d in (2, 4)]
    assert services.auto_assign_shoes(runs) == 2
    rows, _ = queries.shoe_rows(alice)
    assert rows[0].distance_m == 116_000
    assert rows[0].runs == 2


def test_a_strava_gear_name_wins_over_the_default(alice: User) -> None:
    services.add_shoe(alice, "Pegasus", date(2026, 1, 1))
    ghost = services.add_shoe(alice, "Ghost 16", date(2026, 1, 1))
    activity = run(alice, datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 8.0, 45)
    services.auto_assign_shoes([activity], {activity.pk: "ghost 16"})
    assert ShoeUse.objects.get(activity=activity).shoe == ghost


def test_a_runners_own_choice_is_not_overwritten_by_automatic_assignment(alice: User) -> None:
    pegasus = services.add_shoe(alice, "Pegasus", date(2026, 1, 1))
    ghost = services.add_shoe(alice, "Ghost", date(2026, 1, 1))
    activity = run(alice, datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 8.0, 45)
    services.assign_shoe(activity, ghost)
    services.auto_assign_shoes([activity])
    assert ShoeUse.objects.get(activity=activity).shoe == ghost
    assert not pegasus.is_default or Shoe.objects.filter(is_default=True).count() == 1
    services.assign_shoe(activity, None)
    assert not ShoeUse.objects.filter(activity=activity).exists()


def test_someone_elses_shoe_cannot_be_assigned(alice: User, charlie: User) -> None:
    theirs = services.add_shoe(charlie, "Clifton", date(2026, 1, 1))
    activity = run(alice, datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 8.0, 45)
    with pytest.raises(services.PlanError, match="someone else"):
        services.assign_shoe(activity, theirs)


def test_deleting_a_shoe_keeps_its_runs_unassigned(alice: User) -> None:
    shoe = services.add_shoe(alice, "Pegasus", date(2026, 1, 1))
    activity = run(alice, datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 8.0, 45)
    services.auto_assign_shoes([activity])
    assert services.delete_shoe(shoe) == 1
    assert Activity.objects.filter(pk=activity.pk).exists()
    assert not ShoeUse.objects.exists()


def test_a_new_default_shoe_replaces_the_old_default(alice: User) -> None:
    first = services.add_shoe(alice, "Pegasus", date(2026, 1, 1))
    second = services.add_shoe(alice, "Ghost", date(2026, 2, 1), is_default=True)
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    services.update_shoe(first, is_default=True, retired=False)
    second.refresh_from_db()
    assert not second.is_default
    with pytest.raises(services.PlanError, match="no field"):
        services.update_shoe(first, colour="red")


@pytest.mark.corpus
def test_a_real_run_stores_a_histogram_that_gives_the_same_share_on_target(alice: User) -> None:
    import os
    from pathlib import Path

    from kneeclinic.domain import technique
    from kneeclinic.domain.parsers import parse

    root = os.environ.get("KNEECLINIC_CORPUS")
    base = Path(root) if root else Path(__file__).resolve().parents[2] / ".." / "shared"
    path = (base if root else base / "data" / "activities") / "fit" / "gc__Fr955v19.28andStryd.fit"
    if not path.is_file():
        pytest.skip(f"the shared activity corpus is not here ({path}); set KNEECLINIC_CORPUS")
    (parsed,) = parse(path.name, path.read_bytes())
    assert parsed.samples is not None
    activity = run(alice, parsed.start, (parsed.distance_m or 0) / 1000, parsed.elapsed_s / 60)
    stored = services.analyse_run(activity, parsed.samples)
    assert stored is not None
    assert stored.avg_spm == pytest.approx(166.4, abs=0.1)
    for target in (160, 166, 172):
        expected = technique.share_on_target(parsed.samples, target)
        assert services.share_on_target(stored, target) == pytest.approx(expected, abs=1e-6)
