"""The symptom checker: every warning sign, every level, the Ottawa questions, bad answers."""

from __future__ import annotations

import pytest

from kneeclinic.domain.triage import (
    ADVICE,
    QUESTIONS,
    QUESTIONS_BY_ID,
    RED_FLAG_RULES,
    AnswerType,
    EnableWhen,
    Level,
    Section,
    TriageError,
    evaluate,
    is_enabled,
    missing_questions,
    next_question,
    stops_early,
    validate_answer,
    validate_answers,
)

AnswerDict = dict[str, object]


def usual_runners_knee(**changes: object) -> AnswerDict:
    """A complete set of answers from a 30-year-old with the usual pattern and no warning sign."""
    answers: AnswerDict = {
        q.id: False
        for q in QUESTIONS
        if q.answer_type is AnswerType.BOOLEAN and q.enable_when is None
    }
    answers.update(
        age_years=30,
        pain_location="around_kneecap",
        aggravating_activities=("stairs", "running"),
        gradual_onset=True,
        duration="2_to_6_weeks",
    )
    answers.update(changes)
    return answers


def rule_ids(answers: AnswerDict) -> list[str]:
    return [reason.rule_id for reason in evaluate(answers).reasons]


def test_the_usual_pattern_with_no_warning_sign_means_self_care_and_a_routine_check() -> None:
    outcome = evaluate(usual_runners_knee())
    assert outcome.level is Level.SELF_CARE
    assert rule_ids(usual_runners_knee()) == ["usual_pattern"]
    assert outcome.reasons[0].answers[0].answer == "Around or behind the kneecap"
    assert outcome.reasons[0].answers[1].answer == "Going up or down stairs, Running"
    assert "routine appointment" in outcome.advice.steps[0]
    assert outcome.mentions == ()
    assert outcome.stopped_early is False


EMERGENCY_FLAGS = [
    ("breathless_or_chest_pain", "possible_clot_in_lung"),
    ("very_unwell", "very_unwell"),
    ("cannot_bear_weight", "cannot_bear_weight"),
    ("deformity_after_injury", "deformity_after_injury"),
    ("cannot_straighten_after_fall", "cannot_straighten_after_fall"),
    ("numb_or_cold_foot", "numb_or_cold_foot"),
]

SAME_DAY_FLAGS = [
    "hot_swollen_with_fever",
    "calf_swelling_one_leg",
    "rapid_swelling_after_injury",
    "locked_knee",
    "badly_swollen_or_giving_way",
    "night_pain_weight_loss",
    "young_with_limp",
]


@pytest.mark.parametrize(("question_id", "rule_id"), EMERGENCY_FLAGS)
def test_each_emergency_warning_sign_alone_means_999_or_a_and_e(
    question_id: str, rule_id: str
) -> None:
    outcome = evaluate(usual_runners_knee(**{question_id: True}))
    assert outcome.level is Level.EMERGENCY
    assert outcome.reasons[0].rule_id == rule_id
    assert outcome.reasons[0].answers[0].answer == "Yes"
    assert outcome.advice.title == "Call 999 or go to A&E now"
    assert outcome.stopped_early is True


@pytest.mark.parametrize("question_id", EMERGENCY_FLAGS)
def test_an_emergency_answer_stops_the_checker_at_once(question_id: tuple[str, str]) -> None:
    answers: AnswerDict = {question_id[0]: True}
    assert stops_early(validate_answers(answers))
    assert next_question(validate_answers(answers)) is None
    outcome = evaluate(answers)
    assert outcome.level is Level.EMERGENCY
    assert outcome.stopped_early is True


@pytest.mark.parametrize("question_id", SAME_DAY_FLAGS)
def test_each_same_day_warning_sign_means_nhs_111_or_a_gp_today(question_id: str) -> None:
    outcome = evaluate(usual_runners_knee(**{question_id: True}))
    assert outcome.level is Level.URGENT_SAME_DAY
    assert outcome.reasons[0].rule_id == question_id
    assert "NHS 111" in outcome.advice.steps[0]
    assert outcome.stopped_early is False


