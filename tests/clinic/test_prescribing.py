"""A physio prescribes a linked runner's exercise programme; the runner sees each change."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from kneeclinic.accounts.models import User
from kneeclinic.clinic.models import AuditEvent
from kneeclinic.exercises import prescribing
from kneeclinic.exercises.models import Programme, ProgrammeChange, ProgrammeItem
from tests.clinic.conftest import logged_in
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def url(runner: User) -> str:
    return reverse("clinic:prescribe", kwargs={"code": runner.code})


def add_data(slug: str = "clamshell", **extra: str) -> dict[str, str]:
    data = {
        "action": "add",
        "add-slug": slug,
        "add-sets": "3",
        "add-reps": "15",
        "add-hold_s": "",
        "add-each_side": "on",
        "add-load": "light band",
        "add-from_week": "1",
        "add-until_week": "",
        "add-note": "Keep the pelvis still",
    }
    return data | extra


def start(alice: User, bob: User) -> Programme:
    response = logged_in(bob).post(url(alice), {"action": "start", "note": "Gently at first"})
    assert response.status_code == 302
    return Programme.objects.get(runner=alice, active=True)


def test_the_physio_starts_the_programme_and_it_is_theirs(alice: User, bob: User) -> None:
    programme = start(alice, bob)
    assert programme.prescribed_by == bob
    assert programme.items.count() > 0
    change = ProgrammeChange.objects.get(runner=alice)
    assert change.physio == bob
    assert change.note == "Gently at first"
    assert "Started the programme" in change.summary


def test_adding_an_exercise_with_a_dose_reaches_the_runner(alice: User, bob: User) -> None:
    programme = start(alice, bob)
    programme.items.filter(slug="clamshell").delete()
    response = logged_in(bob).post(url(alice), add_data())
    assert response.status_code == 302
    item = ProgrammeItem.objects.get(programme=programme, slug="clamshell")
    assert (item.sets, item.reps, item.each_side, item.load) == (3, 15, True, "light band")
    latest = ProgrammeChange.objects.filter(runner=alice).first()
    assert latest is not None
    assert latest.summary.startswith("Added Clamshell: 3 sets of 15")
    assert latest.note == "Keep the pelvis still"

    today = logged_in(alice).get(reverse("core:today")).content.decode()
    assert "From your physio" in today
    assert "Added Clamshell" in today
    assert "Keep the pelvis still" in today


def test_a_dose_without_reps_or_hold_is_refused_with_a_reason(alice: User, bob: User) -> None:
    start(alice, bob)
    Programme.objects.get(runner=alice).items.filter(slug="clamshell").delete()
    response = logged_in(bob).post(url(alice), add_data(**{"add-reps": ""}))
    assert response.status_code == 400
    assert "Give the repetitions, a hold time, or both." in response.content.decode()
    assert not ProgrammeItem.objects.filter(slug="clamshell", programme__runner=alice).exists()


def test_the_same_exercise_twice_is_refused(alice: User, bob: User) -> None:
    programme = start(alice, bob)
    slug = programme.items.first().slug  # type: ignore[union-attr]
    changes = ProgrammeChange.objects.count()
    response = logged_in(bob).post(url(alice), add_data(slug))
    assert response.status_code == 400
    assert "already in the programme" in response.content.decode()
    assert ProgrammeChange.objects.count() == changes


def test_weeks_outside_the_programme_are_refused(alice: User, bob: User) -> None:
    programme = start(alice, bob)
    programme.items.filter(slug="clamshell").delete()
    response = logged_in(bob).post(url(alice), add_data(**{"add-from_week": "40"}))
    assert response.status_code == 400
    assert f"between 1 and {programme.weeks}" in response.content.decode()
    response = logged_in(bob).post(
        url(alice), add_data(**{"add-from_week": "4", "add-until_week": "2"})
    )
    assert "cannot come before" in response.content.decode()


def test_adding_needs_a_programme(alice: User, bob: User) -> None:
    response = logged_in(bob).post(url(alice), add_data())
    assert response.status_code == 400
    assert "has no programme running" in response.content.decode()


def test_changing_a_dose_says_before_and_after(alice: User, bob: User) -> None:
    programme = start(alice, bob)
    item = programme.items.exclude(reps=None).first()
    assert item is not None
    before = item.dose.describe()
    prefix = f"item-{item.code}"
    response = logged_in(bob).post(
        url(alice),
        {
            "action": "change",
            "item": str(item.code),
            f"{prefix}-sets": "4",
            f"{prefix}-reps": "8",
            f"{prefix}-load": "heavier band",
            f"{prefix}-from_week": "1",
            f"{prefix}-note": "Stronger now",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.sets, item.reps, item.load) == (4, 8, "heavier band")
    latest = ProgrammeChange.objects.filter(runner=alice).first()
    assert latest is not None
    assert latest.summary == (
        f"Changed {item.exercise.name}: from {before} to {item.dose.describe()}"
    )


def test_an_invalid_change_keeps_the_dose(alice: User, bob: User) -> None:
    programme = start(alice, bob)
    item = programme.items.first()
    assert item is not None
    prefix = f"item-{item.code}"
    response = logged_in(bob).post(
        url(alice),
        {"action": "change", "item": str(item.code), f"{prefix}-sets": "0"},
        follow=True,
    )
    assert "The dose was not changed" in response.content.decode()
    sets = item.sets
    item.refresh_from_db()
    assert item.sets == sets


def test_removing_an_exercise(alice: User, bob: User) -> None:
    programme = start(alice, bob)
    item = programme.items.first()
    assert item is not None
    response = logged_in(bob).post(url(alice), {"action": "remove", "item": str(item.code)})
    assert response.status_code == 302
    assert not ProgrammeItem.objects.filter(pk=item.pk).exists()
    latest = ProgrammeChange.objects.filter(runner=alice).first()
    assert latest is not None
    assert latest.summary == f"Removed {item.exercise.name}"


def test_another_runners_item_cannot_be_changed(alice: User, bob: User) -> None:
    other = make_user("olive@example.com", name="Olive")
    from kneeclinic.exercises import services
    from kneeclinic.exercises.queries import local_today

    theirs = services.start_default_programme(other, local_today(other)).items.first()
    assert theirs is not None
    start(alice, bob)
    response = logged_in(bob).post(
        url(alice), {"action": "remove", "item": str(theirs.code)}, follow=True
    )
    assert "current programme" in response.content.decode()
    assert ProgrammeItem.objects.filter(pk=theirs.pk).exists()
    response = logged_in(bob).post(url(alice), {"action": "remove", "item": "nonsense"})
    assert ProgrammeItem.objects.filter(pk=theirs.pk).exists()
    assert response.status_code == 200


def test_an_unknown_action_is_not_found(alice: User, bob: User) -> None:
    response = logged_in(bob).post(url(alice), {"action": "drop-table", "item": str(uuid.uuid4())})
    assert response.status_code == 404


def test_each_change_and_view_is_audited(alice: User, bob: User) -> None:
    before = AuditEvent.objects.count()
    logged_in(bob).get(url(alice))
    start(alice, bob)
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.object_type) for e in events] == [
        ("R", "exercise_programme"),
        ("U", "exercise_programme"),
    ]
    assert all(e.runner_id == alice.pk and e.actor_id == bob.pk for e in events)


def test_the_runner_marks_the_changes_as_read(alice: User, bob: User) -> None:
    start(alice, bob)
    runner = logged_in(alice)
    page = runner.get(reverse("exercises:programme")).content.decode()
    assert "From your physio" in page
    assert "Got it" in page
    # Reading the page changes nothing: only the runner's "Got it" does.
    assert prescribing.unseen(alice)
    response = runner.post(reverse("exercises:seen-changes"), {"next": "today"})
    assert response["Location"] == reverse("core:today")
    assert prescribing.unseen(alice) == []
    today = runner.get(reverse("core:today")).content.decode()
    assert "From your physio" not in today
    page = runner.get(reverse("exercises:programme")).content.decode()
    assert "From your physio" in page  # still listed, no longer new
    assert "Got it" not in page


def test_the_physio_sees_which_changes_were_seen(alice: User, bob: User) -> None:
    start(alice, bob)
    page = logged_in(bob).get(url(alice)).content.decode()
    assert "Not seen yet" in page
    prescribing.mark_seen(alice)
    page = logged_in(bob).get(url(alice)).content.decode()
    assert "Seen" in page
    assert "Not seen yet" not in page
