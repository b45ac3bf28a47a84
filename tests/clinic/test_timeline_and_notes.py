"""One timeline per runner, versioned assessment notes, and the printable report."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.clinic import timeline
from kneeclinic.clinic.models import AssessmentNote, AuditEvent
from kneeclinic.symptoms.models import AkpsResponse, PainEntry
from tests.clinic.conftest import logged_in

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 11, 26)  # a Thursday


def at(day: date, hour: int = 8) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


NOTE = {
    "seen_on": "2026-11-20",
    "history": "Pain after a long run.",
    "examination": "Pain on step-down.",
    "imaging": "mri",
    "imaging_status": "requested",
    "imaging_result": "",
    "working_diagnosis": "Patellofemoral pain",
    "plan": "Strength work",
    "free_text": "",
}


def test_weekly_load_and_pain_line_up_on_the_same_weeks(alice: User) -> None:
    monday = date(2026, 11, 23)
    Activity.objects.create(runner=alice, start=at(monday), elapsed_s=1800, distance_m=5000)
    Activity.objects.create(runner=alice, start=at(TODAY), elapsed_s=2400, distance_m=7500)
    Activity.objects.create(
        runner=alice, start=at(monday - timedelta(days=1)), elapsed_s=3600, distance_m=12000
    )
    PainEntry.objects.create(runner=alice, at=at(monday, 20), pain_nrs=3, when="after_run")
    PainEntry.objects.create(runner=alice, at=at(TODAY, 20), pain_nrs=5, when="after_run")
    PainEntry.objects.create(runner=alice, at=at(TODAY, 7), pain_nrs=2, when="next_morning")
    AkpsResponse.objects.create(
        runner=alice, version="1", answers={}, total=72, completed_at=at(TODAY)
    )

    data = timeline.build(alice, today=TODAY, weeks=4)
    assert data.weeks == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), monday]
    assert data.load_km == [0.0, 0.0, 12.0, 12.5]
    assert data.pain["after_run"] == [None, None, None, 5]
    assert data.pain["next_morning"] == [None, None, None, 2]
    assert data.kujala == [(TODAY, 72)]
    assert "24.5 km were run" in data.summary
    chart = data.chart_data()
    assert chart["kujala"] == {"2026-11-23": 72}
    assert chart["pain"]["After a run"] == [None, None, None, 5]


def test_the_timeline_is_in_the_readers_unit(alice: User) -> None:
    Activity.objects.create(runner=alice, start=at(TODAY), elapsed_s=3000, distance_m=16093.44)
    data = timeline.build(alice, today=TODAY, weeks=1, unit="mi")
    assert data.load_km == [10.0]
    assert timeline.run_rows(data)[0]["distance"] == "10.0 mi"


def test_the_linked_physio_sees_the_timeline_with_charts_and_a_text_alternative(
    alice: User, bob: User
) -> None:
    page = logged_in(bob).get(reverse("clinic:runner", args=[alice.code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="clinic-timeline-data"' in html and "The figures as a table" in html
    data = json.loads(re.search(r'id="clinic-timeline-data"[^>]*>(.*?)</script>', html, re.S)[1])  # type: ignore[index]
    assert len(data["weeks"]) == timeline.WEEKS_SHOWN


def test_a_note_keeps_every_version_and_the_runner_reads_only_shared_ones(
    alice: User, bob: User
) -> None:
    client = logged_in(bob)
    created = client.post(reverse("clinic:note-new", args=[alice.code]), NOTE)
    assert created.status_code == 302
    note = AssessmentNote.objects.get()
    assert logged_in(alice).get(reverse("clinic:shared-notes")).content.count(b"<article") == 0

    edit = {**NOTE, "imaging_status": "reviewed", "imaging_result": "Normal MRI",
            "shared_with_runner": "on", "change_reason": "MRI result added"}  # fmt: skip
    assert client.post(reverse("clinic:note-edit", args=[note.code]), edit).status_code == 302
    versions = list(note.versions.order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].imaging_status == "requested" and versions[0].imaging_result == ""
    assert versions[1].imaging_result == "Normal MRI"
    assert versions[1].change_reason == "MRI result added"

    detail = client.get(reverse("clinic:note", args=[note.code])).content.decode()
    assert "Version 1" in detail and "MRI, reviewed: Normal MRI" in detail
    shared = logged_in(alice).get(reverse("clinic:shared-notes")).content.decode()
    assert "Normal MRI" in shared and "Patellofemoral pain" in shared
    verbs = list(AuditEvent.objects.values_list("action", "object_type").order_by("id"))
    assert ("C", "assessment_note") in verbs and ("U", "assessment_note") in verbs


def test_an_empty_note_and_imaging_without_status_are_refused(alice: User, bob: User) -> None:
    client = logged_in(bob)
    empty = client.post(reverse("clinic:note-new", args=[alice.code]), {"seen_on": "2026-11-20"})
    assert b"The note is empty" in empty.content
    partial = client.post(
        reverse("clinic:note-new", args=[alice.code]),
        {"seen_on": "2026-11-20", "imaging": "xray"},
    )
    assert b"requested or reviewed" in partial.content
    assert AssessmentNote.objects.count() == 0


def test_the_report_is_printable_and_recorded_as_a_print(alice: User, bob: User) -> None:
    logged_in(bob).post(reverse("clinic:note-new", args=[alice.code]), NOTE)
    page = logged_in(bob).get(reverse("clinic:report", args=[alice.code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "clinic-report" in html and "Print this report" in html
    assert "Patellofemoral pain" in html
    assert AuditEvent.objects.filter(action="E", object_type="report").count() == 1


def test_the_runners_own_report_leaves_out_unshared_notes(alice: User, bob: User) -> None:
    logged_in(bob).post(reverse("clinic:note-new", args=[alice.code]), NOTE)
    html = logged_in(alice).get(reverse("clinic:report", args=[alice.code])).content.decode()
    assert "Patellofemoral pain" not in html


def test_the_physio_signs_off_a_waiting_plan_and_sets_a_cadence_target_from_the_timeline(
    alice: User, bob: User
) -> None:
    from kneeclinic.plans.models import CadenceTarget, RunPlan

    plan = RunPlan.objects.create(
        runner=alice, template_slug="army-walk-run", start_date=TODAY,
        needs_signoff_before_start=True,
    )  # fmt: skip
    client = logged_in(bob)
    timeline_url = reverse("clinic:runner", args=[alice.code])
    page = client.get(timeline_url).content.decode()
    assert "Sign off: the runner may go on" in page and "Set cadence target" in page
    assert "Waiting for your review" in page
    signed = client.post(reverse("plans:sign-off-plan", args=[plan.code]), {"next": timeline_url})
    assert signed["Location"] == timeline_url
    plan.refresh_from_db()
    assert plan.signed_off_start_by_id == bob.pk
    assert "Sign off: the runner may go on" not in client.get(timeline_url).content.decode()
    target = client.post(
        reverse("plans:set-runner-target", args=[alice.code]),
        {"target_spm": "172", "note": "Small steps", "next": timeline_url},
    )
    assert target["Location"] == timeline_url
    assert CadenceTarget.objects.filter(runner=alice).exists()


def test_the_runner_does_not_see_the_physio_controls_on_their_own_record(alice: User) -> None:
    page = logged_in(alice).get(reverse("clinic:runner", args=[alice.code])).content.decode()
    assert "Set the cadence target" not in page and "Write an assessment note" not in page


def test_the_physio_reviews_the_running_and_the_runner_reads_the_outcome(
    alice: User, bob: User
) -> None:
    response = logged_in(bob).post(
        reverse("clinic:review", args=[alice.code]),
        {"outcome": "hold_two_weeks", "note": "Keep to walking and the exercises."},
    )
    assert response.status_code == 302
    page = logged_in(alice).get(reverse("clinic:shared-notes")).content.decode()
    assert "Hold for two weeks, then we review again" in page
    assert "Keep to walking and the exercises." in page
    assert AuditEvent.objects.filter(action="C", object_type="running_review").count() == 1


def test_a_review_without_an_outcome_is_refused(alice: User, bob: User) -> None:
    from kneeclinic.clinic.models import RunningReview

    logged_in(bob).post(reverse("clinic:review", args=[alice.code]), {"note": "x"})
    assert RunningReview.objects.count() == 0


def test_the_review_shows_the_load_guardrail_and_shoes(alice: User, bob: User) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from kneeclinic.activities.models import Activity

    client = logged_in(bob)
    timeline_url = reverse("clinic:runner", args=[alice.code])
    assert "No runs yet, so no load guardrails." in client.get(timeline_url).content.decode()
    Activity.objects.create(
        runner=alice,
        start=timezone.now() - timedelta(days=2),
        sport="running",
        distance_m=10000,
        elapsed_s=3600,
    )
    page = client.get(timeline_url).content.decode()
    assert "No runs yet" not in page
    assert "next run" in page.lower()
    assert "Shoes in use" in page
