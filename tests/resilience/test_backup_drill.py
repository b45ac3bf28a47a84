"""T36, the backup and restore drill (security.md section 8 and 7.3).

A backup counts only once a restore from it has passed. While clients write to the real server
(runners' pain entries, a physio's audited reads), ``kneeclinic backup`` takes an online backup;
it is restored with ``kneeclinic restore`` into a fresh data folder (or a fresh PostgreSQL
database), which then must pass:

- ``PRAGMA integrity_check`` (SQLite; for PostgreSQL ``pg_restore`` succeeding),
- ``migrate --check`` and ``audit verify``,
- a smoke request through the app (health and the runner's pain list with their API token),
- every write acknowledged before the backup started is there, with what was sent; tables the
  load did not touch have the same checksum as the live database; the others lost no rows; the
  original activity file is there byte for byte.

Short: 2 drills; ``make soak``: 10.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.activities.helpers import fit_run
from tests.reliability import record, scale
from tests.resilience.conftest import (
    LiveServer,
    add_people,
    drop_postgres_database,
    postgres_database,
    server_env,
)

WRITERS = 6


def table_checksums(db: Path) -> dict[str, tuple[int, str]]:
    """Each table's row count and a checksum of its rows, from one consistent read."""
    out: dict[str, tuple[int, str]] = {}
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        conn.execute("BEGIN")
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for name in sorted(names):
            rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{name}"'))  # noqa: S608
            out[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        conn.execute("COMMIT")
    return out


def postgres_counts(url: str) -> dict[str, tuple[int, str]]:
    import psycopg

    out: dict[str, tuple[int, str]] = {}
    with psycopg.connect(url) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        ]
        for name in sorted(names):
            row = conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()  # noqa: S608
            out[name] = (int(row[0]) if row else 0, "")
    return out


class WriteLoad:
    """Runners recording pain entries (each acknowledged one noted with its time) and a physio
    reading one runner's diary (each read appends to the audit trail)."""

    def __init__(self, server: LiveServer, runners: list[str], physio: tuple[str, str]) -> None:
        self.server = server
        self.runners = runners
        self.physio = physio
        self.acked: list[tuple[float, str, int]] = []  # (time acknowledged, token, pain)
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._write, args=(token,)) for token in runners
        ] + [threading.Thread(target=self._read)]

    def __enter__(self) -> WriteLoad:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def _write(self, token: str) -> None:
        first = datetime.now(tz=UTC)
        with self.server.client(token) as http:
            n = 0
            while not self.stop.is_set():
                n += 1
                client_token = str(uuid.uuid4())
                # Two minutes apart, so that no entry is merged into the one before as a twin.
                at = (first - timedelta(minutes=2 * n)).isoformat()
                body = {"pain_nrs": n % 11, "when": "after_run", "at": at}
                try:
                    response = http.post(
                        "/api/v1/diary/pain", json=body | {"client_token": client_token}
                    )
                except httpx.HTTPError as exc:
                    self.failures.append(repr(exc))
                    continue
                if response.status_code == 201:
                    with self.lock:
                        self.acked.append((time.monotonic(), client_token, n % 11))
                else:
                    self.failures.append(f"{response.status_code} {response.text[:200]}")
                time.sleep(0.2)  # under the API's rate limit for one person

    def _read(self) -> None:
        token, runner = self.physio
        with self.server.client(token) as http:
            while not self.stop.is_set():
                response = http.get(f"/api/v1/diary/pain?runner={runner}&limit=5")
                if response.status_code != 200:
                    self.failures.append(f"physio read {response.status_code}")
                time.sleep(0.2)

    def acked_before(self, moment: float) -> dict[str, int]:
        with self.lock:
            return {token: pain for at, token, pain in self.acked if at < moment}


VERIFY = """
import hashlib, io, json
from django.core.management import call_command
from django.db import connection
from django.test import Client
from kneeclinic.symptoms.models import PainEntry
from kneeclinic.activities import storage
from kneeclinic.activities.models import StoredFile

found = {}
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        found["integrity"] = cursor.fetchone()[0]
else:
    found["integrity"] = "ok"
try:
    call_command("migrate", check=True, verbosity=0)
    found["migrate_check"] = "ok"
except SystemExit as exc:
    found["migrate_check"] = f"unapplied migrations (exit {exc.code})"
out = io.StringIO()
call_command("audit", "verify", "--json", stdout=out)
found["audit"] = json.loads(out.getvalue())
client = Client(HTTP_HOST="127.0.0.1")
found["health"] = client.get("/healthz").status_code
smoke = client.get("/api/v1/diary/pain?limit=1", headers={"Authorization": "Bearer " + TOKEN})
found["smoke"] = [smoke.status_code, smoke.json().get("count")]
found["pain"] = {str(t): p for t, p in PainEntry.objects.values_list("client_token", "pain_nrs")}
found["files"] = {
    f.sha256: hashlib.sha256(storage.path_of(f.sha256).read_bytes()).hexdigest()
    if storage.path_of(f.sha256).exists() else None
    for f in StoredFile.objects.all()
}
result = found
"""


def _restore_target(server: LiveServer, drill: int) -> tuple[Path, dict[str, str]]:
    target = Path(tempfile.mkdtemp(prefix=f"kneeclinic-restore-{drill}-"))
    env = server_env(target)
    if not server.is_sqlite:
        env["DATABASE_URL"] = postgres_database(
            os.environ["KNEECLINIC_TEST_POSTGRES"], f"kneeclinic_restore_{os.getpid()}_{drill}"
        )
    return target, env


