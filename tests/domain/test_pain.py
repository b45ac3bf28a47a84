"""The pain-monitoring model: zones, one run, the day, the weekly trend and the niggle rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneeclinic.domain.pain import (
    DECISION_TEXT,
    PAIN_WORDS,
    Decision,
    Light,
    PainEntry,
    PainError,
    PainWhen,
    assess_activity,
    check_pain_nrs,
    daily_status,
    daily_worst_pain,
    niggle_rule,
    should_ask_morning_check,
    usual_morning_pain,
    weekly_trend,
    zone,
)

LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 3, 16)  # a Monday


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def entry(
    days_ago: int, pain: int, when: PainWhen = PainWhen.NEXT_MORNING, hour: int = 8
) -> PainEntry:
    return PainEntry(at(TODAY - timedelta(days=days_ago), hour), pain, when)


@pytest.mark.parametrize(
    ("pain", "light"),
    [
        (0, Light.GREEN),
        (2, Light.GREEN),
        (3, Light.AMBER),
        (5, Light.AMBER),
        (6, Light.RED),
        (10, Light.RED),
    ],
)
def test_zones_are_0_to_2_green_above_2_to_5_amber_above_5_red(pain: int, light: Light) -> None:
    assert zone(pain) is light


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (11, "from 0 to 10, not 11"),
        (-1, "from 0 to 10, not -1"),
        (2.5, "whole number"),
        (True, "whole number"),
    ],
)
def test_a_pain_score_outside_0_to_10_is_refused(value: object, message: str) -> None:
    with pytest.raises(PainError, match=message):
        check_pain_nrs(value)


def test_a_pain_entry_needs_a_time_zone_and_a_valid_score() -> None:
    with pytest.raises(PainError, match="time zone"):
        PainEntry(datetime(2026, 3, 16, 8), 2, PainWhen.AT_REST)  # noqa: DTZ001
    with pytest.raises(PainError, match="not 12"):
        PainEntry(at(TODAY), 12, PainWhen.AT_REST)


def test_the_scale_has_words_at_0_2_5_and_10() -> None:
    assert sorted(PAIN_WORDS) == [0, 2, 5, 10]


# --- One run -----------------------------------------------------------------------------------


def test_a_run_with_pain_of_2_or_less_is_green_and_means_carry_on() -> None:
    result = assess_activity(2, 1)
    assert result.light is Light.GREEN
    assert result.decision is Decision.CARRY_ON
    assert result.reasons == (
        "Pain during the run stayed at 2/10, in the safe zone of 2 or less.",
        "Pain after the run stayed at 1/10, in the safe zone of 2 or less.",
    )


def test_pain_of_3_to_5_during_a_run_is_amber_and_means_hold() -> None:
    result = assess_activity(4, 2)
    assert result.light is Light.AMBER
    assert result.decision is Decision.HOLD
    assert result.reasons[0] == (
        "Pain during the run was 4/10: acceptable, but not yet low enough to build on."
    )


def test_pain_above_5_during_or_after_is_red_and_means_step_back() -> None:
    during = assess_activity(6, 2)
    assert during.light is Light.RED
    assert during.decision is Decision.STEP_BACK
    assert during.reasons[0] == "Pain during the run reached 6/10, above the limit of 5."
    after = assess_activity(None, 7)
    assert after.light is Light.RED
    assert after.reasons == ("Pain after the run reached 7/10, above the limit of 5.",)


def test_next_morning_pain_more_than_1_above_usual_is_red() -> None:
    result = assess_activity(2, 2, pain_next_morning_nrs=4, usual_morning_nrs=2.5)
    assert result.light is Light.RED
    assert result.reasons[0] == (
        "Next-morning pain was 4/10, above your usual 2.5/10: the knee had not settled."
    )


def test_next_morning_pain_within_1_of_usual_counts_as_settled() -> None:
    result = assess_activity(2, 2, pain_next_morning_nrs=3, usual_morning_nrs=2)
    assert result.light is Light.GREEN
    assert result.reasons[-1] == "Next-morning pain was 3/10, back to your usual 2/10."


@pytest.mark.parametrize(
    ("morning", "light", "word"),
    [(1, Light.GREEN, "low"), (4, Light.AMBER, "raised"), (6, Light.RED, "high")],
)
def test_without_a_usual_level_next_morning_pain_is_judged_by_its_zone(
    morning: int, light: Light, word: str
) -> None:
    result = assess_activity(None, None, pain_next_morning_nrs=morning)
    assert result.light is light
    assert f"({word})" in result.reasons[0]


def test_a_run_needs_at_least_one_score() -> None:
    with pytest.raises(PainError, match="at least one pain score"):
        assess_activity(None, None)


def test_a_bad_next_morning_score_is_named() -> None:
    with pytest.raises(PainError, match="Next-morning pain must be from 0 to 10"):
        assess_activity(1, 1, pain_next_morning_nrs=11)


@given(st.integers(0, 10), st.integers(0, 10), st.integers(0, 10))
def test_the_light_for_a_run_never_gets_better_when_pain_goes_up(d: int, a: int, m: int) -> None:
    base = assess_activity(d, a, m, 1.0).light.rank
    assert assess_activity(min(d + 1, 10), a, m, 1.0).light.rank >= base
    assert assess_activity(d, min(a + 1, 10), m, 1.0).light.rank >= base
    assert assess_activity(d, a, min(m + 1, 10), 1.0).light.rank >= base


# --- Usual level and weekly trend -------------------------------------------------------------


def test_usual_morning_pain_is_the_median_of_the_last_seven_mornings() -> None:
    # Mornings 10..1 days ago: 9, 9, 9, then 1, 2, 3, 4, 5, 6, 7 -> last seven: 1..7 -> median 4.
    pains = [9, 9, 9, 1, 2, 3, 4, 5, 6, 7]
    entries = [entry(10 - i, p) for i, p in enumerate(pains)]
    entries.append(entry(0, 10))  # today's morning is not part of "before today"
    entries.append(entry(1, 8, PainWhen.AT_REST))  # not a morning entry
    assert usual_morning_pain(entries, TODAY, LONDON) == 4.0
    assert usual_morning_pain([], TODAY, LONDON) is None


def test_two_morning_entries_on_one_day_count_as_that_days_worst() -> None:
    entries = [entry(1, 1), entry(1, 3, hour=9), entry(2, 2)]
    assert usual_morning_pain(entries, TODAY, LONDON) == 2.5


def test_rising_morning_pain_week_on_week_is_red() -> None:
    # Last week (days 7-13 ago): 2, 2 -> 2.0; this week (days 0-6 ago): 3, 2 -> 2.5.
    entries = [entry(13, 2), entry(8, 2), entry(5, 3), entry(0, 2)]
    finding = weekly_trend(entries, TODAY, LONDON)
    assert finding is not None
    assert finding.light is Light.RED
    assert finding.reason == (
        "Morning pain has risen from an average of 2.0/10 last week to 2.5/10 this week."
    )


def test_steady_or_falling_morning_pain_is_green_and_one_week_alone_says_nothing() -> None:
    steady = weekly_trend([entry(9, 3), entry(2, 3)], TODAY, LONDON)
    assert steady is not None
    assert steady.light is Light.GREEN
    assert weekly_trend([entry(2, 3), entry(1, 4)], TODAY, LONDON) is None
    assert weekly_trend([entry(14, 3), entry(1, 4)], TODAY, LONDON) is None


# --- The niggle rule -------------------------------------------------------------------------


def test_a_niggle_that_has_not_improved_for_two_weeks_means_stop_and_get_advice() -> None:
    # Every recorded day hurts; last week 3, 3 -> 3.0; this week 3, 3 -> 3.0: not improved.
    entries = [entry(12, 3, PainWhen.STAIRS), entry(9, 3), entry(4, 3), entry(1, 3)]
    niggle = niggle_rule(entries, TODAY, LONDON)
    assert niggle.applies
    assert niggle.reason == (
        "Your knee has hurt for two weeks without improving (3.0/10 last week, 3.0/10 this week)."
    )


def test_a_niggle_getting_worse_means_stop_and_get_advice() -> None:
    entries = [entry(10, 2), entry(3, 4)]
    niggle = niggle_rule(entries, TODAY, LONDON)
    assert niggle.applies
    assert niggle.reason.startswith("Your knee pain is getting worse: an average of 4.0/10")


def test_an_improving_niggle_or_one_with_pain_free_days_does_not_trigger() -> None:
    assert not niggle_rule([entry(10, 4), entry(3, 2)], TODAY, LONDON).applies
    assert not niggle_rule([entry(10, 3), entry(5, 0), entry(3, 3)], TODAY, LONDON).applies


def test_a_niggle_needs_entries_in_both_weeks() -> None:
    assert not niggle_rule([entry(3, 4), entry(1, 5)], TODAY, LONDON).applies


def test_recording_advice_clears_the_niggle_until_two_new_weeks_show_it_again() -> None:
    entries = [entry(10, 2), entry(3, 4)]
    advice_day = TODAY - timedelta(days=5)
    assert not niggle_rule(entries, TODAY, LONDON, advice_recorded_on=advice_day).applies


# --- The day ---------------------------------------------------------------------------------


def test_no_recent_entries_means_no_light_yet() -> None:
    status = daily_status([], TODAY, LONDON)
    assert status.light is None
    assert status.decision is None
    assert status.decision_text == ""
    assert status.reasons == ("No pain recorded for a recent run yet.",)


def test_yesterdays_run_and_this_mornings_check_make_todays_light() -> None:
    entries = [
        entry(3, 1),
        entry(2, 1),
        entry(1, 3, PainWhen.DURING_RUN, hour=18),
        entry(1, 2, PainWhen.AFTER_RUN, hour=19),
        entry(0, 4),
    ]
    # Usual morning before today = median(1, 1) = 1; this morning 4 > 1 + 1 -> red.
    status = daily_status(entries, TODAY, LONDON)
    assert status.light is Light.RED
    assert status.decision is Decision.STEP_BACK
    assert status.reasons[0] == (
        "Next-morning pain was 4/10, above your usual 1/10: the knee had not settled."
    )
    assert "Pain during the run was 3/10" in status.reasons[1]
    assert status.decision_text == DECISION_TEXT[Decision.STEP_BACK]


def test_a_run_two_days_ago_no_longer_sets_todays_light() -> None:
    status = daily_status([entry(2, 8, PainWhen.DURING_RUN)], TODAY, LONDON)
    assert status.light is None


def test_pain_on_stairs_today_counts_by_its_zone_but_low_pain_adds_no_reason() -> None:
    entries = [entry(0, 6, PainWhen.STAIRS, hour=12), entry(0, 1, PainWhen.AT_REST, hour=13)]
    status = daily_status(entries, TODAY, LONDON)
    assert status.light is Light.RED
    assert status.reasons == ("Pain on stairs today was 6/10.",)


def test_a_green_run_today_means_carry_on() -> None:
    status = daily_status([entry(0, 1, PainWhen.AFTER_RUN, hour=18)], TODAY, LONDON)
    assert status.light is Light.GREEN
    assert status.decision is Decision.CARRY_ON


def test_the_niggle_rule_overrides_the_light_with_rest_and_get_advice() -> None:
    entries = [entry(10, 2), entry(0, 3)]
    status = daily_status(entries, TODAY, LONDON)
    assert status.niggle.applies
    assert status.light is Light.RED
    assert status.decision is Decision.REST_AND_GET_ADVICE
    assert status.decision_text == "Stop training, rest and get advice from a physiotherapist."


def test_days_are_counted_in_the_runners_time_zone() -> None:
    # 23:30 UTC on Sunday is 00:30 on Monday in Paris in winter.
    late = PainEntry(datetime(2026, 3, 15, 23, 30, tzinfo=UTC), 3, PainWhen.NEXT_MORNING)
    assert late.day(ZoneInfo("Europe/Paris")) == TODAY
    assert late.day(LONDON) == TODAY - timedelta(days=1)


# --- The morning question --------------------------------------------------------------------


def test_today_asks_about_the_knee_after_a_run_yesterday_until_answered() -> None:
    yesterday = TODAY - timedelta(days=1)
    assert should_ask_morning_check([yesterday], [], TODAY, LONDON)
    assert should_ask_morning_check([], [entry(1, 2, PainWhen.AFTER_RUN)], TODAY, LONDON)
    assert not should_ask_morning_check([yesterday], [entry(0, 1)], TODAY, LONDON)
    assert not should_ask_morning_check([TODAY - timedelta(days=2)], [], TODAY, LONDON)


def test_a_run_with_only_pain_during_it_recorded_is_judged_on_that() -> None:
    status = daily_status([entry(0, 5, PainWhen.DURING_RUN, hour=7)], TODAY, LONDON)
    assert status.light is Light.AMBER
    assert status.decision is Decision.HOLD
    assert status.reasons == (
        "Pain during the run was 5/10: acceptable, but not yet low enough to build on.",
    )


def test_the_worst_pain_of_each_day_is_kept() -> None:
    entries = [entry(1, 2), entry(1, 5, PainWhen.STAIRS, hour=12), entry(0, 1)]
    assert daily_worst_pain(entries, LONDON) == {TODAY - timedelta(days=1): 5, TODAY: 1}


@given(
    st.lists(st.integers(0, 10), min_size=14, max_size=14),
    st.integers(0, 9),
    st.sampled_from(list(PainWhen)),
)
def test_the_days_light_never_gets_better_when_todays_pain_goes_up(
    mornings: list[int], today_pain: int, when: PainWhen
) -> None:
    history = [entry(days_ago + 1, pain) for days_ago, pain in enumerate(mornings)]
    ranks = []
    for pain in (today_pain, today_pain + 1):
        status = daily_status([*history, entry(0, pain, when, hour=12)], TODAY, LONDON)
        ranks.append(status.light.rank if status.light else -1)
    assert ranks[1] >= ranks[0]
