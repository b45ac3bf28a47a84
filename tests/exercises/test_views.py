"""The exercise pages, the player's sync endpoint, the Today card and the CLI."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from kneeclinic.accounts.models import User
from kneeclinic.exercises import queries, services
from kneeclinic.exercises.models import ExerciseSession
from kneeclinic.exercises.schemas import SessionIn
from kneeclinic.exercises.today import card
from tests.exercises.helpers import log, payload

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
MONDAY = date(2026, 3, 16)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


def _html(response: object) -> str:
    """The page's text with runs of white space folded, as a reader sees it."""
    return re.sub(r"\s+", " ", response.content.decode())  # type: ignore[attr-defined]


def _sync(client: Client, data: object) -> object:
    return client.post(
        reverse("exercises:sync-session"), json.dumps(data), content_type="application/json"
    )


# ---------------------------------------------------------------- programme page


def test_without_a_programme_the_page_offers_the_starter_programme(alice_client: Client) -> None:
    response = alice_client.get(reverse("exercises:programme"))
    html = _html(response)
    assert response.status_code == 200
    assert "Start the programme today" in html
    assert "settle the knee." in html
    assert reverse("knowledge:show-article", args=["exercises"]) in html


def test_the_pages_need_a_login(client: Client) -> None:
    for name in ("programme", "list-exercises", "play-session", "play-warm-up"):
        assert client.get(reverse(f"exercises:{name}")).status_code == 302


def test_starting_the_programme_shows_week_one_and_todays_session(
    alice_client: Client, alice: User
) -> None:
    response = alice_client.post(reverse("exercises:start-programme"), follow=True)
    html = _html(response)
    assert "Your programme starts today" in html
    assert "Week 1 of 12" in html
    assert "A session is planned today: 10 exercises" in html
    assert "Start today's session" in html
    assert "Side-lying leg lift" in html


def test_the_programme_page_shows_adherence_and_the_calendar(
    alice_client: Client, alice: User
) -> None:
    programme = services.start_default_programme(alice, MONDAY - timedelta(days=7))
    _sync(alice_client, payload(programme, day=MONDAY - timedelta(days=7)))
    _sync(alice_client, payload(programme, day=MONDAY - timedelta(days=5), status="partial"))
    html = _html(alice_client.get(reverse("exercises:programme")))
    assert "Since you started: <strong>33%</strong>" in html
    assert "Monday 9 March: session done" in html
    assert "Wednesday 11 March: session partly done" in html
    assert "Saturday 14 March: planned session missed" in html
    assert "Monday 16 March: session planned today" in html
    assert "Recent sessions" in html
    assert "<td>Partly done</td>" in html


def test_the_programme_page_keeps_its_query_count_flat(
    alice_client: Client, alice: User, django_assert_max_num_queries: object
) -> None:
    programme = services.start_default_programme(alice, MONDAY - timedelta(days=30))
    for n in range(0, 30, 2):
        _sync(alice_client, payload(programme, day=programme.started_on + timedelta(days=n)))
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        assert alice_client.get(reverse("exercises:programme")).status_code == 200


def test_a_progress_suggestion_can_be_accepted_from_the_page(
    alice_client: Client, alice: User
) -> None:
    from kneeclinic.symptoms.models import PainEntry

    programme = services.start_default_programme(alice, MONDAY - timedelta(days=7))
    for day in (MONDAY - timedelta(days=3), MONDAY - timedelta(days=1)):
        _sync(alice_client, payload(programme, day=day, logs=[log("clamshell", 3, pain=0)]))
    for day in (
        MONDAY - timedelta(days=3),
        MONDAY - timedelta(days=2),
        MONDAY - timedelta(1),
        MONDAY,
    ):
        PainEntry.objects.create(
            runner=alice, pain_nrs=1, when="next_morning",
            at=datetime(day.year, day.month, day.day, 7, tzinfo=alice.tz),
        )  # fmt: skip
    html = _html(alice_client.get(reverse("exercises:programme")))
    assert "Ready for more" in html
    assert "New dose: 3 sets of 14, each side" in html
    item = programme.items.get(slug="clamshell")
    response = alice_client.post(
        reverse("exercises:decide-suggestion", args=[item.code]),
        {"kind": "progress", "answer": "accept"},
        follow=True,
    )
    assert "Clamshell: New dose: 3 sets of 14" in _html(response)
    assert "you accepted making Clamshell harder" in _html(response)


