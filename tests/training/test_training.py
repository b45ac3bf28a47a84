"""The Load page, its planning check, the Today card and `kneeclinic load`."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse

from kneeclinic.activities.models import Activity
from kneeclinic.domain.load import LoadSummary, PainLight, SpikeClass
from kneeclinic.symptoms.models import PainEntry
from kneeclinic.training import queries, today

if TYPE_CHECKING:
    from django.test import Client

    from kneeclinic.accounts.models import User

# Thursday 26 November 2026, 07:00 in London.
NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
LOAD_URL = "/load/"


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def add_run(runner: User, days_ago: float, km: float, **fields: Any) -> Activity:
    values: dict[str, Any] = {
        "runner": runner,
        "start": NOW - timedelta(days=days_ago),
        "elapsed_s": km * 360 + 60,
        "moving_s": km * 360,
        "distance_m": km * 1000,
        "sport": "running",
    }
    values.update(fields)
    return Activity.objects.create(**values)


@pytest.fixture
def alices_runs(alice: User) -> list[Activity]:
    """An 8 km run 40 days ago (outside the window), 14.2 km 6 days ago, 5 km 2 days ago."""
    return [add_run(alice, 40, 8), add_run(alice, 6, 14.2), add_run(alice, 2, 5)]


# --- reading activities ----------------------------------------------------------------------


def test_activities_become_run_records_with_their_local_day(alice: User) -> None:
    late = add_run(
        alice,
        0,
        10,
        start=datetime(2026, 11, 16, 3, 30, tzinfo=UTC),
        utc_offset_s=-5 * 3600,  # 22:30 on Sunday 15th in New York
        moving_s=None,
        elapsed_s=3_000,
        sub_sport="treadmill",
    )
    add_run(alice, 1, 0, distance_m=None, excluded_from_load=True, sport="walking")
    records = {record.code: record for record in queries.run_records(alice)}
    record = records[str(late.code)]
    assert record.utc_offset_s == -5 * 3600
    assert record.duration_s == 3_000  # elapsed time when there is no moving time
    assert record.indoor
    other = next(r for code, r in records.items() if code != str(late.code))
    assert (other.distance_m, other.excluded, other.sport) == (0.0, True, "walking")
    assert other.utc_offset_s is None
    # the run abroad counts on the Sunday where it happened
    loads = queries.spikes_by_code(alice)
    assert loads[str(late.code)].local_date == date(2026, 11, 15)


def test_the_diary_light_feeds_the_guardrail(alice: User, alices_runs: list[Activity]) -> None:
    assert queries.pain_light(alice) is PainLight.GREEN  # no diary entries yet
    # 4/10 during yesterday's run: the acceptable zone, so the pain model says amber.
    PainEntry.objects.create(
        runner=alice, at=NOW - timedelta(hours=20), pain_nrs=4, when="during_run"
    )
    assert queries.pain_light(alice) is PainLight.AMBER
    summary = queries.summary_for(alice)
    assert summary.next_run.max_distance_m == 14_200  # held at the longest, not +10 %
    assert "amber zone" in summary.sentence


def test_spikes_by_code_flags_the_runs_that_were_spikes(
    alice: User, alices_runs: list[Activity]
) -> None:
    spikes = queries.spikes_by_code(alice)
    first, long, short = (spikes[str(run.code)] for run in alices_runs)
    assert first.spike is SpikeClass.INSUFFICIENT_HISTORY
    assert long.spike is SpikeClass.INSUFFICIENT_HISTORY  # the 8 km run was 34 days earlier
    assert short.spike is SpikeClass.REFERENCE


# --- the Load page --------------------------------------------------------------------------------


def test_the_load_page_needs_a_login(client: Client) -> None:
    response = client.get(LOAD_URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_load_page_opens_with_the_summary_sentence(
    alice_client: Client, alices_runs: list[Activity], django_assert_max_num_queries: Any
) -> None:
    assert reverse("training:load") == LOAD_URL
    with django_assert_max_num_queries(8):
        response = alice_client.get(LOAD_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "Your longest run in the last 30 days: 14.2 km. Keep your next run under 15.6 km." in body
    )
    assert 'id="chart-weeks"' in body
    assert 'id="chart-runs"' in body
    assert "building-up-gradually" in body
    data = response.context["chart"]
    assert data["unit"] == "km"
    assert data["acwr"] is not None  # 41 days of history


def test_the_load_page_speaks_miles_when_the_runner_chose_miles(
    alice: User, alice_client: Client, alices_runs: list[Activity]
) -> None:
    alice.units = "mi"
    alice.save(update_fields=["units"])
    body = alice_client.get(LOAD_URL).content.decode()
    assert "Your longest run in the last 30 days: 8.8 mi. Keep your next run under 9.7 mi." in body
    assert "Planned distance (mi)" in body


def test_the_load_page_without_runs_says_so(alice_client: Client) -> None:
    response = alice_client.get(LOAD_URL)
    body = response.content.decode()
    assert "No runs with a distance in the last 30 days yet." in body
    assert "This needs at least 28 days of running history." in body
    assert response.context["chart"]["acwr"] is None
    assert response.context["chart"]["longest"] == []


@pytest.mark.parametrize(("asked", "shown"), [("3m", "3m"), ("1y", "1y"), ("all", "all")])
def test_the_ranges_choose_how_far_back_the_charts_go(
    alice_client: Client, alices_runs: list[Activity], asked: str, shown: str
) -> None:
    response = alice_client.get(LOAD_URL, {"range": asked})
    assert response.context["range_key"] == shown
    points = [p for group in response.context["chart"]["runs"] for p in group["points"]]
    assert len(points) == 3


def test_an_unknown_range_falls_back_to_three_months(
    alice_client: Client, alices_runs: list[Activity]
) -> None:
    assert alice_client.get(LOAD_URL, {"range": "10y"}).context["range_key"] == "3m"


def test_the_chart_data_groups_runs_by_spike_class(alice: User) -> None:
    add_run(alice, 20, 8)
    spike = add_run(alice, 10, 12)
    summary = queries.summary_for(alice)
    data = queries.chart_data(summary, "3m")
    moderate = next(group for group in data["runs"] if group["cls"] == "moderate")
    assert moderate["points"] == [[queries._ms(spike.start.date()), 12.0, 1.5]]
    assert moderate["label"] == "Moderate spike (30 to 100 % longer)"
    context = queries.page_context(summary, "3m")
    assert [row["run"].code for row in context["spike_rows"]] == [str(spike.code)]
    assert len(context["spike_notes"]) == 1


def test_a_long_history_is_drawn_weekly_on_the_all_range(alice: User) -> None:
    for week in range(200):
        add_run(alice, 7 * week + 1, 5)
    summary = queries.summary_for(alice)
    everything = queries.chart_data(summary, "all")["longest"]
    year = queries.chart_data(summary, "1y")["longest"]
    assert 190 < len(everything) < 205  # about one point a week over 1,400 days
    assert len(year) == 365


def test_another_runners_load_is_never_shown(
    alice: User, alices_runs: list[Activity], charlie: User, client: Client
) -> None:
    client.force_login(charlie)
    body = client.get(LOAD_URL).content.decode()
    assert "14.2 km" not in body
    assert "No runs with a distance in the last 30 days yet." in body


# --- planning a run ------------------------------------------------------------------------------


def test_the_plan_check_answers_at_once_with_the_reason(
    alice_client: Client, alices_runs: list[Activity]
) -> None:
    response = alice_client.get(reverse("training:check-plan"), {"distance": "20"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Longer than your guide" in body
    assert (
        "20.0 km would be 41 % longer than your longest run in the last 30 days (14.2 km): "
        "a moderate spike. Keep it under 15.6 km." in body
    )


def test_a_planned_run_within_the_guide_says_so(
    alice_client: Client, alices_runs: list[Activity]
) -> None:
    body = alice_client.get(reverse("training:check-plan"), {"distance": "12,5"}).content.decode()
    assert "Within your guide" in body
    assert "12.5 km is within your guide of 15.6 km" in body


def test_a_distance_that_cannot_be_read_gets_a_clear_message(
    alice_client: Client, alices_runs: list[Activity]
) -> None:
    body = alice_client.get(reverse("training:check-plan"), {"distance": "far"}).content.decode()
    assert "Type a distance as a number" in body


def test_the_plan_check_works_without_javascript(
    alice_client: Client, alices_runs: list[Activity]
) -> None:
    body = alice_client.get(LOAD_URL, {"distance": "5 mi"}).content.decode()
    assert "8.0 km is within your guide of 15.6 km" in body


def test_with_no_runs_the_plan_check_says_there_is_no_guide(alice_client: Client) -> None:
    body = alice_client.get(reverse("training:check-plan"), {"distance": "5"}).content.decode()
    assert "No guide yet" in body


# --- the Today card ------------------------------------------------------------------------------


def test_the_today_card_shows_the_next_run_limit(alice: User, alices_runs: list[Activity]) -> None:
    request = RequestFactory().get("/")
    request.user = alice
    card = today.card(request)
    assert card is not None
    assert card.template == "training/_today_card.html"
    summary = card.context["summary"]
    assert isinstance(summary, LoadSummary)
    assert summary.next_run.max_distance_m == pytest.approx(15_620)


def test_the_today_page_renders_the_card(alice_client: Client, alices_runs: list[Activity]) -> None:
    body = alice_client.get(reverse("core:today")).content.decode()
    assert "Your next run" in body
    assert "15.6 km" in body


def test_no_today_card_without_runs_or_for_a_physio(alice: User, bob: User) -> None:
    request = RequestFactory().get("/")
    request.user = alice
    assert today.card(request) is None
    request.user = bob
    assert today.card(request) is None


# --- the command ----------------------------------------------------------------------------------


def test_the_load_command_prints_the_summary(alice: User, alices_runs: list[Activity]) -> None:
    add_run(alice, 1, 16.5)  # 16.5 / 14.2 = +16 %, a small spike
    out = StringIO()
    call_command("load", "--user", "ALICE@example.com", stdout=out)
    text = out.getvalue()
    assert text.startswith("Your longest run in the last 30 days: 16.5 km.")
    assert "Next run:" in text
    assert "This week:" in text
    assert "small spike" in text


def test_the_load_command_gives_json_with_per_run_spikes(
    alice: User, alices_runs: list[Activity]
) -> None:
    add_run(alice, 1, 21.3)  # 21.3 / 14.2 = +50 %, a moderate spike
    out = StringIO()
    call_command("load", "--user", "alice@example.com", "--json", stdout=out)
    data = json.loads(out.getvalue())
    last = data["runs"][-1]
    assert last["activity"] == str(Activity.objects.order_by("start").last().code)  # type: ignore[union-attr]
    assert last["spike"] == "moderate"
    assert last["ratio"] == pytest.approx(1.5)
    assert last["reference_m"] == 14_200
    assert data["guardrails"]["next_run"]["max_distance_m"] == pytest.approx(23_430)
    assert data["weeks"][-1]["week_start"] == "2026-11-23"
    assert data["acute_chronic"]["note"].startswith("descriptive only")
    assert data["unit"] == "km"


def test_the_load_command_refuses_an_unknown_user(db: None) -> None:
    with pytest.raises(CommandError, match="No user with the email"):
        call_command("load", "--user", "nobody@example.com")


def test_the_table_beside_the_charts_holds_weeks_or_years(alice: User) -> None:
    add_run(alice, 400, 10)
    add_run(alice, 20, 8)
    add_run(alice, 3, 5)
    summary = queries.summary_for(alice)
    weeks = queries.page_context(summary, "3m")["table_rows"]
    assert weeks[0] == {
        "period": "23 Nov 2026",
        "distance": "5.0 km",
        "runs": 1,
        "change": "\u2013",
        "label": "No earlier week to compare",
    }
    assert (weeks[3]["period"], weeks[3]["distance"]) == ("2 Nov 2026", "8.0 km")
    assert (weeks[2]["distance"], weeks[2]["change"]) == ("0.0 km", "\u2212100 %")
    years = queries.page_context(summary, "all")["table_rows"]
    assert [row["period"] for row in years] == ["2026", "2025"]
    assert years[0]["distance"] == "13.0 km"
    assert years[0]["change"] == "+30 %"
    assert years[0]["label"] == "Biggest week: 8.0 km"
    assert years[1]["change"] == "\u2013"


def test_the_filters_write_changes_and_limits_for_the_page() -> None:
    from kneeclinic.domain.units import DistanceUnit
    from kneeclinic.training.templatetags import training_tags as tags

    assert tags.change(0.234) == "+23 %"
    assert tags.change(-0.4) == "\u221240 %"
    assert tags.change(0.001) == "0 %"
    assert tags.change(None) == "\u2013"
    assert tags.ratio_change(1.25) == "+25 %"
    assert tags.ratio_change(None) == "\u2013"
    assert tags.limit(15_680, DistanceUnit.KM) == "15.6 km"
    assert tags.distance(None, DistanceUnit.KM) == "\u2013"
    assert tags.two_decimals(1.2345) == "1.23"


def test_start_times_from_either_database_come_back_aware() -> None:
    aware = datetime(2026, 11, 26, 7, tzinfo=UTC)
    assert queries._aware("2026-11-26 07:00:00") == aware
    assert queries._aware(aware) is aware
    code = "0b5cad12345678901234567890abcdef"
    assert queries._public_code(code) == "0b5cad12-3456-7890-1234-567890abcdef"
    assert queries._public_code(UUID(code)) == "0b5cad12-3456-7890-1234-567890abcdef"


def test_the_load_command_with_no_runs_prints_just_the_guidance(alice: User) -> None:
    out = StringIO()
    call_command("load", "--user", "alice@example.com", stdout=out)
    text = out.getvalue()
    assert text.startswith("No runs with a distance in the last 30 days yet.")
    assert "weeks" not in text
    assert "spikes" not in text


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_runners_planted_spike_is_classed_moderate() -> None:
    from kneeclinic.core import demo

    _, people = demo.load_demo(today=date(2026, 11, 26))
    out = StringIO()
    call_command("load", "--user", demo.RUNNER_EMAIL, "--json", stdout=out)
    runs = {run["local_date"]: run for run in json.loads(out.getvalue())["runs"]}
    spike = runs[people.spike_day.isoformat()]
    assert spike["distance_m"] == pytest.approx(21_300, abs=50)
    assert 1.3 < spike["ratio"] <= 2.0  # about 12 km before it
    assert spike["spike"] == "moderate"


def test_the_current_stage_of_a_return_to_run_plan_can_be_checked(
    alice: User, alice_client: Client, alices_runs: list[Activity]
) -> None:
    from kneeclinic.plans.models import RunPlan

    assert queries.planned_session(alice) is None
    RunPlan.objects.create(
        runner=alice, template_slug="army-walk-run", start_date=date(2026, 11, 20), stage_index=1
    )
    session = queries.planned_session(alice)
    assert session == {
        "label": "Stage 2 of your return-to-run plan",
        "distance": "2.41 km",
        "query": "2414 m",
    }
    body = alice_client.get(LOAD_URL).content.decode()
    assert "Stage 2 of your return-to-run plan, 2.41 km" in body
    answer = alice_client.get(reverse("training:check-plan"), {"distance": "2414 m"})
    assert "2.4 km is within your guide of 15.6 km" in answer.content.decode()


def test_a_plan_set_by_time_offers_no_distance_to_check(alice: User) -> None:
    from kneeclinic.plans.models import RunPlan

    RunPlan.objects.create(
        runner=alice, template_slug="graded-running-time", start_date=date(2026, 11, 20)
    )
    assert queries.planned_session(alice) is None
