"""Helpers of the crash and duplicate tests (T28-T31): real processes on a data folder of their own.

* ``Install``: a data folder with a migrated SQLite database (copied from the test database, so
  no test pays for ``migrate``), ``sql()`` to read it, ``script()`` to run Django code in it,
  ``start()`` to run a process in its own process group (so a kill takes its children too).
* ``activity_zip()``: a ZIP of generated runs as FIT, GPX, TCX and ``.gpx.gz``, with exact
  duplicates and corrupt files, and what the importer must make of it (by content hash).
* Run as ``python -m tests.resilience.durability_helpers worker [--kill-in-commit N]
  [--batch-files N]`` it is ``kneeclinic worker`` (which queues again the imports a stopped
  worker left); with ``--kill-in-commit N`` it SIGKILLs itself inside the N-th transaction
  that writes activities, just before COMMIT, and with ``--batch-files N`` its imports
  commit every N files.
"""

from __future__ import annotations

import atexit
import contextlib
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
_TEMPLATE: dict[str, Path] = {}


# --- an install of its own ------------------------------------------------------------------


@dataclass
class Install:
    data_dir: Path
    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def database(self) -> Path:
        return self.data_dir / "kneeclinic.sqlite3"

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of one statement, on a connection of our own (the app's processes may run)."""
        with contextlib.closing(sqlite3.connect(self.database, timeout=30)) as conn, conn:
            return conn.execute(query, params).fetchall()

    def integrity(self) -> str:
        return str(self.sql("PRAGMA integrity_check")[0][0])

    def script(self, code: str, timeout: float = 180) -> Any:
        """Run Django code in this install; it assigns ``result`` (JSON), which is returned."""
        program = (
            "import django, json, os\n"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'kneeclinic.settings')\n"
            "django.setup()\n"
            "result = None\n" + textwrap.dedent(code) + "\nprint('RESULT=' + json.dumps(result))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", program],
            env=self.env,
            cwd=self.data_dir,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        out = done.stdout.decode()
        if done.returncode != 0 or "RESULT=" not in out:
            raise AssertionError(f"script failed ({done.returncode}):\n{done.stderr.decode()}")
        return json.loads(out.rsplit("RESULT=", 1)[1])

    def start(self, args: list[str], log_name: str) -> subprocess.Popen[bytes]:
        """A process in its own session and process group, its output in the data folder."""
        with (self.data_dir / log_name).open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, *args],
                env=self.env,
                cwd=self.data_dir,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes.append(process)
        return process

    def log(self, log_name: str, tail: int = 4000) -> str:
        path = self.data_dir / log_name
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    def stop_all(self) -> None:
        for process in self.processes:
            kill_group(process)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and every process of its group; wait for the leader."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def migrated_template() -> Path:
    """A migrated, empty SQLite database file, made once per test session.

    On SQLite it is a copy of the test database (already migrated by pytest-django and empty
    between tests); with the PostgreSQL test settings it is made by ``migrate``.
    """
    if "db" in _TEMPLATE:
        return _TEMPLATE["db"]
    folder = Path(tempfile.mkdtemp(prefix="kneeclinic-durability-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    target = folder / "kneeclinic.sqlite3"
    from django.db import connection

    if connection.vendor == "sqlite":
        _copy_schema_and_rows(connection.cursor(), target)
    else:
        env = _environment(folder)
        subprocess.run(
            [sys.executable, "-m", "kneeclinic.cli", "migrate", "-v0"],
            env=env,
            cwd=folder,
            check=True,
            timeout=600,
        )
    _TEMPLATE["db"] = target
    return target


def _copy_schema_and_rows(source: Any, target: Path) -> None:
    """Copy an SQLite database statement by statement (the backup API waits on the test's lock)."""
    objects = source.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
        "AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 ELSE 1 END"
    ).fetchall()
    with contextlib.closing(sqlite3.connect(target)) as copy, copy:
        for kind, name, statement in objects:
            exists = copy.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone()
            if not exists:  # the shadow tables of a full-text index come with the index
                copy.execute(statement)
            if kind == "table" and not statement.upper().startswith("CREATE VIRTUAL"):
                rows = source.execute(f'SELECT * FROM "{name}"').fetchall()  # noqa: S608
                if rows:
                    marks = ", ".join("?" * len(rows[0]))
                    insert = f'INSERT OR REPLACE INTO "{name}" VALUES ({marks})'  # noqa: S608
                    copy.executemany(insert, rows)


def _environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "KNEECLINIC_DATA_DIR": str(data_dir),
        "KNEECLINIC_TASKS_IMMEDIATE": "0",
        "KNEECLINIC_SQLITE_SYNCHRONOUS": "FULL",
        "KNEECLINIC_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "KNEECLINIC_TEST_POSTGRES"):
        env.pop(name, None)
    return env


def new_install(template: Path, data_dir: Path | None = None, **extra_env: str) -> Install:
    """A data folder (a new temporary one unless given) holding a copy of ``template``."""
    if data_dir is None:
        data_dir = Path(tempfile.mkdtemp(prefix="kneeclinic-durability-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, data_dir / "kneeclinic.sqlite3")
    install = Install(data_dir, _environment(data_dir, **extra_env))
    # WAL and FULL as the app sets them; the test database copy starts in rollback mode.
    install.sql("PRAGMA journal_mode=WAL")
    return install


def remove_install(install: Install) -> None:
    install.stop_all()
    shutil.rmtree(install.data_dir, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Any, timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def start_web(install: Install) -> tuple[subprocess.Popen[bytes], str]:
    """The web server as `kneeclinic serve` runs it (gunicorn, 2 workers), in its own group."""
    port = free_port()
    server = install.start(
        ["-m", "gunicorn", "kneeclinic.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--graceful-timeout", "5", "--timeout", "120"],
        "server.log",
    )  # fmt: skip
    return server, f"http://127.0.0.1:{port}"


def restart_web(install: Install, url: str) -> subprocess.Popen[bytes]:
    """The web server again on the same address (gunicorn binds with SO_REUSEADDR)."""
    port = url.rsplit(":", 1)[1]
    return install.start(
        ["-m", "gunicorn", "kneeclinic.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--graceful-timeout", "5", "--timeout", "120"],
        "server.log",
    )  # fmt: skip


def wait_until_serving(install: Install, server: subprocess.Popen[bytes], url: str) -> None:
    def serving() -> bool:
        try:
            return httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            assert server.poll() is None, install.log("server.log")
            return False

    wait_for(serving, 180, "the server to answer")


HARNESS_WORKER = ["-m", "tests.resilience.durability_helpers", "worker"]


# --- pain-entry clients (T30, T31) --------------------------------------------------------------

PAIN_CLIENTS = 8
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass
class Ledger:
    """What the clients saw: acknowledged writes with their entry's code, and the others."""

    acked: dict[str, str] = field(default_factory=dict)
    unacked: set[str] = field(default_factory=set)
    attempts: int = 0
    replayed: int = 0  # acknowledgements that were the first answer, sent again
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def pain_client(
    number: int, url: str, token: str, stop: threading.Event, give_up: list[float], ledger: Ledger
) -> None:
    """One client: pain entries with their own Idempotency-Key, each retried until acknowledged."""
    headers = {"Authorization": f"Bearer {token}"}
    seq = 0
    with httpx.Client(base_url=url, headers=headers, timeout=3.0) as http:
        while not stop.is_set():
            seq += 1
            write = f"c{number}-{seq}"
            at = T0 - timedelta(seconds=121 * (seq * PAIN_CLIENTS + number))  # never a double tap
            body = {"pain_nrs": seq % 11, "when": "at_rest", "at": at.isoformat(), "note": write}
            key = str(uuid.uuid4())
            while True:
                with ledger.lock:
                    ledger.attempts += 1
                try:
                    answer = http.post(
                        "/api/v1/diary/pain", json=body, headers={"Idempotency-Key": key}
                    )
                except httpx.HTTPError:
                    answer = None
                if answer is not None and answer.status_code in {200, 201}:
                    with ledger.lock:
                        ledger.acked[write] = answer.json()["code"]
                        ledger.replayed += answer.headers.get("Idempotent-Replayed") == "true"
                    break
                if answer is not None and answer.status_code not in {429, 500, 502, 503}:
                    with ledger.lock:
                        ledger.failures.append(f"{write}: {answer.status_code} {answer.text[:200]}")
                if give_up and time.monotonic() > give_up[0]:
                    with ledger.lock:
                        ledger.unacked.add(write)
                    return
                time.sleep(0.5 if answer is not None and answer.status_code == 429 else 0.05)


# --- activity files -------------------------------------------------------------------------

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def _track(day: int, seconds: int) -> tuple[datetime, np.ndarray, np.ndarray, np.ndarray]:
    """A steady run on its own day: start, seconds, latitude and longitude."""
    start = START + timedelta(days=day, minutes=day % 50)
    t = np.arange(0, seconds, dtype=np.float64)
    speed = 2.6 + 0.02 * (day % 25)
    lat = 51.5 + t * speed / 111_000 + 0.01 * (day % 7)
    lon = -0.12 + 0.001 * np.sin(t / 90) + 0.01 * (day % 5)
    return start, t, lat, lon


def fit_file(day: int, seconds: int = 420) -> bytes:
    from kneeclinic.domain.fitwrite import encode_run

    start, t, lat, lon = _track(day, seconds)
    speed = float(lat[1] - lat[0]) * 111_000 if seconds > 1 else 3.0
    return encode_run(
        start,
        t,
        t * speed,
        speed_mps=np.full(seconds, speed),
        heart_rate_bpm=np.full(seconds, 140.0 + day % 20),
        cadence_spm=np.full(seconds, 168.0),
        altitude_m=20 + 5 * np.sin(t / 60),
        latitude_deg=lat,
        longitude_deg=lon,
    )


def gpx_file(day: int, seconds: int = 420, every: int = 3) -> bytes:
    start, t, lat, lon = _track(day, seconds)
    points = "".join(
        f'<trkpt lat="{lat[i]:.7f}" lon="{lon[i]:.7f}"><ele>20</ele>'
        f"<time>{(start + timedelta(seconds=int(t[i]))).strftime('%Y-%m-%dT%H:%M:%SZ')}</time>"
        "</trkpt>"
        for i in range(0, seconds, every)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="phone" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>Run {day}</name><type>running</type><trkseg>{points}</trkseg></trk></gpx>"
    ).encode()


def tcx_file(day: int, seconds: int = 420, every: int = 2) -> bytes:
    start, t, lat, lon = _track(day, seconds)
    speed = float(lat[1] - lat[0]) * 111_000
    stamp = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    points = "".join(
        "<Trackpoint>"
        f"<Time>{(start + timedelta(seconds=int(t[i]))).strftime('%Y-%m-%dT%H:%M:%SZ')}</Time>"
        f"<Position><LatitudeDegrees>{lat[i]:.7f}</LatitudeDegrees>"
        f"<LongitudeDegrees>{lon[i]:.7f}</LongitudeDegrees></Position>"
        f"<DistanceMeters>{t[i] * speed:.1f}</DistanceMeters>"
        "<HeartRateBpm><Value>145</Value></HeartRateBpm>"
        "</Trackpoint>"
        for i in range(0, seconds, every)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="Running"><Id>{stamp}</Id><Lap StartTime="{stamp}">'
        f"<TotalTimeSeconds>{seconds - 1}</TotalTimeSeconds>"
        f"<DistanceMeters>{(seconds - 1) * speed:.1f}</DistanceMeters>"
        f"<Track>{points}</Track></Lap></Activity></Activities></TrainingCenterDatabase>"
    ).encode()


CORRUPT: dict[str, Callable[[], bytes]] = {
    "broken/truncated.fit": lambda: fit_file(9000)[:300],
    "broken/picture.fit": lambda: b"\x89PNG\r\n\x1a\n not a FIT file " * 40,
    "broken/not-xml.gpx": lambda: b"<gpx><trk><trkseg><trkpt lat=",
    "broken/empty.tcx": lambda: b"",
    "broken/not-gzip.gpx.gz": lambda: b"this is not gzip at all",
}


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@dataclass(frozen=True)
class Expected:
    """What importing a ZIP must leave: activities by content hash and their streams."""

    members: int
    activities: dict[str, list[bytes]]  # member sha256 -> packed streams of each session
    corrupt: set[str]  # the names the import must report as failed
    duplicates: int


def activity_zip(files: int, seed: int) -> tuple[bytes, Expected]:
    """``files`` members: runs as FIT, GPX, TCX and .gpx.gz, 3 exact duplicates, 5 corrupt."""
    rng = np.random.default_rng(seed)
    runs = files - 3 - len(CORRUPT)
    members: dict[str, bytes] = {}
    kinds = ("fit", "gpx", "tcx", "gpx.gz")
    for index in range(runs):
        kind = kinds[index % 4]
        day = index * 3 + int(rng.integers(0, 2))  # whole days apart: never the same run
        seconds = int(rng.integers(300, 900))
        if kind == "fit":
            data = fit_file(day, seconds)
        elif kind == "tcx":
            data = tcx_file(day, seconds)
        else:
            data = gpx_file(day, seconds)
            if kind == "gpx.gz":
                data = gzip.compress(data, mtime=0)
        members[f"activities/{index:04d}-{day}.{kind}"] = data
    originals = list(members)
    for copy, chosen in enumerate(rng.choice(len(originals), size=3, replace=False)):
        name = originals[int(chosen)]
        members[f"copies/copy-{copy}-{Path(name).name}"] = members[name]
    for name, make in CORRUPT.items():
        members[name] = make()
    order = list(members)
    rng.shuffle(order)
    data = zip_of({name: members[name] for name in order})
    return data, expected_of(data)


def expected_of(data: bytes) -> Expected:
    """Read the ZIP as the importer does (members, then parse) to know the outcome."""
    from kneeclinic.activities import streams
    from kneeclinic.domain.parsers import ParseError, archive, parse

    activities: dict[str, list[bytes]] = {}
    corrupt: set[str] = set()
    count = duplicates = 0
    for member in archive.iter_members("upload.zip", data):
        count += 1
        if member.data is None or member.status is not archive.MemberStatus.READY:
            corrupt.add(member.name)
            continue
        sha256 = hashlib.sha256(member.data).hexdigest()
        if sha256 in activities:
            duplicates += 1
            continue
        try:
            parsed = parse(member.name, member.data)
        except ParseError:
            corrupt.add(member.name)
            continue
        activities[sha256] = [
            streams.pack(item.samples) if item.samples is not None else b"" for item in parsed
        ]
    return Expected(count, activities, corrupt, duplicates)


def stored_streams(install: Install, runner_email: str) -> dict[str, list[bytes]]:
    """Activity file hash -> packed streams of its activities, as the database holds them."""
    rows = install.sql(
        "SELECT f.sha256, f.session_index, s.blob FROM activities_activity a "
        "JOIN accounts_user u ON u.id = a.runner_id "
        "LEFT JOIN activities_activityfile f ON f.activity_id = a.id "
        "LEFT JOIN activities_activitystreams s ON s.activity_id = a.id "
        "WHERE u.email = ? ORDER BY f.sha256, f.session_index",
        (runner_email,),
    )
    found: dict[str, list[bytes]] = {}
    for sha256, _, blob in rows:
        found.setdefault(sha256, []).append(bytes(blob) if blob is not None else b"")
    return found


def blobs_on_disk(install: Install) -> set[str]:
    """Every file under the stored-files folder, temporary ones included (they count too)."""
    root = install.data_dir / "files"
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# --- the harness's worker ---------------------------------------------------------------------


def _kill_in_commit(nth: int) -> None:
    """SIGKILL this process group inside the N-th transaction that writes activity files.

    The kill comes after the transaction's statements and before its COMMIT (however the
    importer writes its rows), and the log says how many activity files it had written.
    """
    from django.db import connections

    wrapper = connections["default"]
    commit = wrapper.commit
    seen = {"count": _activity_files(wrapper), "transactions": 0}

    def killing_commit() -> None:
        written = _activity_files(wrapper)
        if written > seen["count"]:
            seen["count"] = written
            seen["transactions"] += 1
            if seen["transactions"] >= nth:
                sys.stdout.write(f"durability: killed inside the commit at {written} files\n")
                sys.stdout.flush()
                os.killpg(os.getpgid(0), signal.SIGKILL)
        commit()

    wrapper.commit = killing_commit  # type: ignore[method-assign]


def _activity_files(wrapper: Any) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM activities_activityfile")
        return int(cursor.fetchone()[0])


def _worker_main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeclinic.settings")
    import django

    django.setup()
    options = dict(zip(argv[::2], argv[1::2], strict=True))
    if "--kill-in-commit" in options:
        _kill_in_commit(int(options["--kill-in-commit"]))
    if "--batch-files" in options:  # commits every few files, as a slower import's would
        from kneeclinic.activities import importer

        importer.BATCH_FILES = int(options["--batch-files"])
    from kneeclinic.cli import main

    main(["worker", "--interval", "0.05"])


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        _worker_main(sys.argv[2:])
    else:
        raise SystemExit("usage: python -m tests.resilience.durability_helpers worker [...]")
