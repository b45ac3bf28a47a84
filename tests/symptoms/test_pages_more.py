"""More of the diary: the whole checker through the pages, comparisons, charts and the demo."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.core.demo import DemoPeople
from kneeclinic.symptoms import charts, demo, queries, services
from kneeclinic.symptoms.models import AkpsResponse, CheckerRun, PainEntry, SelfHelpLog
from tests.domain.test_triage import usual_runners_knee

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


def form_value(value: object) -> object:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def test_the_whole_checker_can_be_answered_page_by_page(alice_client: Client) -> None:
    alice_client.post(reverse("symptoms:start-checker"))
    run = CheckerRun.objects.get()
    answers = usual_runners_knee()
    url = reverse("symptoms:answer-question", args=[run.code, "breathless_or_chest_pain"])
    steps = 0
    while "/check/" in url and not url.endswith(f"{run.code}/"):
        question_id = url.rstrip("/").rsplit("/", 1)[1]
        assert alice_client.get(url).status_code == 200
        response = alice_client.post(url, {"answer": form_value(answers[question_id])})
        assert response.status_code == 302, response.content.decode()[:500]
        url = response["Location"]
        steps += 1
    assert steps == len(answers)
    result = alice_client.get(url, headers={"HX-Request": "true"})
    assert result["HX-Push-Url"] == url
    assert "Look after your knee and arrange a routine check" in result.content.decode()
    run.refresh_from_db()
    assert run.level == "self_care"


def test_the_diary_compares_pain_before_and_since_a_measure(
    alice_client: Client, alice: User
) -> None:
    for days_ago, pain in ((6, 4), (5, 4), (4, 4), (2, 2), (1, 2), (0, 2)):
        services.record_pain(
            alice, pain_nrs=pain, when="at_rest", at=NOW - timedelta(days=days_ago)
        )
    services.log_self_help(alice, "shoe_inserts", at=NOW - timedelta(days=2))
    summary = queries.self_help_summaries(alice)[0]
    assert (summary.comparison.first_mean_nrs, summary.comparison.second_mean_nrs) == (4.0, 2.0)
    html = alice_client.get(reverse("symptoms:diary")).content.decode()
    assert "4.0/10 before, 2.0/10 since" in html
    assert "not proof" in html
    page = alice_client.get(reverse("symptoms:show-selfhelp", args=["shoe_inserts"]))
    assert "Average pain in the 14 days before you started: 4.0/10" in page.content.decode()


def test_the_pain_form_starts_with_the_sore_knee_and_a_fresh_token(
    alice_client: Client, alice: User
) -> None:
    alice.sore_knee = "left"
    alice.save()
    html = alice_client.get(reverse("symptoms:add-pain")).content.decode()
    assert 'value="left" id="id_knee_0" checked' in html or 'value="left" checked' in html
    assert "knee-map--left" in html
    assert 'name="client_token"' in html


def test_charts_describe_themselves_in_words(alice: User) -> None:
    assert charts.pain_chart_data(queries.pain_chart(alice, days=7))["summary"] == (
        "No pain recorded in the last 7 days."
    )
    assert charts.akps_chart_data([], alice)["summary"] == "No Kujala scores yet."
    one = AkpsResponse.objects.create(runner=alice, version="1", answers={}, total=64)
    assert (
        charts.akps_chart_data([one], alice)["summary"] == "One Kujala score so far: 64 out of 100."
    )


def test_the_painkiller_and_log_pages_show_their_forms(alice_client: Client) -> None:
    assert alice_client.get(reverse("symptoms:check-painkillers")).status_code == 200
    assert alice_client.get(reverse("symptoms:log-selfhelp")).status_code == 200
    assert alice_client.get(reverse("symptoms:add-kujala")).status_code == 200
    assert alice_client.get(reverse("symptoms:list-kujala")).status_code == 200


def test_the_demo_diary_shows_a_flare_after_the_spike_and_a_settled_knee_today(
    alice: User, bob: User
) -> None:
    today = date(2026, 3, 16)
    spike = today - timedelta(days=40)
    for offset in (-7, -3, 0, 2, 5, 16, 20, 27, 34, 38):
        Activity.objects.create(
            runner=alice,
            start=datetime.combine(spike + timedelta(days=offset), datetime.min.time(), UTC)
            + timedelta(hours=8),
            elapsed_s=3000,
        )
    assert bob.clinic is not None
    demo.load(DemoPeople(alice, bob, bob.clinic, today, spike, random.Random(7)))
    flare = PainEntry.objects.filter(at__date__gte=spike, at__date__lte=spike + timedelta(days=6))
    assert max(flare.values_list("pain_nrs", flat=True)) >= 6
    assert PainEntry.objects.filter(activity__isnull=False).count() == 20
    totals = list(AkpsResponse.objects.order_by("completed_at").values_list("total", flat=True))
    assert totals == [62, 70, 79]
    assert CheckerRun.objects.get().level == "self_care"
    assert SelfHelpLog.objects.filter(measure="ice").count() == 4
    status = queries.pain_status(alice, today)
    assert not status.niggle.applies
