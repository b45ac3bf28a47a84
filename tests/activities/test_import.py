"""Importing files: stored once, compact streams, duplicates and merges, resuming, the CLI."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.activities import importer, services, storage
from kneeclinic.activities.models import Activity, Import, ImportFile, Merge
from kneeclinic.domain.activity import SubSport
from tests.activities.helpers import START, InlineSandbox, fit_run, gpx_copy, zip_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def inline_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "ParseSandbox", InlineSandbox)


def run_upload(runner: User, *files: tuple[str, bytes]) -> Import:
    batch = services.create_import(runner, [(name, [data]) for name, data in files])
    finished = services.run_import(batch.pk)
    assert finished is not None
    return finished


def test_a_fit_file_becomes_a_run_with_its_streams_laps_and_original(alice: User) -> None:
    data = fit_run(seconds=1200)
    batch = run_upload(alice, ("morning.fit", data))
    assert (batch.status, batch.imported, batch.failed, batch.total_files) == ("done", 1, 0, 1)
    run = Activity.objects.get(runner=alice)
    assert run.distance_m == pytest.approx(1199 * 3.0)
    assert run.elapsed_s == 1199.0 and run.avg_cadence_spm == pytest.approx(170.0)
    assert run.name == "Morning run"  # 08:00 in London
    assert run.device == "Garmin Forerunner 945"
    samples = services.load_samples(run)
    assert samples is not None and len(samples) == 1200
    assert samples.latitude_deg is not None
    assert samples.latitude_deg[-1] == pytest.approx(51.5 + 1199 * 3.0 / 111_000, abs=1e-7)
    assert len(bytes(run.streams.blob)) < 1200 * 30  # about 20 bytes a second, not a row a second
    assert len(run.streams.laps) == 4
    assert storage.read_stored(run.file.stored) == data


def test_the_same_file_twice_is_a_duplicate_and_adds_nothing(alice: User) -> None:
    data = fit_run()
    run_upload(alice, ("a.fit", data))
    again = run_upload(alice, ("a-copy.fit", data), ("a-again.fit", data))
    assert (again.imported, again.duplicates) == (0, 2)
    assert Activity.objects.filter(runner=alice).count() == 1
    reasons = set(ImportFile.objects.filter(batch=again).values_list("error", flat=True))
    assert reasons == {"this file was imported before"}


def test_the_same_run_from_a_phone_is_merged_visibly_and_can_be_split_again(alice: User) -> None:
    run_upload(alice, ("watch.fit", fit_run()))
    batch = run_upload(alice, ("phone.gpx", gpx_copy(start=START + timedelta(seconds=20))))
    assert batch.duplicates == 1 and batch.imported == 0
    kept = Activity.objects.get(runner=alice)
    merge = Merge.objects.get(kept=kept)
    assert merge.name == "phone.gpx"
    assert "the same run as one already there" in ImportFile.objects.get(batch=batch).error
    separate = services.undo_merge(merge)
    assert separate is not None and separate.name == "Phone run"
    assert Activity.objects.filter(runner=alice).count() == 2
    assert not Merge.objects.exists()


def test_runs_at_the_same_time_with_different_distances_are_both_kept(alice: User) -> None:
    run_upload(alice, ("a.fit", fit_run(speed=3.0)))
    run_upload(alice, ("b.fit", fit_run(speed=3.2)))  # 6.7 % longer
    assert Activity.objects.filter(runner=alice).count() == 2


def test_an_archive_imports_what_it_can_and_names_each_failure(alice: User) -> None:
    export = zip_of(
        {
            "runs/one.fit": fit_run(),
            "runs/two.fit": fit_run(start=START + timedelta(days=1)),
            "runs/broken.fit": fit_run()[:500],
            "runs/notes.txt": b"hello",
            "runs/empty.fit": b"",
        }
    )
    batch = run_upload(alice, ("export.zip", export))
    assert batch.imported == 2 and batch.failed == 2
    failed = dict(
        ImportFile.objects.filter(batch=batch, status="failed").values_list("name", "error")
    )
    assert "truncated" in failed["runs/broken.fit"]
    assert "empty" in failed["runs/empty.fit"]
    assert batch.done_files == batch.total_files == 5
    again = run_upload(alice, ("export-again.zip", export))
    assert again.imported == 0 and Activity.objects.filter(runner=alice).count() == 2
    # the workers hashed the files where they lie, and skipped the two the runner has
    repeated = ImportFile.objects.filter(batch=again, status="duplicate")
    assert sorted(repeated.values_list("name", flat=True)) == ["runs/one.fit", "runs/two.fit"]
    assert {f.sha256 for f in repeated} == set(
        ImportFile.objects.filter(batch=batch, status="imported").values_list("sha256", flat=True)
    )


def test_a_garmin_export_counts_and_imports_the_files_of_its_stored_part_archives(
    alice: User,
) -> None:
    part = zip_of({"a.fit": fit_run(), "b.fit": fit_run(start=START + timedelta(days=1))})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as export:  # the parts are stored, as Garmin does
        export.writestr("DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip", part)
        export.writestr("DI_CONNECT/DI-Connect-User/user_profile.json", b"{}")
    batch = run_upload(alice, ("garmin.zip", buffer.getvalue()))
    assert batch.total_files == batch.done_files == 3
    assert (batch.imported, batch.skipped) == (2, 1)


def test_the_count_opens_deflated_parts_and_counts_a_damaged_part_as_one(alice: User) -> None:
    part = zip_of({"a.fit": fit_run(), "b.fit": fit_run(start=START + timedelta(days=1))})
    uploads = "DI_CONNECT/DI-Connect-Uploaded-Files"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as export:
        export.writestr(f"{uploads}/Part1.zip", part, compress_type=zipfile.ZIP_DEFLATED)
        export.writestr(f"{uploads}/Part2.zip", part)  # stored, then damaged below
    data = bytearray(buffer.getvalue())
    second = data.index(b"PK\x03\x04", data.index(b"PK\x03\x04") + 1)
    data[second : second + 4] = b"XXXX"  # the stored part's local header
    stored = storage.store_bytes(bytes(data))
    batch = Import(runner=alice, uploads=[{"name": "garmin.zip", "sha256": stored.sha256}])

    assert importer.count_files(batch) == 2 + 1


def test_a_treadmill_run_without_gps_imports(alice: User) -> None:
    data = fit_run(sub_sport=SubSport.TREADMILL, latitude=None, longitude=None)
    run_upload(alice, ("treadmill.fit", data))
    run = Activity.objects.get(runner=alice)
    assert run.sub_sport == "treadmill" and run.name == "Treadmill run"


def test_a_killed_import_resumes_where_it_stopped(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH_FILES", 2)  # progress after every second file
    monkeypatch.setattr(importer, "BATCH_SECONDS", 3600.0)
    files = [(f"run{i}.fit", fit_run(start=START + timedelta(days=i))) for i in range(4)]
    batch = services.create_import(alice, [(name, [data]) for name, data in files])
    seen: list[int] = []

    def killed_after_two(progress: Import) -> None:
        seen.append(progress.done_files)
        if progress.done_files == 2:
            raise KeyboardInterrupt  # the worker dies between two files

    with pytest.raises(KeyboardInterrupt):
        services.run_import(batch.pk, killed_after_two)
    batch.refresh_from_db()
    assert batch.status == "running" and batch.done_files == 2
    assert services.run_import(batch.pk) is None  # its worker may still be alive
    Import.objects.filter(pk=batch.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    batch.refresh_from_db()
    assert services.needs_restart(batch)
    finished = services.run_import(batch.pk)
    assert finished is not None and finished.status == "done"
    assert (finished.imported, finished.done_files) == (4, 4)
    assert Activity.objects.filter(runner=alice).count() == 4
    assert ImportFile.objects.filter(batch=batch).count() == 4


def test_a_crash_while_a_batch_is_written_leaves_no_half_written_run(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH_FILES", 3)
    monkeypatch.setattr(importer, "BATCH_SECONDS", 3600.0)
    files = [(f"run{i}.fit", fit_run(start=START + timedelta(days=i))) for i in range(7)]
    batch = services.create_import(alice, [(name, [data]) for name, data in files])
    real = services.after_import_many
    written: list[int] = []

    def crash_in_the_second_batch(*args: Any) -> None:
        written.append(1)
        if len(written) == 2:
            raise OSError("disk full")  # after the batch's runs and streams were inserted
        real(*args)

    monkeypatch.setattr(services, "after_import_many", crash_in_the_second_batch)
    with pytest.raises(OSError, match="disk full"):
        services.run_import(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and (batch.done_files, batch.imported) == (3, 3)
    assert ImportFile.objects.filter(batch=batch).count() == 3
    runs = Activity.objects.filter(runner=alice)
    assert runs.count() == 3 and all(hasattr(run, "streams") for run in runs)
    assert all(hasattr(run, "cadence") for run in runs)  # every run whole, or not there at all
    Import.objects.filter(pk=batch.pk).update(status="queued")
    finished = services.run_import(batch.pk)
    assert finished is not None and (finished.imported, finished.done_files) == (7, 7)
    assert Activity.objects.filter(runner=alice).count() == 7
    assert ImportFile.objects.filter(batch=batch).count() == 7


def test_a_file_that_cannot_be_opened_stops_the_import_with_a_reason(alice: User) -> None:
    batch = services.create_import(alice, [("a.fit", [fit_run()])])
    storage.path_of(batch.uploads[0]["sha256"]).unlink()
    with pytest.raises(FileNotFoundError):
        services.run_import(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "failed" and "FileNotFoundError" in batch.error


def test_the_real_sandbox_worker_reads_an_upload(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.undo()
    batch = run_upload(alice, ("a.fit", fit_run()), ("bad.fit", b"not a fit file at all"))
    assert (batch.imported, batch.failed) == (1, 1)


def test_manual_runs_edits_and_deletes(alice: User) -> None:
    run = services.create_manual_run(
        alice, start=START, distance_m=5000, duration_s=1800, how_it_felt="Easy"
    )
    assert run.source == "manual" and run.name == "Morning run" and run.utc_offset_s == 3600
    services.update_activity(run, name="Parkrun", excluded_from_load=True)
    run.refresh_from_db()
    assert run.name == "Parkrun" and run.excluded_from_load
    with pytest.raises(ValueError, match="cannot be changed"):
        services.update_activity(run, distance_m=1)
    services.delete_activity(run)
    assert not Activity.objects.exists()


def test_default_names_follow_the_time_of_day_in_the_runners_zone(alice: User) -> None:
    zone = alice.tz
    assert (
        services.default_name("running", "generic", START.replace(hour=13), zone) == "Afternoon run"
    )
    assert (
        services.default_name("walking", "generic", START.replace(hour=18), zone) == "Evening walk"
    )
    assert services.default_name("cycling", "generic", START.replace(hour=22), zone) == "Night ride"
    assert services.default_name("other", "generic", START, zone) == "Morning activity"


# --- the command line -------------------------------------------------------------------------


def test_the_import_command_prints_one_json_object(alice: User, tmp_path: Path) -> None:
    (tmp_path / "a.fit").write_bytes(fit_run())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.gpx").write_bytes(b"<gpx>broken")
    out = StringIO()
    call_command("import", str(tmp_path), user="ALICE@example.com", json=True, stdout=out)
    report: dict[str, Any] = json.loads(out.getvalue())
    assert (report["imported"], report["duplicates"], report["failed"]) == (1, 0, 1)
    first, second = report["files"]
    assert first["file"] == "a.fit" and first["status"] == "imported" and first["error"] is None
    [activity] = first["activities"]
    assert set(activity) >= {
        "code",
        "sport",
        "start",
        "distance_m",
        "elapsed_s",
        "moving_s",
        "avg_cadence_spm",
    }
    assert activity["sport"] == "running" and activity["start"].startswith("2026-05-01T07:00:00")
    assert second["file"] == "sub/b.gpx" and second["status"] == "failed" and second["error"]


def test_the_import_command_reports_plainly_without_json(alice: User, tmp_path: Path) -> None:
    path = tmp_path / "bad.fit"
    path.write_bytes(fit_run()[:300])
    out = StringIO()
    call_command("import", str(path), user="alice@example.com", stdout=out)
    assert "failed: bad.fit: this file ends part-way" in out.getvalue()
    assert "0 imported, 0 duplicates, 1 failed" in out.getvalue()


class _Recorded(InlineSandbox):
    """An inline worker that remembers when it was started and closed."""

    made: list[_Recorded] = []

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.events: list[str] = []
        _Recorded.made.append(self)

    def start(self, *, wait: bool = True) -> None:
        self.events.append("started")

    def close(self) -> None:
        self.events.append("closed")
        super().close()


def test_the_import_command_starts_its_workers_before_storing_and_closes_them(
    alice: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _Recorded.made = []
    monkeypatch.setattr(importer, "ParseSandbox", _Recorded)
    storing = services.create_import

    def create_import(*args: Any) -> Import:
        assert [w.events for w in _Recorded.made] == [["started"]] * importer.PARSE_WORKERS
        return storing(*args)

    monkeypatch.setattr(services, "create_import", create_import)
    (tmp_path / "a.fit").write_bytes(fit_run())
    call_command("import", str(tmp_path), user="alice@example.com", stdout=StringIO())
    assert len(_Recorded.made) == importer.PARSE_WORKERS  # the import used them, made no more
    assert all(w.events[0] == "started" and "closed" in w.events for w in _Recorded.made)
    assert Activity.objects.filter(runner=alice).count() == 1

    _Recorded.made = []
    monkeypatch.setattr(services, "create_import", lambda *_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        call_command("import", str(tmp_path), user="alice@example.com", stdout=StringIO())
    assert [w.events for w in _Recorded.made] == [["started", "closed"]] * importer.PARSE_WORKERS


def test_the_import_command_line_starts_its_workers_before_django_and_uses_them(
    alice: User, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gc

    from kneeclinic import cli
    from kneeclinic.activities import sandbox

    def start_early() -> None:  # what the real one does, with workers that parse in process
        made = [_Recorded(entry=sandbox.IMPORT_ENTRY) for _ in range(sandbox.IMPORT_WORKERS)]
        sandbox._early.extend(cast(list[sandbox.ParseSandbox], made))

    _Recorded.made = []
    monkeypatch.setattr(sandbox, "start_import_workers_early", start_early)
    monkeypatch.setattr(gc, "freeze", lambda: None)  # (the command line's last step)
    (tmp_path / "a.fit").write_bytes(fit_run())
    cli.main(["import", str(tmp_path), "--user", "alice@example.com"])
    assert "1 imported, 0 duplicates, 0 failed" in capsys.readouterr().out
    assert len(_Recorded.made) == importer.PARSE_WORKERS  # the early ones, and no others
    assert all(w.events[-1] == "closed" for w in _Recorded.made)
    assert sandbox.take_early_workers() == []


def test_the_commands_refuse_unknown_users_and_paths(alice: User, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no user"):
        call_command("import", str(tmp_path), user="nobody@example.com")
    with pytest.raises(CommandError, match="no such file"):
        call_command("import", str(tmp_path / "missing"), user="alice@example.com")
    with pytest.raises(CommandError, match="no files"):
        call_command("import", str(tmp_path), user="alice@example.com")
    with pytest.raises(CommandError, match="no user"):
        call_command("activities", user="nobody@example.com")


def test_the_activities_command_lists_runs(alice: User) -> None:
    services.create_manual_run(alice, start=START, distance_m=5000, duration_s=1800, name="Parkrun")
    out = StringIO()
    call_command("activities", user="alice@example.com", json=True, stdout=out)
    listing = json.loads(out.getvalue())
    assert listing["count"] == 1 and listing["activities"][0]["name"] == "Parkrun"
    out = StringIO()
    call_command("activities", user="alice@example.com", stdout=out)
    assert "5.0 km" in out.getvalue() and "Parkrun" in out.getvalue()


def test_streams_survive_the_round_trip_through_storage(alice: User) -> None:
    run_upload(alice, ("a.fit", fit_run(seconds=100)))
    run = Activity.objects.get()
    samples = services.load_samples(run)
    assert samples is not None and samples.heart_rate_bpm is not None
    assert np.all(samples.heart_rate_bpm == 150.0)
    assert samples.time_s[-1] == 99.0


def test_files_from_an_archive_stay_inside_the_stored_archive(alice: User) -> None:
    one, two = fit_run(), fit_run(start=START + timedelta(days=1))
    batch = run_upload(
        alice, ("export.zip", zip_of({"a/notes.txt": b"x", "a/one.fit": one, "a/two.fit": two}))
    )
    assert batch.imported == 2
    first = Activity.objects.get(runner=alice, start=START)
    assert first.file.member_index is not None
    assert storage.read_original(first.file.stored, first.file.member_index) == one
    assert storage.read_stored(first.file.stored)[:2] == b"PK"  # kept once, as the ZIP
    with pytest.raises(FileNotFoundError):
        storage.read_original(first.file.stored, 99)


def test_a_merged_file_from_an_archive_can_be_split_off_again(alice: User) -> None:
    run_upload(alice, ("watch.fit", fit_run()))
    run_upload(alice, ("phone.zip", zip_of({"phone.gpx": gpx_copy()})))
    merge = Merge.objects.get()
    assert merge.member_index == 0
    separate = services.undo_merge(merge)
    assert separate is not None and separate.file.member_index == 0


def test_distances_within_three_percent_are_the_same_run() -> None:
    assert importer.same_distance(10_000, 10_290)
    assert not importer.same_distance(10_000, 10_350)
    assert importer.same_distance(None, None)  # two runs without a distance, at the same time
    assert not importer.same_distance(None, 5_000)


def test_an_imported_run_keeps_its_cadence_histogram_and_laps_as_json(alice: User) -> None:
    from kneeclinic.plans.models import RunCadence

    run_upload(alice, ("export.zip", zip_of({"runs/a.fit": fit_run(seconds=1200)})))

    run = Activity.objects.get(runner=alice)
    cadence = RunCadence.objects.get(activity=run)
    assert cadence.histogram == {"170": 1200.0}
    assert [lap["elapsed_s"] for lap in run.streams.laps] == [333.0, 332.0, 332.0, 199.0]
