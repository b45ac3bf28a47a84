"""The FHIR builders: valid R4 resources from plain values, clear errors for bad ones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fhir.resources.R4B.bundle import Bundle

from kneeclinic.domain import fhir

WHEN = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)


def test_a_bundle_holds_the_patient_then_pain_runs_and_scores_and_validates() -> None:
    bundle = fhir.bundle(
        "runner-1",
        pains=[fhir.PainValue("p1", WHEN, 3, "after running")],
        runs=[
            fhir.RunValue("r1", WHEN, 5012.34, 1800, "running"),
            fhir.RunValue("r2", WHEN, None, 1200, "running"),
        ],
        scores=[fhir.ScoreValue("s1", WHEN, 82, {"limp": "none", "stairs": 5, "swelling": False})],
        responses=[{"resourceType": "QuestionnaireResponse", "id": "c1", "status": "completed"}],
        generated=WHEN,
    )
    Bundle.model_validate(bundle)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient", "Observation", "Observation", "Observation", "Observation",
                     "QuestionnaireResponse", "QuestionnaireResponse"]  # fmt: skip
    distance = bundle["entry"][3]["resource"]
    assert distance["valueQuantity"] == {
        "value": 5012.3,
        "unit": "m",
        "system": fhir.UCUM,
        "code": "m",
    }
    duration = bundle["entry"][2]["resource"]
    assert duration["valueQuantity"]["value"] == 30.0
    score = bundle["entry"][5]["resource"]
    answers = {item["linkId"]: item["answer"][0] for item in score["item"]}
    assert answers == {
        "limp": {"valueString": "none"},
        "stairs": {"valueInteger": 5},
        "swelling": {"valueBoolean": False},
        "total": {"valueInteger": 82},
    }
    assert bundle["entry"][6]["resource"]["subject"] == {"reference": "Patient/runner-1"}


def test_the_patient_carries_no_name_or_birth_date() -> None:
    assert set(fhir.patient("x")) == {"resourceType", "id", "identifier"}


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: fhir.pain_observation("x", fhir.PainValue("p", WHEN, 11, "now")), "0-10"),
        (lambda: fhir.kujala_response("x", fhir.ScoreValue("s", WHEN, 101, {})), "0-100"),
        (
            lambda: fhir.pain_observation("x", fhir.PainValue("p", datetime(2026, 1, 1), 2, "now")),  # noqa: DTZ001
            "time zone",
        ),
    ],
)
def test_values_that_cannot_be_valid_fhir_are_refused(build: object, message: str) -> None:
    with pytest.raises(fhir.FhirError, match=message):
        build()  # type: ignore[operator]
