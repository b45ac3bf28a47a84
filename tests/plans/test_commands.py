"""The `kneeclinic click-track` and `kneeclinic plan-status` commands."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import CommandError, call_command

from kneeclinic.domain import returntorun as rtr
from kneeclinic.plans import services

if TYPE_CHECKING:
    from kneeclinic.accounts.models import User


def test_click_track_writes_a_wav_of_the_asked_length(tmp_path: Path) -> None:
    out = StringIO()
    target = tmp_path / "clicks.wav"
    call_command(
        "click_track", "--bpm", "172", "--minutes", "1", "--out", str(target), "--json", stdout=out
    )
    assert json.loads(out.getvalue()) == {"file": str(target), "bpm": 172.0, "minutes": 1}
    assert target.stat().st_size == 44 + 60 * 8000
    call_command("click_track", "--bpm", "172", "--minutes", "1", "--out", str(target), stdout=out)
    assert "1 min at 172/min" in out.getvalue()


def test_click_track_refuses_an_impossible_rate(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="between 40 and 220"):
        call_command("click_track", "--bpm", "300", "--out", str(tmp_path / "x.wav"))


@pytest.mark.django_db
def test_plan_status_reports_the_stage_and_last_decision(alice: User) -> None:
    out = StringIO()
    call_command("plan_status", "alice@example.com", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"email": "alice@example.com", "plan": None}
    call_command("plan_status", "alice@example.com", stdout=out)
    assert "has no return-to-run plan" in out.getvalue()
    services.record_readiness(alice, rtr.ReadinessAnswers(30, 10, 10, 1, 10, 10, 0, 1, False))
    plan = services.start_plan(alice, "army-walk-run", date(2026, 3, 2))
    services.log_session(
        plan, date(2026, 3, 2), pain_during_nrs=1, pain_after_nrs=1, pain_next_morning_nrs=1
    )
    out = StringIO()
    call_command("plan_status", "ALICE@example.com", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["plan"], result["stage"], result["last_decision"]) == (
        "army-walk-run",
        1,
        "repeat",
    )
    out = StringIO()
    call_command("plan_status", "alice@example.com", stdout=out)
    assert "stage 1 of 6" in out.getvalue()
    assert "Last decision: repeat" in out.getvalue()
    with pytest.raises(CommandError, match="No account"):
        call_command("plan_status", "nobody@example.com")


@pytest.mark.django_db
def test_cadence_analyse_works_out_every_run_again(alice: User) -> None:
    from datetime import UTC, datetime

    from kneeclinic.activities.models import Activity

    for day, spm in ((2, 164.0), (4, None)):
        Activity.objects.create(
            runner=alice,
            sport="running",
            start=datetime(2026, 3, day, 7, 0, tzinfo=UTC),
            elapsed_s=1800,
            distance_m=5000,
            avg_cadence_spm=spm,
        )
    out = StringIO()
    call_command("cadence_analyse", "alice@example.com", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "email": "alice@example.com",
        "analysed": 1,
        "without_cadence": 1,
    }
    out = StringIO()
    call_command("cadence_analyse", "alice@example.com", stdout=out)
    assert "cadence worked out for 1 runs; 1 had none" in out.getvalue()
    with pytest.raises(CommandError, match="No account"):
        call_command("cadence_analyse", "nobody@example.com")
