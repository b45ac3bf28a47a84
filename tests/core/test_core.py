"""Health, Today, demo data, backups and settings helpers."""

from __future__ import annotations

import gc
import json
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kneeclinic import settings as project_settings
from kneeclinic.accounts.models import CareLink, User
from kneeclinic.activities.models import Activity
from kneeclinic.core import demo, health
from kneeclinic.core.backup import BackupError, backup, restore
from kneeclinic.core.models import WorkerHeartbeat
from kneeclinic.exercises import prescribing


@pytest.mark.django_db
def test_healthz_reports_the_worker_down_without_a_heartbeat(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "worker": "down"}


@pytest.mark.django_db
def test_healthz_reports_the_worker_ok_after_a_fresh_heartbeat(client: Client) -> None:
    health.beat("test-worker")
    assert client.get("/healthz").json() == {"database": "ok", "worker": "ok"}


@pytest.mark.django_db
def test_a_stale_heartbeat_means_the_worker_is_down(client: Client) -> None:
    WorkerHeartbeat.objects.create(
        worker_id="old", pid=1, beat_at=timezone.now() - timedelta(minutes=5)
    )
    assert client.get("/healthz").json()["worker"] == "down"


# Django cannot close a thread's connection to the in-memory test database (close() is a no-op
# there), so the thread's sqlite3 connection is only reclaimed by the garbage collector: that is
# the warning ignored here, collected inside this test rather than leaking into a later one.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_and_cleans_up_when_stopped() -> None:
    stop = threading.Event()
    thread = health.start_heartbeat(stop)
    for _ in range(50):
        if WorkerHeartbeat.objects.exists():
            break
        threading.Event().wait(0.05)
    assert health.worker_status() == "ok"
    stop.set()
    thread.join(timeout=15)
    assert not thread.is_alive()
    assert not WorkerHeartbeat.objects.exists()
    del thread
    gc.collect()


@pytest.mark.django_db
def test_the_api_health_endpoint_is_open_and_typed(client: Client) -> None:
    body = client.get("/api/v1/health").json()
    assert body["database"] == "ok"
    assert set(body) == {"database", "worker", "version"}


@pytest.mark.django_db
def test_today_greets_the_runner_by_name_with_their_settings(alice_client: Client) -> None:
    page = alice_client.get(reverse("core:today")).content.decode()
    assert "Alice" in page
    assert "Not sure yet" in page
    assert "Kilometres" in page


@pytest.mark.django_db
def test_the_welcome_page_is_public_and_today_redirects_there_when_logged_in(
    client: Client, alice_client: Client
) -> None:
    assert "Back to running" in Client().get("/").content.decode()
    assert alice_client.get("/")["Location"] == reverse("core:today")


