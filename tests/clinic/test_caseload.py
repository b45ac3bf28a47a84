"""The caseload: linked runners sorted by need, with the reason on each row."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kneeclinic.accounts.models import CareLink, User
from kneeclinic.activities.models import Activity
from kneeclinic.clinic import caseload
from kneeclinic.exercises.models import ExerciseSession, Programme
from kneeclinic.plans.models import RunPlan
from kneeclinic.symptoms.models import AkpsResponse, CheckerRun, PainEntry
from tests.clinic.conftest import logged_in
from tests.conftest import link, make_user

pytestmark = pytest.mark.django_db


def linked_runner(physio: User, name: str) -> User:
    runner = make_user(f"{name.lower()}@example.com", name=name)
    link(runner, physio)
    return runner


def run(runner: User, when: datetime, km: float) -> None:
    Activity.objects.create(
        runner=runner, start=when, elapsed_s=km * 360, distance_m=km * 1000, sport="running"
    )


def pain(runner: User, when: datetime, nrs: int, situation: str = "after_run") -> None:
    PainEntry.objects.create(runner=runner, at=when, pain_nrs=nrs, when=situation)


@pytest.fixture
def now() -> datetime:
    return timezone.now()


def test_the_most_urgent_runners_come_first_each_with_its_reason(
    bob: User, alice: User, now: datetime
) -> None:
    urgent = linked_runner(bob, "Una")
    CheckerRun.objects.create(runner=urgent, level="urgent_same_day", completed_at=now)
    sore = linked_runner(bob, "Sam")
    pain(sore, now - timedelta(days=10), 2)
    pain(sore, now - timedelta(days=1), 5)
    spiky = linked_runner(bob, "Kim")
    run(spiky, now - timedelta(days=20), 10)
    run(spiky, now - timedelta(days=2), 16)
    steady = linked_runner(bob, "Ola")
    run(steady, now - timedelta(days=3), 5)
    # alice has no data at all: "no runs or diary entries yet"

    rows = caseload.build(bob, now=now)
    assert [row.runner.display_name for row in rows] == ["Una", "Sam", "Kim", "Alice", "Ola"]
    texts = {row.runner.display_name: [r.text for r in row.reasons] for row in rows}
    assert texts["Una"][0].startswith("Warning signs in the symptom checker")
    assert texts["Sam"] == ["Pain rising: 2/10 to 5/10 this week"]
    assert texts["Kim"][0].startswith("Load spike (moderate): 16.0 km on")
    assert "longest in the 30 days before 10.0 km (+60%)" in texts["Kim"][0]
    assert texts["Alice"] == ["No runs or diary entries yet"]
    assert texts["Ola"] == []


def test_a_run_exactly_ten_percent_longer_is_not_a_spike(bob: User, now: datetime) -> None:
    runner = linked_runner(bob, "Tess")
    run(runner, now - timedelta(days=10), 10)
    run(runner, now - timedelta(days=1), 11)
    assert caseload.load_spike([runner.pk], now) == {}


def test_high_pain_without_a_rise_is_still_flagged(bob: User, now: datetime) -> None:
    runner = linked_runner(bob, "Hal")
    pain(runner, now - timedelta(days=9), 6)
    pain(runner, now - timedelta(days=2), 6)
    assert [r.text for r in caseload.pain_rising([runner.pk], now)[runner.pk]] == [
        "Pain 6/10 this week"
    ]


def test_kujala_changes_of_ten_points_or_more_are_shown(bob: User, now: datetime) -> None:
    worse = linked_runner(bob, "Wes")
    better = linked_runner(bob, "Bea")
    small = linked_runner(bob, "Sol")
    for runner, scores in ((worse, (80, 70)), (better, (60, 75)), (small, (70, 79))):
        for days_ago, total in zip((30, 2), scores, strict=True):
            AkpsResponse.objects.create(
                runner=runner, version="1", answers={}, total=total,
                completed_at=now - timedelta(days=days_ago),
            )  # fmt: skip
    found = caseload.kujala_change([worse.pk, better.pk, small.pk], now)
    assert [r.text for r in found[worse.pk]] == ["Kujala fell 80 to 70"]
    assert [r.text for r in found[better.pk]] == ["Kujala improved 60 to 75"]
    assert small.pk not in found


def test_a_plan_waiting_for_sign_off_is_shown(bob: User, now: datetime) -> None:
    runner = linked_runner(bob, "Pat")
    RunPlan.objects.create(
        runner=runner, template_slug="army-walk-run", start_date=now.date(),
        needs_signoff_before_start=True,
    )  # fmt: skip
    found = caseload.plan_waiting([runner.pk], now)
    assert [r.key for r in found[runner.pk]] == ["plan"]


def test_skipped_exercises_are_shown(bob: User, now: datetime) -> None:
    runner = linked_runner(bob, "Eve")
    Programme.objects.create(
        runner=runner, name="Knee", started_on=(now - timedelta(days=30)).date(), days_per_week=3
    )
    ExerciseSession.objects.create(
        runner=runner, code="8a0b3c8e-7d7e-4b8f-9d1e-000000000001",
        local_date=(now - timedelta(days=3)).date(), started_at=now - timedelta(days=3),
    )  # fmt: skip
    found = caseload.exercises_skipped([runner.pk], now)
    assert [r.text for r in found[runner.pk]] == ["Exercises skipped: 1 of 6 sessions in two weeks"]


def test_a_quiet_runner_is_flagged_after_two_weeks(bob: User, now: datetime) -> None:
    runner = linked_runner(bob, "Quin")
    run(runner, now - timedelta(days=15), 5)
    assert [r.text for r in caseload.quiet([runner.pk], now)[runner.pk]] == ["No data for 15 days"]


def test_the_caseload_shows_only_actively_linked_runners(
    bob: User, alice: User, charlie: User
) -> None:
    other = linked_runner(charlie, "Olga")
    ended = linked_runner(bob, "Enid")
    CareLink.objects.filter(runner=ended).update(status="ended", ended_at=timezone.now())
    page = logged_in(bob).get(reverse("clinic:caseload"))
    html = page.content.decode()
    assert "Alice" in html and "Olga" not in html and "Enid" not in html
    assert other.display_name not in html


def test_filters_and_search_narrow_the_list(bob: User, alice: User, now: datetime) -> None:
    sore = linked_runner(bob, "Sam")
    pain(sore, now - timedelta(days=1), 7)
    client = logged_in(bob)
    by_need = client.get(reverse("clinic:caseload"), {"need": "pain"}).content.decode()
    assert "Sam" in by_need and "Alice" not in by_need
    by_name = client.get(reverse("clinic:caseload"), {"q": "ali"}).content.decode()
    assert "Alice" in by_name and ">Sam<" not in by_name
    nothing = client.get(reverse("clinic:caseload"), {"q": "zzz"}).content.decode()
    assert "No runner matches this search" in nothing


def test_the_caseload_costs_the_same_queries_for_three_or_thirty_runners(
    bob: User, now: datetime, django_assert_max_num_queries: object
) -> None:
    def add(count: int, start: int) -> None:
        for i in range(start, start + count):
            runner = linked_runner(bob, f"Runner{i}")
            run(runner, now - timedelta(days=2), 5)
            pain(runner, now - timedelta(days=1), 3)

    add(3, 0)
    client = logged_in(bob)
    with django_assert_max_num_queries(16) as few:  # type: ignore[operator]
        assert client.get(reverse("clinic:caseload")).status_code == 200
    add(27, 3)
    with django_assert_max_num_queries(16) as many:  # type: ignore[operator]
        assert client.get(reverse("clinic:caseload")).status_code == 200
    assert caseload_queries(many) == caseload_queries(few)


def caseload_queries(context: object) -> int:
    """The queries of the page itself, without the session's own bookkeeping (a clinician's
    session notes when it was last used, at most once a minute)."""
    queries: list[dict[str, str]] = context.captured_queries  # type: ignore[attr-defined]
    return len(
        [
            query
            for query in queries
            if ("django_session" not in query["sql"] or query["sql"].startswith("SELECT"))
            and "SAVEPOINT" not in query["sql"]
        ]
    )
