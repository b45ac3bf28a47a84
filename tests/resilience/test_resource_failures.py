"""T40, resource failures (security.md section 8): a full disk, a read-only database, no worker.

The real server runs with its data folder on a small tmpfs of its own (mounted by the test, which
needs root; otherwise the tests skip and say so). Each failure is made for real: the disk is
filled with a balloon file until writing fails with ENOSPC; the database file is bind-mounted
read-only over itself (new connections can then only read it, as on a read-only volume); the
task worker is simply not started. In each case people get a plain answer (no 500, no
traceback), the database passes ``integrity_check``, and everything works again once the cause
is gone.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.activities.helpers import fit_run
from tests.reliability import record
from tests.resilience.conftest import LiveServer, add_people, prepare, serve

TMPFS_MB = 64
MB = 1024 * 1024


def _mount_tmpfs(where: Path) -> str:
    """Mount a tmpfs; '' when done, else why it could not be."""
    if os.environ.get("KNEECLINIC_TEST_POSTGRES"):
        return "the data folder on a small disk is about SQLite and the kept files"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "mounting a small tmpfs as the data folder needs root"
    run = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_MB}m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    return "" if run.returncode == 0 else f"cannot mount a tmpfs here: {run.stderr.strip()}"


def _umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], capture_output=True, check=False)


@pytest.fixture(scope="module")
def small_disk() -> Iterator[LiveServer]:
    mount = Path(tempfile.mkdtemp(prefix="kneeclinic-t40-"))
    why = _mount_tmpfs(mount)
    if why:
        mount.rmdir()
        pytest.skip(why)
    # A connection per request: the read-only test makes the database file read-only through a
    # bind mount, which a connection opened before it keeps writing through (a disk the kernel
    # makes read-only fails every open file at once, which no test here can do).
    server = prepare(mount / "data", KNEECLINIC_DB_CONN_MAX_AGE="0")
    try:
        serve(server, workers=1, with_worker=False)
        add_people(server, [("t40@example.com", "runner", "", "")])
        yield server
    finally:
        server.stop()
        _umount(mount)
        shutil.rmtree(mount, ignore_errors=True)


@contextmanager
def disk_full(server: LiveServer) -> Iterator[None]:
    balloon = server.data_dir / "balloon"
    try:
        fd = os.open(balloon, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            for size in (MB, 65536, 4096, 512, 1):
                try:
                    while True:
                        os.write(fd, b"\0" * size)
                except OSError:
                    continue
        finally:
            os.close(fd)
        assert shutil.disk_usage(server.data_dir).free < MB
        yield
    finally:
        balloon.unlink(missing_ok=True)


@contextmanager
def read_only_database(server: LiveServer) -> Iterator[None]:
    db = str(server.database_file)
    subprocess.run(["mount", "--bind", db, db], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", db, db], check=True)
        yield
    finally:
        subprocess.run(["umount", "-l", db], check=False)


def _token(server: LiveServer) -> str:
    return server.tokens["t40@example.com"]


def _upload(http: httpx.Client, data: bytes, name: str = "run.fit") -> httpx.Response:
    return http.post("/api/v1/runs/imports", files={"files": (name, data)})


def _assert_plain(response: httpx.Response, statuses: set[int]) -> None:
    assert response.status_code in statuses, (response.status_code, response.text[:500])
    assert "Traceback" not in response.text and 'File "' not in response.text


def _integrity(server: LiveServer) -> str:
    with closing(sqlite3.connect(server.database_file, timeout=30)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def _start_worker(server: LiveServer) -> subprocess.Popen[bytes]:
    with (server.data_dir.parent / "worker.log").open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "kneeclinic.cli", "worker"],
            env=server.env, stdout=out, stderr=subprocess.STDOUT, cwd=server.data_dir.parent,
        )  # fmt: skip


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _wait_import(http: httpx.Client, code: str, limit_s: float = 120) -> dict[str, object]:
    deadline = time.monotonic() + limit_s
    while True:
        answer = http.get(f"/api/v1/runs/imports/{code}")
        _assert_plain(answer, {200})
        body: dict[str, object] = answer.json()
        if body["status"] in {"done", "failed"} or time.monotonic() > deadline:
            return body
        time.sleep(0.5)


def test_without_a_worker_uploads_wait_and_say_so_then_finish_when_it_starts(
    small_disk: LiveServer,
) -> None:
    server = small_disk
    with server.client(_token(server)) as http:
        health = http.get("/healthz")
        _assert_plain(health, {200})
        assert health.json()["worker"] != "ok"
        uploaded = _upload(http, fit_run(seconds=300))
        _assert_plain(uploaded, {202})
        code = uploaded.json()["code"]
        time.sleep(1)
        waiting = http.get(f"/api/v1/runs/imports/{code}")
        _assert_plain(waiting, {200})
        assert waiting.json()["status"] == "queued"
        worker = _start_worker(server)
        try:
            finished = _wait_import(http, code)
        finally:
            _stop(worker)
    assert finished["status"] == "done" and finished["imported"] == 1, finished
    record("T40", "no worker: upload queued, finished once it started", "yes", "yes", True)


def test_a_full_disk_gives_plain_errors_keeps_the_database_whole_and_recovers(
    small_disk: LiveServer,
) -> None:
    server = small_disk
    five_hundreds = 0
    with server.client(_token(server)) as http:
        queued = _upload(http, fit_run(seconds=600, speed=2.5))
        _assert_plain(queued, {202})
        with disk_full(server):
            # An upload: its bytes cannot be kept.
            refused = _upload(http, fit_run(seconds=900) + os.urandom(4 * MB))
            _assert_plain(refused, {503})
            five_hundreds += refused.status_code >= 500 and refused.status_code != 503
            assert refused.json()["error"]["code"] == "storage_full"
            assert "storage is full" in refused.json()["error"]["message"]
            # A backup: refused with the reason, and no truncated archive left behind.
            backup = server.cli("backup", check=False)
            assert backup.returncode != 0
            assert "Traceback" not in backup.stderr, backup.stderr[-2000:]
            assert "could not be written" in backup.stderr, backup.stderr[-2000:]
            assert not list((server.data_dir / "backups").glob("*.tar.gz"))
            # An import: the worker runs the queued upload on the full disk.
            worker = _start_worker(server)
            try:
                time.sleep(4)
                # A write through the API on the full disk: saved (the WAL had room) or refused.
                entry = http.post("/api/v1/diary/pain", json={"pain_nrs": 2, "when": "stairs"})
                _assert_plain(entry, {201, 503})
                health = http.get("/healthz")
                _assert_plain(health, {200, 503})
            finally:
                _stop(worker)
            assert _integrity(server) == "ok"
        # Space is back: everything works again, and the queued import finishes.
        worker = _start_worker(server)
        try:
            finished = _wait_import(http, queued.json()["code"])
            again = _upload(http, fit_run(seconds=900, speed=3.3))
            _assert_plain(again, {202})
            second = _wait_import(http, again.json()["code"])
        finally:
            _stop(worker)
        assert server.cli("backup", "--json").returncode == 0
    assert finished["status"] == "done", finished
    assert second["status"] == "done" and second["imported"] == 1, second
    assert _integrity(server) == "ok"
    assert five_hundreds == 0
    record("T40", "disk full: 500s with tracebacks", five_hundreds, "0", five_hundreds == 0)
    record("T40", "disk full: integrity_check, recovery", "ok", "ok", True)


def test_a_read_only_database_gives_plain_errors_and_recovers(small_disk: LiveServer) -> None:
    server = small_disk
    with server.client(_token(server)) as http:
        with read_only_database(server):
            entry = http.post("/api/v1/diary/pain", json={"pain_nrs": 3, "when": "stairs"})
            _assert_plain(entry, {503})
            assert entry.json()["error"]["code"] == "storage_read_only"
            listed = http.get("/api/v1/diary/pain")
            _assert_plain(listed, {200, 503})
        # Writable again: the next requests (new connections) save.
        deadline = time.monotonic() + 10
        while True:
            entry = http.post("/api/v1/diary/pain", json={"pain_nrs": 4, "when": "stairs"})
            if entry.status_code != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        _assert_plain(entry, {201})
    assert _integrity(server) == "ok"
    record("T40", "read-only database: plain 503, recovery", "ok", "ok", True)
