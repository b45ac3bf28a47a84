"""`kneeclinic triage` and `kneeclinic score akps` read standard input and print the outcome."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from kneeclinic.domain.proms import AKPS_ITEMS
from kneeclinic.domain.triage_fhir import build_response
from tests.domain.test_triage import usual_runners_knee

AUTHORED = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)


def run(monkeypatch: pytest.MonkeyPatch, stdin: str, *args: str) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_triage_round_trips_a_questionnaire_response_to_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    response = build_response(usual_runners_knee(calf_swelling_one_leg=True), AUTHORED)
    data = json.loads(run(monkeypatch, json.dumps(response), "triage", "--json"))
    assert data["level"] == "urgent_same_day"
    assert data["reasons"][0]["rule"] == "calf_swelling_one_leg"
    assert data["reasons"][0]["answers"][0]["answer"] == "Yes"
    assert "NHS 111" in data["advice"][0]


def test_triage_prints_plain_text_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    response = build_response({"cannot_bear_weight": True}, AUTHORED, status="in-progress")
    text = run(monkeypatch, json.dumps(response), "triage")
    assert text.startswith("CALL 999 OR GO TO A&E NOW\n")


def test_triage_refuses_a_response_from_another_version(monkeypatch: pytest.MonkeyPatch) -> None:
    response = build_response(usual_runners_knee(), AUTHORED)
    response["questionnaire"] = response["questionnaire"].replace("|1.0.0", "|0.1.0")
    with pytest.raises(CommandError, match=r"version 0\.1\.0 of the checker") as raised:
        run(monkeypatch, json.dumps(response), "triage")
    assert raised.value.returncode == 2


def test_score_akps_prints_the_total(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {item.id: item.options[0].code for item in AKPS_ITEMS} | {"stairs": "unable"}
    document = json.dumps({"questionnaire": "akps", "version": "1", "answers": answers})
    assert json.loads(run(monkeypatch, document, "score", "akps", "--json"))["total"] == 90
    assert run(monkeypatch, document, "score", "akps").startswith("Kujala (AKPS) score: 90")


def test_score_akps_names_a_missing_item(monkeypatch: pytest.MonkeyPatch) -> None:
    document = json.dumps({"questionnaire": "akps", "version": "1", "answers": {}})
    with pytest.raises(CommandError, match=r"missing: item 1 \(Limp\)"):
        run(monkeypatch, document, "score", "akps")
