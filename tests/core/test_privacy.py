"""Export everything, erase everything: the runner's data is theirs."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kneeclinic.accounts.models import CareLink, User
from kneeclinic.activities.models import Activity
from kneeclinic.core import privacy
from kneeclinic.core.models import DataExport, ErasureRequest
from tests.conftest import PASSWORD
from tests.reliability import record

pytestmark = pytest.mark.django_db


def add_run(runner: User, name: str = "Easy run", distance_m: float = 5000) -> Activity:
    return Activity.objects.create(
        runner=runner, name=name, start=timezone.now(), elapsed_s=1800, distance_m=distance_m
    )


def test_the_export_holds_every_record_as_json_and_csv_with_a_readme(
    tmp_path: Path, alice: User, bob: User
) -> None:
    add_run(alice, "Parkrun")
    add_run(bob, "Bob's own run")
    counts = privacy.write_export(alice, tmp_path / "alice.zip")
    assert counts["activities.activity"] == 1
    assert counts["accounts.user"] == 1
    with zipfile.ZipFile(tmp_path / "alice.zip") as archive:
        names = set(archive.namelist())
        assert {"README.txt", "manifest.json", "records/activities.activity.json"} <= names
        runs = json.loads(archive.read("records/activities.activity.json"))
        assert [r["fields"]["name"] for r in runs] == ["Parkrun"]
        user = json.loads(archive.read("records/accounts.user.json"))[0]["fields"]
        assert "password" not in user and user["email"] == "alice@example.com"
        table = list(
            csv.DictReader(io.StringIO(archive.read("tables/activities.activity.csv").decode()))
        )
        assert table[0]["name"] == "Parkrun"
        assert json.loads(archive.read("manifest.json"))["counts"]["activities.activity"] == 1


def test_spreadsheet_formulas_in_exported_text_are_neutralised(tmp_path: Path, alice: User) -> None:
    add_run(alice, '=HYPERLINK("http://evil.example","click")')
    privacy.write_export(alice, tmp_path / "alice.zip")
    with zipfile.ZipFile(tmp_path / "alice.zip") as archive:
        table = archive.read("tables/activities.activity.csv").decode()
    starts = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula
    rows = list(csv.reader(io.StringIO(table)))
    formulas = sum(cell.startswith(starts) for row in rows[1:] for cell in row)
    record("T15", "formula cells in the runner's export (a seeded =HYPERLINK)", formulas, "0",
           formulas == 0 and "'=HYPERLINK" in table)  # fmt: skip
    assert "'=HYPERLINK" in table
    assert privacy.safe_cell("-1+2") == "'-1+2"
    assert privacy.safe_cell(5) == "5"
    assert privacy.safe_cell(None) == ""


def test_the_export_page_builds_in_the_background_and_downloads(
    alice_client: Client, alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    add_run(alice)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("core:start-export"))
    export = DataExport.objects.get()
    assert export.status == DataExport.Status.READY  # tasks run at once in tests
    assert export.percent == 100
    response = alice_client.get(reverse("core:download-export", args=[export.code]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None


def test_nobody_else_can_download_an_export(
    alice_client: Client, alice: User, charlie: User
) -> None:
    alice_client.post(reverse("core:start-export"))
    export = DataExport.objects.get()
    other = Client()
    other.force_login(charlie)
    assert other.get(reverse("core:download-export", args=[export.code])).status_code == 404
    assert other.get(reverse("core:show-export", args=[export.code])).status_code == 404


def test_an_expired_export_link_is_refused_and_its_file_removed(
    alice_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("core:start-export"))
    export = DataExport.objects.get()
    path = privacy.exports_dir() / f"{export.code}.zip"
    assert path.exists()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert (
            alice_client.get(reverse("core:download-export", args=[export.code])).status_code == 404
        )
    assert not path.exists()


def test_erasure_waits_seven_days_and_can_be_cancelled(
    alice_client: Client, alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            reverse("core:request-erasure"), {"password": PASSWORD, "confirm": "on"}
        )
    assert response.status_code == 302
    request = ErasureRequest.objects.get()
    assert request.due_at - request.requested_at == timedelta(days=7)
    assert privacy.erase_due() == 0
    alice_client.post(reverse("core:cancel-erasure"))
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert privacy.erase_due() == 0
    assert User.objects.filter(pk=alice.pk).exists()


def test_erasure_needs_the_password(alice_client: Client) -> None:
    alice_client.post(reverse("core:request-erasure"), {"password": "wrong", "confirm": "on"})
    assert not ErasureRequest.objects.exists()


def test_erasure_deletes_every_record_and_keeps_only_that_it_happened(
    alice: User, bob: User
) -> None:
    add_run(alice)
    add_run(bob)
    privacy.request_erasure(alice)
    code = alice.code
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert privacy.erase_due() == 1
    assert not User.objects.filter(email="alice@example.com").exists()
    assert not Activity.objects.filter(runner_id=alice.pk).exists()
    assert not CareLink.objects.filter(runner_id=alice.pk).exists()
    assert Activity.objects.filter(runner=bob).count() == 1
    kept = ErasureRequest.objects.get()
    assert kept.user is None and kept.user_code == code and kept.completed_at is not None


def test_erased_text_does_not_linger_in_the_sqlite_file(alice: User) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("secure_delete is a SQLite pragma")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1


def test_an_export_never_carries_sign_in_secrets(bob: User) -> None:
    from kneeclinic.accounts import mfa

    device = mfa.device_for_setup(bob)
    mfa.new_recovery_codes(bob)
    labels = {privacy.model_label(model) for model in privacy.owned_records(bob)}
    assert "accounts.totpdevice" not in labels
    assert "accounts.recoverycode" not in labels
    assert "accounts.user" in labels
    assert device.secret  # there was one to leave out
