"""Writing to the diary: pain entries, the checker, self-help, advice and the Kujala scale."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.domain import triage
from kneeclinic.domain.proms import AKPS_ITEMS, PromError
from kneeclinic.domain.triage_fhir import build_response
from kneeclinic.symptoms import queries, services
from kneeclinic.symptoms.models import PainEntry
from tests.domain.test_triage import usual_runners_knee

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


def test_a_pain_entry_is_recorded_now_by_default(alice: User) -> None:
    recorded = services.record_pain(alice, pain_nrs=3, when="stairs", knee="right")
    assert recorded.created
    assert recorded.entry.at == NOW
    assert PainEntry.objects.get().pain_nrs == 3


def test_a_pain_entry_in_the_future_is_refused(alice: User) -> None:
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.record_pain(alice, pain_nrs=3, when="stairs", at=NOW + timedelta(hours=1))


def test_a_bad_score_or_time_of_day_is_refused(alice: User) -> None:
    with pytest.raises(ValidationError, match="from 0 to 10"):
        services.record_pain(alice, pain_nrs=11, when="stairs")
    with pytest.raises(ValidationError):
        services.record_pain(alice, pain_nrs=1, when="while_flying")


def test_a_double_tap_is_merged_into_one_entry(alice: User) -> None:
    first = services.record_pain(alice, pain_nrs=4, when="after_run")
    second = services.record_pain(
        alice, pain_nrs=4, when="after_run", at=NOW + timedelta(seconds=2)
    )
    assert not second.created
    assert second.entry.pk == first.entry.pk
    assert PainEntry.objects.count() == 1


def test_the_same_form_token_twice_is_one_entry(alice: User) -> None:
    token = uuid.uuid4()
    services.record_pain(alice, pain_nrs=2, when="at_rest", client_token=token)
    again = services.record_pain(
        alice, pain_nrs=2, when="at_rest", client_token=token, at=NOW - timedelta(minutes=30)
    )
    assert not again.created
    assert PainEntry.objects.count() == 1


def test_a_different_score_a_minute_apart_is_a_new_entry(alice: User) -> None:
    services.record_pain(alice, pain_nrs=4, when="after_run")
    services.record_pain(alice, pain_nrs=5, when="after_run")
    assert PainEntry.objects.count() == 2


def test_pain_after_a_run_is_linked_to_that_run(alice: User) -> None:
    run = Activity.objects.create(runner=alice, start=NOW - timedelta(hours=2), elapsed_s=1800)
    Activity.objects.create(runner=alice, start=NOW - timedelta(days=3), elapsed_s=1800)
    entry = services.record_pain(alice, pain_nrs=2, when="after_run").entry
    assert entry.activity == run
    stairs = services.record_pain(alice, pain_nrs=2, when="stairs").entry
    assert stairs.activity is None


def test_answering_the_checker_keeps_answers_and_finishes_on_an_emergency(alice: User) -> None:
    run = services.start_checker(alice)
    run = services.answer_question(run, "breathless_or_chest_pain", False)
    assert run.completed_at is None
    run = services.answer_question(run, "very_unwell", True)
    assert run.level == "emergency"
    assert run.completed_at == NOW
    assert services.checker_outcome(run).stopped_early


def test_changing_an_answer_forgets_questions_that_no_longer_apply(alice: User) -> None:
    run = services.start_checker(alice)
    run = services.answer_question(run, "recent_injury", True)
    run = services.answer_question(run, "ottawa_cannot_bend", True)
    run = services.answer_question(run, "recent_injury", False)
    assert "ottawa_cannot_bend" not in run.answers


def test_a_wrong_answer_to_the_checker_is_refused_by_name(alice: User) -> None:
    run = services.start_checker(alice)
    with pytest.raises(triage.TriageError, match="'age_years' must be between 5 and 110"):
        services.answer_question(run, "age_years", 200)
    with pytest.raises(triage.TriageError, match="'nope' is not a question"):
        services.answer_question(run, "nope", True)


def test_a_complete_checker_run_gets_its_level(alice: User) -> None:
    run = services.start_checker(alice)
    answers = usual_runners_knee()
    for question_id, value in answers.items():
        run = services.answer_question(run, question_id, value)
    assert run.level == "self_care"
    assert run.answers["aggravating_activities"] == ["stairs", "running"]


def test_a_questionnaire_response_is_kept_as_a_finished_run(alice: User) -> None:
    resource = build_response(usual_runners_knee(locked_knee=True), NOW)
    run, outcome = services.save_response(alice, resource)
    assert outcome.level is triage.Level.URGENT_SAME_DAY
    assert run.level == "urgent_same_day"
    assert services.checker_outcome(run).level is triage.Level.URGENT_SAME_DAY


def test_self_help_is_logged_and_bad_input_refused(alice: User) -> None:
    log = services.log_self_help(alice, "ice", minutes=15)
    assert log.measure == "ice"
    with pytest.raises(ValidationError, match="not a self-help measure"):
        services.log_self_help(alice, "magic")
    with pytest.raises(ValidationError, match="between 1 and 1440"):
        services.log_self_help(alice, "ice", minutes=0)
    with pytest.raises(ValidationError, match="future"):
        services.log_self_help(alice, "ice", at=NOW + timedelta(days=1))


def test_advice_cannot_be_recorded_for_a_future_day(alice: User) -> None:
    record = services.record_advice(alice, note=" saw Bob ")
    assert record.note == "saw Bob"
    with pytest.raises(ValidationError, match="future"):
        services.record_advice(alice, on=NOW.date() + timedelta(days=2))


def test_a_kujala_answer_set_is_scored_and_stored(alice: User) -> None:
    best = {item.id: item.options[0].code for item in AKPS_ITEMS}
    response = services.submit_akps(alice, best)
    assert response.total == 100
    assert queries.akps_history(alice) == [response]
    with pytest.raises(PromError, match="missing"):
        services.submit_akps(alice, {})


def test_pain_cannot_be_linked_to_someone_elses_run(alice: User, charlie: User) -> None:
    run = Activity.objects.create(runner=charlie, start=NOW - timedelta(hours=1), elapsed_s=600)
    with pytest.raises(ValidationError, match="not one of yours"):
        services.record_pain(alice, pain_nrs=2, when="after_run", activity=run)