def test_a_same_day_answer_does_not_stop_the_checker() -> None:
    answers = validate_answers({"hot_swollen_with_fever": True})
    assert not stops_early(answers)
    question = next_question(answers)
    assert question is not None
    assert question.id == "breathless_or_chest_pain"


def test_several_swollen_joints_means_booking_a_gp_soon() -> None:
    outcome = evaluate(usual_runners_knee(several_joints_swollen=True))
    assert outcome.level is Level.SOON
    assert rule_ids(usual_runners_knee(several_joints_swollen=True)) == [
        "several_joints_swollen",
        "usual_pattern",
    ]


def test_the_most_urgent_answer_wins_and_every_reason_is_kept_most_urgent_first() -> None:
    answers = usual_runners_knee(
        locked_knee=True, numb_or_cold_foot=True, duration="over_12_months"
    )
    outcome = evaluate(answers)
    assert outcome.level is Level.EMERGENCY
    assert [r.level for r in outcome.reasons] == [
        Level.EMERGENCY,
        Level.URGENT_SAME_DAY,
        Level.SOON,
        Level.SELF_CARE,
    ]


def test_every_rule_names_its_source_in_the_dossier() -> None:
    assert all("clinical.md §" in rule.source for rule in RED_FLAG_RULES)
    outcome = evaluate(usual_runners_knee(recent_injury=True, **ottawa_no()))
    assert all("clinical.md §" in reason.source for reason in outcome.reasons)


def test_every_level_has_plain_advice() -> None:
    assert set(ADVICE) == set(Level)
    assert "999" in ADVICE[Level.EMERGENCY].steps[0]
    assert "111" in ADVICE[Level.URGENT_SAME_DAY].steps[0]
    assert "physiotherapist" in ADVICE[Level.SOON].steps[0]


# --- Ottawa knee rule questions (escalate only) ----------------------------------------------


def ottawa_no() -> dict[str, object]:
    return {
        "ottawa_four_steps": False,
        "ottawa_cannot_bend": False,
        "ottawa_kneecap_tender": False,
        "ottawa_outer_bump_tender": False,
    }


@pytest.mark.parametrize(
    "proxy",
    [
        "ottawa_four_steps",
        "ottawa_cannot_bend",
        "ottawa_kneecap_tender",
        "ottawa_outer_bump_tender",
    ],
)
def test_any_ottawa_proxy_after_a_recent_injury_means_same_day_assessment(proxy: str) -> None:
    answers = usual_runners_knee(recent_injury=True, **{**ottawa_no(), proxy: True})
    outcome = evaluate(answers)
    assert outcome.level is Level.URGENT_SAME_DAY
    assert outcome.reasons[0].rule_id == "ottawa_proxy"
    shown = {a.question_id: a.answer for a in outcome.reasons[0].answers}
    assert shown == {"recent_injury": "Yes", "age_years": "30", proxy: "Yes"}


def test_age_55_after_a_recent_injury_means_same_day_assessment() -> None:
    answers = usual_runners_knee(
        age_years=55, recent_injury=True, short_morning_stiffness=False, **ottawa_no()
    )
    assert evaluate(answers).level is Level.URGENT_SAME_DAY
    assert "ottawa_proxy" in rule_ids(answers)


def test_age_54_after_a_recent_injury_with_no_proxy_still_means_seeing_someone_soon() -> None:
    answers = usual_runners_knee(
        age_years=54, recent_injury=True, short_morning_stiffness=False, **ottawa_no()
    )
    outcome = evaluate(answers)
    assert outcome.level is Level.SOON
    assert "ottawa_proxy" not in rule_ids(answers)
    assert "recent_injury" in rule_ids(answers)


def test_age_55_without_an_injury_is_not_an_ottawa_escalation() -> None:
    answers = usual_runners_knee(age_years=60, short_morning_stiffness=False)
    assert "ottawa_proxy" not in rule_ids(answers)


def test_no_outcome_ever_says_an_x_ray_is_not_needed() -> None:
    answers = usual_runners_knee(recent_injury=True, **ottawa_no())
    outcome = evaluate(answers)
    words = " ".join([*outcome.advice.steps, *(r.text for r in outcome.reasons)]).lower()
    assert "no x-ray" not in words
    assert "x-ray is not needed" not in words
    assert "do not need an x-ray" not in words


