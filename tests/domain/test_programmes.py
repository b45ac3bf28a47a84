"""Programmes: the phased default, the calendar, progression suggestions and adherence."""

from __future__ import annotations

from datetime import date

import pytest

from kneeclinic.domain.exercises import Dose, ExerciseError
from kneeclinic.domain.programmes import (
    ExerciseOutcome,
    Phase,
    Programme,
    ProgrammeItem,
    SessionRecord,
    SuggestionKind,
    WeekAdherence,
    apply_suggestion,
    default_programme,
    estimated_duration_s,
    is_session_day,
    overall_adherence,
    phase_for_week,
    programme_week,
    session_days,
    suggest,
    warm_up,
    weekly_adherence,
)

MONDAY = date(2026, 3, 2)


def _day(n: int) -> date:
    return date.fromordinal(MONDAY.toordinal() + n)


# ---------------------------------------------------------------- phases and the default


@pytest.mark.parametrize(
    ("week", "phase"),
    [
        (1, Phase.SETTLE),
        (2, Phase.SETTLE),
        (3, Phase.BUILD),
        (6, Phase.BUILD),
        (7, Phase.RETURN),
        (12, Phase.RETURN),
        (20, Phase.RETURN),
    ],
)
def test_each_week_falls_in_one_phase(week: int, phase: Phase) -> None:
    assert phase_for_week(week) is phase


def test_week_zero_is_refused() -> None:
    with pytest.raises(ExerciseError, match="start at 1"):
        phase_for_week(0)


def test_a_phase_names_its_weeks() -> None:
    assert Phase.BUILD.label == "Build strength (weeks 3-6)"
    assert Phase.RETURN.weeks == (7, 12)


def test_the_default_programme_starts_with_hip_work_quad_sets_a_wall_sit_and_stretches() -> None:
    week_one = [item.slug for item in default_programme().items_for_week(1)]
    assert week_one == [
        "side-lying-hip-abduction",
        "standing-hip-abduction-band",
        "clamshell",
        "hip-external-rotation-band",
        "quad-set",
        "wall-sit",
        "quadriceps-stretch",
        "hamstring-stretch",
        "calf-stretch",
        "hip-flexor-stretch",
    ]


def _slugs(items: tuple[ProgrammeItem, ...]) -> set[str]:
    return {item.slug for item in items}


def test_week_three_adds_the_build_exercises_and_retires_the_entry_level_ones() -> None:
    programme = default_programme()
    week_2, week_3 = _slugs(programme.items_for_week(2)), _slugs(programme.items_for_week(3))
    assert week_3 - week_2 == {
        "bridge",
        "side-plank",
        "squat",
        "seated-knee-extension",
        "lateral-step-down",
    }
    assert week_2 - week_3 == {"side-lying-hip-abduction", "quad-set", "wall-sit"}


def test_week_seven_adds_the_single_leg_work() -> None:
    programme = default_programme()
    week_6, week_7 = _slugs(programme.items_for_week(6)), _slugs(programme.items_for_week(7))
    assert week_7 - week_6 == {"single-leg-squat-to-box", "split-squat", "step-up", "calf-raise"}
    assert week_6 - week_7 == {
        "standing-hip-abduction-band",
        "clamshell",
        "squat",
        "seated-knee-extension",
    }
    assert len(programme.items_for_week(12)) == 12
    assert programme.days_per_week == 3


def test_the_early_wall_sit_is_kept_shallow() -> None:
    wall_sit = next(i for i in default_programme().items if i.slug == "wall-sit")
    assert "slight knee bend" in wall_sit.note
    assert wall_sit.phase is Phase.SETTLE