def test_a_stale_decision_says_so(alice_client: Client, alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    item = programme.items.get(slug="clamshell")
    response = alice_client.post(
        reverse("exercises:decide-suggestion", args=[item.code]),
        {"kind": "progress", "answer": "decline"},
        follow=True,
    )
    assert "The suggestion has changed" in response.content.decode()


def test_declining_says_we_will_ask_again(alice_client: Client, alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY - timedelta(days=7))
    _sync(alice_client, payload(programme, day=MONDAY, logs=[log("clamshell", 3, pain=8)]))
    item = programme.items.get(slug="clamshell")
    response = alice_client.post(
        reverse("exercises:decide-suggestion", args=[item.code]),
        {"kind": "regress", "answer": "decline"},
        follow=True,
    )
    assert "We will ask again after more sessions" in response.content.decode()


def test_stopping_the_programme(alice_client: Client, alice: User) -> None:
    services.start_default_programme(alice, MONDAY)
    response = alice_client.post(reverse("exercises:stop-programme"), follow=True)
    assert "Your programme is stopped" in response.content.decode()
    assert queries.active_programme(alice) is None


# ---------------------------------------------------------------- library


def test_the_library_lists_every_exercise_with_its_picture(alice_client: Client) -> None:
    html = alice_client.get(reverse("exercises:list-exercises")).content.decode()
    assert html.count('<h3><a href="/exercises/library/') == 28
    assert "exercises/clamshell-end.svg" in html


def test_an_exercise_page_shows_both_pictures_with_alt_text(alice_client: Client) -> None:
    html = alice_client.get(reverse("exercises:show-exercise", args=["bridge"])).content.decode()
    assert 'alt="Lying on the back, knees bent, feet flat on the floor."' in html
    assert "exercises/bridge-end.svg" in html
    assert "Single-leg bridge" not in html
    assert reverse("exercises:show-exercise", args=["hip-extension"]) in html
    assert "history-chart" not in html


def test_an_unknown_exercise_is_not_found(alice_client: Client) -> None:
    response = alice_client.get(reverse("exercises:show-exercise", args=["moonwalk"]))
    assert response.status_code == 404


def test_an_exercise_page_charts_the_runners_own_history(alice_client: Client, alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    _sync(alice_client, payload(programme, logs=[log("clamshell", 2, pain=3)]))
    html = _html(alice_client.get(reverse("exercises:show-exercise", args=["clamshell"])))
    assert "1 session since 16 March" in html
    assert "Last time: 2 of 3 sets, knee pain 3/10" in html
    assert 'id="history-data"' in html


# ---------------------------------------------------------------- player and sync


def test_the_player_carries_todays_exercises_as_data(alice_client: Client, alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    response = alice_client.get(reverse("exercises:play-session"))
    html = response.content.decode()
    marker = 'id="player-data" type="application/json">'
    start = html.index(marker) + len(marker)
    data = json.loads(html[start : html.index("</script>", start)])
    assert data["programme"] == str(programme.code)
    assert [item["slug"] for item in data["items"]][:2] == [
        "side-lying-hip-abduction",
        "standing-hip-abduction-band",
    ]
    assert data["items"][0]["start_img"].endswith("side-lying-hip-abduction-start.svg")
    assert data["syncUrl"] == reverse("exercises:sync-session")
    assert "10 exercises, about" in html


def test_the_player_without_a_programme_sends_the_runner_to_start_one(
    alice_client: Client,
) -> None:
    response = alice_client.get(reverse("exercises:play-session"))
    assert response.status_code == 302
    assert response["Location"] == reverse("exercises:programme")


def test_the_warm_up_needs_no_programme(alice_client: Client) -> None:
    html = alice_client.get(reverse("exercises:play-warm-up")).content.decode()
    assert "Warm-up before your run" in html
    assert "Brisk walk or easy jog" in html


def test_syncing_a_session_twice_answers_created_then_ok(alice_client: Client, alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    data = payload(programme)
    first = _sync(alice_client, data)
    again = _sync(alice_client, data)
    assert first.status_code == 201  # type: ignore[attr-defined]
    assert again.status_code == 200  # type: ignore[attr-defined]
    assert again.json() == {  # type: ignore[attr-defined]
        "code": data["code"], "status": "complete", "created": False, "logs": 1,
    }  # fmt: skip
    assert ExerciseSession.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "done"}, "status"),
        ({"local_date": "yesterday"}, "local_date"),
        ({"started_at": "2026-03-16T18:00:00"}, "time zone offset"),
        ({"effort": 11}, "effort"),
        ({"logs": [log("moonwalk", 1)]}, "no exercise called"),
        ({"logs": [log("clamshell", 1, pain=12)]}, "pain_nrs"),
    ],
)
def test_a_session_that_does_not_make_sense_is_refused_with_a_reason(
    alice_client: Client, change: dict[str, object], message: str
) -> None:
    response = _sync(alice_client, payload(None) | change)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert message in response.json()["error"]  # type: ignore[attr-defined]