def test_the_ottawa_questions_are_asked_only_after_a_recent_injury() -> None:
    four_steps = QUESTIONS_BY_ID["ottawa_four_steps"]
    assert not is_enabled(four_steps, {"recent_injury": False})
    assert not is_enabled(four_steps, {})
    assert is_enabled(four_steps, {"recent_injury": True})


# --- The usual pattern and other causes -----------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"pain_location": "outer_side"},
        {"pain_location": "hard_to_say"},
        {"aggravating_activities": ()},
    ],
)
def test_answers_that_do_not_fit_the_usual_pattern_mean_booking_soon(
    changes: dict[str, object],
) -> None:
    answers = usual_runners_knee(**changes)
    assert evaluate(answers).level is Level.SOON
    assert rule_ids(answers) == ["not_usual_pattern"]


def test_an_empty_activity_list_reads_as_none_of_these() -> None:
    outcome = evaluate(usual_runners_knee(aggravating_activities=()))
    assert outcome.reasons[0].answers[1].answer == "None of these"


@pytest.mark.parametrize(
    ("changes", "rule_id"),
    [
        ({"not_better_with_self_care": True}, "not_better_with_self_care"),
        ({"duration": "over_12_months"}, "long_duration"),
        ({"catching_or_giving_way": True}, "catching_or_giving_way"),
        ({"bony_spot_worse_running": True}, "bony_spot_worse_running"),
    ],
)
def test_these_answers_mean_booking_a_gp_or_physio_soon(
    changes: dict[str, object], rule_id: str
) -> None:
    answers = usual_runners_knee(**changes)
    assert evaluate(answers).level is Level.SOON
    assert rule_ids(answers)[0] == rule_id


def test_a_deep_groin_ache_that_builds_with_running_means_same_day() -> None:
    outcome = evaluate(usual_runners_knee(groin_pain_running=True))
    assert outcome.level is Level.URGENT_SAME_DAY
    assert outcome.reasons[0].rule_id == "groin_pain_running"


def test_features_of_other_causes_become_things_to_mention_without_a_diagnosis() -> None:
    answers = usual_runners_knee(outer_pain_during_run=True, hip_or_back_pain=True)
    outcome = evaluate(answers)
    assert outcome.level is Level.SELF_CARE
    assert [m.question_id for m in outcome.mentions] == [
        "outer_pain_during_run",
        "hip_or_back_pain",
    ]
    assert "outer side" in outcome.mentions[0].text


def test_young_runners_are_asked_about_a_bump_below_the_kneecap() -> None:
    answers = usual_runners_knee(age_years=13, bump_below_kneecap=True)
    outcome = evaluate(answers)
    assert [m.question_id for m in outcome.mentions] == ["bump_below_kneecap"]
    assert not is_enabled(QUESTIONS_BY_ID["bump_below_kneecap"], {"age_years": 18})


def test_runners_aged_45_or_over_are_asked_about_morning_stiffness() -> None:
    stiffness = QUESTIONS_BY_ID["short_morning_stiffness"]
    assert is_enabled(stiffness, {"age_years": 45})
    assert not is_enabled(stiffness, {"age_years": 44})
    answers = usual_runners_knee(age_years=50, short_morning_stiffness=True)
    assert [m.question_id for m in evaluate(answers).mentions] == ["short_morning_stiffness"]


# --- Order of questions ----------------------------------------------------------------------


def test_warning_signs_come_first_then_injury_then_pattern_then_other_causes() -> None:
    sections = [q.section for q in QUESTIONS]
    first_seen = list(dict.fromkeys(sections))
    assert first_seen == [
        Section.RED_FLAGS,
        Section.INJURY,
        Section.PATTERN,
        Section.OTHER_CAUSES,
    ]
    assert sections == sorted(sections, key=first_seen.index)


