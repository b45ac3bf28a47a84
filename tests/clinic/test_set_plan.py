"""A physio sets a linked runner's return-to-run plan and changes its run days and review points."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kneeclinic.accounts.models import User
from kneeclinic.clinic.models import AuditEvent, PlanChange
from kneeclinic.plans.models import PlanStatus, RunPlan
from tests.clinic.conftest import logged_in

pytestmark = pytest.mark.django_db
PLAN = "graded-running-time"


def url(runner: User) -> str:
    return reverse("clinic:set-plan", kwargs={"code": runner.code})


def set_plan(bob: User, alice: User, **extra: object) -> object:
    data: dict[str, object] = {
        "action": "set",
        "set-template_slug": PLAN,
        "set-start_date": "2026-12-01",
        "set-weekdays": ["1", "3", "5"],
        "set-needs_signoff_before_continuous": "on",
        "set-note": "Start on grass",
    } | extra
    return logged_in(bob).post(url(alice), data)


def test_the_physio_sets_a_plan_without_a_readiness_check(alice: User, bob: User) -> None:
    response = set_plan(bob, alice)
    assert response.status_code == 302  # type: ignore[attr-defined]
    plan = RunPlan.objects.get(runner=alice, status=PlanStatus.ACTIVE)
    assert plan.created_by == bob
    assert plan.weekdays == (1, 3, 5)
    assert plan.needs_signoff_before_continuous and not plan.needs_signoff_before_start
    change = PlanChange.objects.get(runner=alice)
    assert change.note == "Start on grass"
    assert change.summary.startswith("Set the plan")
    page = logged_in(alice).get(reverse("plans:plan")).content.decode()
    assert "From your physio" in page
    assert "Start on grass" in page


def test_a_new_plan_ends_the_old_one(alice: User, bob: User) -> None:
    set_plan(bob, alice)
    set_plan(bob, alice, **{"set-template_slug": "army-walk-run"})
    statuses = sorted(RunPlan.objects.filter(runner=alice).values_list("status", flat=True))
    assert statuses == [PlanStatus.ACTIVE, PlanStatus.ENDED]


def test_run_days_back_to_back_are_refused(alice: User, bob: User) -> None:
    response = set_plan(bob, alice, **{"set-weekdays": ["1", "2"]})
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert not RunPlan.objects.filter(runner=alice).exists()
    assert not PlanChange.objects.exists()


def test_changing_the_gates_says_what_changed(alice: User, bob: User) -> None:
    set_plan(bob, alice)
    response = logged_in(bob).post(
        url(alice),
        {
            "action": "gates",
            "gates-weekdays": ["0", "3"],
            "gates-needs_signoff_before_start": "on",
            "gates-note": "Fewer runs this week",
        },
    )
    assert response.status_code == 302
    plan = RunPlan.objects.get(runner=alice, status=PlanStatus.ACTIVE)
    assert plan.weekdays == (0, 3)
    assert plan.needs_signoff_before_start and not plan.needs_signoff_before_continuous
    change = PlanChange.objects.filter(runner=alice).first()
    assert change is not None
    assert change.summary == (
        "Changed the plan: run days, a review before the first run, "
        "no review before running without walk breaks"
    )
    assert plan.waiting_for() is not None  # the runner now waits for bob's review


def test_saving_unchanged_gates_records_nothing(alice: User, bob: User) -> None:
    set_plan(bob, alice)
    before = PlanChange.objects.count()
    response = logged_in(bob).post(
        url(alice),
        {
            "action": "gates",
            "gates-weekdays": ["1", "3", "5"],
            "gates-needs_signoff_before_continuous": "on",
        },
        follow=True,
    )
    assert "Nothing changed." in response.content.decode()
    assert PlanChange.objects.count() == before


def test_gates_need_a_plan_and_a_known_action(alice: User, bob: User) -> None:
    assert logged_in(bob).post(url(alice), {"action": "gates"}).status_code == 404
    assert logged_in(bob).post(url(alice), {"action": "other"}).status_code == 404


def test_views_and_changes_are_audited(alice: User, bob: User) -> None:
    before = AuditEvent.objects.count()
    logged_in(bob).get(url(alice))
    set_plan(bob, alice)
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [(e.action, e.object_type) for e in events] == [("R", "run_plan"), ("U", "run_plan")]
