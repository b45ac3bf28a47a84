"""The readiness check, the plan templates, scheduling, the pain gate and run matching."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from kneeclinic.domain import returntorun as rtr
from kneeclinic.domain.returntorun import (
    ARMY_TEMPLATE,
    MOEN_TEMPLATE,
    Decision,
    DoneRun,
    PlannedRun,
    PlanProgress,
    PlanStatus,
    ReadinessAnswers,
    ReadinessItem,
    ReturnToRunError,
    SessionPain,
    SignOffPoint,
    Stage,
)

# ------------------------------------------------------------------ readiness


def ready(**changes: object) -> ReadinessAnswers:
    values: dict[str, object] = {
        "brisk_walk_pain_free_min": 30,
        "squats_left": 10,
        "squats_right": 10,
        "squat_pain_nrs": 2,
        "hops_left": 10,
        "hops_right": 10,
        "hop_pain_nrs": 0,
        "daily_pain_nrs": 2,
        "red_flags": False,
    }
    values.update(changes)
    return ReadinessAnswers(**values)  # type: ignore[arg-type]


def test_a_runner_who_meets_every_item_at_its_limit_is_ready() -> None:
    result = rtr.check_readiness(ready())
    assert result.passed
    assert result.failed == ()
    assert result.work_on == ()
    assert [i.item for i in result.items] == list(ReadinessItem)


def test_a_short_walk_fails_and_says_how_long_to_build_up_to() -> None:
    result = rtr.check_readiness(ready(brisk_walk_pain_free_min=20))
    assert not result.passed
    (item,) = result.failed
    assert item.item is ReadinessItem.BRISK_WALK
    assert "30-minute" in item.reason and "20 minutes" in item.reason
    assert "step-up" in item.work_on


def test_too_few_squats_on_one_side_fails_and_names_the_single_leg_squat() -> None:
    result = rtr.check_readiness(ready(squats_right=7))
    (item,) = result.failed
    assert item.item is ReadinessItem.SINGLE_LEG_SQUATS
    assert "10 left and 7 right" in item.reason
    assert result.work_on[0] == "single-leg-squat-to-box"


def test_squats_that_hurt_3_out_of_10_fail_even_when_all_are_done() -> None:
    (item,) = rtr.check_readiness(ready(squat_pain_nrs=3)).failed
    assert item.item is ReadinessItem.SINGLE_LEG_SQUATS
    assert "3/10" in item.reason


def test_too_few_hops_fail() -> None:
    (item,) = rtr.check_readiness(ready(hops_left=4)).failed
    assert item.item is ReadinessItem.SINGLE_LEG_HOPS
    assert "4 left and 10 right" in item.reason


def test_any_pain_on_hopping_fails() -> None:
    (item,) = rtr.check_readiness(ready(hop_pain_nrs=1)).failed
    assert item.item is ReadinessItem.SINGLE_LEG_HOPS
    assert "pain-free" in item.reason


def test_daily_pain_above_2_fails() -> None:
    (item,) = rtr.check_readiness(ready(daily_pain_nrs=3)).failed
    assert item.item is ReadinessItem.DAILY_PAIN
    assert "clamshell" in item.work_on


def test_a_red_flag_fails_and_sends_the_runner_to_be_checked() -> None:
    (item,) = rtr.check_readiness(ready(red_flags=True)).failed
    assert item.item is ReadinessItem.RED_FLAGS
    assert "checked" in item.reason
    assert item.work_on == ()


def test_exercises_to_work_on_are_listed_once_each() -> None:
    result = rtr.check_readiness(ready(squats_left=0, hop_pain_nrs=4))
    assert len(result.failed) == 2
    assert result.work_on == (
        "single-leg-squat-to-box",
        "lateral-step-down",
        "wall-sit",
        "calf-raise",
        "step-up",
    )


def test_every_exercise_to_work_on_is_in_the_exercise_library() -> None:
    exercises = pytest.importorskip("kneeclinic.domain.exercises")
    slugs = {e.slug for e in exercises.LIBRARY}
    named = set(rtr.WORK_ON_WALKING + rtr.WORK_ON_SQUATS + rtr.WORK_ON_HOPS)
    assert named | set(rtr.WORK_ON_DAILY_PAIN) <= slugs


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"squat_pain_nrs": 11}, "between 0 and 10"),
        ({"daily_pain_nrs": -1}, "between 0 and 10"),
        ({"hop_pain_nrs": 2.5}, "whole number"),
        ({"hop_pain_nrs": True}, "whole number"),
        ({"squats_left": -1}, "0 or more"),
        ({"hops_right": 1.5}, "0 or more"),
        ({"brisk_walk_pain_free_min": None}, "0 or more"),
    ],
)
def test_impossible_answers_are_refused_with_a_reason(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ReturnToRunError, match=message):
        ready(**changes)


# ------------------------------------------------------------------ templates


def test_the_army_template_follows_the_published_six_phases() -> None:
    stages = ARMY_TEMPLATE.stages
    assert [s.total_distance_m for s in stages] == pytest.approx(
        [1609.344, 2414.016, 2414.016, 3218.688, 3218.688, 3218.688]
    )
    assert [(s.run_s, s.walk_s) for s in stages] == [
        (180, 120),
        (180, 120),
        (240, 120),
        (240, 120),
        (240, 60),
        (0, 0),
    ]
    assert ARMY_TEMPLATE.first_continuous_index == 5


def test_the_moen_template_follows_the_published_six_phases() -> None:
    stages = MOEN_TEMPLATE.stages
    assert [s.total_duration_s for s in stages] == [960, 960, 1200, 1200, 960, 1080]
    assert [s.surface for s in stages[:3]] == [
        rtr.Surface.TREADMILL,
        rtr.Surface.TREADMILL,
        rtr.Surface.LEVEL_GROUND,
    ]
    assert MOEN_TEMPLATE.first_continuous_index == 4


def test_templates_are_found_by_slug_and_an_unknown_slug_is_refused() -> None:
    assert rtr.template("army-walk-run") is ARMY_TEMPLATE
    assert rtr.template("graded-running-time") is MOEN_TEMPLATE
    with pytest.raises(ReturnToRunError, match="no return-to-run plan"):
        rtr.template("couch-to-marathon")


def test_stages_describe_themselves_in_words() -> None:
    assert ARMY_TEMPLATE.stages[0].describe() == (
        "Run 3 minutes, walk 2 minutes, repeated for 1.6 km, easy effort (3/10)."
    )
    assert MOEN_TEMPLATE.stages[5].describe() == (
        "Run continuously for 18 minutes, jogging you can talk through."
    )
    assert ARMY_TEMPLATE.stages[5].describe(lambda m: f"{m / 1609.344:.1f} mi") == (
        "Run continuously for 2.0 mi, somewhat hard effort (5/10)."
    )
    half = Stage(1, 90, 60, "easy", total_duration_s=600)
    assert half.describe() == "Run 1.5 minutes, walk 1 minute, repeated for 10 minutes, easy."


def test_a_timed_stage_splits_into_run_and_walk_intervals_that_fill_its_time() -> None:
    # 16 min of 2 run / 2 walk: run, walk, run, walk, run, walk, run, walk.
    intervals = MOEN_TEMPLATE.stages[0].intervals()
    assert intervals == (("run", 120), ("walk", 120)) * 4
    # 20 min of 3 run / 2 walk: 4 x (3 + 2) = 20 min exactly.
    assert sum(s for _, s in MOEN_TEMPLATE.stages[2].intervals()) == 1200


def test_the_last_interval_is_cut_short_at_the_stage_total() -> None:
    stage = Stage(1, 180, 120, "easy", total_duration_s=400)
    assert stage.intervals() == (("run", 180), ("walk", 120), ("run", 100))
    stage = Stage(1, 180, 120, "easy", total_duration_s=420)
    assert stage.intervals() == (("run", 180), ("walk", 120), ("run", 120))
    stage = Stage(1, 180, 120, "easy", total_duration_s=500)
    assert stage.intervals() == (("run", 180), ("walk", 120), ("run", 180), ("walk", 20))


def test_a_distance_stage_is_timed_at_the_assumed_easy_pace() -> None:
    # 1 mile = 1.609344 km at 480 s/km = 772.48 s -> 772 s.
    assert ARMY_TEMPLATE.stages[0].expected_duration_s() == 772
    assert ARMY_TEMPLATE.stages[5].intervals() == (("run", 1545),)


def test_a_template_without_stages_or_with_bad_stages_is_refused() -> None:
    with pytest.raises(ReturnToRunError, match="at least one stage"):
        rtr.PlanTemplate("x", "X", "src", "sum", ())
    with pytest.raises(ReturnToRunError, match="numbered"):
        rtr.PlanTemplate("x", "X", "src", "sum", (Stage(2, 60, 60, "e", total_duration_s=60),))
    with pytest.raises(ReturnToRunError, match="distance or a total time"):
        rtr.PlanTemplate("x", "X", "src", "sum", (Stage(1, 60, 60, "e"),))


def test_a_template_without_continuous_running_has_no_continuous_stage() -> None:
    plan = rtr.PlanTemplate("x", "X", "s", "s", (Stage(1, 60, 60, "e", total_duration_s=600),))
    assert plan.first_continuous_index is None


# ------------------------------------------------------------------ physio sign-off


def test_a_plan_waits_for_sign_off_before_it_starts() -> None:
    due = rtr.signoff_due(ARMY_TEMPLATE, 0, {SignOffPoint.BEFORE_START}, set())
    assert due is SignOffPoint.BEFORE_START
    assert (
        rtr.signoff_due(ARMY_TEMPLATE, 0, {SignOffPoint.BEFORE_START}, {SignOffPoint.BEFORE_START})
        is None
    )


def test_a_plan_waits_for_sign_off_before_continuous_running_only_at_that_stage() -> None:
    required = {SignOffPoint.BEFORE_CONTINUOUS}
    assert rtr.signoff_due(ARMY_TEMPLATE, 4, required, set()) is None
    assert rtr.signoff_due(ARMY_TEMPLATE, 5, required, set()) is SignOffPoint.BEFORE_CONTINUOUS
    assert rtr.signoff_due(ARMY_TEMPLATE, 5, required, required) is None


def test_no_sign_off_is_due_when_none_is_required() -> None:
    assert rtr.signoff_due(MOEN_TEMPLATE, 5, (), ()) is None


def test_a_plan_without_continuous_running_never_waits_for_that_sign_off() -> None:
    plan = rtr.PlanTemplate("x", "X", "s", "s", (Stage(1, 60, 60, "e", total_duration_s=600),))
    assert rtr.signoff_due(plan, 0, {SignOffPoint.BEFORE_CONTINUOUS}, ()) is None


# ------------------------------------------------------------------ scheduling


def test_a_plan_is_scheduled_every_other_day_each_stage_twice() -> None:
    # 2026-03-02 is a Monday: Mon, Wed, Fri, then the next Monday ...
    sessions = rtr.schedule(ARMY_TEMPLATE, date(2026, 3, 2))
    assert len(sessions) == 12
    assert [s.on for s in sessions[:4]] == [
        date(2026, 3, 2),
        date(2026, 3, 4),
        date(2026, 3, 6),
        date(2026, 3, 9),
    ]
    assert [(s.stage_index, s.repeat) for s in sessions[:4]] == [(0, 1), (0, 2), (1, 1), (1, 2)]
    assert sessions[-1].on == date(2026, 3, 27)  # 12 runs at 3 a week: the 4th Friday
    gaps = [(b.on - a.on).days for a, b in itertools.pairwise(sessions)]
    assert min(gaps) >= 2


def test_a_schedule_starting_on_a_rest_day_begins_on_the_next_run_day() -> None:
    sessions = rtr.schedule(MOEN_TEMPLATE, date(2026, 3, 3), weekdays=(1, 3, 5))  # Tue Thu Sat
    assert [s.on.weekday() for s in sessions[:4]] == [1, 3, 5, 1]
    sessions = rtr.schedule(MOEN_TEMPLATE, date(2026, 3, 3))  # a Tuesday, runs Mon/Wed/Fri
    assert sessions[0].on == date(2026, 3, 4)


def test_rescheduling_mid_plan_keeps_a_rest_day_after_the_last_run() -> None:
    sessions = rtr.schedule(
        ARMY_TEMPLATE,
        date(2026, 3, 4),
        stage_index=2,
        done_at_stage=1,
        weekdays=(0, 2, 4),
        after=date(2026, 3, 4),
    )
    assert sessions[0] == rtr.PlannedSession(date(2026, 3, 6), 2, 2)
    assert len(sessions) == 1 + 2 * 3


def test_an_earlier_first_day_than_the_rest_day_allows_is_moved_on() -> None:
    sessions = rtr.schedule(ARMY_TEMPLATE, date(2026, 3, 1), after=date(2026, 3, 1))
    assert sessions[0].on == date(2026, 3, 4)
    sessions = rtr.schedule(ARMY_TEMPLATE, date(2026, 3, 9), after=date(2026, 3, 1))
    assert sessions[0].on == date(2026, 3, 9)


@pytest.mark.parametrize(
    ("weekdays", "message"),
    [
        ((), "at least one day"),
        ((0, 1), "rest day"),
        ((0, 6), "rest day"),
        ((2, 7), "0 \\(Monday\\) to 6"),
    ],
)
def test_run_days_without_a_rest_day_between_them_are_refused(
    weekdays: tuple[int, ...], message: str
) -> None:
    with pytest.raises(ReturnToRunError, match=message):
        rtr.check_run_weekdays(weekdays)


def test_a_single_weekly_run_day_is_allowed() -> None:
    assert rtr.check_run_weekdays([5, 5]) == (5,)


def test_scheduling_from_a_stage_outside_the_plan_is_refused() -> None:
    with pytest.raises(ReturnToRunError, match="not part of this plan"):
        rtr.schedule(ARMY_TEMPLATE, date(2026, 3, 2), stage_index=6)


# ------------------------------------------------------------------ the pain gate


def pain(
    during: int = 1,
    after: int = 1,
    morning: int = 1,
    baseline: int = 1,
    **flags: bool,
) -> SessionPain:
    return SessionPain(during, after, morning, baseline, **flags)


def test_pain_zones_put_2_in_safe_and_5_in_acceptable() -> None:
    assert [rtr.zone(p) for p in (0, 2, 3, 5, 6, 10)] == [
        "safe",
        "safe",
        "acceptable",
        "acceptable",
        "high risk",
        "high risk",
    ]


def test_a_first_comfortable_session_repeats_the_stage_to_do_it_twice() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(), pain())
    assert result.decision is Decision.REPEAT
    assert "at least 2 times" in result.reason
    assert result.progress == PlanProgress(stage_index=0, good_at_stage=1)


def test_a_second_comfortable_settled_session_progresses_to_the_next_stage() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(0, 1), pain(during=2, after=2, morning=2))
    assert result.decision is Decision.PROGRESS
    assert "move on to stage 2" in result.reason
    assert result.progress == PlanProgress(stage_index=1, good_at_stage=0)


def test_a_comfortable_second_session_on_the_last_stage_finishes_the_plan() -> None:
    result = rtr.gate(MOEN_TEMPLATE, PlanProgress(5, 1), pain(during=0, after=0, morning=0))
    assert result.decision is Decision.PROGRESS
    assert "complete" in result.reason
    assert result.progress.status is PlanStatus.FINISHED


def test_acceptable_pain_holds_the_stage_without_counting_it() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(2, 1), pain(during=3, after=5))
    assert result.decision is Decision.REPEAT
    assert "5/10 is acceptable" in result.reason
    assert result.progress == PlanProgress(stage_index=2, good_at_stage=1)


def test_an_unfinished_session_is_repeated() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(2, 1), pain(completed=False))
    assert result.decision is Decision.REPEAT
    assert "not finished" in result.reason
    assert result.progress.good_at_stage == 1


def test_pain_above_5_during_the_run_steps_back_a_stage() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(3, 1), pain(during=6))
    assert result.decision is Decision.STEP_BACK
    assert "6/10" in result.reason
    assert result.progress == PlanProgress(stage_index=2, good_at_stage=0)


def test_pain_above_5_after_the_run_steps_back_a_stage() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(3, 0), pain(after=7))
    assert result.decision is Decision.STEP_BACK
    assert "7/10" in result.reason


@pytest.mark.parametrize(("flag", "word"), [("swelling", "swelling"), ("limp", "a limp")])
def test_swelling_or_a_limp_steps_back_a_stage(flag: str, word: str) -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(1, 1), pain(**{flag: True}))
    assert result.decision is Decision.STEP_BACK
    assert word in result.reason
    assert result.progress.stage_index == 0


def test_morning_pain_creeping_up_week_on_week_holds_the_stage_without_counting() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(2, 1), pain(morning_pain_rising=True))
    assert result.decision is Decision.REPEAT
    assert "higher this week than last week" in result.reason
    assert result.progress == PlanProgress(stage_index=2, good_at_stage=1)


def test_morning_pain_rises_when_this_weeks_mean_beats_last_weeks() -> None:
    today = date(2026, 3, 15)
    mornings = [
        (date(2026, 3, 2), 1),  # 13 days ago: last week
        (date(2026, 3, 8), 2),  # 7 days ago: last week (mean 1.5)
        (date(2026, 3, 9), 2),  # 6 days ago: this week
        (date(2026, 3, 15), 2),  # today: this week (mean 2.0)
        (date(2026, 2, 28), 9),  # 15 days ago: too old to count
        (date(2026, 3, 16), 9),  # after today: not counted
    ]
    assert rtr.morning_pain_rising(mornings, today)
    assert not rtr.morning_pain_rising([(date(2026, 3, 8), 2), (date(2026, 3, 15), 2)], today)
    assert not rtr.morning_pain_rising([(date(2026, 3, 15), 5)], today)
    assert not rtr.morning_pain_rising([(date(2026, 3, 2), 5)], today)
    with pytest.raises(ReturnToRunError, match="Morning pain must be between"):
        rtr.morning_pain_rising([(today, 11)], today)


def test_stepping_back_from_the_first_stage_stays_on_it() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(0, 1), pain(during=8))
    assert result.decision is Decision.STEP_BACK
    assert "first stage already" in result.reason
    assert result.progress == PlanProgress(stage_index=0, good_at_stage=0)


def test_next_morning_pain_one_above_baseline_counts_as_settled() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(0, 1), pain(morning=2, baseline=1))
    assert result.decision is Decision.PROGRESS


def test_next_morning_pain_two_above_baseline_has_not_settled_and_steps_back() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(2, 1), pain(morning=3, baseline=1))
    assert result.decision is Decision.STEP_BACK
    assert "had not settled" in result.reason
    assert result.progress == PlanProgress(stage_index=1, good_at_stage=0, unsettled_in_a_row=1)


def test_a_niggle_that_does_not_settle_twice_in_a_row_stops_the_plan() -> None:
    first = rtr.gate(ARMY_TEMPLATE, PlanProgress(2, 1), pain(morning=3, baseline=1))
    second = rtr.gate(ARMY_TEMPLATE, first.progress, pain(morning=3, baseline=1))
    assert second.decision is Decision.STOP_AND_SEE_PHYSIO
    assert "physiotherapist" in second.reason
    assert second.progress.status is PlanStatus.STOPPED
    assert second.progress.unsettled_in_a_row == 2


def test_high_next_morning_pain_stops_the_plan_at_once() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(2, 0), pain(morning=6, baseline=4))
    assert result.decision is Decision.STOP_AND_SEE_PHYSIO


def test_a_settled_session_clears_the_unsettled_count() -> None:
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(1, 0, unsettled_in_a_row=1), pain())
    assert result.progress.unsettled_in_a_row == 0
    result = rtr.gate(ARMY_TEMPLATE, PlanProgress(1, 0, unsettled_in_a_row=1), pain(during=6))
    assert result.progress.unsettled_in_a_row == 0


def test_a_stopped_or_finished_plan_takes_no_more_sessions() -> None:
    for status in (PlanStatus.STOPPED, PlanStatus.FINISHED):
        with pytest.raises(ReturnToRunError, match="no longer active"):
            rtr.gate(ARMY_TEMPLATE, PlanProgress(status=status), pain())


def test_a_stage_outside_the_plan_is_refused_by_the_gate() -> None:
    with pytest.raises(ReturnToRunError, match="not part of this plan"):
        rtr.gate(ARMY_TEMPLATE, PlanProgress(stage_index=9), pain())


def test_impossible_pain_scores_are_refused() -> None:
    with pytest.raises(ReturnToRunError, match="Pain the next morning must be between"):
        pain(morning=12)
    with pytest.raises(ReturnToRunError, match="Pain must be between"):
        rtr.zone(-1)


def test_a_runner_walks_the_whole_army_plan_with_one_setback() -> None:
    progress = PlanProgress()
    decisions = []
    reports = [pain()] * 4 + [pain(during=7)] + [pain()] * 12
    for report in reports:
        if progress.status is not PlanStatus.ACTIVE:
            break
        result = rtr.gate(ARMY_TEMPLATE, progress, report)
        decisions.append(result.decision)
        progress = result.progress
    # 2 at stage 1, 2 at stage 2, a flare at stage 3 -> back to 2, then 2 each for stages 2..6.
    assert decisions.count(Decision.STEP_BACK) == 1
    assert decisions.count(Decision.PROGRESS) == 2 + 5
    assert progress.status is PlanStatus.FINISHED
    assert len(decisions) == 4 + 1 + 10


# ------------------------------------------------------------------ matching runs


BERLIN_SUMMER = timezone(timedelta(hours=2))
NEW_YORK_SUMMER = timezone(timedelta(hours=-4))


def run(key: str, start: datetime, minutes: float, km: float | None = None, **kw: int) -> DoneRun:
    return DoneRun(key, start, minutes * 60, None if km is None else km * 1000, **kw)


def test_a_run_on_the_planned_day_with_a_similar_distance_matches() -> None:
    planned = [PlannedRun("p1", date(2026, 3, 2), distance_m=1609.344)]
    runs = [run("r1", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 14, 1.75)]
    (match,) = rtr.match_runs(planned, runs, BERLIN_SUMMER)
    assert (match.planned_key, match.run_key) == ("p1", "r1")
    assert match.difference == pytest.approx((1750 - 1609.344) / 1609.344)


def test_a_timed_session_is_matched_on_elapsed_time() -> None:
    planned = [PlannedRun("p1", date(2026, 3, 2), duration_s=960)]
    runs = [run("r1", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 18, 2.5)]
    (match,) = rtr.match_runs(planned, runs, UTC)
    assert match.difference == pytest.approx(120 / 960)


def test_a_run_on_another_day_or_far_off_the_plan_does_not_match() -> None:
    planned = [PlannedRun("p1", date(2026, 3, 2), distance_m=3218.688)]
    runs = [
        run("next-day", datetime(2026, 3, 3, 7, 0, tzinfo=UTC), 25, 3.2),
        run("too-long", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 60, 10.0),
        run("too-short", datetime(2026, 3, 2, 18, 0, tzinfo=UTC), 10, 1.9),
    ]
    assert rtr.match_runs(planned, runs, UTC) == ()


def test_the_edge_of_the_tolerance_still_matches() -> None:
    planned = [PlannedRun("p1", date(2026, 3, 2), distance_m=1000)]
    runs = [run("r1", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 10, 1.4)]
    assert len(rtr.match_runs(planned, runs, UTC)) == 1


def test_a_run_without_distance_against_a_distance_plan_uses_no_time_and_does_not_match() -> None:
    planned = [PlannedRun("p1", date(2026, 3, 2), distance_m=1000)]
    runs = [run("r1", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 10)]
    assert rtr.match_runs(planned, runs, UTC) == ()


def test_a_distance_plan_with_a_time_falls_back_to_time_for_a_run_without_distance() -> None:
    planned = [PlannedRun("p1", date(2026, 3, 2), distance_m=1000, duration_s=600)]
    runs = [run("r1", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 10)]
    (match,) = rtr.match_runs(planned, runs, UTC)
    assert match.difference == 0


def test_a_run_that_fits_two_planned_sessions_goes_to_the_closer_one_only() -> None:
    planned = [
        PlannedRun("stage-1", date(2026, 3, 2), distance_m=1609.344),
        PlannedRun("stage-2", date(2026, 3, 2), distance_m=2414.016),
    ]
    runs = [run("r1", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 17, 2.2)]
    (match,) = rtr.match_runs(planned, runs, UTC)
    assert match.planned_key == "stage-2"


def test_two_runs_on_a_planned_day_match_the_closer_one_and_leave_the_other() -> None:
    planned = [PlannedRun("p1", date(2026, 3, 2), distance_m=2000)]
    runs = [
        run("warm-up", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 15, 1.5),
        run("session", datetime(2026, 3, 2, 7, 30, tzinfo=UTC), 16, 2.1),
    ]
    (match,) = rtr.match_runs(planned, runs, UTC)
    assert match.run_key == "session"


def test_matches_come_back_in_the_order_of_the_plan() -> None:
    planned = [
        PlannedRun("b", date(2026, 3, 2), distance_m=1000),
        PlannedRun("a", date(2026, 3, 4), distance_m=1000),
    ]
    runs = [
        run("r2", datetime(2026, 3, 4, 7, 0, tzinfo=UTC), 8, 1.0),
        run("r1", datetime(2026, 3, 2, 7, 0, tzinfo=UTC), 8, 1.3),
    ]
    assert [m.planned_key for m in rtr.match_runs(planned, runs, UTC)] == ["b", "a"]


def test_a_run_is_dated_where_it_was_run_when_the_watch_recorded_the_offset() -> None:
    # Plan made in Berlin; the runner travels to New York and runs at 22:30 local time on
    # 2 March, which is already 3 March in UTC and in Berlin.
    start = datetime(2026, 3, 3, 2, 30, tzinfo=UTC)
    travelling = run("ny", start, 15, 1.6, utc_offset_s=-4 * 3600)
    assert rtr.local_date(travelling, BERLIN_SUMMER) == date(2026, 3, 2)
    planned = [PlannedRun("p1", date(2026, 3, 2), distance_m=1609.344)]
    assert len(rtr.match_runs(planned, [travelling], BERLIN_SUMMER)) == 1


def test_a_run_without_a_recorded_offset_is_dated_in_the_runners_own_zone() -> None:
    start = datetime(2026, 3, 3, 2, 30, tzinfo=UTC)
    assert rtr.local_date(run("x", start, 15), NEW_YORK_SUMMER) == date(2026, 3, 2)
    assert rtr.local_date(run("x", start, 15), BERLIN_SUMMER) == date(2026, 3, 3)


def test_a_run_without_a_time_zone_is_refused() -> None:
    naive = DoneRun("x", datetime(2026, 3, 3, 2, 30), 900.0)  # noqa: DTZ001
    with pytest.raises(ReturnToRunError, match="time zone"):
        rtr.local_date(naive, UTC)
