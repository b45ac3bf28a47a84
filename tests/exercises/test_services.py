"""Writing: starting a programme, recording sessions once, deciding on suggestions."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from kneeclinic.accounts.models import User
from kneeclinic.exercises import queries, services
from kneeclinic.exercises.models import (
    Decision,
    ExerciseLog,
    ExerciseSession,
    Programme,
    ProgrammeItem,
)
from kneeclinic.exercises.schemas import SessionIn
from kneeclinic.symptoms.models import PainEntry
from tests.conftest import make_user
from tests.exercises.helpers import log, payload

NOW = datetime(2026, 3, 16, 9, 0, tzinfo=UTC)
MONDAY = date(2026, 3, 16)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


def _record(runner: User, data: dict[str, object]) -> tuple[ExerciseSession, bool]:
    return services.record_session(runner, SessionIn.model_validate(data))


def test_starting_the_default_programme_stores_its_19_exercises(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    assert programme.items.count() == 19
    wall_sit = programme.items.get(slug="wall-sit")
    assert (wall_sit.sets, wall_sit.hold_s, wall_sit.until_week) == (5, 30, 2)
    assert "slight knee bend" in wall_sit.note
    assert [i.slug for i in queries.items_for_week(programme, 1)][:2] == [
        "side-lying-hip-abduction",
        "standing-hip-abduction-band",
    ]


def test_starting_again_leaves_one_active_programme(alice: User) -> None:
    first = services.start_default_programme(alice, MONDAY)
    second = services.start_default_programme(alice, MONDAY + timedelta(days=20))
    first.refresh_from_db()
    assert not first.active
    assert queries.active_programme(alice) == second


def test_stopping_keeps_the_sessions(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    _record(alice, payload(programme))
    assert services.stop_programme(alice) == 1
    assert queries.active_programme(alice) is None
    assert ExerciseSession.objects.filter(runner=alice).count() == 1


def test_a_session_keeps_the_phones_own_day_and_times(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    data = payload(programme, day=date(2026, 3, 17), started_at="2026-03-17T07:30:00+11:00")
    session, created = _record(alice, data)
    assert created
    assert session.local_date == date(2026, 3, 17)
    assert session.started_at == datetime(2026, 3, 16, 20, 30, tzinfo=UTC)
    assert session.received_at == NOW


def test_the_same_session_sent_twice_is_recorded_once(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    data = payload(programme)
    _record(alice, data)
    session, created = _record(alice, data)
    assert not created
    assert ExerciseSession.objects.count() == 1
    assert ExerciseLog.objects.count() == 1
    assert session.status == "complete"


def test_a_late_partial_copy_does_not_undo_a_finished_session(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    code = uuid.uuid4()
    _record(alice, payload(programme, code=code, logs=[log("clamshell", 3, pain=2)]))
    older = payload(programme, code=code, status="partial", logs=[log("clamshell", 1, pain=None)])
    session, _ = _record(alice, older)
    session.refresh_from_db()
    assert session.status == "complete"
    kept = session.logs.get()
    assert (kept.sets_done, kept.pain_nrs) == (3, 2)


def test_a_partial_session_grows_as_exercises_are_done(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    code = uuid.uuid4()
    _record(alice, payload(programme, code=code, status="partial", logs=[log("clamshell", 3)]))
    later = payload(
        programme, code=code, status="partial", logs=[log("clamshell", 3), log("quad-set", 1)]
    )
    session, _ = _record(alice, later)
    assert session.status == "partial"
    assert sorted(session.logs.values_list("slug", flat=True)) == ["clamshell", "quad-set"]


def test_a_missing_pain_score_keeps_the_one_already_stored(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    code = uuid.uuid4()
    _record(alice, payload(programme, code=code, logs=[log("clamshell", 3, pain=4)]))
    _record(alice, payload(programme, code=code, logs=[log("clamshell", 3, pain=None)]))
    assert ExerciseLog.objects.get().pain_nrs == 4


def test_someone_elses_session_code_is_refused(alice: User) -> None:
    other = make_user("dora@example.com")
    data = payload(None)
    _record(other, data)
    with pytest.raises(services.SessionRejected, match="someone else"):
        _record(alice, data)


def test_someone_elses_programme_is_refused(alice: User) -> None:
    other = make_user("dora@example.com")
    theirs = services.start_default_programme(other, MONDAY)
    with pytest.raises(services.SessionRejected, match="not yours"):
        _record(alice, payload(theirs))


def test_a_warm_up_session_needs_no_programme(alice: User) -> None:
    session, _ = _record(alice, payload(None, logs=[log("brisk-walk", 1, target=1)]))
    assert session.warm_up
    assert session.programme is None


def _good_session(runner: User, programme: Programme, day: date, pain: int = 1) -> None:
    _record(runner, payload(programme, day=day, logs=[log("clamshell", 3, pain=pain)]))


def _morning(runner: User, day: date, pain: int) -> None:
    PainEntry.objects.create(
        runner=runner,
        pain_nrs=pain,
        when="next_morning",
        at=datetime(day.year, day.month, day.day, 7, 30, tzinfo=runner.tz),
    )


def test_accepting_a_progression_raises_the_dose_and_keeps_the_reason(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY - timedelta(days=7))
    for day in (MONDAY - timedelta(days=3), MONDAY - timedelta(days=1)):
        _good_session(alice, programme, day)
        _morning(alice, day, 1)
        _morning(alice, day + timedelta(days=1), 1)
    item = programme.items.get(slug="clamshell")
    decision = services.decide(alice, item.code, "progress", accepted=True)
    item.refresh_from_db()
    assert item.reps == 14
    assert decision.summary == "New dose: 3 sets of 14, each side (was 3 sets of 12, each side)."
    assert "last 2 sessions" in decision.reason
    # After deciding, older sessions no longer count: the suggestion starts afresh.
    assert queries.suggestion_for(item).reason == "No sessions recorded yet."


def test_declining_keeps_the_dose_and_records_the_no(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY - timedelta(days=7))
    _good_session(alice, programme, MONDAY - timedelta(days=1), pain=7)
    item = programme.items.get(slug="clamshell")
    decision = services.decide(alice, item.code, "regress", accepted=False)
    item.refresh_from_db()
    assert item.reps == 12
    assert not decision.accepted
    assert decision.reason == "Your knee pain reached 7/10 during it; the limit is 5/10."
    assert Decision.objects.count() == 1


def test_a_decision_on_a_changed_suggestion_is_refused(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    item = programme.items.get(slug="clamshell")
    with pytest.raises(services.StaleSuggestion, match="changed"):
        services.decide(alice, item.code, "progress", accepted=True)


def test_nobody_else_can_decide_for_a_runner(alice: User, bob: User) -> None:
    programme = services.start_default_programme(alice, MONDAY)
    item = programme.items.get(slug="clamshell")
    with pytest.raises(services.StaleSuggestion, match="no longer in your programme"):
        services.decide(bob, item.code, "progress", accepted=True)


def test_accepting_a_regression_at_the_floor_swaps_in_the_easier_exercise(alice: User) -> None:
    programme = services.start_default_programme(alice, MONDAY - timedelta(days=7))
    ProgrammeItem.objects.filter(programme=programme, slug="squat").update(reps=5, from_week=1)
    _record(alice, payload(programme, day=MONDAY, logs=[log("squat", 3, pain=8)]))
    item = programme.items.get(slug="squat")
    ProgrammeItem.objects.filter(programme=programme, slug="wall-sit").delete()
    services.decide(alice, item.code, "regress", accepted=True)
    item.refresh_from_db()
    assert (item.slug, item.hold_s) == ("wall-sit", 30)
