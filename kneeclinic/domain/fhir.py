"""A runner's record as a FHIR R4 Bundle: plain values in, JSON-ready dicts out.

Codes: LOINC where a code exists (pain score 72514-3, exercise duration 55411-3); our own code
system ``urn:kneeclinic:codesystem:observations`` where none does (running distance, Kujala total).
docs/fhir.md lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OUR_CODES = "urn:kneeclinic:codesystem:observations"
PATIENT_IDS = "urn:kneeclinic:patient"
KUJALA_QUESTIONNAIRE = "urn:kneeclinic:questionnaire:akps|1"
PAIN_LOINC = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
DURATION_LOINC = ("55411-3", "Exercise duration")
DISTANCE_CODE = ("running-distance", "Running distance")
KUJALA_CODE = ("akps-total", "Kujala Anterior Knee Pain Scale total score")
ACTIVITY_CATEGORY = {
    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
    "code": "activity",
    "display": "Activity",
}
SURVEY_CATEGORY = {**ACTIVITY_CATEGORY, "code": "survey", "display": "Survey"}


class FhirError(ValueError):
    """Values that cannot make a valid FHIR resource."""


@dataclass(frozen=True, slots=True)
class PainValue:
    code: str
    at: datetime
    pain_nrs: int
    when: str


@dataclass(frozen=True, slots=True)
class RunValue:
    code: str
    start: datetime
    distance_m: float | None
    duration_s: float
    sport: str


@dataclass(frozen=True, slots=True)
class ScoreValue:
    code: str
    at: datetime
    total: int
    answers: dict[str, Any]


def _when(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise FhirError("FHIR times need a time zone.")
    return moment.isoformat()


def _coding(system: str, pair: tuple[str, str]) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": pair[0], "display": pair[1]}], "text": pair[1]}


def patient(code: str) -> dict[str, Any]:
    """A minimal Patient: an identifier only, no name or birth date (they stay on the server)."""
    return {
        "resourceType": "Patient",
        "id": code,
        "identifier": [{"system": PATIENT_IDS, "value": code}],
    }


def _observation(
    ident: str, subject: str, category: dict[str, str], code: dict[str, Any], when: datetime
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": ident,
        "status": "final",
        "category": [{"coding": [category]}],
        "code": code,
        "subject": {"reference": f"Patient/{subject}"},
        "effectiveDateTime": _when(when),
    }


def pain_observation(subject: str, pain: PainValue) -> dict[str, Any]:
    if not 0 <= pain.pain_nrs <= 10:
        raise FhirError(f"A pain score is 0-10, not {pain.pain_nrs}.")
    resource = _observation(
        f"pain-{pain.code}", subject, SURVEY_CATEGORY, _coding(LOINC, PAIN_LOINC), pain.at
    )
    resource["valueInteger"] = pain.pain_nrs
    resource["note"] = [{"text": f"Recorded {pain.when}."}]
    return resource


def run_observations(subject: str, run: RunValue) -> list[dict[str, Any]]:
    """Duration always; distance when the run has one (a treadmill without a foot pod may not)."""
    duration = _observation(
        f"run-duration-{run.code}",
        subject,
        ACTIVITY_CATEGORY,
        _coding(LOINC, DURATION_LOINC),
        run.start,
    )
    duration["valueQuantity"] = {
        "value": round(run.duration_s / 60, 2),
        "unit": "min",
        "system": UCUM,
        "code": "min",
    }
    out = [duration]
    if run.distance_m is not None:
        distance = _observation(
            f"run-distance-{run.code}",
            subject,
            ACTIVITY_CATEGORY,
            _coding(OUR_CODES, DISTANCE_CODE),
            run.start,
        )
        distance["valueQuantity"] = {
            "value": round(run.distance_m, 1),
            "unit": "m",
            "system": UCUM,
            "code": "m",
        }
        out.append(distance)
    return out


def kujala_response(subject: str, score: ScoreValue) -> dict[str, Any]:
    """A QuestionnaireResponse with the answers and the total score as its last item."""
    if not 0 <= score.total <= 100:
        raise FhirError(f"A Kujala total is 0-100, not {score.total}.")
    items = [
        {"linkId": str(key), "answer": [_answer(value)]}
        for key, value in sorted(score.answers.items())
    ]
    items.append(
        {"linkId": "total", "text": KUJALA_CODE[1], "answer": [{"valueInteger": score.total}]}
    )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"akps-{score.code}",
        "questionnaire": KUJALA_QUESTIONNAIRE,
        "status": "completed",
        "subject": {"reference": f"Patient/{subject}"},
        "authored": _when(score.at),
        "item": items,
    }


def _answer(value: object) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    return {"valueString": str(value)}


def bundle(
    subject: str,
    *,
    pains: Iterable[PainValue] = (),
    runs: Iterable[RunValue] = (),
    scores: Iterable[ScoreValue] = (),
    responses: Sequence[dict[str, Any]] = (),
    generated: datetime,
) -> dict[str, Any]:
    """A collection Bundle: the Patient, then pain, run and score resources."""
    resources: list[dict[str, Any]] = [patient(subject)]
    resources += [pain_observation(subject, p) for p in pains]
    for run in runs:
        resources += run_observations(subject, run)
    resources += [kujala_response(subject, s) for s in scores]
    for response in responses:
        resources.append({**response, "subject": {"reference": f"Patient/{subject}"}})
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _when(generated),
        "entry": [
            {"fullUrl": f"urn:kneeclinic:{r['resourceType']}:{r.get('id', index)}", "resource": r}
            for index, r in enumerate(resources)
        ],
    }
