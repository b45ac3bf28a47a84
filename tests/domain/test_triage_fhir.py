"""The checker as a FHIR Questionnaire, answers as a QuestionnaireResponse, and the CLI text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from kneeclinic.domain.triage import QUESTIONS, TriageError, evaluate
from kneeclinic.domain.triage_fhir import (
    QUESTIONNAIRE_URL,
    build_questionnaire,
    build_response,
    format_outcome,
    outcome_to_dict,
    parse_response,
    run_triage_cli,
)
from tests.domain.test_triage import usual_runners_knee

AUTHORED = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def response(**changes: object) -> dict[str, Any]:
    return build_response(usual_runners_knee(**changes), AUTHORED)


def test_the_questionnaire_is_valid_fhir_r4() -> None:
    questionnaire = Questionnaire.model_validate(build_questionnaire())
    assert questionnaire.url == QUESTIONNAIRE_URL
    assert questionnaire.version == "1.0.0"
    assert questionnaire.item is not None
    assert [group.linkId for group in questionnaire.item] == [
        "red_flags",
        "injury",
        "pattern",
        "other_causes",
    ]


def test_the_questionnaire_holds_every_question_once_in_order_with_its_help() -> None:
    resource = build_questionnaire()
    items = [item for group in resource["item"] for item in group["item"]]
    assert [item["linkId"] for item in items] == [q.id for q in QUESTIONS]
    locked = next(item for item in items if item["linkId"] == "locked_knee")
    assert locked["type"] == "boolean"
    assert locked["required"] is True
    assert locked["item"][0]["type"] == "display"
    assert locked["item"][0]["text"].startswith("Stiffness that eases")


def test_the_questionnaire_carries_choices_limits_and_conditions() -> None:
    items = {item["linkId"]: item for g in build_questionnaire()["item"] for item in g["item"]}
    assert items["aggravating_activities"]["repeats"] is True
    assert items["aggravating_activities"]["required"] is False
    codes = [o["valueCoding"]["code"] for o in items["pain_location"]["answerOption"]]
    assert codes[0] == "around_kneecap"
    assert [e["valueInteger"] for e in items["age_years"]["extension"]] == [5, 110]
    assert items["ottawa_four_steps"]["enableWhen"] == [
        {"question": "recent_injury", "operator": "=", "answerBoolean": True}
    ]
    assert items["bump_below_kneecap"]["enableWhen"] == [
        {"question": "age_years", "operator": "<", "answerInteger": 18}
    ]


def test_a_built_response_is_valid_fhir_r4_and_round_trips_to_the_same_answers() -> None:
    answers = usual_runners_knee(recent_injury=True, ottawa_four_steps=True)
    answers.update(ottawa_cannot_bend=False, ottawa_kneecap_tender=False)
    answers.update(ottawa_outer_bump_tender=False)
    resource = build_response(answers, AUTHORED)
    QuestionnaireResponse.model_validate(resource)
    assert resource["questionnaire"] == f"{QUESTIONNAIRE_URL}|1.0.0"
    parsed = parse_response(json.loads(json.dumps(resource)))
    assert parsed == {**answers, "aggravating_activities": ("stairs", "running")}


def test_an_emergency_response_may_stop_after_the_first_answer() -> None:
    resource = build_response({"cannot_bear_weight": True}, AUTHORED, status="in-progress")
    QuestionnaireResponse.model_validate(resource)
    assert evaluate(parse_response(resource)).level == "emergency"


def test_a_response_needs_a_time_zone_and_a_real_status() -> None:
    with pytest.raises(TriageError, match="time zone"):
        build_response({}, datetime(2026, 3, 2, 8, 30))  # noqa: DTZ001
    with pytest.raises(TriageError, match="'finished' is not a status"):
        build_response({}, AUTHORED, status="finished")


def test_answers_in_flat_items_without_groups_are_read_too() -> None:
    resource = response()
    resource["item"] = [item for group in resource["item"] for item in group["item"]]
    assert parse_response(resource)["locked_knee"] is False


def test_no_answer_to_a_multiple_choice_question_means_none_of_these() -> None:
    resource = response()
    pattern = next(g for g in resource["item"] if g["linkId"] == "pattern")
    pattern["item"][1] = {"linkId": "aggravating_activities"}
    assert parse_response(resource)["aggravating_activities"] == ()


def edit(resource: dict[str, Any], link_id: str, answer: object) -> dict[str, Any]:
    for group in resource["item"]:
        for item in group["item"]:
            if item["linkId"] == link_id:
                item["answer"] = answer
    return resource


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ([], "not a FHIR QuestionnaireResponse"),
        ({"resourceType": "Patient"}, "not a FHIR QuestionnaireResponse"),
        ({**response(), "status": "stopped"}, "status 'stopped'"),
        ({**response(), "questionnaire": None}, "does not say which questionnaire"),
        (
            {**response(), "questionnaire": "urn:other|1.0.0"},
            r"another questionnaire \(urn:other\)",
        ),
        ({**response(), "questionnaire": f"{QUESTIONNAIRE_URL}|0.9.0"}, "version 0.9.0"),
        ({**response(), "questionnaire": QUESTIONNAIRE_URL}, "version no version"),
        ({**response(), "item": {}}, "must be a list"),
        ({**response(), "item": [{"text": "x"}]}, "needs a 'linkId'"),
        (
            {**response(), "item": [{"linkId": "shoe_size", "answer": [{"valueInteger": 9}]}]},
            "'shoe_size' is not a question",
        ),
        (edit(response(), "locked_knee", [{"valueString": "no"}]), "'locked_knee' needs a yes"),
        (edit(response(), "locked_knee", []), "'locked_knee' needs exactly one answer, not 0"),
        (
            edit(response(), "locked_knee", [{"valueBoolean": True}, {"valueBoolean": False}]),
            "exactly one answer, not 2",
        ),
        (edit(response(), "locked_knee", {"valueBoolean": True}), "not a list"),
        (edit(response(), "locked_knee", [{"valueBoolean": "yes"}]), "'locked_knee' needs a yes"),
        (edit(response(), "age_years", [{"valueInteger": 200}]), "between 5 and 110, not 200"),
        (edit(response(), "duration", [{"valueCoding": {}}]), "'duration' has an answer without"),
        (
            edit(response(), "duration", [{"valueCoding": {"code": "forever"}}]),
            "'forever' is not one of the answers to 'duration'",
        ),
    ],
)
def test_a_bad_response_is_refused_with_a_message_naming_what_is_wrong(
    resource: object, message: str
) -> None:
    with pytest.raises(TriageError, match=message):
        parse_response(resource)


def test_an_item_answered_twice_is_refused() -> None:
    resource = response()
    resource["item"][0]["item"].append({"linkId": "locked_knee", "answer": [{"valueBoolean": 1}]})
    with pytest.raises(TriageError, match="'locked_knee' is answered more than once"):
        parse_response(resource)


def test_the_outcome_as_json_names_level_reasons_answers_and_advice() -> None:
    data = outcome_to_dict(evaluate(usual_runners_knee(locked_knee=True, kneecap_slips=True)))
    assert data["level"] == "urgent_same_day"
    assert data["title"] == "Get medical help today"
    assert data["reasons"][0]["rule"] == "locked_knee"
    assert data["reasons"][0]["answers"][0]["answer"] == "Yes"
    assert data["reasons"][0]["source"].startswith("clinical.md §3")
    assert data["mention_to_your_physio_or_gp"] == [
        "The kneecap feels as if it slips out of place, or has come out of place before."
    ]
    assert data["stopped_early"] is False


def test_the_outcome_as_text_starts_with_what_to_do() -> None:
    text = format_outcome(evaluate(usual_runners_knee(kneecap_slips=True)))
    lines = text.splitlines()
    assert lines[0] == "LOOK AFTER YOUR KNEE AND ARRANGE A ROUTINE CHECK"
    assert "Why:" in lines
    assert "Things to mention to your physio or GP:" in lines
    assert "    Where does your knee hurt most? Around or behind the kneecap." in lines
    assert lines[-1].startswith("This checker gives information")


def test_the_cli_prints_the_outcome_as_text_or_json() -> None:
    text = json.dumps(response(numb_or_cold_foot=True))
    code, out = run_triage_cli(text)
    assert code == 0
    assert out.startswith("CALL 999 OR GO TO A&E NOW\n")
    code, out = run_triage_cli(text, as_json=True)
    assert code == 0
    assert json.loads(out)["level"] == "emergency"


def test_the_cli_explains_bad_input_with_exit_code_2() -> None:
    assert run_triage_cli("{not json") == (
        2,
        "Error: the input is not valid JSON (Expecting property name enclosed in double "
        "quotes, line 1).\n",
    )
    code, out = run_triage_cli(json.dumps({"resourceType": "Patient"}))
    assert (code, out) == (2, "Error: This is not a FHIR QuestionnaireResponse.\n")