def _drill(server: LiveServer, load: WriteLoad, token: str, drill: int) -> dict[str, Any]:
    archive_dir = Path(tempfile.mkdtemp(prefix="kneeclinic-backups-"))
    target, env = _restore_target(server, drill)
    try:
        # Let the load run first: some writes acknowledged since the last drill.
        wanted, deadline = len(load.acked) + 10, time.monotonic() + 60
        while len(load.acked) < wanted and time.monotonic() < deadline:
            time.sleep(0.1)
        before = (
            table_checksums(server.database_file)
            if server.is_sqlite
            else postgres_counts(server.env["DATABASE_URL"])
        )
        started = time.monotonic()
        backup = json.loads(server.cli("backup", str(archive_dir), "--json").stdout)
        backup_s = time.monotonic() - started
        after = (
            table_checksums(server.database_file)
            if server.is_sqlite
            else postgres_counts(server.env["DATABASE_URL"])
        )
        acked = load.acked_before(started)
        restorer = LiveServer(url="", env=env, data_dir=target)
        t0 = time.monotonic()
        restorer.cli("restore", backup["backup"], "--json")
        restore_s = time.monotonic() - t0
        found = restorer.django(f"TOKEN = {token!r}\n" + VERIFY)
        assert isinstance(found, dict)
        restored = (
            table_checksums(target / "kneeclinic.sqlite3")
            if server.is_sqlite
            else postgres_counts(env["DATABASE_URL"])
        )
        return {
            "found": found,
            "acked": acked,
            "before": before,
            "after": after,
            "restored": restored,
            "backup_s": backup_s,
            "restore_s": restore_s,
            "bytes": backup["bytes"],
        }
    finally:
        shutil.rmtree(archive_dir, ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        if "DATABASE_URL" in env:
            drop_postgres_database(env["DATABASE_URL"])


def _problems(result: dict[str, Any], original_sha: str) -> list[str]:
    found, problems = result["found"], []
    if found["integrity"] != "ok":
        problems.append(f"integrity_check: {found['integrity']}")
    if found["migrate_check"] != "ok":
        problems.append(f"migrate --check: {found['migrate_check']}")
    if not found["audit"]["ok"] or found["audit"]["checked"] == 0:
        problems.append(f"audit verify: {found['audit']}")
    if found["health"] != 200 or found["smoke"][0] != 200:
        problems.append(f"smoke: health {found['health']}, pain list {found['smoke']}")
    missing = {t for t, pain in result["acked"].items() if found["pain"].get(t) != pain}
    if missing:
        problems.append(f"{len(missing)} of {len(result['acked'])} acknowledged writes missing")
    if found["files"].get(original_sha) != original_sha:
        problems.append(f"the original file is missing or changed: {found['files']}")
    before, after, restored = result["before"], result["after"], result["restored"]
    for table, (count, checksum) in before.items():
        if table not in restored:
            problems.append(f"table {table} missing")
        elif after[table] == (count, checksum) and restored[table] != (count, checksum):
            problems.append(f"table {table} (untouched by the load) differs")
        elif after[table][0] >= count > restored[table][0]:
            problems.append(f"table {table} lost rows: {count} -> {restored[table][0]}")
    return problems


def test_backups_taken_under_write_load_restore_completely(real_server: LiveServer) -> None:
    drills = scale(2, 10)
    people = [(f"t36-runner-{i}@example.com", "runner", "", "") for i in range(WRITERS)]
    people.append(("t36-physio@example.com", "physio", "Drill Clinic", people[0][0]))
    tokens = add_people(real_server, people)
    runner_code = real_server.django(
        "from kneeclinic.accounts.models import User\n"
        f"result = str(User.objects.get(email={people[0][0]!r}).code)"
    )
    original = fit_run(seconds=900)
    with real_server.client(tokens[people[0][0]]) as http:
        uploaded = http.post("/api/v1/runs/imports", files={"files": ("drill.fit", original)})
        assert uploaded.status_code == 202, uploaded.text
        code = uploaded.json()["code"]
        deadline = time.monotonic() + 120
        while http.get(f"/api/v1/runs/imports/{code}").json()["status"] != "done":
            assert time.monotonic() < deadline, "the import did not finish"
            time.sleep(0.5)
    original_sha = hashlib.sha256(original).hexdigest()
    runners = [tokens[email] for email, *_ in people[:WRITERS]]
    passed, timings = 0, []
    failures: list[str] = []
    with WriteLoad(
        real_server, runners, (tokens["t36-physio@example.com"], str(runner_code))
    ) as load:
        for drill in range(drills):
            result = _drill(real_server, load, runners[0], drill)
            problems = _problems(result, original_sha)
            timings.append((result["backup_s"], result["restore_s"], result["bytes"]))
            if problems:
                failures.append(f"drill {drill + 1}: " + "; ".join(problems))
            else:
                passed += 1
            assert result["acked"], (
                f"no write was acknowledged before the backup: {load.failures[:3]}"
            )
    assert load.failures == [], load.failures[:5]
    record("T36", "drills passed", f"{passed}/{drills}", f"{drills}/{drills}", passed == drills)
    record("T36", "slowest backup under load", round(max(t[0] for t in timings), 2), "", True,
           unit="s")  # fmt: skip
    record("T36", "slowest restore", round(max(t[1] for t in timings), 2), "< 5 min (1 GB)",
           max(t[1] for t in timings) < 300, unit="s")  # fmt: skip
    record("T36", "acknowledged writes checked", len(load.acked), "", True)
    assert failures == []
    assert passed == drills
