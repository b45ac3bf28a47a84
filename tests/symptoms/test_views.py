"""The diary pages: checker, pain entries, Today card, self-help, Kujala, FHIR endpoints."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from fhir.resources.R4B.questionnaire import Questionnaire

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.domain.proms import AKPS_ITEMS
from kneeclinic.domain.triage_fhir import build_response
from kneeclinic.symptoms import services
from kneeclinic.symptoms.models import AkpsResponse, CheckerRun, PainEntry, SelfHelpLog
from tests.domain.test_triage import usual_runners_knee

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


def test_the_diary_page_shows_entries_chart_and_links(alice_client: Client, alice: User) -> None:
    services.record_pain(alice, pain_nrs=6, when="stairs", note="<b>ouch</b>")
    response = alice_client.get(reverse("symptoms:diary"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "6/10" in html
    assert "&lt;b&gt;ouch&lt;/b&gt;" in html
    assert 'id="pain-chart-data"' in html
    assert reverse("knowledge:show-article", args=["how-much-pain-is-ok"]) in html


def test_the_diary_needs_a_login(client: Client) -> None:
    response = client.get(reverse("symptoms:diary"))
    assert response.status_code == 302


def test_a_pain_entry_is_saved_from_the_form(alice_client: Client, alice: User) -> None:
    response = alice_client.post(
        reverse("symptoms:add-pain"),
        {"pain_nrs": "3", "when": "after_run", "knee": "right", "spot": "behind_kneecap"},
    )
    assert response.status_code == 302
    entry = PainEntry.objects.get(runner=alice)
    assert (entry.pain_nrs, entry.when, entry.spot) == (3, "after_run", "behind_kneecap")


def test_a_bad_pain_entry_comes_back_with_everything_still_filled_in(alice_client: Client) -> None:
    response = alice_client.post(
        reverse("symptoms:add-pain"),
        {"pain_nrs": "", "when": "stairs", "knee": "left", "note": "after the meeting"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a number from 0 (no pain) to 10." in html
    assert "after the meeting" in html
    assert 'value="stairs" required id="id_when_3" checked' in html or (
        'value="stairs"' in html and "checked" in html
    )
    assert PainEntry.objects.count() == 0


def test_a_pain_entry_in_the_future_is_refused_and_kept_in_the_form(alice_client: Client) -> None:
    response = alice_client.post(
        reverse("symptoms:add-pain"),
        {"pain_nrs": "2", "when": "at_rest", "at": "2026-03-17T10:00", "note": "tomorrow"},
    )
    assert response.status_code == 200
    assert "in the future" in response.content.decode()
    assert "tomorrow" in response.content.decode()
    assert PainEntry.objects.count() == 0


def test_a_double_submitted_form_saves_one_entry(alice_client: Client) -> None:
    data = {
        "pain_nrs": "4",
        "when": "stairs",
        "client_token": "2b3c2f9e-8d4e-4a8e-9b51-5c7c1f1f0a11",
    }
    alice_client.post(reverse("symptoms:add-pain"), data)
    alice_client.post(reverse("symptoms:add-pain"), data)
    assert PainEntry.objects.count() == 1


def test_a_runner_can_delete_only_their_own_entries(
    alice_client: Client, alice: User, charlie: User
) -> None:
    mine = services.record_pain(alice, pain_nrs=1, when="stairs").entry
    theirs = services.record_pain(charlie, pain_nrs=1, when="stairs").entry
    assert alice_client.post(reverse("symptoms:delete-pain", args=[theirs.code])).status_code == 404
    assert alice_client.post(reverse("symptoms:delete-pain", args=[mine.code])).status_code == 302
    assert list(PainEntry.objects.all()) == [theirs]


# --- Today -----------------------------------------------------------------------------------


def test_today_asks_about_the_knee_after_a_run_yesterday_and_one_tap_saves_it(
    alice_client: Client, alice: User
) -> None:
    Activity.objects.create(runner=alice, start=NOW - timedelta(days=1), elapsed_s=1800)
    html = alice_client.get(reverse("core:today")).content.decode()
    assert "How is your knee this morning?" in html
    response = alice_client.post(reverse("symptoms:record-morning"), {"pain_nrs": "2"})
    assert response.status_code == 302
    entry = PainEntry.objects.get()
    assert (entry.pain_nrs, entry.when) == (2, "next_morning")
    html = alice_client.get(reverse("core:today")).content.decode()
    assert "How is your knee this morning?" not in html


def test_a_bad_morning_tap_changes_nothing(alice_client: Client) -> None:
    response = alice_client.post(reverse("symptoms:record-morning"), {"pain_nrs": "12"})
    assert response.status_code == 302
    assert PainEntry.objects.count() == 0


def test_today_shows_the_traffic_light_with_its_reason(alice_client: Client, alice: User) -> None:
    services.record_pain(alice, pain_nrs=7, when="during_run", at=NOW - timedelta(hours=1))
    html = alice_client.get(reverse("core:today")).content.decode()
    assert "badge--red" in html
    assert "Pain during the run reached 7/10, above the limit of 5." in html


def test_the_niggle_warning_stays_on_today_until_advice_is_recorded(
    alice_client: Client, alice: User
) -> None:
    services.record_pain(alice, pain_nrs=2, when="stairs", at=NOW - timedelta(days=10))
    services.record_pain(alice, pain_nrs=4, when="stairs", at=NOW - timedelta(hours=3))
    html = alice_client.get(reverse("core:today")).content.decode()
    assert "Stop training, rest and get advice from a physiotherapist." in html
    alice_client.post(reverse("symptoms:record-advice"), {"note": "saw Bob"})
    html = alice_client.get(reverse("core:today")).content.decode()
    assert "Stop training, rest and get advice from a physiotherapist." not in html


def test_physios_get_no_diary_card_on_today(bob_client: Client) -> None:
    html = bob_client.get(reverse("core:today")).content.decode()
    assert "pain-card-heading" not in html


# --- Symptom checker -------------------------------------------------------------------------


def test_the_checker_starts_and_an_emergency_answer_goes_straight_to_999(
    alice_client: Client, alice: User
) -> None:
    assert alice_client.get(reverse("symptoms:start-checker")).status_code == 200
    response = alice_client.post(reverse("symptoms:start-checker"))
    run = CheckerRun.objects.get(runner=alice)
    assert response["Location"] == reverse(
        "symptoms:answer-question", args=[run.code, "breathless_or_chest_pain"]
    )
    page = alice_client.get(response["Location"]).content.decode()
    assert "Question 1 of about" in page
    response = alice_client.post(response["Location"], {"answer": "yes"})
    assert response["Location"] == reverse("symptoms:show-result", args=[run.code])
    result = alice_client.get(response["Location"]).content.decode()
    assert "Call 999 or go to A&amp;E now" in result
    assert 'href="tel:999"' in result
    assert "Print this summary" in result
    assert "summary for Alice" in result


def test_a_no_answer_moves_to_the_next_question_and_back_works(alice_client: Client) -> None:
    alice_client.post(reverse("symptoms:start-checker"))
    run = CheckerRun.objects.get()
    first = reverse("symptoms:answer-question", args=[run.code, "breathless_or_chest_pain"])
    response = alice_client.post(first, {"answer": "no"})
    second = reverse("symptoms:answer-question", args=[run.code, "very_unwell"])
    assert response["Location"] == second
    html = alice_client.get(second).content.decode()
    assert f'href="{first}"' in html
    assert 'aria-pressed="true"' in alice_client.get(first).content.decode()


def test_htmx_gets_only_the_question_and_the_new_address(alice_client: Client) -> None:
    alice_client.post(reverse("symptoms:start-checker"))
    run = CheckerRun.objects.get()
    url = reverse("symptoms:answer-question", args=[run.code, "breathless_or_chest_pain"])
    response = alice_client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response["HX-Push-Url"] == url
    assert "<html" not in html
    assert "checker-step" in html


def test_a_missing_answer_shows_an_error_on_the_same_question(alice_client: Client) -> None:
    alice_client.post(reverse("symptoms:start-checker"))
    run = CheckerRun.objects.get()
    run.answers = {q: False for q in list(usual_runners_knee())[:14]}
    run.save()
    url = reverse("symptoms:answer-question", args=[run.code, "age_years"])
    response = alice_client.post(url, {"answer": "300"})
    assert response.status_code == 200
    assert "less than or equal to 110" in response.content.decode()


def test_a_question_that_is_not_asked_is_not_found(alice_client: Client) -> None:
    alice_client.post(reverse("symptoms:start-checker"))
    run = CheckerRun.objects.get()
    url = reverse("symptoms:answer-question", args=[run.code, "ottawa_cannot_bend"])
    assert alice_client.get(url).status_code == 404
    url = reverse("symptoms:answer-question", args=[run.code, "shoe_size"])
    assert alice_client.get(url).status_code == 404


def test_an_unfinished_result_sends_the_runner_back_to_the_next_question(
    alice_client: Client,
) -> None:
    alice_client.post(reverse("symptoms:start-checker"))
    run = CheckerRun.objects.get()
    response = alice_client.get(reverse("symptoms:show-result", args=[run.code]))
    assert response["Location"].endswith("/breathless_or_chest_pain/")


def test_a_checker_result_is_seen_by_the_runner_and_her_physio_only(
    alice: User, bob: User, charlie: User, client: Client
) -> None:
    run, _ = services.save_response(alice, build_response(usual_runners_knee(), NOW))
    url = reverse("symptoms:show-result", args=[run.code])
    client.force_login(bob)
    assert client.get(url).status_code == 200
    client.force_login(charlie)
    assert client.get(url).status_code == 404
    client.force_login(charlie)
    question = reverse("symptoms:answer-question", args=[run.code, "locked_knee"])
    assert client.get(question).status_code == 404


def test_the_questionnaire_is_served_as_valid_fhir_json(client: Client) -> None:
    response = client.get(reverse("symptoms:show-questionnaire"))
    assert response["Content-Type"] == "application/fhir+json"
    assert Questionnaire.model_validate(response.json()).title == "Knee symptom checker"


def test_a_questionnaire_response_is_accepted_and_answered_with_the_outcome(
    alice_client: Client,
) -> None:
    body = json.dumps(build_response(usual_runners_knee(numb_or_cold_foot=True), NOW))
    response = alice_client.post(
        reverse("symptoms:submit-response"), body, content_type="application/fhir+json"
    )
    assert response.status_code == 201
    assert response.json()["level"] == "emergency"
    assert alice_client.get(response["Location"]).status_code == 200


def test_a_same_day_result_offers_nhs_111(alice_client: Client, alice: User) -> None:
    run, _ = services.save_response(
        alice, build_response(usual_runners_knee(locked_knee=True), NOW)
    )
    html = alice_client.get(reverse("symptoms:show-result", args=[run.code])).content.decode()
    assert 'href="tel:111"' in html
    assert 'href="tel:999"' not in html


@pytest.mark.parametrize(
    ("body", "message"),
    [("{oops", "not valid JSON"), (json.dumps({"resourceType": "Patient"}), "not a FHIR")],
)
def test_a_bad_questionnaire_response_gets_an_operation_outcome(
    alice_client: Client, body: str, message: str
) -> None:
    response = alice_client.post(
        reverse("symptoms:submit-response"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    assert message in response.json()["issue"][0]["diagnostics"]


# --- Self-help and Kujala --------------------------------------------------------------------


def test_self_help_pages_show_guidance_and_log_a_measure(alice_client: Client, alice: User) -> None:
    assert (
        "Ice or a cold pack" in alice_client.get(reverse("symptoms:list-selfhelp")).content.decode()
    )
    html = alice_client.get(reverse("symptoms:show-selfhelp", args=["ice"])).content.decode()
    assert "data-ice-timer" in html
    assert reverse("knowledge:show-article", args=["ice"]) in html
    assert alice_client.get(reverse("symptoms:show-selfhelp", args=["magic"])).status_code == 404
    response = alice_client.post(
        reverse("symptoms:log-selfhelp"), {"measure": "ice", "minutes": "15"}
    )
    assert response.status_code == 302
    assert SelfHelpLog.objects.get(runner=alice).minutes == 15
    response = alice_client.post(
        reverse("symptoms:log-selfhelp"), {"measure": "ice", "minutes": "0"}
    )
    assert response.status_code == 200


def test_the_painkiller_check_says_do_not_take_after_an_nsaid_reaction(
    alice_client: Client,
) -> None:
    from kneeclinic.domain.selfhelp import IBUPROFEN_CHECK

    data = {q.id: "no" for q in IBUPROFEN_CHECK} | {"age_years": "30", "nsaid_reaction": "yes"}
    html = alice_client.post(reverse("symptoms:check-painkillers"), data).content.decode()
    assert "Do not take ibuprofen" in html
    assert "200 mg" not in html
    data["nsaid_reaction"] = "no"
    html = alice_client.post(reverse("symptoms:check-painkillers"), data).content.decode()
    assert "Ibuprofen may be suitable" in html


def test_the_kujala_form_scores_and_the_list_shows_the_trend(alice_client: Client) -> None:
    best = {item.id: item.options[0].code for item in AKPS_ITEMS}
    response = alice_client.post(reverse("symptoms:add-kujala"), best)
    assert response.status_code == 302
    assert AkpsResponse.objects.get().total == 100
    worse = {**best, "running": "severe_pain", "jumping": "unable"}
    alice_client.post(reverse("symptoms:add-kujala"), worse)
    html = alice_client.get(reverse("symptoms:list-kujala")).content.decode()
    assert "17 points worse: a change large enough to matter." in html
    assert 'id="akps-chart-data"' in html


def test_an_incomplete_kujala_form_names_the_item_and_keeps_the_answers(
    alice_client: Client,
) -> None:
    response = alice_client.post(reverse("symptoms:add-kujala"), {"limp": "constant"})
    html = response.content.decode()
    assert "Item 2 (Support) needs an answer." in html
    assert 'value="constant"' in html and "checked" in html
    assert AkpsResponse.objects.count() == 0


def test_a_check_from_an_older_question_set_asks_the_runner_to_start_again(
    alice_client: Client, alice: User
) -> None:
    run = CheckerRun.objects.create(
        runner=alice, questionnaire_version="0.1.0", answers={"knee_wobbly": True}
    )
    response = alice_client.get(reverse("symptoms:show-result", args=[run.code]))
    assert response["Location"] == reverse("symptoms:start-checker")
    page = alice_client.get(response["Location"]).content.decode()
    assert "older set of questions" in page


def test_pain_can_be_recorded_for_a_chosen_run_from_its_page(
    alice_client: Client, alice: User, charlie: User
) -> None:
    run = Activity.objects.create(
        runner=alice, start=NOW - timedelta(days=3), elapsed_s=1800, name="Hill reps"
    )
    url = reverse("symptoms:add-pain") + f"?run={run.code}&when=after_run"
    html = alice_client.get(url).content.decode()
    assert "Hill reps" in html
    assert 'value="after_run"' in html
    alice_client.post(
        reverse("symptoms:add-pain"), {"pain_nrs": "3", "when": "after_run", "run": str(run.code)}
    )
    assert PainEntry.objects.get().activity == run
    other = Activity.objects.create(runner=charlie, start=NOW, elapsed_s=60, name="Not hers")
    html = alice_client.get(reverse("symptoms:add-pain") + f"?run={other.code}").content.decode()
    assert "Not hers" not in html
    assert alice_client.get(reverse("symptoms:add-pain") + "?run=nonsense").status_code == 200
