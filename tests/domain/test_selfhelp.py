"""Self-help: guidance data, the ibuprofen check, and honest before/after comparisons."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kneeclinic.domain.selfhelp import (
    GUIDANCE,
    IBUPROFEN_CHECK,
    IBUPROFEN_LABEL,
    NOT_PROOF,
    Measure,
    SelfHelpError,
    Suitability,
    compare_before_after,
    compare_with_without,
    ibuprofen_suitability,
)

ALL_NO = {q.id: False for q in IBUPROFEN_CHECK}
START = date(2026, 3, 16)


def test_every_measure_has_guidance_with_cautions_evidence_and_sources() -> None:
    assert set(GUIDANCE) == set(Measure)
    for guidance in GUIDANCE.values():
        assert guidance.how and guidance.cautions and guidance.evidence
        assert all(source.startswith("clinical.md §") for source in guidance.sources)


def test_ice_guidance_says_wrapped_in_a_towel_and_no_longer_than_20_minutes() -> None:
    how = " ".join(GUIDANCE[Measure.ICE].how)
    assert "towel" in how
    assert "Never put ice on bare skin" in how
    assert "up to 20 minutes" in how
    assert "does not treat runner's knee" in GUIDANCE[Measure.ICE].evidence


def test_an_adult_with_no_reason_to_avoid_ibuprofen_gets_the_standard_label_dose_only() -> None:
    result = ibuprofen_suitability(30, ALL_NO)
    assert result.verdict is Suitability.MAY_BE_SUITABLE
    assert result.reasons == ()
    assert IBUPROFEN_LABEL in result.advice
    assert "200 mg tablets up to 3 times a day" in IBUPROFEN_LABEL
    assert "Do not take more than 1,200 mg" in IBUPROFEN_LABEL
    assert "more than 10 days" in result.advice[2]


@pytest.mark.parametrize("question_id", ["nsaid_reaction", "pregnant"])
def test_a_do_not_take_answer_means_do_not_take(question_id: str) -> None:
    result = ibuprofen_suitability(30, {**ALL_NO, question_id: True})
    assert result.verdict is Suitability.DO_NOT_TAKE
    assert result.advice[0].startswith("Do not take ibuprofen")
    assert IBUPROFEN_LABEL not in result.advice


@pytest.mark.parametrize(
    "question_id",
    [q.id for q in IBUPROFEN_CHECK if q.if_yes is Suitability.ASK_PHARMACIST_FIRST],
)
def test_a_check_first_answer_means_ask_a_pharmacist_first(question_id: str) -> None:
    result = ibuprofen_suitability(30, {**ALL_NO, question_id: True})
    assert result.verdict is Suitability.ASK_PHARMACIST_FIRST
    assert len(result.reasons) == 1
    assert IBUPROFEN_LABEL not in result.advice


def test_being_over_65_means_asking_a_pharmacist_first() -> None:
    result = ibuprofen_suitability(66, ALL_NO)
    assert result.verdict is Suitability.ASK_PHARMACIST_FIRST
    assert result.reasons == ("You are over 65.",)
    assert ibuprofen_suitability(65, ALL_NO).verdict is Suitability.MAY_BE_SUITABLE


def test_under_17_gets_no_adult_ibuprofen_advice_but_do_not_take_still_wins() -> None:
    young = ibuprofen_suitability(16, ALL_NO)
    assert young.verdict is Suitability.UNDER_17
    assert IBUPROFEN_LABEL not in young.advice
    assert ibuprofen_suitability(17, ALL_NO).verdict is Suitability.MAY_BE_SUITABLE
    allergic = ibuprofen_suitability(16, {**ALL_NO, "nsaid_reaction": True})
    assert allergic.verdict is Suitability.DO_NOT_TAKE


@pytest.mark.parametrize(
    ("age", "answers", "message"),
    [
        (-1, ALL_NO, "Age must be a whole number"),
        (True, ALL_NO, "Age must be a whole number"),
        (30, {**ALL_NO, "shoe_size": False}, "'shoe_size' is not a question"),
        (30, {k: v for k, v in ALL_NO.items() if k != "pregnant"}, "Are you pregnant?"),
    ],
)
def test_the_check_refuses_missing_or_unknown_answers(
    age: int, answers: dict[str, bool], message: str
) -> None:
    with pytest.raises(SelfHelpError, match=message):
        ibuprofen_suitability(age, answers)


def days(start: date, values: list[float]) -> dict[date, float]:
    return {start + timedelta(days=i): v for i, v in enumerate(values)}


def test_pain_before_and_after_a_measure_is_compared_without_claiming_cause() -> None:
    pain = {**days(START - timedelta(days=4), [4, 5, 4, 3]), **days(START, [3, 2, 2])}
    comparison = compare_before_after(START, pain)
    # Before: (4 + 5 + 4 + 3) / 4 = 4.0; after: (3 + 2 + 2) / 3 = 2.3.
    assert comparison.first_mean_nrs == 4.0
    assert comparison.second_mean_nrs == pytest.approx(7 / 3)
    assert comparison.text == (
        "Average pain in the 14 days before you started: 4.0/10 (4 days); "
        f"since you started: 2.3/10 (3 days). {NOT_PROOF}"
    )


def test_days_outside_the_window_are_left_out() -> None:
    pain = {START - timedelta(days=15): 9.0, START + timedelta(days=14): 9.0}
    pain.update(days(START - timedelta(days=3), [1, 1, 1, 2, 2, 2]))
    comparison = compare_before_after(START, pain)
    assert (comparison.first_mean_nrs, comparison.second_mean_nrs) == (1.0, 2.0)


def test_too_few_days_says_so_instead_of_comparing() -> None:
    comparison = compare_before_after(START, days(START, [3, 2, 2]))
    assert comparison.first_mean_nrs is None
    assert comparison.second_days == 3
    assert comparison.text.startswith("Not enough days recorded to compare yet")


def test_a_window_shorter_than_a_day_is_refused() -> None:
    with pytest.raises(SelfHelpError, match="at least one day"):
        compare_before_after(START, {}, window_days=0)


def test_pain_on_days_with_and_without_a_measure_is_compared() -> None:
    pain = days(START, [2, 4, 2, 4, 2, 4])
    used = {START, START + timedelta(days=2), START + timedelta(days=4)}
    comparison = compare_with_without(used, pain)
    assert (comparison.first_mean_nrs, comparison.second_mean_nrs) == (2.0, 4.0)
    assert comparison.text.endswith(NOT_PROOF)


def test_a_comparison_says_whether_it_had_enough_days() -> None:
    assert not compare_before_after(START, days(START, [3, 2, 2])).enough
    pain = {**days(START - timedelta(days=3), [4, 4, 4]), **days(START, [3, 2, 2])}
    assert compare_before_after(START, pain).enough
