"""T37, migration safety (security.md section 8), on SQLite data folders of their own.

- Every app of the project goes back to zero and forward again on a fresh database: each app's
  migrations must be reversible (an irreversible one fails the test unless listed below with its
  reason), and the schema that comes back must be the schema that went.
- On a production-like copy (short: 2,000 pain entries and 200 activities with their streams;
  ``make soak``: 100,000 and 10,000), each app goes back two steps (or as many as it has after
  its first) and forward again; every table's rows must come back identical (checksums), and
  each app's round trip must take under 60 s.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from tests.reliability import record, scale
from tests.resilience.conftest import LiveServer, prepare
from tests.resilience.test_backup_drill import table_checksums

# app label -> why its migrations cannot be reversed (none today).
IRREVERSIBLE: dict[str, str] = {}
MIGRATION_LIMIT_S = 60.0

ROUND_TRIP = """
import time
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.loader import MigrationLoader

ours = [a.label for a in apps.get_app_configs() if a.name.startswith("kneeclinic.")]
loader = MigrationLoader(connection)
chains = {}
for app in ours:
    names = sorted(n for (label, n) in loader.disk_migrations if label == app)
    if names:
        chains[app] = names
irreversible, timings, steps = {}, {}, {}
if MODE == "zero":
    # Every app to zero (the last installed first, so few dependents cascade), then forward once.
    started = time.monotonic()
    for app in reversed(list(chains)):
        try:
            call_command("migrate", app, "zero", verbosity=0, interactive=False)
        except IrreversibleError as exc:
            irreversible[app] = str(exc)
        steps[app] = "zero"
    call_command("migrate", verbosity=0, interactive=False)
    timings["all"] = time.monotonic() - started
else:
    for app, names in chains.items():
        back = min(STEPS, len(names) - 1)
        if back <= 0:
            continue
        target = names[-1 - back]
        started = time.monotonic()
        try:
            call_command("migrate", app, target, verbosity=0, interactive=False)
        except IrreversibleError as exc:
            irreversible[app] = str(exc)
        call_command("migrate", verbosity=0, interactive=False)
        timings[app] = time.monotonic() - started
        steps[app] = target
result = {"irreversible": irreversible, "timings": timings, "steps": steps}
"""

SEED = """
import datetime as dt
from django.utils import timezone
from kneeclinic.accounts import services as accounts
from kneeclinic.activities import streams
from kneeclinic.activities.models import Activity, ActivityStreams
from kneeclinic.symptoms.models import PainEntry
from tests.activities.helpers import fit_run
from kneeclinic.domain.parsers import parse

sample = parse("run.fit", fit_run(seconds=600))[0]
blob = streams.pack(sample.samples)
runners = [accounts.create_user(f"t37-{i}@example.com", None) for i in range(max(1, RUNS // 500))]
start = timezone.now() - dt.timedelta(days=3000)
for offset in range(0, RUNS, 1000):
    made = Activity.objects.bulk_create([
        Activity(runner=runners[i % len(runners)], name=f"Run {i}",
                 start=start + dt.timedelta(hours=6 * i), elapsed_s=1800 + i % 600,
                 distance_m=5000 + i % 3000, avg_heart_rate_bpm=140 + i % 30)
        for i in range(offset, min(RUNS, offset + 1000))
    ])
    ActivityStreams.objects.bulk_create([
        ActivityStreams(activity=a, blob=blob, points=len(sample.samples)) for a in made
    ])
whens = ["during_run", "after_run", "next_morning", "stairs"]
for offset in range(0, PAIN, 5000):
    PainEntry.objects.bulk_create([
        PainEntry(runner=runners[i % len(runners)], at=start + dt.timedelta(minutes=37 * i),
                  pain_nrs=i % 11, when=whens[i % 4], note=f"note {i}")
        for i in range(offset, min(PAIN, offset + 5000))
    ])
result = {"activities": Activity.objects.count(), "pain": PainEntry.objects.count()}
"""


def schema_of(db: Path) -> str:
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        ).fetchall()
    return "\n".join(f"{t} {n} {s}" for t, n, s in rows)


def _checkpoint(db: Path) -> None:
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _data(db: Path) -> dict[str, tuple[int, str]]:
    sums = table_checksums(db)
    sums.pop("django_migrations", None)  # re-applied migrations carry new times
    return sums


def _install(name: str) -> LiveServer:
    server = prepare(Path(tempfile.mkdtemp(prefix=f"kneeclinic-t37-{name}-")))
    assert server.is_sqlite
    return server


def test_every_app_migrates_to_zero_and_back_to_the_same_schema() -> None:
    server = _install("zero")
    before = schema_of(server.database_file)
    result: Any = server.django("MODE = 'zero'\nSTEPS = 0\n" + ROUND_TRIP)
    after = schema_of(server.database_file)
    unexpected = {a: e for a, e in result["irreversible"].items() if a not in IRREVERSIBLE}
    record("T37", "apps reversed to zero and forward", len(result["steps"]), "all", not unexpected)
    assert unexpected == {}
    assert len(result["steps"]) >= 8, result["steps"]
    assert hashlib.sha256(after.encode()).hexdigest() == hashlib.sha256(before.encode()).hexdigest()


def test_a_production_like_copy_goes_back_and_forward_without_losing_a_row() -> None:
    pain, runs = scale((2_000, 200), (100_000, 10_000))
    server = _install("data")
    seeded: Any = server.django(f"PAIN = {pain}\nRUNS = {runs}\n" + SEED, timeout=1800)
    assert seeded == {"activities": runs, "pain": pain}
    _checkpoint(server.database_file)
    before = _data(server.database_file)
    started = time.monotonic()
    result: Any = server.django("MODE = 'steps'\nSTEPS = 2\n" + ROUND_TRIP, timeout=1800)
    took = time.monotonic() - started
    _checkpoint(server.database_file)
    after = _data(server.database_file)
    changed = sorted(t for t in before if after.get(t) != before[t])
    slowest = max(result["timings"].values())
    record("T37", f"tables changed by the round trip ({pain:,} pain, {runs:,} runs)",
           len(changed), "0", not changed)  # fmt: skip
    record("T37", "slowest app round trip", round(slowest, 1), "< 60 s",
           slowest < MIGRATION_LIMIT_S, unit="s")  # fmt: skip
    record("T37", "whole round trip (process included)", round(took, 1), "", True, unit="s")
    assert result["irreversible"] == {}
    assert result["steps"], "no app has migrations to step back over"
    assert changed == [], changed
    assert slowest < MIGRATION_LIMIT_S