def test_broken_json_is_refused(alice_client: Client) -> None:
    response = _sync(alice_client, "not json")
    assert response.status_code == 400  # type: ignore[attr-defined]
    response = alice_client.post(
        reverse("exercises:sync-session"), "{", content_type="application/json"
    )
    assert response.status_code == 400


def test_an_oversized_session_is_refused(alice_client: Client) -> None:
    response = alice_client.post(
        reverse("exercises:sync-session"), "x" * 70_000, content_type="application/json"
    )
    assert response.status_code == 413


def test_a_physio_cannot_write_into_their_runners_programme(
    bob_client: Client, alice: User
) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    response = _sync(bob_client, payload(programme))
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert ExerciseSession.objects.count() == 0


def test_the_sync_endpoint_checks_the_csrf_token(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert _sync(client, payload(None)).status_code == 403  # type: ignore[attr-defined]


def test_the_service_worker_may_look_after_the_exercise_pages(client: Client) -> None:
    response = client.get(reverse("exercises:service-worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/exercises/"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert b"caches.open" in response.content


# ---------------------------------------------------------------- Today card and CLI


class _Request:
    def __init__(self, user: User) -> None:
        self.user = user


def test_the_today_card_invites_a_runner_without_a_programme(alice: User) -> None:
    result = card(_Request(alice))  # type: ignore[arg-type]
    assert result is not None
    assert result.context["programme"] is None


def test_the_today_card_is_not_for_physios(bob: User) -> None:
    assert card(_Request(bob)) is None  # type: ignore[arg-type]


def test_today_shows_todays_session_and_then_that_it_is_done(
    alice_client: Client, alice: User
) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    html = _html(alice_client.get(reverse("core:today")))
    assert "Start today's session" in html
    _sync(alice_client, payload(programme))
    html = _html(alice_client.get(reverse("core:today")))
    assert "Today's session is done" in html


def test_today_offers_the_warm_up_when_a_run_is_planned(alice_client: Client, alice: User) -> None:
    from kneeclinic.plans.models import RunPlan

    RunPlan.objects.create(
        runner=alice, template_slug=next(iter(_templates())), start_date=MONDAY, run_weekdays="0"
    )
    html = _html(alice_client.get(reverse("core:today")))
    assert "Running today?" in html
    assert "12-minute warm-up</a> first" in html
    assert reverse("exercises:play-warm-up") in html


def _templates() -> list[str]:
    from kneeclinic.domain import returntorun

    return list(returntorun.TEMPLATES)


def test_the_command_starts_reports_and_stops_a_programme(
    alice: User, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("exercises", "start", alice.email)
    assert "Started" in capsys.readouterr().out
    call_command("exercises", "report", alice.email, "--json")
    report = json.loads(capsys.readouterr().out)
    assert (report["week"], report["weeks"], report["adherence_percent"]) == (1, [], None)
    call_command("exercises", "report", alice.email)
    assert "no sessions were due yet" in capsys.readouterr().out
    call_command("exercises", "stop", alice.email)
    assert "Stopped" in capsys.readouterr().out
    call_command("exercises", "stop", alice.email)
    assert "No programme was running" in capsys.readouterr().out


def test_the_command_reports_each_week(alice: User, capsys: pytest.CaptureFixture[str]) -> None:
    programme = services.start_default_programme(alice, MONDAY - timedelta(days=7))
    services.record_session(
        alice, SessionIn.model_validate(payload(programme, day=MONDAY - timedelta(7)))
    )
    call_command("exercises", "report", alice.email)
    out = capsys.readouterr().out
    assert "week 2: 33% of planned sessions done" in out
    assert "week  1: 1 of 3 done" in out


def test_the_command_explains_what_is_wrong(alice: User) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No account"):
        call_command("exercises", "report", "nobody@example.com")
    with pytest.raises(CommandError, match="no active exercise programme"):
        call_command("exercises", "report", alice.email)


def test_sessions_from_other_runners_never_show(alice_client: Client, charlie: User) -> None:
    other = services.start_default_programme(charlie, MONDAY)
    services.record_session(charlie, SessionIn.model_validate(payload(other)))
    html = _html(alice_client.get(reverse("exercises:show-exercise", args=["clamshell"])))
    assert "Your history" not in html
