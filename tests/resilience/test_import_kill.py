"""T28, import crash and resume: SIGKILL the worker at random moments, restart it, lose nothing.

A ZIP of runs (FIT, GPX, TCX and .gpx.gz, 3 exact duplicates, 5 corrupt files) is imported by
the real worker (`kneeclinic worker`, django-tasks-db, the parse sandbox). The worker's whole
process group is SIGKILLed at a uniformly random moment of its remaining run, again and again,
and once inside the transaction of one file just before COMMIT (a hook in the harness's worker,
not in the product). After each kill the harness waits out the import's lease (by ageing it,
not by sleeping two minutes) and starts a worker, which resumes the import as the import page
does. At the end: the activity set equals the expected one by content hash, every activity's
streams equal the source's, no activity lacks its file or streams, the blobs on disk are the
blobs referenced, the report names the corrupt files, and ``integrity_check`` is ok.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import pytest

from tests.reliability import record, scale
from tests.resilience import durability_helpers as h

pytestmark = pytest.mark.slow

RUNNER = "runner@example.com"
WORKER = ["-m", "tests.resilience.durability_helpers", "worker"]
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


def test_t28_a_worker_killed_at_random_moments_resumes_to_exactly_the_expected_runs(
    install: h.Install,
) -> None:
    files, kills = scale(40, 200), scale(5, 50)
    rng = random.Random(28)
    data, expected = h.activity_zip(files, seed=28)
    assert expected.members == files and expected.corrupt == set(h.CORRUPT)
    assert expected.duplicates == 3 and len(expected.activities) == files - 3 - len(h.CORRUPT)
    (install.data_dir / "upload.zip").write_bytes(data)
    batch = install.script(
        f"""
        from pathlib import Path
        from django.db import transaction
        from kneeclinic.accounts import services as accounts
        from kneeclinic.activities import services
        runner = accounts.create_user({RUNNER!r}, {h.PASSWORD!r})
        upload = ("export.zip", [Path("upload.zip").read_bytes()])
        with transaction.atomic():
            batch = services.create_import(runner, [upload])
            services.enqueue(batch)
        result = batch.pk
        """
    )

    # Estimates of a worker's life, refined each round: start-up, then seconds per file.
    startup_s, per_file_s = 4.0, 0.08
    random_kills = hook_kills = rounds = 0
    kill_points: list[tuple[int, int]] = []  # (files done when the worker started, at the kill)
    commit_round = kills // 2  # the kill inside the commit comes midway
    started = time.monotonic()
    while _progress(install, batch)[0] != "done":
        rounds += 1
        assert rounds <= kills + 4, "the import never finished"
        status, done_before = _progress(install, batch)
        assert status in {"queued", "running"}, install.log("worker.log")
        _age_the_lease(install, batch)
        hook = rounds - 1 == commit_round and hook_kills == 0
        imported = install.sql("SELECT COUNT(*) FROM activities_activityfile")[0][0]
        args = [*WORKER, "--kill-in-commit", "2"] if hook else WORKER
        worker = install.start(args, "worker.log")
        launched = time.monotonic()
        first_progress: float | None = None
        if hook:
            worker.wait(timeout=ROUND_TIMEOUT_S)
            assert worker.returncode == -9, install.log("worker.log")
            assert "killed inside the commit" in install.log("worker.log")
            # The first activity of this worker committed; the second died with its transaction.
            after = install.sql("SELECT COUNT(*) FROM activities_activityfile")[0][0]
            assert after == imported + 1
            hook_kills += 1
            continue
        kill_at = None
        if random_kills < kills:
            remaining = max(expected.members - done_before, 1)
            kill_at = launched + rng.uniform(0, startup_s + remaining * per_file_s)
        while True:
            now = time.monotonic()
            status, done = _progress(install, batch)
            if first_progress is None and done > done_before:
                first_progress = now
            if status == "done" or worker.poll() is not None:
                break
            if kill_at is not None and now >= kill_at:
                h.kill_group(worker)
                random_kills += 1
                kill_points.append((done_before, _progress(install, batch)[1]))
                break
            assert now - launched < ROUND_TIMEOUT_S, install.log("worker.log")
            time.sleep(0.02)
        if first_progress is not None:
            startup_s = 0.5 * startup_s + 0.5 * (first_progress - launched)
            if done > done_before + 1:
                rate = (time.monotonic() - first_progress) / (done - done_before - 1)
                per_file_s = 0.5 * per_file_s + 0.5 * rate
        h.kill_group(worker)
        assert worker.returncode in {0, -9, -15}, install.log("worker.log")
    elapsed = time.monotonic() - started

    status_row = install.sql(
        "SELECT status, done_files, imported, duplicates, failed FROM activities_import "
        "WHERE id = ?",
        (batch,),
    )[0]
    outcomes = install.sql(
        "SELECT name, status, error FROM activities_importfile WHERE batch_id = ?", (batch,)
    )
    found = h.stored_streams(install, RUNNER)
    lost = set(expected.activities) - set(found)
    extra = set(found) - set(expected.activities)  # includes None: an activity without its file
    activity_count = install.sql("SELECT COUNT(*) FROM activities_activity")[0][0]
    sessions = sum(len(v) for v in expected.activities.values())
    duplicated = activity_count - sessions + len(lost)
    partial = install.sql(
        "SELECT COUNT(*) FROM activities_activity a WHERE NOT EXISTS "
        "(SELECT 1 FROM activities_activityfile f WHERE f.activity_id = a.id) OR NOT EXISTS "
        "(SELECT 1 FROM activities_activitystreams s WHERE s.activity_id = a.id)"
    )[0][0]
    wrong_streams = sum(
        1 for sha, packed in found.items() if expected.activities.get(sha) != packed
    )
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
    failed_names = {name for name, status, error in outcomes if status == "failed" and error}
    integrity = install.integrity()
    kills_done = random_kills + hook_kills

    mid_import = sum(1 for before, at in kill_points if 0 < at < files and at >= before)
    record("T28", "worker kills (random + inside the commit)", kills_done, f"{kills + 1}", True)
    record("T28", "random kills after the first file and before the last", mid_import, "", True)
    record("T28", "lost activities", len(lost), "0", not lost)
    record("T28", "duplicated activities", duplicated, "0", duplicated == 0)
    record("T28", "partial activities", partial, "0", partial == 0)
    record("T28", "activities whose streams differ from the source", wrong_streams, "0", True)
    record("T28", "orphan or missing blobs", orphans, "0", orphans == 0)
    record("T28", "integrity_check", integrity, "ok", integrity == "ok")
    record("T28", "whole test", round(elapsed, 1), "< 600 s", elapsed < 600, unit="s")

    assert (random_kills, hook_kills) == (kills, 1), (
        f"kills at (done before, at kill): {kill_points}"
    )
    assert status_row == ("done", files, len(expected.activities), 3, len(h.CORRUPT))
    assert len(outcomes) == files  # one outcome per member, none twice
    assert not lost and not extra and duplicated == 0 and partial == 0
    assert wrong_streams == 0
    assert orphans == 0, (on_disk, stored_rows, referenced)
    assert failed_names == expected.corrupt
    assert integrity == "ok"
    assert elapsed < 600