def test_next_question_walks_through_the_questions_in_order_skipping_disabled_ones() -> None:
    answers: AnswerDict = {}
    asked = []
    while (question := next_question(validate_answers(answers))) is not None:
        asked.append(question.id)
        answers[question.id] = usual_runners_knee().get(question.id, False)
    assert "ottawa_four_steps" not in asked
    assert "bump_below_kneecap" not in asked
    assert asked[0] == "breathless_or_chest_pain"
    assert asked[-1] == "swelling_front_of_kneecap"
    assert evaluate(answers).level is Level.SELF_CARE


def test_missing_questions_lists_what_is_still_to_ask() -> None:
    assert missing_questions(validate_answers(usual_runners_knee())) == []
    answers = usual_runners_knee()
    del answers["locked_knee"]
    assert [q.id for q in missing_questions(validate_answers(answers))] == ["locked_knee"]


# --- Bad answers ----------------------------------------------------------------------------


def test_an_unanswered_question_is_named_in_the_error() -> None:
    answers = usual_runners_knee()
    del answers["duration"]
    with pytest.raises(TriageError, match="'duration'"):
        evaluate(answers)


def test_an_unknown_question_is_named_in_the_error() -> None:
    with pytest.raises(TriageError, match="'favourite_colour' is not a question"):
        evaluate(usual_runners_knee(favourite_colour="blue"))


@pytest.mark.parametrize(
    ("question_id", "value", "message"),
    [
        ("locked_knee", "yes", "'locked_knee' needs a yes or no answer"),
        ("age_years", "thirty", "'age_years' needs a whole number"),
        ("age_years", True, "'age_years' needs a whole number"),
        ("age_years", 4, "'age_years' must be between 5 and 110, not 4"),
        ("age_years", 111, "'age_years' must be between 5 and 110, not 111"),
        ("pain_location", 3, "'pain_location' needs one of its listed answers"),
        ("pain_location", "elbow", "'elbow' is not one of the answers to 'pain_location'"),
        ("aggravating_activities", "stairs", "'aggravating_activities' needs a list"),
        ("aggravating_activities", [1], "'aggravating_activities' needs a list"),
        ("aggravating_activities", ["flying"], "'flying' is not one of the answers"),
        ("aggravating_activities", ["stairs", "stairs"], "lists the same answer twice"),
    ],
)
def test_a_wrong_answer_is_refused_with_a_message_naming_the_question(
    question_id: str, value: object, message: str
) -> None:
    with pytest.raises(TriageError, match=message):
        validate_answer(QUESTIONS_BY_ID[question_id], value)


def test_multiple_answers_are_put_in_the_order_of_the_options() -> None:
    question = QUESTIONS_BY_ID["aggravating_activities"]
    assert validate_answer(question, ["running", "squatting"]) == ("squatting", "running")


def test_an_answer_to_a_question_that_was_not_asked_is_refused() -> None:
    answers = usual_runners_knee(ottawa_cannot_bend=True)
    with pytest.raises(TriageError, match="'ottawa_cannot_bend' was answered but is only asked"):
        evaluate(answers)


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        (EnableWhen("age_years", "<", 18), {"age_years": 17}, True),
        (EnableWhen("age_years", "<", 18), {"age_years": True}, False),
        (EnableWhen("age_years", ">=", 45), {"age_years": 45}, True),
        (EnableWhen("age_years", "=", 40), {"age_years": 40}, True),
        (EnableWhen("age_years", "=", 40), {"age_years": 41}, False),
        (EnableWhen("pain_location", "=", True), {"pain_location": "outer_side"}, False),
        (EnableWhen("recent_injury", "=", True), {"recent_injury": 1}, False),
    ],
)
def test_enable_conditions_compare_like_fhir_enable_when(
    condition: EnableWhen, answers: dict[str, bool | int | str], expected: bool
) -> None:
    assert condition.holds(answers) is expected


def test_every_question_has_help_text_and_choices_have_options() -> None:
    for question in QUESTIONS:
        assert question.help_text
        assert question.text.endswith("?")
        choice = question.answer_type in (AnswerType.CHOICE, AnswerType.MULTI_CHOICE)
        assert bool(question.options) is choice
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)
