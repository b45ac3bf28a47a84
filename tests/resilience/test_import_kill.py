"""T28, import crash and resume: SIGKILL the worker at random moments, restart it, lose nothing.

A ZIP of runs (FIT, GPX, TCX and .gpx.gz, 3 exact duplicates, 5 corrupt files) is imported by
the real worker (`kneeclinic worker`, django-tasks-db, the parse sandbox). The worker's whole
process group is SIGKILLed at a uniformly random moment of its remaining run, again and again,
and once inside a transaction of the import just before COMMIT (a hook in the harness's
worker, not in the product). After each kill the harness waits out the import's lease (by
ageing it, not by sleeping two minutes) and starts a worker, which queues the import again by
itself. At the end: the activity set equals the expected one by content hash, every activity's
streams equal the source's, no activity lacks its file or streams, the blobs on disk are the
blobs referenced, the report names the corrupt files, and ``integrity_check`` is ok.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.reliability import record, scale
from tests.resilience import durability_helpers as h

pytestmark = pytest.mark.slow

# A batch is written every 8 files, so that kills land after part of an import is written
# (the whole of a small import is otherwise one batch: it takes less than BATCH_SECONDS).
WORKER = ["-m", "tests.resilience.durability_helpers", "worker", "--batch-files", "8"]
ROUND_TIMEOUT_S = 240.0


@pytest.fixture
def install(db: None) -> Iterator[h.Install]:
    made = h.new_install(h.migrated_template())
    yield made
    h.remove_install(made)


def _progress(install: h.Install, batch: int) -> tuple[str, int]:
    status, done = install.sql(
        "SELECT status, done_files FROM activities_import WHERE id = ?", (batch,)
    )[0]
    return str(status), int(done)


def _age_the_lease(install: h.Install, batch: int) -> None:
    """What waiting out STALE_AFTER_S (two minutes) would do: the killed claim expires."""
    install.sql(
        "UPDATE activities_import SET heartbeat_at = '2000-01-01 00:00:00', "
        "created_at = '2000-01-01 00:00:00' WHERE id = ? AND status IN ('queued', 'running')",
        (batch,),
    )


@dataclass
class Upload:
    runner: str
    batch: int
    expected: h.Expected


def _upload(install: h.Install, number: int, files: int) -> Upload:
    """A new runner and the import of a new ZIP, queued for the worker as an upload is."""
    data, expected = h.activity_zip(files, seed=28 + number)
    assert expected.members == files and expected.corrupt == set(h.CORRUPT)
    assert expected.duplicates == 3 and len(expected.activities) == files - 3 - len(h.CORRUPT)
    (install.data_dir / f"upload-{number}.zip").write_bytes(data)
    runner = f"runner{number}@example.com"
    batch = install.script(
        f"""
        from pathlib import Path
        from django.db import transaction
        from kneeclinic.accounts import services as accounts
        from kneeclinic.activities import services
        runner = accounts.create_user({runner!r}, {h.PASSWORD!r})
        upload = ("export.zip", [Path("upload-{number}.zip").read_bytes()])
        with transaction.atomic():
            batch = services.create_import(runner, [upload])
            services.enqueue(batch)
        result = batch.pk
        """
    )
    return Upload(runner, int(batch), expected)


def test_t28_a_worker_killed_at_random_moments_resumes_to_exactly_the_expected_runs(
    install: h.Install,
) -> None:
    files, kills = scale(40, 200), scale(5, 50)
    rng = random.Random(28)
    uploads = [_upload(install, 0, files)]
    # Estimates of a worker's life, refined each round: start-up, then seconds per file.
    startup_s, per_file_s = 4.0, 0.08
    random_kills = hook_kills = rounds = 0
    kill_points: list[tuple[int, int]] = []  # (files done when the worker started, at the kill)
    started = time.monotonic()
    while True:
        current = uploads[-1]
        status, done_before = _progress(install, current.batch)
        if status == "done":
            if random_kills == kills:
                break
            # The import ended before every planned kill: the rest go to another import.
            uploads.append(_upload(install, len(uploads), files))
            continue
        rounds += 1
        assert rounds <= 3 * kills + 6, "the imports never finished"
        assert status in {"queued", "running"}, install.log("worker.log")
        _age_the_lease(install, current.batch)
        hook = hook_kills == 0  # the kill inside the commit comes first
        imported = install.sql("SELECT COUNT(*) FROM activities_activityfile")[0][0]
        worker = install.start([*WORKER, "--kill-in-commit", "1"] if hook else WORKER, "worker.log")
        launched = time.monotonic()
        if hook:
            worker.wait(timeout=ROUND_TIMEOUT_S)
            startup_s = time.monotonic() - launched  # start-up to the first commit of runs
            assert worker.returncode == -9, install.log("worker.log")
            written = int(
                install.log("worker.log").rsplit("killed inside the commit at ", 1)[1].split()[0]
            )
            after = install.sql("SELECT COUNT(*) FROM activities_activityfile")[0][0]
            # The transaction had written its activities; none of them outlived the kill.
            assert written > imported and after == imported
            hook_kills += 1
            continue
        # A uniformly random moment of its estimated remaining life; every other kill waits for
        # the worker's first commit and picks its moment in what is left, so that some kills
        # come after part of the import is written (and the resume skips it).
        kill_at = None
        after_progress = random_kills % 2 == 1
        if random_kills < kills and not after_progress:
            remaining = max(files - done_before, 1)
            kill_at = launched + rng.uniform(0, startup_s + remaining * per_file_s)
        first_progress: float | None = None
        seen: list[tuple[float, int]] = []  # (when, files done) at each commit seen
        while True:
            now = time.monotonic()
            status, done = _progress(install, current.batch)
            if done > (seen[-1][1] if seen else done_before):
                seen.append((now, done))
            if first_progress is None and done > done_before:
                first_progress = now
                if random_kills < kills and after_progress:
                    kill_at = now + rng.uniform(0, max(files - done, 1) * per_file_s)
            if status == "done" or worker.poll() is not None:
                break
            if kill_at is not None and now >= kill_at:
                h.kill_group(worker)
                random_kills += 1
                kill_points.append((done_before, _progress(install, current.batch)[1]))
                break
            assert now - launched < ROUND_TIMEOUT_S, install.log("worker.log")
            time.sleep(0.02)
        if first_progress is not None:
            startup_s = 0.5 * startup_s + 0.5 * (first_progress - launched)
            if len(seen) > 1:  # the pace between the first commit seen and the last
                rate = (seen[-1][0] - seen[0][0]) / (seen[-1][1] - seen[0][1])
                per_file_s = 0.5 * per_file_s + 0.5 * max(rate, 0.001)
        elif status != "done" and kill_at is not None:
            startup_s = max(startup_s, time.monotonic() - launched)
        h.kill_group(worker)
        assert worker.returncode in {0, -9, -15}, install.log("worker.log")
    elapsed = time.monotonic() - started

    lost = duplicated = partial = wrong_streams = 0
    for upload in uploads:
        status_row = install.sql(
            "SELECT status, done_files, imported, duplicates, failed FROM activities_import "
            "WHERE id = ?",
            (upload.batch,),
        )[0]
        outcomes = install.sql(
            "SELECT name, status, error FROM activities_importfile WHERE batch_id = ?",
            (upload.batch,),
        )
        expected = upload.expected
        found = h.stored_streams(install, upload.runner)
        missing = set(expected.activities) - set(found)
        extra = set(found) - set(expected.activities)  # None: an activity without its file
        runs = install.sql(
            "SELECT COUNT(*) FROM activities_activity a JOIN accounts_user u "
            "ON u.id = a.runner_id WHERE u.email = ?",
            (upload.runner,),
        )[0][0]
        sessions = sum(len(v) for v in expected.activities.values())
        lost += len(missing)
        duplicated += runs - sessions + len(missing)
        wrong_streams += sum(
            1 for sha, packed in found.items() if expected.activities.get(sha) != packed
        )
        failed_names = {name for name, status, error in outcomes if status == "failed" and error}
        assert status_row == ("done", files, len(expected.activities), 3, len(h.CORRUPT))
        assert len(outcomes) == files  # one outcome per member, none twice
        assert not extra, extra
        assert failed_names == expected.corrupt  # the report names the corrupt files
    partial = install.sql(
        "SELECT COUNT(*) FROM activities_activity a WHERE NOT EXISTS "
        "(SELECT 1 FROM activities_activityfile f WHERE f.activity_id = a.id) OR NOT EXISTS "
        "(SELECT 1 FROM activities_activitystreams s WHERE s.activity_id = a.id)"
    )[0][0]
    referenced = {
        row[0]
        for row in install.sql(
            "SELECT sha256 FROM activities_storedfile s WHERE EXISTS "
            "(SELECT 1 FROM activities_activityfile f WHERE f.stored_id = s.id) OR EXISTS "
            "(SELECT 1 FROM activities_merge m WHERE m.stored_id = s.id) OR EXISTS "
            "(SELECT 1 FROM activities_import i, json_each(i.uploads) u "
            " WHERE json_extract(u.value, '$.sha256') = s.sha256)"
        )
    }
    stored_rows = {row[0] for row in install.sql("SELECT sha256 FROM activities_storedfile")}
    on_disk = h.blobs_on_disk(install)
    orphans = len(on_disk ^ stored_rows) + len(stored_rows - referenced)
    integrity = install.integrity()
    kills_done = random_kills + hook_kills

    mid_import = sum(1 for before, at in kill_points if 0 < at < files and at >= before)
    record("T28", "worker kills (random + inside the commit)", kills_done, f"{kills + 1}", True)
    record("T28", "random kills after the first file and before the last", mid_import, "", True)
    points = ", ".join(f"{before}->{at}" for before, at in kill_points)
    record("T28", "files done at each random kill (at start -> at kill)", points, "", True)
    record("T28", "imports killed and resumed", len(uploads), "", True)
    record("T28", "lost activities", lost, "0", lost == 0)
    record("T28", "duplicated activities", duplicated, "0", duplicated == 0)
    record("T28", "partial activities", partial, "0", partial == 0)
    record("T28", "activities whose streams differ from the source", wrong_streams, "0", True)
    record("T28", "orphan or missing blobs", orphans, "0", orphans == 0)
    record("T28", "integrity_check", integrity, "ok", integrity == "ok")
    record("T28", "whole test", round(elapsed, 1), "< 600 s", elapsed < 600, unit="s")

    assert (random_kills, hook_kills) == (kills, 1), kill_points
    assert lost == 0 and duplicated == 0 and partial == 0
    assert wrong_streams == 0
    assert orphans == 0, (on_disk, stored_rows, referenced)
    assert integrity == "ok"
    assert elapsed < 600


def test_the_worker_queues_again_the_imports_a_stopped_worker_left(
    alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from kneeclinic.activities.models import Import
    from kneeclinic.activities.tasks import resume_stalled_imports

    old = timezone.now() - timedelta(minutes=10)
    killed = Import.objects.create(runner=alice, status="running", heartbeat_at=old)
    lost = Import.objects.create(runner=alice, status="queued", created_at=old)
    live = Import.objects.create(runner=alice, status="running", heartbeat_at=timezone.now())
    done = Import.objects.create(runner=alice, status="done", heartbeat_at=old)
    with django_capture_on_commit_callbacks() as queued:
        assert resume_stalled_imports() == 2
    assert len(queued) == 2
    for batch in (killed, lost):
        batch.refresh_from_db()
        assert batch.status == "queued" and batch.heartbeat_at and batch.heartbeat_at > old
    live.refresh_from_db()
    done.refresh_from_db()
    assert (live.status, done.status) == ("running", "done")
    with django_capture_on_commit_callbacks() as again:
        assert resume_stalled_imports() == 0  # not queued twice while it waits for the worker
    assert not again