@pytest.mark.django_db
def test_the_sign_in_page_carries_a_strict_content_security_policy(client: Client) -> None:
    # Every page reached by following links is checked in tests/security/test_headers_crawl.py.
    response = client.get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in policy
    assert "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("utc_time", "zone", "word"),
    [
        ("2026-06-01 06:30", "Europe/London", "morning"),  # 07:30 in London
        ("2026-06-01 12:30", "Europe/London", "afternoon"),
        ("2026-06-01 12:30", "Asia/Tokyo", "evening"),  # 21:30 in Tokyo
    ],
)
def test_the_greeting_follows_the_runners_own_clock(utc_time: str, zone: str, word: str) -> None:
    from datetime import UTC, datetime

    import time_machine

    from kneeclinic.core.today import greeting

    runner = User(email="x@example.com", time_zone=zone)
    moment = datetime.fromisoformat(utc_time).replace(tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        assert greeting(runner) == word


@pytest.mark.django_db
def test_the_demo_loads_maya_and_bob_once_with_a_planted_spike() -> None:
    created, people = demo.load_demo(today=date(2026, 11, 26))
    assert created
    again, _ = demo.load_demo(today=date(2026, 11, 26))
    assert not again
    maya = User.objects.get(email=demo.RUNNER_EMAIL)
    assert CareLink.objects.get(runner=maya).status == CareLink.Status.ACTIVE
    runs = Activity.objects.filter(runner=maya)
    first, last = runs.order_by("start").first(), runs.order_by("start").last()
    assert first is not None and last is not None
    assert (last.start - first.start).days >= 500
    spike = runs.get(start__date=people.spike_day)
    before = runs.filter(
        start__date__gte=people.spike_day - timedelta(days=30), start__date__lt=people.spike_day
    )
    longest_before = max(r.distance_m or 0 for r in before)
    assert spike.distance_m is not None
    assert spike.distance_m > 1.3 * longest_before  # a moderate-or-larger spike
    weeks = (last.start - first.start).days / 7
    assert 3.5 <= runs.count() / weeks <= 5.5
    # Bob's latest change to her programme waits on her Today page.
    (change,) = prescribing.unseen(maya)
    assert change.physio == people.physio
    assert change.summary.startswith("Changed Side plank")


@pytest.mark.django_db
def test_the_demo_command_prints_the_logins(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", json=True)
    out = json.loads(capsys.readouterr().out)
    assert out["created"] is True
    assert {login["email"] for login in out["logins"]} == {demo.RUNNER_EMAIL, demo.PHYSIO_EMAIL}


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_the_data_as_it_was(tmp_path: Path, alice: User) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL backup drill runs pg_dump in the reliability suite")
    archive = backup(tmp_path)
    alice.delete()
    assert not User.objects.filter(email="alice@example.com").exists()
    manifest = restore(archive)
    assert manifest["database"] == "sqlite"
    assert User.objects.filter(email="alice@example.com").exists()


def test_restore_refuses_something_that_is_not_a_backup(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="No backup file"):
        restore(tmp_path / "missing.tar.gz")
    import tarfile

    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz"):
        pass
    with pytest.raises(BackupError, match="not a Knee Clinic backup"):
        restore(bogus)


@pytest.mark.parametrize(
    ("helper", "value", "message"),
    [
        (
            lambda: project_settings.env_bool("X_FLAG", False),
            "maybe",
            "X_FLAG must be true or false",
        ),
        (lambda: project_settings.env_int("X_NUM", 1), "ten", "X_NUM must be a whole number"),
        (lambda: project_settings.env_int("X_NUM", 1, minimum=5), "2", "X_NUM must be at least 5"),
    ],
)
def test_malformed_environment_values_stop_the_app_and_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, helper: object, value: str, message: str
) -> None:
    monkeypatch.setenv("X_FLAG", value)
    monkeypatch.setenv("X_NUM", value)
    with pytest.raises(ImproperlyConfigured, match=message):
        helper()  # type: ignore[operator]


def test_environment_helpers_read_good_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_FLAG", "yes")
    monkeypatch.setenv("X_NUM", "42")
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert project_settings.env_bool("X_FLAG", False) is True
    assert project_settings.env_int("X_NUM", 1) == 42
    assert project_settings.env_list("X_LIST", []) == ["a.example", "b.example"]
    assert project_settings.env_list("X_MISSING", ["d"]) == ["d"]


def test_a_missing_data_dir_is_created_and_an_unwritable_one_is_reported(tmp_path: Path) -> None:
    created = project_settings.prepare_data_dir(tmp_path / "new" / "folder")
    assert created.is_dir()
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(ImproperlyConfigured, match="cannot be written"):
        project_settings.prepare_data_dir(blocked / "data")


def test_database_url_must_be_postgresql_with_a_name() -> None:
    config = project_settings.database_from_url("postgresql://kc:s%40cret@db.example:5433/clinic")
    assert (config["NAME"], config["USER"], config["PASSWORD"], config["PORT"]) == (
        "clinic", "kc", "s@cret", "5433",
    )  # fmt: skip
    assert config["OPTIONS"] == {"options": "-c jit=off"}
    with pytest.raises(ImproperlyConfigured, match="must start with postgresql"):
        project_settings.database_from_url("mysql://db/clinic")
    with pytest.raises(ImproperlyConfigured, match="must name a database"):
        project_settings.database_from_url("postgresql://db/")


def test_the_secret_key_is_generated_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KNEECLINIC_SECRET_KEY", raising=False)
    first = project_settings.load_secret_key(tmp_path)
    assert len(first) >= 50
    assert project_settings.load_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("KNEECLINIC_SECRET_KEY", "short")
    with pytest.raises(ImproperlyConfigured, match="at least 50 characters"):
        project_settings.load_secret_key(tmp_path)


def test_sqlite_runs_in_wal_with_immediate_transactions_and_secure_delete() -> None:
    options = project_settings.sqlite_database(Path("x.sqlite3"))["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"  # type: ignore[index]
    assert "journal_mode=WAL" in options["init_command"]  # type: ignore[index]
    assert "secure_delete=ON" in options["init_command"]  # type: ignore[index]


@pytest.mark.django_db
def test_the_demo_physio_signs_in_with_the_published_second_factor(client: Client) -> None:
    from kneeclinic.accounts import mfa

    demo.load_demo(today=date(2026, 11, 26))
    bob = User.objects.get(email=demo.PHYSIO_EMAIL)
    assert mfa.has_confirmed_device(bob)
    assert mfa.verify_totp(bob, demo.physio_code())


@pytest.mark.django_db
def test_the_demo_command_prints_the_physios_current_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("demo", code=True)
    code = capsys.readouterr().out.strip()
    assert code == demo.physio_code() and len(code) == 6


@pytest.mark.django_db
def test_the_command_line_leaves_its_objects_to_the_end_of_the_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Python's last collections would walk every object loaded; the command freezes them."""
    from kneeclinic import cli

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    cli.main(["check"])
    assert "no issues" in capsys.readouterr().out
    assert frozen == [True]
