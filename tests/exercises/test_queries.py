"""Reads: the week before the start, the recent sessions table, the demo's story, model labels."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError

from kneeclinic.accounts.models import User
from kneeclinic.core.demo import DemoPeople
from kneeclinic.exercises import demo, queries, services
from kneeclinic.exercises.models import Decision, ExerciseLog, ExerciseSession
from kneeclinic.exercises.schemas import SessionIn
from tests.exercises.helpers import log, payload

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
MONDAY = date(2026, 3, 16)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


def test_a_programme_that_starts_next_week_is_in_week_one(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY + timedelta(days=3))
    assert queries.current_week(programme, MONDAY) == 1
    today = queries.today(programme, MONDAY)
    assert not today.planned
    assert today.next_day == MONDAY + timedelta(days=3)


def test_after_twelve_weeks_the_last_weeks_exercises_carry_on(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY - timedelta(days=120))
    assert queries.current_week(programme, MONDAY) == 12
    assert len(queries.items_for_week(programme, 12)) == 12


def test_recent_sessions_sum_up_what_was_done(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    skipped = log("quad-set", 0, pain=None) | {"skipped": True}
    data = payload(programme, logs=[log("clamshell", 3, pain=2), log("bridge", 3, pain=4), skipped])
    services.record_session(alice, SessionIn.model_validate(data))
    services.record_session(alice, SessionIn.model_validate(payload(None, logs=[])))
    rows = queries.recent_sessions(alice)
    by_kind = {row.session.warm_up: row for row in rows}
    assert (by_kind[False].done, by_kind[False].skipped, by_kind[False].worst_pain_nrs) == (2, 1, 4)
    assert by_kind[True].worst_pain_nrs is None


def test_a_race_between_two_copies_of_a_new_session_ends_in_one_row(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    data = SessionIn.model_validate(payload(programme))
    real = services._upsert_session
    real(alice, programme, data)  # the other copy lands first
    calls = {"n": 0}

    def first_loses(*args: object) -> tuple[ExerciseSession, bool]:
        calls["n"] += 1
        if calls["n"] == 1:  # this copy had looked before the other landed, so its insert fails
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "_upsert_session", first_loses)
    session, created = services.record_session(alice, data)
    assert not created
    assert ExerciseSession.objects.count() == 1
    assert session.logs.count() == 1


def test_the_demo_gives_maya_weeks_of_mostly_kept_sessions(alice: User, bob: User) -> None:
    people = DemoPeople(
        runner=alice,
        physio=bob,
        clinic=None,  # type: ignore[arg-type]
        today=MONDAY,
        spike_day=MONDAY - timedelta(days=40),
        rng=random.Random(7),
    )
    demo.load(people)
    programme = queries.active_programme(alice)
    assert programme is not None
    assert programme.started_on == MONDAY - timedelta(days=35)
    weeks = queries.adherence(programme, MONDAY)
    assert len(weeks) == 5
    assert 50 <= sum(w.completed for w in weeks) * 100 // sum(w.planned for w in weeks) <= 100
    assert ExerciseSession.objects.filter(status="partial").count() <= 1
    assert ExerciseLog.objects.filter(slug="lateral-step-down").exists()


def test_rows_describe_themselves(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    session, _ = services.record_session(alice, SessionIn.model_validate(payload(programme)))
    item = programme.items.get(slug="clamshell")
    assert str(programme) == "Runner's knee: 12-week starter programme from 2026-03-16"
    assert str(item) == "clamshell: 3 sets of 12, each side"
    assert str(session) == "Session 2026-03-16 (complete)"
    assert str(session.logs.get()) == "clamshell: 3/3 sets"
    decision = Decision(
        item=item, kind="progress", accepted=False, reason="r", from_slug="clamshell"
    )
    assert str(decision) == "progress declined for clamshell"
    assert decision.exercise_name == "Clamshell"
