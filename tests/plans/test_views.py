"""The back-to-running pages: readiness, plan, sessions, timer, cadence, shoes, Today card."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import numpy as np
import pytest
import time_machine
from django.urls import reverse

from kneeclinic.activities.models import Activity
from kneeclinic.domain import returntorun as rtr
from kneeclinic.domain.activity import Samples
from kneeclinic.plans import services
from kneeclinic.plans.models import PlanSession, PlanStatus, ReadinessCheck, RunPlan, Shoe, ShoeUse

if TYPE_CHECKING:
    from django.test import Client

    from kneeclinic.accounts.models import User

pytestmark = pytest.mark.django_db

READY_POST = {
    "brisk_walk_pain_free_min": "30",
    "squats_left": "10",
    "squats_right": "10",
    "squat_pain_nrs": "1",
    "hops_left": "10",
    "hops_right": "10",
    "hop_pain_nrs": "0",
    "daily_pain_nrs": "1",
}
MONDAY = date(2026, 3, 2)


def started_plan(runner: User, *, needs_signoff_before_start: bool = False) -> RunPlan:
    services.record_readiness(runner, rtr.ReadinessAnswers(30, 10, 10, 1, 10, 10, 0, 1, False))
    return services.start_plan(
        runner, "army-walk-run", MONDAY, needs_signoff_before_start=needs_signoff_before_start
    )


def test_pages_need_a_login(client: Client) -> None:
    response = client.get(reverse("plans:plan"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_plan_page_without_a_plan_points_to_the_readiness_check(alice_client: Client) -> None:
    response = alice_client.get(reverse("plans:plan"))
    assert response.status_code == 200
    assert b"Take the readiness check" in response.content
    assert b"/learn/returning-to-running" in response.content or b"returning-to-running" in (
        response.content
    )


def test_a_passed_readiness_check_leads_to_choosing_a_plan(alice_client: Client) -> None:
    response = alice_client.post(reverse("plans:check-readiness"), READY_POST)
    assert response.status_code == 200
    assert b"Your knee is ready to start" in response.content
    assert ReadinessCheck.objects.get().passed
    page = alice_client.get(reverse("plans:plan"))
    assert b"Choose a plan" in page.content


def test_a_failed_readiness_check_says_what_to_work_on_with_exercise_links(
    alice_client: Client,
) -> None:
    data = READY_POST | {"squats_left": "6", "red_flags": "on"}
    response = alice_client.post(reverse("plans:check-readiness"), data)
    assert b"Not quite ready yet" in response.content
    assert b"6 left and 10 right" in response.content
    page = alice_client.get(reverse("plans:plan"))
    assert b"One-leg squat to a box" in page.content  # the library's name for the exercise
    assert b"One-leg squat to a box" in response.content
    assert b"Side step-down" in response.content
    assert b'href="/exercises/library/single-leg-squat-to-box/"' in response.content
    assert b"warning sign" in response.content
    assert not ReadinessCheck.objects.get().passed


def test_the_readiness_form_refuses_impossible_numbers(alice_client: Client) -> None:
    response = alice_client.post(reverse("plans:check-readiness"), READY_POST | {"hops_left": "-3"})
    assert response.status_code == 200
    assert ReadinessCheck.objects.count() == 0


def test_choosing_a_plan_schedules_it(alice_client: Client, alice: User) -> None:
    alice_client.post(reverse("plans:check-readiness"), READY_POST)
    assert alice_client.get(reverse("plans:choose-plan")).status_code == 200
    response = alice_client.post(
        reverse("plans:choose-plan"),
        {
            "template_slug": "graded-running-time",
            "start_date": "2026-03-02",
            "weekdays": ["1", "3", "5"],
        },
    )
    assert response.status_code == 302
    plan = RunPlan.objects.get(runner=alice)
    assert plan.weekdays == (1, 3, 5)
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)):
        page = alice_client.get(reverse("plans:plan"))
    assert b"Stage 1" in page.content
    assert b"Tuesday 3 March" in page.content  # the first Tuesday from Monday 2 March


def test_run_days_without_rest_between_are_refused(alice_client: Client) -> None:
    alice_client.post(reverse("plans:check-readiness"), READY_POST)
    response = alice_client.post(
        reverse("plans:choose-plan"),
        {"template_slug": "army-walk-run", "start_date": "2026-03-02", "weekdays": ["0", "1"]},
    )
    assert response.status_code == 200
    assert b"rest day" in response.content
    assert not RunPlan.objects.exists()


def test_choosing_a_plan_without_passing_the_check_is_refused(alice_client: Client) -> None:
    response = alice_client.post(
        reverse("plans:choose-plan"),
        {"template_slug": "army-walk-run", "start_date": "2026-03-02", "weekdays": ["0", "2"]},
    )
    assert b"Pass the readiness check" in response.content
    assert not RunPlan.objects.exists()


def test_logging_a_session_then_the_morning_decides_with_a_reason(
    alice_client: Client, alice: User
) -> None:
    plan = started_plan(alice)
    response = alice_client.post(
        reverse("plans:log-session", args=[plan.code]),
        {"on": "2026-03-02", "completed": "on", "pain_during_nrs": "1", "pain_after_nrs": "1"},
    )
    assert response.status_code == 302
    session = PlanSession.objects.get()
    page = alice_client.get(reverse("plans:plan"))
    assert b"How is the knee this morning?" in page.content
    response = alice_client.post(
        reverse("plans:record-morning", args=[session.code]),
        {"pain_next_morning_nrs": "1"},
        follow=True,
    )
    assert b"Repeat this stage" in response.content
    assert b"repeat it once more" in response.content


def test_a_session_with_missing_scores_is_not_saved(alice_client: Client, alice: User) -> None:
    plan = started_plan(alice)
    response = alice_client.post(
        reverse("plans:log-session", args=[plan.code]), {"on": "2026-03-02"}, follow=True
    )
    assert b"fill in every pain score" in response.content
    assert not PlanSession.objects.exists()


def test_a_second_session_before_the_morning_check_is_refused(
    alice_client: Client, alice: User
) -> None:
    plan = started_plan(alice)
    data = {"on": "2026-03-02", "pain_during_nrs": "1", "pain_after_nrs": "1"}
    alice_client.post(reverse("plans:log-session", args=[plan.code]), data)
    response = alice_client.post(reverse("plans:log-session", args=[plan.code]), data, follow=True)
    assert b"morning after your last session" in response.content
    assert PlanSession.objects.count() == 1


def test_a_run_imported_after_the_session_is_linked_when_the_plan_is_shown(
    alice_client: Client, alice: User
) -> None:
    plan = started_plan(alice)
    session = services.log_session(plan, MONDAY, pain_during_nrs=0, pain_after_nrs=0)
    Activity.objects.create(
        runner=alice,
        name="Morning walk/run",
        sport="running",
        start=datetime(2026, 3, 2, 7, 0, tzinfo=UTC),
        elapsed_s=900,
        distance_m=1650,
    )
    page = alice_client.get(reverse("plans:plan"))
    session.refresh_from_db()
    assert session.activity is not None
    assert "Matched to your imported run “Morning walk/run”" in page.content.decode()


def test_a_decided_session_cannot_be_decided_again(alice_client: Client, alice: User) -> None:
    plan = started_plan(alice)
    session = services.log_session(
        plan, MONDAY, pain_during_nrs=0, pain_after_nrs=0, pain_next_morning_nrs=0
    )
    response = alice_client.post(
        reverse("plans:record-morning", args=[session.code]),
        {"pain_next_morning_nrs": "3"},
        follow=True,
    )
    assert b"already been decided" in response.content


def test_the_plan_page_keeps_its_queries_few(
    alice_client: Client, alice: User, django_assert_max_num_queries: object
) -> None:
    plan = started_plan(alice)
    for day in (2, 4, 6, 9, 11, 13):
        services.log_session(
            plan, date(2026, 3, day), pain_during_nrs=1, pain_after_nrs=1, pain_next_morning_nrs=1
        )
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        response = alice_client.get(reverse("plans:plan"))
    assert response.content.count(b"<li>\n      <p><strong>") == 6


def test_a_stopped_plan_tells_the_runner_to_see_their_physio(
    alice_client: Client, alice: User
) -> None:
    plan = started_plan(alice)
    for day in (2, 4):
        services.log_session(
            plan, date(2026, 3, day), pain_during_nrs=3, pain_after_nrs=3, pain_next_morning_nrs=4
        )
    page = alice_client.get(reverse("plans:plan"))
    assert b"Your plan is paused" in page.content
    assert b"physiotherapist" in page.content


def test_a_plan_waiting_for_review_says_so_and_hides_the_session_form(
    alice_client: Client, alice: User
) -> None:
    started_plan(alice, needs_signoff_before_start=True)
    page = alice_client.get(reverse("plans:plan"))
    assert b"Waiting for review" in page.content
    assert b"Log a session" not in page.content


def test_the_linked_physio_signs_off_and_others_cannot(
    client: Client, alice: User, bob: User, charlie: User
) -> None:
    plan = started_plan(alice, needs_signoff_before_start=True)
    url = reverse("plans:sign-off-plan", args=[plan.code])
    client.force_login(charlie)
    assert client.post(url).status_code == 404
    client.force_login(alice)
    assert client.post(url).status_code == 404
    client.force_login(bob)
    response = client.post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:plan")
    plan.refresh_from_db()
    assert plan.signed_off_start_by == bob
    assert plan.waiting_for() is None


def test_the_interval_timer_page_carries_the_stage_intervals(
    alice_client: Client, alice: User
) -> None:
    plan = started_plan(alice)
    response = alice_client.get(reverse("plans:run-timer", args=[plan.code]))
    assert response.status_code == 200
    assert b"data-interval-timer" in response.content
    assert b"[[&quot;run&quot;, 180], [&quot;walk&quot;, 120]" in response.content
    assert b"plans-timer.js" in response.content
    services.end_plan(plan)
    assert alice_client.get(reverse("plans:run-timer", args=[plan.code])).status_code == 302


def test_another_runners_plan_is_not_found(client: Client, alice: User, charlie: User) -> None:
    plan = started_plan(alice)
    client.force_login(charlie)
    assert client.get(reverse("plans:run-timer", args=[plan.code])).status_code == 404
    assert client.post(reverse("plans:end-plan", args=[plan.code])).status_code == 404


def test_ending_a_plan(alice_client: Client, alice: User) -> None:
    plan = started_plan(alice)
    alice_client.post(reverse("plans:end-plan", args=[plan.code]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ENDED


def test_the_today_card_shows_the_next_run(alice_client: Client, alice: User) -> None:
    started_plan(alice)
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)):
        response = alice_client.get(reverse("core:today"))
    assert b"Back to running" in response.content
    assert b"Run today:" in response.content


def test_the_today_card_stays_away_without_a_plan(alice_client: Client) -> None:
    response = alice_client.get(reverse("core:today"))
    assert b"plans-today-heading" not in response.content


# ------------------------------------------------------------------ cadence


def add_analysed_run(runner: User, day: int, spm: float) -> Activity:
    activity = Activity.objects.create(
        runner=runner,
        name=f"Easy run {day}",
        sport="running",
        start=datetime(2026, 3, day, 7, 0, tzinfo=UTC),
        elapsed_s=1800,
        distance_m=5400,
    )
    n = 600
    services.analyse_run(
        activity,
        Samples(
            time_s=np.arange(n, dtype=float),
            cadence_spm=np.full(n, spm),
            speed_mps=np.full(n, 3.0),
        ),
    )
    return activity


def test_the_cadence_page_shows_runs_baseline_and_a_metronome(
    alice_client: Client, alice: User, django_assert_max_num_queries: object
) -> None:
    for day, spm in ((2, 160), (4, 162), (6, 164), (9, 166), (11, 168)):
        add_analysed_run(alice, day, spm)
    services.set_cadence_target(alice, 171, set_by=alice)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = alice_client.get(reverse("plans:review-cadence"))
    assert response.status_code == 200
    assert b"data-metronome" in response.content
    assert b'id="cadence-points"' in response.content
    assert b"172 to 180 steps/min" in response.content  # median 164: +5 % = 172.2, +10 % = 180.4
    assert b"% of running time" in response.content
    assert b"Week of 2 Mar" in response.content and b"Week of 9 Mar" in response.content


def test_setting_a_cadence_target(alice_client: Client, alice: User) -> None:
    response = alice_client.post(reverse("plans:review-cadence"), {"target_spm": "174"})
    assert response.status_code == 302
    assert alice.cadence_targets.get().target_spm == 174
    response = alice_client.post(reverse("plans:review-cadence"), {"target_spm": "90"})
    assert response.status_code == 200
    assert alice.cadence_targets.count() == 1


def test_the_click_track_downloads_as_a_wav_at_the_asked_rate(alice_client: Client) -> None:
    response = alice_client.get(reverse("plans:download-click-track"), {"bpm": 172, "minutes": 1})
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert "cadence-172-per-minute-1-min.wav" in response["Content-Disposition"]
    assert response.content[:4] == b"RIFF"
    assert len(response.content) == 44 + 60 * 8000
    bad = alice_client.get(reverse("plans:download-click-track"), {"bpm": 500, "minutes": 1})
    assert bad.status_code == 302


# ------------------------------------------------------------------ shoes


def test_adding_shoes_and_seeing_their_distance(
    alice_client: Client, alice: User, django_assert_max_num_queries: object
) -> None:
    response = alice_client.post(
        reverse("plans:list-shoes"),
        {
            "name": "Pegasus 41",
            "start_date": "2026-01-01",
            "starting_distance": "495",
            "first_check_km": "500",
            "second_check_km": "800",
        },
    )
    assert response.status_code == 302
    shoe = Shoe.objects.get()
    assert shoe.starting_distance_m == 495_000
    activity = add_analysed_run(alice, 2, 170)
    services.auto_assign_shoes([activity])
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        page = alice_client.get(reverse("plans:list-shoes"))
    assert b"500 km" in page.content  # 495 + 5.4
    assert b"Check for wear" in page.content
    assert b"second pair" in page.content


def test_shoe_check_distances_must_be_in_order(alice_client: Client) -> None:
    response = alice_client.post(
        reverse("plans:list-shoes"),
        {
            "name": "Pegasus",
            "start_date": "2026-01-01",
            "starting_distance": "0",
            "first_check_km": "800",
            "second_check_km": "500",
        },
    )
    assert response.status_code == 200
    assert b"must come before the second" in response.content


def test_a_shoe_page_shows_runs_and_pain_around_the_change(
    alice_client: Client, alice: User
) -> None:
    shoe = services.add_shoe(alice, "Ghost", date(2026, 3, 1))
    activity = add_analysed_run(alice, 2, 170)
    services.auto_assign_shoes([activity])
    plan = started_plan(alice)
    services.log_session(plan, MONDAY, pain_during_nrs=1, pain_after_nrs=3)
    page = alice_client.get(reverse("plans:show-shoe", args=[shoe.code]))
    assert page.status_code == 200
    assert b"Easy run 2" in page.content
    assert b"3.0/10" in page.content


def test_editing_deleting_and_reassigning_shoes(alice_client: Client, alice: User) -> None:
    shoe = services.add_shoe(alice, "Ghost", date(2026, 3, 1))
    activity = add_analysed_run(alice, 2, 170)
    response = alice_client.post(
        reverse("plans:assign-shoe", args=[activity.code]),
        {"shoe": str(shoe.code), "next": reverse("plans:show-shoe", args=[shoe.code])},
    )
    assert response["Location"] == reverse("plans:show-shoe", args=[shoe.code])
    assert not ShoeUse.objects.get().automatic
    alice_client.post(
        reverse("plans:show-shoe", args=[shoe.code]),
        {
            "name": "Ghost 16",
            "start_date": "2026-03-01",
            "starting_distance": "10",
            "first_check_km": "400",
            "second_check_km": "700",
            "retired": "on",
        },
    )
    shoe.refresh_from_db()
    assert (shoe.name, shoe.retired, shoe.first_check_km) == ("Ghost 16", True, 400)
    alice_client.post(reverse("plans:assign-shoe", args=[activity.code]), {"shoe": ""})
    assert not ShoeUse.objects.exists()
    alice_client.post(reverse("plans:delete-shoe", args=[shoe.code]))
    assert not Shoe.objects.exists()
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_another_runners_shoes_are_not_found(client: Client, alice: User, charlie: User) -> None:
    shoe = services.add_shoe(alice, "Ghost", date(2026, 3, 1))
    activity = add_analysed_run(alice, 2, 170)
    client.force_login(charlie)
    assert client.get(reverse("plans:show-shoe", args=[shoe.code])).status_code == 404
    assert client.post(reverse("plans:delete-shoe", args=[shoe.code])).status_code == 404
    response = client.post(reverse("plans:assign-shoe", args=[activity.code]), {"shoe": ""})
    assert response.status_code == 404


def test_the_physio_review_card_signs_off_a_waiting_plan(
    client: Client, alice: User, bob: User, charlie: User
) -> None:
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    from kneeclinic.plans.clinic import review_card

    plan = started_plan(alice, needs_signoff_before_start=True)
    assert review_card(charlie, alice) is None
    assert review_card(alice, alice) is None
    card = review_card(bob, alice)
    assert card is not None
    request = RequestFactory().get("/clinic/runner/")
    request.user = bob
    html = render_to_string(card.template, {"card": card.context}, request=request)
    assert "Waiting for your review" in html
    assert reverse("plans:sign-off-plan", args=[plan.code]) in html
    client.force_login(bob)
    client.post(reverse("plans:sign-off-plan", args=[plan.code]), {"next": "/clinic/runner/"})
    plan.refresh_from_db()
    assert plan.waiting_for() is None


def test_the_coming_sessions_download_as_a_calendar(alice_client: Client, alice: User) -> None:
    plan = started_plan(alice)
    with time_machine.travel(datetime(2026, 3, 2, 8, 0, tzinfo=UTC)):
        response = alice_client.get(reverse("plans:download-calendar", args=[plan.code]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.count("BEGIN:VEVENT") == 12  # 6 stages, each twice
    assert "DTSTART;VALUE=DATE:20260302\r\n" in text
    assert "DTEND;VALUE=DATE:20260303\r\n" in text
    assert f"UID:{plan.code}-20260302@kneeclinic" in text
    assert "SUMMARY:Walk/run\\, stage 1" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "\r\n DESCRIPTION" not in text and "\r\n " in text  # long descriptions fold


def test_the_linked_physio_sets_a_cadence_target_and_others_cannot(
    client: Client, alice: User, bob: User, charlie: User
) -> None:
    url = reverse("plans:set-runner-target", args=[alice.code])
    client.force_login(charlie)
    assert client.post(url, {"target_spm": "172"}).status_code == 404
    client.force_login(alice)
    assert client.post(url, {"target_spm": "172"}).status_code == 404
    client.force_login(bob)
    response = client.post(url, {"target_spm": "172", "note": "Quick, light steps"})
    assert response.status_code == 302
    target = alice.cadence_targets.get()
    assert (target.target_spm, target.set_by, target.note) == (172, bob, "Quick, light steps")
    response = client.post(url, {"target_spm": "90"}, follow=True)
    assert b"between 140 and 220" in response.content
    assert alice.cadence_targets.count() == 1
