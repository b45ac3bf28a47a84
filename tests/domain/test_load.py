"""Load metrics and guardrails, against figures worked out by hand (dossier §11, Appendix B.4)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from kneeclinic.domain.load import (
    LoadError,
    PainLight,
    PlanStatus,
    ProgressionClass,
    RunRecord,
    RunStatus,
    SpikeClass,
    analyse,
    classify_progression,
    classify_spike,
    ewma,
    is_implausible,
    plan_check,
    range_max,
    spike_context,
    status_reason,
)
from kneeclinic.domain.units import DistanceUnit

# Thursday 26 November 2026, 07:00 in London (UTC+0 in winter). This week began on Monday 23rd.
NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
LONDON = "Europe/London"


def at(day: int, month: int = 11, hour: int = 8, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def run(
    code: str,
    start: datetime,
    km: float,
    minutes: float | None = None,
    *,
    sport: str = "running",
    excluded: bool = False,
    indoor: bool = False,
    local_date: date | None = None,
) -> RunRecord:
    """A run record; 6 min/km unless the minutes are given."""
    return RunRecord(
        code=code,
        start=start,
        distance_m=km * 1000,
        duration_s=(km * 6 if minutes is None else minutes) * 60,
        sport=sport,
        excluded=excluded,
        indoor=indoor,
        local_date=local_date,
    )


def daily_runs(first: datetime, kms: Sequence[float]) -> list[RunRecord]:
    return [run(f"d{i}", first + timedelta(days=i), km) for i, km in enumerate(kms) if km > 0]


# A fortnight of running: last week 5 + 8 + 10 km, this week 6 km so far.
FORTNIGHT = [
    run("mon", at(16), 5),
    run("wed", at(18), 8),
    run("sun", at(22), 10),
    run("tue", at(24), 6),
]


# --- classes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        (0.5, SpikeClass.REFERENCE),
        (1.0, SpikeClass.REFERENCE),
        (11 / 10, SpikeClass.REFERENCE),
        (1.1001, SpikeClass.SMALL),
        (13 / 10, SpikeClass.SMALL),
        (1.31, SpikeClass.MODERATE),
        (2.0, SpikeClass.MODERATE),
        (2.01, SpikeClass.LARGE),
        (8.0, SpikeClass.LARGE),
    ],
)
def test_spikes_are_classed_as_in_frandsen_2025(ratio: float, expected: SpikeClass) -> None:
    assert classify_spike(ratio) is expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (None, ProgressionClass.NO_BASELINE),
        (-0.5, ProgressionClass.STEADY),
        (0.0999, ProgressionClass.STEADY),
        (0.10, ProgressionClass.MODERATE),
        (0.30, ProgressionClass.MODERATE),
        (0.3001, ProgressionClass.CAUTION),
    ],
)
def test_two_week_progression_uses_nielsen_2014_groups(
    change: float | None, expected: ProgressionClass
) -> None:
    assert classify_progression(change) is expected


@pytest.mark.parametrize(
    ("distance_m", "duration_s", "implausible"),
    [
        (300_000, 3_600, True),  # 300 km in an hour
        (600_000, 5 * 86_400, True),  # over 500 km in one go
        (1_000, 0, True),  # distance with no time at all
        (0, 0, False),
        (10_000, 2_700, False),  # 10 km in 45 min
        (25_200, 3_600, False),  # exactly 7 m/s
        (25_300, 3_600, True),
    ],
)
def test_it_flags_impossible_distances(
    distance_m: float, duration_s: float, implausible: bool
) -> None:
    assert is_implausible(distance_m, duration_s) is implausible


def test_the_context_gives_the_studys_hazard_ratios_not_a_prediction() -> None:
    small = spike_context(SpikeClass.SMALL)
    assert "10 to 30 %" in small
    assert "1.64 times" in small
    assert "not a forecast for you" in small
    assert "1.52 times" in spike_context(SpikeClass.MODERATE)
    assert "2.28 times" in spike_context(SpikeClass.LARGE)
    assert "comparison group" in spike_context(SpikeClass.REFERENCE)
    assert "comparison group" in spike_context(None)


def test_each_status_has_a_reason_in_words() -> None:
    assert status_reason(RunStatus.COUNTED) == "Counted in your running load."
    assert "walk" in status_reason(RunStatus.NOT_RUNNING)
    assert "leave this one out" in status_reason(RunStatus.EXCLUDED)
    assert "device error" in status_reason(RunStatus.IMPLAUSIBLE)


# --- per-run spikes ----------------------------------------------------------------------------


def test_it_flags_a_run_longer_than_the_longest_in_30_days() -> None:
    summary = analyse(FORTNIGHT, now=NOW, tz=LONDON)
    runs = summary.by_code()
    assert runs["mon"].spike is SpikeClass.INSUFFICIENT_HISTORY
    assert runs["mon"].reference_m is None
    assert runs["mon"].ratio is None
    # 8 km after 5 km: +60 %, moderate
    assert runs["wed"].reference_m == 5_000
    assert runs["wed"].ratio == pytest.approx(1.6)
    assert runs["wed"].spike is SpikeClass.MODERATE
    # 10 km after 8 km: +25 %, small
    assert runs["sun"].ratio == pytest.approx(1.25)
    assert runs["sun"].spike is SpikeClass.SMALL
    assert runs["sun"].is_spike
    # 6 km after 10 km: shorter, the reference group
    assert runs["tue"].ratio == pytest.approx(0.6)
    assert runs["tue"].spike is SpikeClass.REFERENCE
    assert not runs["tue"].is_spike
    assert all(load.counted for load in summary.runs)


def test_the_worked_example_12_km_after_8_km_is_a_moderate_spike() -> None:
    runs = [run("a", at(10), 8), run("b", at(20), 12)]
    assert analyse(runs, now=NOW, tz=LONDON).by_code()["b"].spike is SpikeClass.MODERATE


def test_only_runs_in_the_30_days_before_the_start_are_the_reference() -> None:
    start = at(25)
    runs = [
        run("too-old", start - timedelta(days=30, seconds=1), 20),
        run("edge", start - timedelta(days=30), 9),
        run("recent", start - timedelta(days=3), 6),
        run("now", start, 10),
    ]
    loads = analyse(runs, now=NOW, tz=LONDON).by_code()
    assert loads["now"].reference_m == 9_000  # the 20 km run is 30 days and 1 s earlier
    assert loads["now"].spike is SpikeClass.SMALL  # 10 / 9 = +11 %


def test_a_second_run_on_the_same_day_is_compared_with_the_first() -> None:
    runs = [run("before", at(20), 8), run("am", at(24, hour=7), 5), run("pm", at(24, hour=18), 10)]
    summary = analyse(runs, now=NOW, tz=LONDON)
    assert summary.by_code()["pm"].reference_m == 8_000
    assert summary.by_code()["pm"].spike is SpikeClass.SMALL  # +25 %
    assert summary.daily is not None
    day = summary.daily.dates().index(date(2026, 11, 24))
    assert summary.daily.distance_m[day] == 15_000
    assert summary.daily.runs[day] == 2


def test_runs_with_the_same_start_do_not_count_as_each_others_history() -> None:
    runs = [run("a", at(20), 8), run("b", at(20), 8)]
    loads = analyse(runs, now=NOW, tz=LONDON).by_code()
    assert loads["a"].spike is SpikeClass.INSUFFICIENT_HISTORY
    assert loads["b"].spike is SpikeClass.INSUFFICIENT_HISTORY


def test_a_run_without_distance_counts_by_time_but_has_no_spike() -> None:
    runs = [
        run("road", at(20), 8),
        run("mill", at(22), 0, minutes=40, indoor=True),
        run("next", at(24), 8.5),
    ]
    summary = analyse(runs, now=NOW, tz=LONDON)
    loads = summary.by_code()
    assert loads["mill"].counted
    assert loads["mill"].indoor
    assert loads["mill"].spike is SpikeClass.NOT_MEASURED
    assert loads["next"].reference_m == 8_000
    this_week = summary.weeks[-1]
    assert this_week.distance_m == 8_500
    assert summary.weeks[-2].duration_s == 8 * 6 * 60 + 40 * 60
    assert summary.weeks[-2].runs == 2


def test_runs_after_only_distance_less_runs_have_no_reference_yet() -> None:
    runs = [run("mill", at(20), 0, minutes=30, indoor=True), run("road", at(22), 5)]
    loads = analyse(runs, now=NOW, tz=LONDON).by_code()
    assert loads["road"].spike is SpikeClass.INSUFFICIENT_HISTORY


def test_an_implausible_file_is_flagged_and_does_not_poison_the_metrics() -> None:
    runs = [*FORTNIGHT, run("glitch", at(25), 300, minutes=60)]
    summary = analyse(runs, now=NOW, tz=LONDON)
    glitch = summary.by_code()["glitch"]
    assert glitch.status is RunStatus.IMPLAUSIBLE
    assert glitch.spike is None
    assert summary.longest_30d_m == 10_000
    assert summary.weeks[-1].distance_m == 6_000


def test_walks_rides_and_excluded_runs_are_left_out_but_treadmill_runs_count() -> None:
    runs = [
        *FORTNIGHT,
        run("walk", at(25, hour=9), 12, minutes=150, sport="walking"),
        run("ride", at(25, hour=10), 40, minutes=90, sport="cycling"),
        run("left-out", at(25, hour=11), 30, excluded=True),
        run("treadmill", at(25, hour=12), 7, indoor=True),
    ]
    summary = analyse(runs, now=NOW, tz=LONDON)
    loads = summary.by_code()
    assert loads["walk"].status is RunStatus.NOT_RUNNING
    assert loads["ride"].status is RunStatus.NOT_RUNNING
    assert loads["left-out"].status is RunStatus.EXCLUDED
    assert loads["treadmill"].status is RunStatus.COUNTED
    assert loads["treadmill"].spike is SpikeClass.REFERENCE  # 7 km against 10 km
    assert summary.weeks[-1].distance_m == 13_000  # 6 + 7
    assert summary.longest_30d_m == 10_000


# --- days, weeks and time zones -------------------------------------------------------------------


def test_weekly_totals_run_monday_to_sunday_with_their_progression() -> None:
    summary = analyse(FORTNIGHT, now=NOW, tz=LONDON)
    last, this = summary.weeks
    assert (last.week_start, last.distance_m, last.runs) == (date(2026, 11, 16), 23_000, 3)
    assert last.duration_s == 23 * 6 * 60
    assert last.progression is None
    assert last.progression_class is ProgressionClass.NO_BASELINE
    assert (this.week_start, this.distance_m, this.runs) == (date(2026, 11, 23), 6_000, 1)
    assert this.progression == pytest.approx((6 - 23) / 23)
    assert this.progression_class is ProgressionClass.STEADY


def test_the_daily_series_holds_totals_and_the_30_day_longest_line() -> None:
    summary = analyse(FORTNIGHT, now=NOW, tz=LONDON)
    daily = summary.daily
    assert daily is not None
    assert daily.first_day == date(2026, 11, 16)
    assert daily.dates()[-1] == date(2026, 11, 26)  # runs to today
    assert daily.distance_m.tolist() == [5e3, 0, 8e3, 0, 0, 0, 10e3, 0, 6e3, 0, 0]
    line = daily.longest_30d_m
    assert math.isnan(line[0])  # nothing before the first run
    assert line[1:].tolist() == [5e3, 5e3, 8e3, 8e3, 8e3, 8e3, 10e3, 10e3, 10e3, 10e3]


def test_the_two_week_progression_compares_the_last_7_days_with_the_7_before() -> None:
    progression = analyse(FORTNIGHT, now=NOW, tz=LONDON).progression
    # 20-26 Nov: 10 + 6 = 16 km; 13-19 Nov: 5 + 8 = 13 km
    assert (progression.last_7d_m, progression.previous_7d_m) == (16_000, 13_000)
    assert progression.change == pytest.approx(3 / 13)
    assert progression.category is ProgressionClass.MODERATE


def test_more_than_30_percent_over_two_weeks_is_a_caution() -> None:
    runs = [run("a", at(15), 10), run("b", at(22), 14)]
    progression = analyse(runs, now=NOW, tz=LONDON).progression
    assert progression.change == pytest.approx(0.4)
    assert progression.category is ProgressionClass.CAUTION


def test_a_run_abroad_counts_on_the_day_it_happened_there() -> None:
    # 22:30 on Sunday 15 November in New York is 03:30 on Monday 16th in London.
    start = datetime(2026, 11, 16, 3, 30, tzinfo=UTC)
    abroad = run("ny", start, 10, local_date=date(2026, 11, 15))
    home = run("ny", start, 10)
    assert analyse([abroad], now=NOW, tz=LONDON).weeks[0].week_start == date(2026, 11, 9)
    assert analyse([home], now=NOW, tz=LONDON).weeks[0].week_start == date(2026, 11, 16)
    in_new_york = analyse([home], now=NOW, tz=ZoneInfo("America/New_York"))
    assert in_new_york.by_code()["ny"].local_date == date(2026, 11, 15)


def test_a_run_with_its_devices_utc_offset_counts_on_that_local_day() -> None:
    start = datetime(2026, 11, 16, 3, 30, tzinfo=UTC)
    west = RunRecord("ny", start, 10_000, 3_600, utc_offset_s=-5 * 3600)
    east = RunRecord("tokyo", start, 10_000, 3_600, utc_offset_s=9 * 3600)
    loads = analyse([west, east], now=NOW, tz=LONDON).by_code()
    assert loads["ny"].local_date == date(2026, 11, 15)
    assert loads["tokyo"].local_date == date(2026, 11, 16)


def test_an_impossible_utc_offset_is_refused() -> None:
    with pytest.raises(LoadError, match="impossible"):
        RunRecord("x", NOW, 5_000, 1_800, utc_offset_s=20 * 3600)


def test_weeks_follow_the_runners_clock_across_the_change_to_summer_time() -> None:
    # 23:30 UTC on Sunday 29 March 2026 is 00:30 on Monday 30th in London (BST).
    late = run("late", datetime(2026, 3, 29, 23, 30, tzinfo=UTC), 5)
    summary = analyse([late], now=datetime(2026, 4, 2, 12, tzinfo=UTC), tz=LONDON)
    assert summary.by_code()["late"].local_date == date(2026, 3, 30)
    assert summary.weeks[0].week_start == date(2026, 3, 30)


# --- acute:chronic (descriptive only) -----------------------------------------------------------


def test_the_acute_chronic_ratio_needs_28_days_of_history() -> None:
    first = NOW - timedelta(days=26)
    summary = analyse(daily_runs(first, [10] * 27), now=NOW, tz=LONDON)
    assert summary.history_days == 27
    assert summary.acute_chronic is None
    assert summary.daily is not None
    assert np.isnan(summary.daily.acwr_rolling).all()
    assert np.isnan(summary.daily.acwr_ewma).all()


def test_steady_running_gives_ratios_of_one() -> None:
    first = NOW - timedelta(days=27)
    ratios = analyse(daily_runs(first, [10] * 28), now=NOW, tz=LONDON).acute_chronic
    assert ratios is not None
    assert (ratios.acute_7d_m, ratios.chronic_weekly_m) == (70_000, 70_000)
    assert ratios.rolling == pytest.approx(1.0)
    assert ratios.ewma == pytest.approx(1.0)


def test_doubling_the_last_week_doubles_the_uncoupled_rolling_ratio() -> None:
    first = NOW - timedelta(days=27)
    ratios = analyse(daily_runs(first, [5] * 21 + [10] * 7), now=NOW, tz=LONDON).acute_chronic
    assert ratios is not None
    # 70 km this week against (3 x 35 km) / 3 = 35 km a week before it
    assert ratios.rolling == pytest.approx(2.0)
    # both averages sit at 5 km until the change, then climb towards 10 km
    acute = 10 - 5 * 0.75**7
    chronic = 10 - 5 * (27 / 29) ** 7
    assert ratios.ewma == pytest.approx(acute / chronic)
    assert ratios.ewma == pytest.approx(1.3394, abs=1e-4)


def test_the_same_rolling_ratio_can_hide_different_ewma_ratios() -> None:
    # Same weekly totals, but the chronic weeks' runs fall early or late in each window.
    first = NOW - timedelta(days=27)
    early = [6, 0, 0, 0, 0, 0, 4] * 3 + [3] * 7
    late = [1, 0, 0, 0, 0, 0, 9] * 3 + [3] * 7
    a = analyse(daily_runs(first, early), now=NOW, tz=LONDON).acute_chronic
    b = analyse(daily_runs(first, late), now=NOW, tz=LONDON).acute_chronic
    assert a is not None
    assert b is not None
    assert a.rolling == pytest.approx(b.rolling) == pytest.approx(2.1)
    assert a.ewma is not None
    assert b.ewma is not None
    assert a.ewma != pytest.approx(b.ewma, abs=0.05)


def test_no_ratio_is_shown_when_there_is_nothing_to_divide_by() -> None:
    runs = [
        run("mill", NOW - timedelta(days=40), 0, minutes=30),
        run("mill2", NOW - timedelta(days=2), 0, minutes=30),
    ]
    ratios = analyse(runs, now=NOW, tz=LONDON).acute_chronic
    assert ratios is not None
    assert ratios.rolling is None
    assert ratios.ewma is None


def test_a_break_leaves_the_rolling_ratio_empty_but_not_the_ewma() -> None:
    runs = [run("old", NOW - timedelta(days=40), 10), run("back", NOW - timedelta(days=1), 5)]
    ratios = analyse(runs, now=NOW, tz=LONDON).acute_chronic
    assert ratios is not None
    assert ratios.rolling is None  # nothing in the three weeks before this one
    assert ratios.ewma is not None
    assert ratios.ewma > 1


# --- guardrails and the summary sentence -------------------------------------------------------


def test_the_summary_sentence_gives_the_longest_run_and_the_next_limit() -> None:
    runs = [run("a", NOW - timedelta(days=40), 8), run("long", NOW - timedelta(days=6), 14.2)]
    summary = analyse(runs, now=NOW, tz=LONDON)
    assert summary.sentence == (
        "Your longest run in the last 30 days: 14.2 km. Keep your next run under 15.6 km."
    )
    assert summary.next_run.max_distance_m == pytest.approx(15_620)
    assert summary.next_run.basis_m == 14_200
    assert "Frandsen et al. 2025" in summary.next_run.reason


def test_the_summary_sentence_speaks_miles_when_the_runner_chose_miles() -> None:
    runs = [run("a", NOW - timedelta(days=40), 8), run("long", NOW - timedelta(days=6), 14.2)]
    summary = analyse(runs, now=NOW, tz=LONDON, unit=DistanceUnit.MILES)
    # 14.2 km = 8.82 mi; 15.62 km = 9.706 mi, shown rounded down
    assert summary.sentence == (
        "Your longest run in the last 30 days: 8.8 mi. Keep your next run under 9.7 mi."
    )


def test_knee_pain_in_amber_holds_the_next_run_and_the_week() -> None:
    summary = analyse(FORTNIGHT, now=NOW, tz=LONDON, pain=PainLight.AMBER)
    assert summary.next_run.max_distance_m == 10_000
    assert "amber zone" in summary.next_run.reason
    assert summary.sentence.startswith(
        "Your longest run in the last 30 days: 10.0 km. With knee pain in the amber zone, "
        "keep your next run under 10.0 km."
    )
    assert summary.week.max_distance_m == 23_000
    assert summary.week.reason == (
        "Last week you ran 23.0 km. With knee pain in the amber zone, hold steady: "
        "keep this week under 23.0 km; 17.0 km left."
    )


def test_knee_pain_in_red_halves_the_next_run_and_the_week() -> None:
    summary = analyse(FORTNIGHT, now=NOW, tz=LONDON, pain=PainLight.RED)
    assert summary.next_run.max_distance_m == 5_000
    assert "red zone" in summary.next_run.reason
    assert "50 % of your longest run" in summary.next_run.reason
    assert "With knee pain in the red zone, keep your next run under 5.0 km." in summary.sentence
    assert summary.week.max_distance_m == 11_500
    assert "cut back: keep this week under 11.5 km; 5.5 km left." in summary.week.reason


def test_the_week_guardrail_keeps_the_rise_within_30_percent() -> None:
    week = analyse(FORTNIGHT, now=NOW, tz=LONDON).week
    assert (week.last_week_m, week.this_week_m) == (23_000, 6_000)
    assert week.max_distance_m == pytest.approx(29_900)
    assert week.remaining_m == pytest.approx(23_900)
    assert week.reason == (
        "Last week you ran 23.0 km. To keep the rise from one week to the next within 30 % "
        "(Nielsen et al. 2014), keep this week under 29.9 km; 23.9 km left."
    )


def test_the_week_guardrail_says_when_the_limit_is_reached() -> None:
    runs = [*FORTNIGHT, run("big", at(25), 24)]
    week = analyse(runs, now=NOW, tz=LONDON).week
    assert week.remaining_m == 0
    assert week.reason.endswith("keep this week under 29.9 km; you have reached it.")


def test_no_runs_last_week_means_no_weekly_limit() -> None:
    week = analyse([run("tue", at(24), 6)], now=NOW, tz=LONDON).week
    assert week.max_distance_m is None
    assert week.remaining_m is None
    assert week.this_week_m == 6_000
    assert "no weekly figure" in week.reason


def test_fewer_than_30_days_of_history_is_said_out_loud() -> None:
    summary = analyse(FORTNIGHT, now=NOW, tz=LONDON)
    assert summary.history_days == 11
    assert summary.sentence == (
        "Your longest run in the last 30 days: 10.0 km. Keep your next run under 11.0 km. "
        "This rests on only 11 days of running, so it will settle as more runs come in."
    )


def test_a_single_ultra_is_flagged_and_its_limit_put_in_context() -> None:
    runs = [run(f"r{i}", NOW - timedelta(days=30 - 3 * i), 10) for i in range(8)]
    runs.append(run("ultra", NOW - timedelta(days=2), 80, minutes=600))
    summary = analyse(runs, now=NOW, tz=LONDON)
    ultra = summary.by_code()["ultra"]
    assert ultra.ratio == pytest.approx(8.0)
    assert ultra.spike is SpikeClass.LARGE
    assert summary.next_run.max_distance_m == pytest.approx(88_000)
    assert "stands far above your others (the next longest was 10.0 km)" in (
        summary.next_run.reason
    )


def test_with_no_runs_at_all_every_part_says_so() -> None:
    summary = analyse([], now=NOW, tz=LONDON)
    assert summary.runs == ()
    assert summary.daily is None
    assert summary.weeks == ()
    assert summary.history_days == 0
    assert summary.longest_30d_m is None
    assert summary.progression.change is None
    assert summary.progression.category is ProgressionClass.NO_BASELINE
    assert summary.acute_chronic is None
    assert summary.next_run.max_distance_m is None
    assert summary.week.max_distance_m is None
    assert (
        summary.sentence == "No runs with a distance in the last 30 days yet. Start short and easy."
    )
    verdict = plan_check(5_000, summary)
    assert verdict.status is PlanStatus.NO_GUIDE
    assert verdict.max_distance_m is None


def test_runs_only_long_ago_give_history_but_no_limit() -> None:
    summary = analyse([run("old", NOW - timedelta(days=90), 10)], now=NOW, tz=LONDON)
    assert summary.history_days == 91
    assert summary.longest_30d_m is None
    assert "no run with a distance in the last 30 days" in summary.next_run.reason
    assert summary.sentence.startswith("No runs with a distance in the last 30 days yet.")


def test_runs_dated_after_now_do_not_set_todays_limit() -> None:
    summary = analyse([run("later", NOW + timedelta(days=3), 10)], now=NOW, tz=LONDON)
    assert summary.history_days == 0
    assert summary.longest_30d_m is None
    assert summary.progression.last_7d_m == 0


# --- planning a run ------------------------------------------------------------------------------


def test_planning_12_km_after_8_km_says_it_would_be_50_percent_more() -> None:
    summary = analyse([run("base", NOW - timedelta(days=5), 8)], now=NOW, tz=LONDON)
    verdict = plan_check(12_000, summary)
    assert verdict.status is PlanStatus.OVER
    assert verdict.ratio == pytest.approx(1.5)
    assert verdict.spike is SpikeClass.MODERATE
    assert verdict.reason == (
        "12.0 km would be 50 % longer than your longest run in the last 30 days (8.0 km): "
        "a moderate spike. Keep it under 8.8 km."
    )
    assert "1.52 times" in verdict.context


@pytest.mark.parametrize(
    ("km", "status", "reason"),
    [
        (
            8.8,
            PlanStatus.WITHIN,
            "8.8 km is within your guide of 8.8 km: 10 % longer than your longest run in the "
            "last 30 days (8.0 km).",
        ),
        (
            8.0,
            PlanStatus.WITHIN,
            "8.0 km is within your guide of 8.8 km: about as long as your longest run in the "
            "last 30 days (8.0 km).",
        ),
        (
            6.0,
            PlanStatus.WITHIN,
            "6.0 km is within your guide of 8.8 km: 25 % shorter than your longest run in the "
            "last 30 days (8.0 km).",
        ),
        (
            9.0,
            PlanStatus.OVER,
            "9.0 km would be 12 % longer than your longest run in the last 30 days (8.0 km): "
            "a small spike. Keep it under 8.8 km.",
        ),
        (
            17.0,
            PlanStatus.OVER,
            "17.0 km would be 112 % longer than your longest run in the last 30 days (8.0 km): "
            "a large spike. Keep it under 8.8 km.",
        ),
    ],
)
def test_a_planned_run_is_checked_against_the_guardrail(
    km: float, status: PlanStatus, reason: str
) -> None:
    summary = analyse([run("base", NOW - timedelta(days=5), 8)], now=NOW, tz=LONDON)
    verdict = plan_check(km * 1000, summary)
    assert verdict.status is status
    assert verdict.reason == reason


def test_a_planned_run_with_amber_pain_is_held_to_the_longest_run() -> None:
    summary = analyse(
        [run("base", NOW - timedelta(days=5), 8)], now=NOW, tz=LONDON, pain=PainLight.AMBER
    )
    over = plan_check(8_400, summary)
    assert over.status is PlanStatus.OVER
    assert over.spike is SpikeClass.REFERENCE
    assert over.reason == (
        "8.4 km would be 5 % longer than your longest run in the last 30 days (8.0 km). "
        "Keep it under 8.0 km (set lower while your knee pain is in the amber zone)."
    )
    within = plan_check(7_000, summary)
    assert within.status is PlanStatus.WITHIN
    assert "(set lower while your knee pain is in the amber zone)" in within.reason


@pytest.mark.parametrize("bad", [0.0, -5.0, math.nan, math.inf])
def test_a_planned_run_needs_a_real_distance(bad: float) -> None:
    summary = analyse([], now=NOW, tz=LONDON)
    with pytest.raises(LoadError, match="greater than zero"):
        plan_check(bad, summary)


# --- bad input ----------------------------------------------------------------------------------


def test_a_run_without_a_time_zone_is_refused() -> None:
    with pytest.raises(LoadError, match="no time zone"):
        RunRecord("x", datetime(2026, 11, 1, 8), 5_000, 1_800)  # noqa: DTZ001


@pytest.mark.parametrize(
    ("distance_m", "duration_s"),
    [(-1.0, 60.0), (math.nan, 60.0), (math.inf, 60.0), (5.0, math.nan), (5.0, -1.0)],
)
def test_negative_or_missing_figures_are_refused(distance_m: float, duration_s: float) -> None:
    with pytest.raises(LoadError, match="must be zero or more"):
        RunRecord("x", NOW, distance_m, duration_s)


def test_now_must_have_a_time_zone_and_the_zone_must_exist() -> None:
    with pytest.raises(LoadError, match="current time has no time zone"):
        analyse([], now=datetime(2026, 11, 26, 7), tz=LONDON)  # noqa: DTZ001
    with pytest.raises(LoadError, match="not a time zone we know"):
        analyse([], now=NOW, tz="Europe/Atlantis")
    with pytest.raises(LoadError, match="not a time zone we know"):
        analyse([], now=NOW, tz="")


# --- the vector helpers -------------------------------------------------------------------------


def test_range_max_matches_a_plain_loop() -> None:
    rng = np.random.default_rng(7)
    values = rng.uniform(0, 30_000, 300)
    lo = rng.integers(0, 300, 500)
    hi = np.minimum(lo + rng.integers(0, 70, 500), 300)
    got = range_max(values, lo, hi)
    for a, b, g in zip(lo, hi, got, strict=True):
        if a == b:
            assert math.isnan(g)
        else:
            assert g == values[a:b].max()


def test_range_max_of_only_empty_ranges_is_all_nan() -> None:
    got = range_max(np.array([1.0, 2.0]), np.array([0, 1]), np.array([0, 1]))
    assert np.isnan(got).all()


def test_the_ewma_matches_its_recursive_definition_over_ten_years() -> None:
    daily = np.random.default_rng(3).uniform(0, 20, 3_650)
    for span in (7, 28):
        lam = 2 / (span + 1)
        expected = np.empty_like(daily)
        previous = daily[0]
        for i, load in enumerate(daily):
            previous = load * lam + (1 - lam) * previous
            expected[i] = previous
        assert np.allclose(ewma(daily, span), expected, rtol=1e-12, atol=1e-9)


def test_each_result_carries_its_records_figures() -> None:
    record = run("mill", at(24), 7, minutes=40, indoor=True)
    load = analyse([record], now=NOW, tz=LONDON).runs[0]
    assert load.record is record
    assert (load.code, load.start, load.local_date) == ("mill", at(24), date(2026, 11, 24))
    assert (load.distance_m, load.duration_s, load.indoor) == (7_000, 2_400, True)


def test_the_pain_light_may_come_as_the_pain_models_own_value() -> None:
    summary = analyse(FORTNIGHT, now=NOW, tz=LONDON, pain="amber")
    assert summary.pain is PainLight.AMBER
    with pytest.raises(LoadError, match="not a pain light"):
        analyse(FORTNIGHT, now=NOW, tz=LONDON, pain="purple")
