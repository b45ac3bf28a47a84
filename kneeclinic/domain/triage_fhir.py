"""The symptom checker as a FHIR R4 Questionnaire, and answers read from a QuestionnaireResponse.

Both are built from the same question data as the checker itself (:mod:`triage`), so the form a
clinician's system sees can never drift from the questions the runner is asked. The resources use
only elements that are the same in FHIR R4 (4.0.1) and R4B (4.3.0): Questionnaire and
QuestionnaireResponse did not change between the two.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from kneeclinic.domain.triage import (
    QUESTIONNAIRE_VERSION,
    QUESTIONS,
    QUESTIONS_BY_ID,
    SECTION_TITLES,
    AnswerType,
    AnswerValue,
    Outcome,
    Question,
    Section,
    TriageError,
    evaluate,
    validate_answers,
)

QUESTIONNAIRE_URL = "urn:kneeclinic:questionnaire:knee-symptom-checker"
CODE_SYSTEM = "urn:kneeclinic:codesystem:knee-symptom-checker"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
RESPONSE_STATUSES = frozenset({"in-progress", "completed", "amended"})

FHIR_TYPES: dict[AnswerType, str] = {
    AnswerType.BOOLEAN: "boolean",
    AnswerType.INTEGER: "integer",
    AnswerType.CHOICE: "choice",
    AnswerType.MULTI_CHOICE: "choice",
}
VALUE_KEYS: dict[AnswerType, str] = {
    AnswerType.BOOLEAN: "valueBoolean",
    AnswerType.INTEGER: "valueInteger",
    AnswerType.CHOICE: "valueCoding",
    AnswerType.MULTI_CHOICE: "valueCoding",
}
KIND_WORDS: dict[AnswerType, str] = {
    AnswerType.BOOLEAN: "a yes or no answer (valueBoolean)",
    AnswerType.INTEGER: "a whole number (valueInteger)",
    AnswerType.CHOICE: "one of its listed answers (valueCoding)",
    AnswerType.MULTI_CHOICE: "its listed answers (valueCoding)",
}


def _question_item(question: Question) -> dict[str, Any]:
    item: dict[str, Any] = {
        "linkId": question.id,
        "text": question.text,
        "type": FHIR_TYPES[question.answer_type],
        "required": question.answer_type is not AnswerType.MULTI_CHOICE,
    }
    if question.answer_type is AnswerType.MULTI_CHOICE:
        item["repeats"] = True
    if question.options:
        item["answerOption"] = [
            {"valueCoding": {"system": CODE_SYSTEM, "code": o.code, "display": o.text}}
            for o in question.options
        ]
    extensions = []
    if question.min_value is not None:
        extensions.append({"url": MIN_VALUE, "valueInteger": question.min_value})
    if question.max_value is not None:
        extensions.append({"url": MAX_VALUE, "valueInteger": question.max_value})
    if extensions:
        item["extension"] = extensions
    if question.enable_when is not None:
        condition = question.enable_when
        key = "answerBoolean" if isinstance(condition.value, bool) else "answerInteger"
        item["enableWhen"] = [
            {
                "question": condition.question_id,
                "operator": condition.operator,
                key: condition.value,
            }
        ]
    item["item"] = [
        {
            "linkId": f"{question.id}.help",
            "text": question.help_text,
            "type": "display",
            "extension": [
                {
                    "url": ITEM_CONTROL,
                    "valueCodeableConcept": {
                        "coding": [{"system": ITEM_CONTROL_SYSTEM, "code": "help"}]
                    },
                }
            ],
        }
    ]
    return item


def build_questionnaire() -> dict[str, Any]:
    """The checker as a FHIR R4 Questionnaire resource (a JSON-ready dict)."""
    groups = [
        {
            "linkId": section.value,
            "text": SECTION_TITLES[section],
            "type": "group",
            "item": [_question_item(q) for q in QUESTIONS if q.section is section],
        }
        for section in Section
    ]
    return {
        "resourceType": "Questionnaire",
        "id": "knee-symptom-checker",
        "url": QUESTIONNAIRE_URL,
        "version": QUESTIONNAIRE_VERSION,
        "name": "KneeSymptomChecker",
        "title": "Knee symptom checker",
        "status": "draft",
        "language": "en-GB",
        "subjectType": ["Patient"],
        "description": (
            "Questions for runners with knee pain: warning signs first, then injury questions, "
            "the usual pattern of runner's knee and features of other causes. It helps decide "
            "where to get help; it does not diagnose."
        ),
        "item": groups,
    }


def _fhir_value(question: Question, value: AnswerValue) -> list[dict[str, Any]]:
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    if isinstance(value, int):
        return [{"valueInteger": value}]
    codes = (value,) if isinstance(value, str) else value
    return [
        {
            "valueCoding": {
                "system": CODE_SYSTEM,
                "code": code,
                "display": question.option_text(code),
            }
        }
        for code in codes
    ]


def build_response(
    answers: Mapping[str, object], authored: datetime, status: str = "completed"
) -> dict[str, Any]:
    """A FHIR R4 QuestionnaireResponse holding these answers, grouped like the Questionnaire."""
    if authored.tzinfo is None or authored.utcoffset() is None:
        raise TriageError("The time the answers were given needs a time zone.")
    if status not in RESPONSE_STATUSES:
        raise TriageError(f"'{status}' is not a status a QuestionnaireResponse can have.")
    clean = validate_answers(answers)
    groups = []
    for section in Section:
        items = [
            {"linkId": q.id, "text": q.text, "answer": _fhir_value(q, clean[q.id])}
            for q in QUESTIONS
            if q.section is section and q.id in clean
        ]
        if items:
            groups.append({"linkId": section.value, "text": SECTION_TITLES[section], "item": items})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{QUESTIONNAIRE_URL}|{QUESTIONNAIRE_VERSION}",
        "status": status,
        "authored": authored.isoformat(),
        "item": groups,
    }


def _walk(items: object, where: str) -> Iterator[dict[str, Any]]:
    if not isinstance(items, list):
        raise TriageError(f"'item' in {where} must be a list.")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("linkId"), str):
            raise TriageError(f"Every item in {where} needs a 'linkId'.")
        is_group = item["linkId"] not in QUESTIONS_BY_ID and "answer" not in item
        if is_group and "item" in item:
            yield from _walk(item["item"], f"'{item['linkId']}'")
        else:
            yield item


def _read_value(question: Question, answer: object) -> bool | int | str:
    key = VALUE_KEYS[question.answer_type]
    if not isinstance(answer, dict) or key not in answer:
        raise TriageError(f"'{question.id}' needs {KIND_WORDS[question.answer_type]}.")
    value = answer[key]
    if key != "valueCoding":
        return value  # type: ignore[no-any-return]  # checked by validate_answers
    code = value.get("code") if isinstance(value, dict) else None
    if not isinstance(code, str):
        raise TriageError(f"'{question.id}' has an answer without a code.")
    return code


def _check_header(resource: object) -> dict[str, Any]:
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        raise TriageError("This is not a FHIR QuestionnaireResponse.")
    if resource.get("status") not in RESPONSE_STATUSES:
        raise TriageError(f"The response status {resource.get('status')!r} is not one we accept.")
    canonical = resource.get("questionnaire")
    if not isinstance(canonical, str):
        raise TriageError("The response does not say which questionnaire it answers.")
    url, _, version = canonical.partition("|")
    if url != QUESTIONNAIRE_URL:
        raise TriageError(f"The response answers another questionnaire ({url}).")
    if version != QUESTIONNAIRE_VERSION:
        shown = version or "no version"
        raise TriageError(
            f"The response answers version {shown} of the checker; this checker is version "
            f"{QUESTIONNAIRE_VERSION}. Please answer the current questions."
        )
    return resource


def parse_response(resource: object) -> dict[str, AnswerValue]:
    """Read the answers from a QuestionnaireResponse (a parsed JSON dict), checking each one."""
    checked = _check_header(resource)
    raw: dict[str, object] = {}
    for item in _walk(checked.get("item", []), "the response"):
        link_id = item["linkId"]
        question = QUESTIONS_BY_ID.get(link_id)
        if question is None:
            raise TriageError(f"'{link_id}' is not a question in this checker.")
        if link_id in raw:
            raise TriageError(f"'{link_id}' is answered more than once.")
        answers = item.get("answer", [])
        if not isinstance(answers, list):
            raise TriageError(f"'{link_id}' has answers that are not a list.")
        values = [_read_value(question, answer) for answer in answers]
        if question.answer_type is AnswerType.MULTI_CHOICE:
            raw[link_id] = tuple(values)
        elif len(values) != 1:
            raise TriageError(f"'{link_id}' needs exactly one answer, not {len(values)}.")
        else:
            raw[link_id] = values[0]
    return validate_answers(raw)


def outcome_to_dict(outcome: Outcome) -> dict[str, Any]:
    """The outcome as plain JSON-ready data (used by the CLI and the API)."""
    return {
        "level": outcome.level.value,
        "title": outcome.advice.title,
        "advice": list(outcome.advice.steps),
        "reasons": [
            {
                "rule": r.rule_id,
                "level": r.level.value,
                "text": r.text,
                "source": r.source,
                "answers": [
                    {"question_id": a.question_id, "question": a.question, "answer": a.answer}
                    for a in r.answers
                ],
            }
            for r in outcome.reasons
        ],
        "mention_to_your_physio_or_gp": [m.text for m in outcome.mentions],
        "stopped_early": outcome.stopped_early,
        "disclaimer": outcome.disclaimer,
    }


def format_outcome(outcome: Outcome) -> str:
    """The outcome as plain text for a terminal."""
    lines = [outcome.advice.title.upper(), ""]
    lines += [f"- {step}" for step in outcome.advice.steps]
    lines += ["", "Why:"]
    for reason in outcome.reasons:
        lines.append(f"- {reason.text}")
        lines += [f"    {a.question} {a.answer}." for a in reason.answers]
    if outcome.mentions:
        lines += ["", "Things to mention to your physio or GP:"]
        lines += [f"- {m.text}" for m in outcome.mentions]
    lines += ["", outcome.disclaimer]
    return "\n".join(lines) + "\n"


def run_triage_cli(text: str, as_json: bool = False) -> tuple[int, str]:
    """`kneeclinic triage [--json] < response.json`: exit code and what to print."""
    try:
        resource = json.loads(text)
    except json.JSONDecodeError as error:
        return 2, f"Error: the input is not valid JSON ({error.msg}, line {error.lineno}).\n"
    try:
        outcome = evaluate(parse_response(resource))
    except TriageError as error:
        return 2, f"Error: {error}\n"
    if as_json:
        return 0, json.dumps(outcome_to_dict(outcome), indent=2, ensure_ascii=False) + "\n"
    return 0, format_outcome(outcome)