def test_the_warm_up_keeps_the_library_doses() -> None:
    items = warm_up()
    assert [item.slug for item in items][:2] == ["brisk-walk", "leg-swings"]
    assert items[0].dose.hold_s == 300


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"items": ()}, "at least one exercise"),
        ({"days_per_week": 0}, "1 to 7 days"),
        ({"days_per_week": 8}, "1 to 7 days"),
        ({"items": (ProgrammeItem("bridge", Dose(3, 10)),) * 2}, "appears twice"),
        ({"items": (ProgrammeItem("bridge", Dose(3, 10), from_week=13),)}, "outside"),
        ({"items": (ProgrammeItem("moonwalk", Dose(3, 10)),)}, "no exercise called"),
        ({"items": (ProgrammeItem("bridge", Dose(3, 10), 3, until_week=2),)}, "before it starts"),
    ],
)
def test_a_programme_that_makes_no_sense_is_refused(
    kwargs: dict[str, object], message: str
) -> None:
    fields: dict[str, object] = {
        "name": "Test",
        "items": (ProgrammeItem("bridge", Dose(3, 10)),),
    } | kwargs
    with pytest.raises(ExerciseError, match=message):
        Programme(**fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- calendar


def test_programme_weeks_count_seven_day_blocks_from_the_start() -> None:
    assert programme_week(MONDAY, MONDAY) == 1
    assert programme_week(MONDAY, _day(6)) == 1
    assert programme_week(MONDAY, _day(7)) == 2
    with pytest.raises(ExerciseError, match="before the programme started"):
        programme_week(MONDAY, _day(-1))


def test_three_sessions_a_week_leave_at_least_48_hours_between_them() -> None:
    days = session_days(MONDAY, 3, MONDAY, _day(13))
    assert days == (_day(0), _day(2), _day(5), _day(7), _day(9), _day(12))


@pytest.mark.parametrize(("per_week", "count"), [(1, 1), (2, 2), (5, 5), (7, 7)])
def test_the_calendar_plans_the_asked_number_of_days_each_week(per_week: int, count: int) -> None:
    assert len(session_days(MONDAY, per_week, MONDAY, _day(6))) == count


def test_no_session_is_planned_before_the_start() -> None:
    assert not is_session_day(MONDAY, 7, _day(-1))
    assert session_days(MONDAY, 3, _day(-5), _day(1)) == (MONDAY,)
    assert not is_session_day(MONDAY, 3, _day(1))


# ---------------------------------------------------------------- progression


def _ok(
    n: int, pain: int = 1, morning: int | None = 1, next_morning: int | None = 1
) -> ExerciseOutcome:
    return ExerciseOutcome(_day(n), True, pain, morning, next_morning)


def test_with_no_sessions_it_holds() -> None:
    suggestion = suggest("squat", [])
    assert suggestion.kind is SuggestionKind.HOLD
    assert suggestion.reason == "No sessions recorded yet."


def test_two_sessions_on_target_with_little_pain_and_a_calm_next_morning_progress() -> None:
    suggestion = suggest("squat", [_ok(2), _ok(0, pain=2)])
    assert suggestion.kind is SuggestionKind.PROGRESS
    assert suggestion.next_slug == "split-squat"
    assert "weight" in suggestion.advice
    assert "last 2 sessions" in suggestion.reason


def test_a_next_morning_lower_than_the_session_morning_still_counts_as_settled() -> None:
    assert suggest("squat", [_ok(0, morning=3, next_morning=2), _ok(2)]).kind is (
        SuggestionKind.PROGRESS
    )


def test_one_good_session_is_not_yet_enough() -> None:
    suggestion = suggest("squat", [_ok(0)])
    assert suggestion.kind is SuggestionKind.HOLD
    assert "one more session" in suggestion.reason


def test_only_the_latest_two_sessions_count() -> None:
    bad_then_good = [ExerciseOutcome(_day(0), False, 4, 1, 1), _ok(2), _ok(5)]
    assert suggest("bridge", bad_then_good).kind is SuggestionKind.PROGRESS


def test_pain_of_three_holds_the_dose() -> None:
    suggestion = suggest("squat", [_ok(0), _ok(2, pain=3)])
    assert suggestion.kind is SuggestionKind.HOLD
    assert "Pain was 3/10" in suggestion.reason


def test_pain_of_five_is_still_acceptable_but_six_regresses() -> None:
    assert suggest("squat", [_ok(0, pain=5)]).kind is SuggestionKind.HOLD
    suggestion = suggest("squat", [_ok(0), _ok(2, pain=6)])
    assert suggestion.kind is SuggestionKind.REGRESS
    assert suggestion.reason == "Your knee pain reached 6/10 during it; the limit is 5/10."
    assert suggestion.next_slug == "wall-sit"
    assert suggestion.advice.startswith("Sit down to")


def test_a_next_morning_two_points_worse_regresses() -> None:
    suggestion = suggest("squat", [_ok(0, morning=2, next_morning=4)])
    assert suggestion.kind is SuggestionKind.REGRESS
    assert "4/10 the next morning, up from 2/10" in suggestion.reason


def test_a_next_morning_one_point_worse_holds_without_regressing() -> None:
    suggestion = suggest("squat", [_ok(0), _ok(2, morning=2, next_morning=3)])
    assert suggestion.kind is SuggestionKind.HOLD
    assert "a little worse" in suggestion.reason


def test_it_waits_for_the_next_morning_before_progressing() -> None:
    suggestion = suggest("squat", [_ok(0), _ok(2, next_morning=None)])
    assert suggestion.kind is SuggestionKind.HOLD
    assert "morning after" in suggestion.reason


def test_an_unknown_session_morning_cannot_show_a_rise() -> None:
    assert suggest("squat", [_ok(0, morning=None, next_morning=6)]).kind is SuggestionKind.HOLD


def test_a_missed_target_holds() -> None:
    missed = ExerciseOutcome(_day(2), False, 0, 1, 1)
    suggestion = suggest("squat", [_ok(0), missed])
    assert suggestion.kind is SuggestionKind.HOLD
    assert "full target" in suggestion.reason


def test_the_order_sessions_arrive_in_does_not_matter() -> None:
    painful_latest = ExerciseOutcome(_day(5), True, 7, 1, 1)
    assert suggest("squat", [painful_latest, _ok(0), _ok(2)]).kind is SuggestionKind.REGRESS


def test_the_entry_level_exercise_regresses_to_advice_without_a_link() -> None:
    suggestion = suggest("quad-set", [_ok(0, pain=8)])
    assert suggestion.kind is SuggestionKind.REGRESS
    assert suggestion.next_slug is None
    assert "§9" in suggestion.source


@pytest.mark.parametrize("field", ["pain_nrs", "morning_pain_nrs", "next_morning_pain_nrs"])
def test_pain_outside_0_to_10_is_refused(field: str) -> None:
    values: dict[str, object] = {"day": MONDAY, "target_met": True, "pain_nrs": 1, field: 11}
    with pytest.raises(ExerciseError, match="between 0 and 10, not 11"):
        ExerciseOutcome(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------- adherence


def test_a_week_with_all_three_sessions_is_100_percent() -> None:
    sessions = [SessionRecord(_day(n), True) for n in (0, 2, 5)]
    (week,) = weekly_adherence(MONDAY, 3, sessions, _day(6))
    assert week == WeekAdherence(week=1, first_day=MONDAY, planned=3, completed=3, partial=0)
    assert week.percent == 100


def test_two_of_three_is_67_percent_and_a_partial_day_is_shown_apart() -> None:
    sessions = [
        SessionRecord(_day(0), True),
        SessionRecord(_day(2), True),
        SessionRecord(_day(5), False),
    ]
    (week,) = weekly_adherence(MONDAY, 3, sessions, _day(6))
    assert (week.completed, week.partial, week.percent) == (2, 1, 67)


def test_the_current_week_counts_only_the_planned_days_so_far() -> None:
    sessions = [SessionRecord(_day(7), True)]
    weeks = weekly_adherence(MONDAY, 3, sessions, _day(8))
    assert [(w.week, w.planned, w.completed, w.percent) for w in weeks] == [
        (1, 3, 0, 0),
        (2, 1, 1, 100),
    ]
    assert overall_adherence(weeks) == 25


def test_two_sessions_on_one_day_count_once_and_a_finished_one_beats_a_partial() -> None:
    sessions = [
        SessionRecord(MONDAY, False),
        SessionRecord(MONDAY, True),
        SessionRecord(MONDAY, True),
    ]
    (week,) = weekly_adherence(MONDAY, 3, sessions, MONDAY)
    assert (week.planned, week.completed, week.partial) == (1, 1, 0)


def test_extra_sessions_do_not_push_adherence_above_100() -> None:
    sessions = [SessionRecord(_day(n), True) for n in range(7)]
    (week,) = weekly_adherence(MONDAY, 3, sessions, _day(6))
    assert (week.completed, week.percent) == (7, 100)
    assert overall_adherence([week]) == 100


def test_a_week_with_nothing_planned_yet_is_not_a_failure() -> None:
    assert WeekAdherence(1, MONDAY, 0, 0, 0).percent == 100
    assert overall_adherence([]) == 100


def test_nothing_is_reported_before_the_programme_starts() -> None:
    assert weekly_adherence(MONDAY, 3, [], _day(-1)) == ()


# ---------------------------------------------------------------- applying a suggestion

NOTHING: frozenset[str] = frozenset()


def test_accepting_progress_adds_two_reps() -> None:
    change = apply_suggestion(ProgrammeItem("squat", Dose(3, 10)), SuggestionKind.PROGRESS, NOTHING)
    assert change.item.dose == Dose(3, 12)
    assert change.summary == "New dose: 3 sets of 12 (was 3 sets of 10)."


def test_progress_stops_at_15_reps() -> None:
    change = apply_suggestion(ProgrammeItem("squat", Dose(3, 14)), SuggestionKind.PROGRESS, NOTHING)
    assert change.item.dose.reps == 15


def test_at_15_reps_progress_moves_to_the_harder_exercise_at_its_starting_dose() -> None:
    change = apply_suggestion(
        ProgrammeItem("squat", Dose(3, 15), 3), SuggestionKind.PROGRESS, NOTHING
    )
    assert change.item.slug == "split-squat"
    assert change.item.dose == Dose(3, 8, each_side=True, rest_s=90)
    assert change.item.from_week == 3
    assert change.summary == "Squat is replaced by Split squat at 3 sets of 8, each side."


def test_a_harder_exercise_already_in_the_programme_is_not_added_twice() -> None:
    change = apply_suggestion(
        ProgrammeItem("squat", Dose(3, 15)), SuggestionKind.PROGRESS, frozenset({"split-squat"})
    )
    assert change.item.slug == "squat"
    assert change.summary.startswith("The dose stays at 3 sets of 15. Hold a weight")


def test_a_hold_grows_by_ten_seconds_up_to_a_minute() -> None:
    item = ProgrammeItem("wall-sit", Dose(5, hold_s=30))
    assert apply_suggestion(item, SuggestionKind.PROGRESS, NOTHING).item.dose.hold_s == 40
    longest = ProgrammeItem("wall-sit", Dose(5, hold_s=55))
    assert apply_suggestion(longest, SuggestionKind.PROGRESS, NOTHING).item.dose.hold_s == 60


def test_regress_takes_two_reps_off_but_not_below_five() -> None:
    item = ProgrammeItem("squat", Dose(3, 6))
    assert apply_suggestion(item, SuggestionKind.REGRESS, NOTHING).item.dose.reps == 5


def test_at_five_reps_regress_moves_to_the_easier_exercise() -> None:
    change = apply_suggestion(ProgrammeItem("squat", Dose(3, 5)), SuggestionKind.REGRESS, NOTHING)
    assert change.item.slug == "wall-sit"


def test_a_short_hold_regresses_to_ten_seconds_then_to_advice() -> None:
    item = ProgrammeItem("quad-set", Dose(1, hold_s=15))
    assert apply_suggestion(item, SuggestionKind.REGRESS, NOTHING).item.dose.hold_s == 10
    floor = ProgrammeItem("quad-set", Dose(1, hold_s=10))
    change = apply_suggestion(floor, SuggestionKind.REGRESS, NOTHING)
    assert change.item == floor
    assert "easiest knee exercise" in change.summary


def test_a_hold_at_a_minute_has_nowhere_further_to_go() -> None:
    item = ProgrammeItem("calf-stretch", Dose(3, hold_s=60))
    assert apply_suggestion(item, SuggestionKind.PROGRESS, NOTHING).item == item


def test_accepting_a_hold_changes_nothing() -> None:
    item = ProgrammeItem("squat", Dose(3, 10))
    change = apply_suggestion(item, SuggestionKind.HOLD, NOTHING)
    assert change.item == item
    assert change.summary == "No change: keep the same dose."


def test_a_session_estimate_counts_reps_holds_sides_and_rests() -> None:
    squat = ProgrammeItem("squat", Dose(3, 10, rest_s=90))
    # 30 s set-up + 3 sets x 10 reps x 5 s + 2 rests x 90 s
    assert estimated_duration_s([squat]) == 30 + 150 + 180
    stretch = ProgrammeItem("calf-stretch", Dose(3, hold_s=30, each_side=True, rest_s=40))
    # 30 s set-up + 6 holds x 30 s + 2 rests of 40 s, less the 30 s the other side works
    assert estimated_duration_s([stretch]) == 30 + 180 + 2 * 10
    bridge = ProgrammeItem("bridge", Dose(1, 10, hold_s=2))
    # 30 s set-up + 10 reps x (4 s + 2 s hold)
    assert estimated_duration_s([bridge]) == 30 + 60
