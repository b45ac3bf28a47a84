"""The clinic-scale test: a large clinic on PostgreSQL, then the server time of its main pages.

By default: 10,000 runners with 5 years of runs each (about 12 million runs), pain entries,
exercise sessions, and ~250 physios with ~40 runners each, in a database of its own
(``kneeclinic_scale``, dropped and created again). The bulk rows are written by server-side SQL
(``INSERT ... SELECT generate_series``), month by month across all runners, so a runner's rows
are spread over the table as they are in a clinic that has been running for years.

Then it measures, with Django's test client (server time: no network, no browser), the 50th and
95th percentile of: a physio's caseload, a runner's timeline as the physio sees it, the runner's
Load page, the runner's Runs list, and the import of one FIT file (the web upload plus the
worker's import) into a runner who already has years of runs. It prints EXPLAIN ANALYZE of the
slowest queries of each page, so a missing index shows.

    python scripts/scale_clinic.py                      # the full size (about an hour)
    python scripts/scale_clinic.py --runners 200 --years 1 --requests 20
    python scripts/scale_clinic.py --reuse              # measure again without generating
    python scripts/scale_clinic.py --drop               # drop the database afterwards

It needs PostgreSQL superuser rights on the server it is given (it creates and drops its own
database and loads rows with triggers off). Never point it at a real clinic's server.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

CHECKOUT = Path(__file__).resolve().parent.parent
DEFAULT_FIT = CHECKOUT / "tests" / "data" / "scale" / "run.fit"
FIT_NAME = "scale-test-run.fit"
RUNS_PER_YEAR = 240  # 10,000 runners x 5 years x 240 = 12 million runs
PAIN_PER_DAY = 0.25
SESSIONS_PER_DAY = 0.25
LOG_DAYS = 180  # exercise logs (three per session) for the last six months only
RUNNERS_PER_PHYSIO = 40
BULK_TABLES = (
    "activities_activity",
    "activities_activityfile",
    "symptoms_painentry",
    "exercises_exercisesession",
    "exercises_exerciselog",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server",
        default=os.environ.get("SCALE_PG", "postgresql://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL, without a database name (a superuser)",
    )
    parser.add_argument("--database", default="kneeclinic_scale", help="the scratch database")
    parser.add_argument("--runners", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--requests", type=int, default=50, help="requests per page measured")
    parser.add_argument("--reuse", action="store_true", help="measure the existing database")
    parser.add_argument("--generate-only", action="store_true", help="generate, do not measure")
    parser.add_argument("--drop", action="store_true", help="drop the database when done")
    parser.add_argument("--fit", type=Path, default=DEFAULT_FIT, help="the FIT file to import")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.runners < RUNNERS_PER_PHYSIO or args.years < 1 or args.requests < 1:
        parser.error(f"--runners must be at least {RUNNERS_PER_PHYSIO}, --years and --requests 1")
    if not args.database.replace("_", "").isalnum():
        parser.error("--database must be letters, digits and underscores")
    return args


def database_url(server: str, name: str) -> str:
    parsed = urlparse(server)
    return urlunparse(parsed._replace(path=f"/{name}"))


def say(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --- the database ----------------------------------------------------------------------------


def recreate_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def configure_database(server: str, name: str) -> None:
    """The settings docs/deployment.md recommends for the clinic's database."""
    import psycopg

    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as conn:
        # JIT compiles a plan when its estimated cost is high: 100 ms and more of compiling for
        # a query that runs in 0.1 ms (the import summary's), never a gain for these queries.
        conn.execute(f'ALTER DATABASE "{name}" SET jit = off')


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(database_url(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url: str) -> None:
    """Production settings (no DEBUG, no test shortcuts) on the scale database."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("KNEECLINIC_DATA_DIR", tempfile.mkdtemp(prefix="kneeclinic-scale-"))
    os.environ["KNEECLINIC_ALLOWED_HOSTS"] = "testserver"
    os.environ["KNEECLINIC_LOG_LEVEL"] = "WARNING"
    os.environ["KNEECLINIC_EMAIL_BACKEND"] = "memory"
    os.environ["DJANGO_SETTINGS_MODULE"] = "kneeclinic.settings"
    sys.path.insert(0, str(CHECKOUT))
    import django

    django.setup()


@dataclass
class SavedIndexes:
    """Secondary indexes and unique constraints of the bulk tables, dropped for the load."""

    statements: list[str] = field(default_factory=list)


def drop_secondary_indexes(cursor: Any) -> SavedIndexes:
    saved = SavedIndexes()
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.contype = 'u' AND c.conrelid::regclass::text = ANY(%s)
        """,
        [list(BULK_TABLES)],
    )
    for table, name, definition in cursor.fetchall():
        saved.statements.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
        """,
        [list(BULK_TABLES)],
    )
    for name, definition in cursor.fetchall():
        saved.statements.append(definition)
        cursor.execute(f"DROP INDEX {name}")
    return saved


def months(first: date, last: date) -> Iterator[tuple[date, date]]:
    """[start, end) of each calendar month from ``first`` to ``last``."""
    start = first
    while start < last:
        end = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        yield start, min(end, last)
        start = end


def generate(runners: int, years: int) -> dict[str, int]:
    """Fill the scale database: people with the ORM, the bulk rows with server-side SQL."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    from kneeclinic.accounts.models import CareLink, Clinic, Role, User
    from kneeclinic.exercises.models import Programme, ProgrammeItem

    physios = max(1, runners // RUNNERS_PER_PHYSIO)
    unusable = make_password(None)  # nobody can log in with a password
    now = datetime.now(UTC)
    today = now.date()
    first_day = today - timedelta(days=365 * years)
    say(f"people: {physios} physios, {runners} runners")
    with transaction.atomic():
        clinic = Clinic.objects.create(name="Scale Test Physio")
        User.objects.bulk_create(
            [
                User(
                    email=f"physio{n:04d}@scale.example",
                    name=f"Physio {n}",
                    role=Role.PHYSIO,
                    clinic=clinic,
                    password=unusable,
                )
                for n in range(physios)
            ],
            batch_size=1000,
        )
        User.objects.bulk_create(
            [
                User(
                    email=f"runner{n:05d}@scale.example",
                    name=f"Runner {n}",
                    role=Role.RUNNER,
                    password=unusable,
                    date_joined=now - timedelta(days=365 * years),
                )
                for n in range(runners)
            ],
            batch_size=1000,
        )
        physio_ids = list(
            User.objects.filter(role=Role.PHYSIO).order_by("pk").values_list("pk", flat=True)
        )
        runner_ids = list(
            User.objects.filter(role=Role.RUNNER).order_by("pk").values_list("pk", flat=True)
        )
        CareLink.objects.bulk_create(
            [
                CareLink(
                    runner_id=runner,
                    physio_id=physio_ids[n % physios],
                    status=CareLink.Status.ACTIVE,
                    agreed_at=now - timedelta(days=30 + n % 300),
                )
                for n, runner in enumerate(runner_ids)
            ],
            batch_size=2000,
        )
        programmes = Programme.objects.bulk_create(
            [
                Programme(runner_id=runner, name="Hip and knee strength", started_on=first_day)
                for runner in runner_ids
            ],
            batch_size=2000,
        )
        ProgrammeItem.objects.bulk_create(
            [
                ProgrammeItem(programme=programme, slug=slug, order=order, sets=3, reps=12)
                for programme in programmes
                for order, slug in enumerate(SLUGS)
            ],
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            """
            CREATE UNLOGGED TABLE scale_runner AS
            SELECT u.id AS runner_id, p.id AS programme_id FROM accounts_user u
            JOIN exercises_programme p ON p.runner_id = u.id WHERE u.role = 'runner'
            """
        )
        cursor.execute(
            """
            INSERT INTO activities_storedfile (sha256, size, created_at)
            SELECT encode(sha256(('scale-export-' || runner_id)::bytea), 'hex'), 50000000, now()
            FROM scale_runner
            """
        )
        cursor.execute(
            """
            ALTER TABLE scale_runner ADD COLUMN stored_id bigint;
            UPDATE scale_runner r SET stored_id = s.id FROM activities_storedfile s
            WHERE s.sha256 = encode(sha256(('scale-export-' || r.runner_id)::bytea), 'hex');
            """
        )
    with transaction.atomic(), connection.cursor() as cursor:
        saved = drop_secondary_indexes(cursor)
    say(f"bulk rows from {first_day} to {today}, month by month")
    started = time.monotonic()
    every = list(months(first_day, today + timedelta(days=1)))
    log_from = today - timedelta(days=LOG_DAYS)
    for number, (start, end) in enumerate(every, 1):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")  # no FK triggers
            fill_month(cursor, start, end, RUNS_PER_YEAR / 365, end > log_from)
        if number % 6 == 0 or number == len(every):
            elapsed = time.monotonic() - started
            say(f"  {number}/{len(every)} months, {elapsed:.0f} s")
    say("indexes and constraints back")
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for statement in saved.statements:
            cursor.execute(statement)
        for table in (*BULK_TABLES, "accounts_user", "accounts_carelink"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        cursor.execute("DROP TABLE scale_runner")
    return count_rows()


SLUGS = ("clamshell", "bridge", "side-plank")


def fill_month(cursor: Any, start: date, end: date, run_chance: float, logs: bool) -> None:
    """One month of runs (with their files), pain entries and exercise sessions for everyone."""
    params = {
        "start": start,
        "end": end,
        "runs": run_chance,
        "pain": PAIN_PER_DAY,
        "sessions": SESSIONS_PER_DAY,
    }
    cursor.execute(
        """
        WITH picked AS (
            SELECT r.runner_id, r.stored_id,
                   d + make_interval(hours => 6 + (random() * 13)::int,
                                     mins => (random() * 59)::int) AS start,
                   3000 + random() * 15000 AS distance, 2.4 + random() * 1.4 AS speed,
                   random() AS roll
            FROM scale_runner r
            CROSS JOIN generate_series(%(start)s::timestamptz,
                                       %(end)s::timestamptz - interval '1 day', '1 day') AS d
            WHERE random() < %(runs)s
            ORDER BY 3
        ), runs AS (
            INSERT INTO activities_activity (
                code, name, sport, sub_sport, start, utc_offset_s, elapsed_s, moving_s,
                distance_m, ascent_m, avg_heart_rate_bpm, max_heart_rate_bpm, avg_cadence_spm,
                device, source, excluded_from_load, how_it_felt, created_at, runner_id)
            SELECT gen_random_uuid(),
                   CASE WHEN extract(hour FROM start) < 12 THEN 'Morning run'
                        WHEN extract(hour FROM start) < 17 THEN 'Afternoon run'
                        ELSE 'Evening run' END,
                   'running', CASE WHEN roll < 0.2 THEN 'trail' ELSE 'road' END,
                   start, 0, distance / speed * 1.03, distance / speed, distance,
                   (roll * 200)::int, 135 + roll * 30, 160 + roll * 25, 160 + roll * 16,
                   'Forerunner 255', 'file', roll < 0.01, '', start + interval '1 hour', runner_id
            FROM picked
            RETURNING id, runner_id, start
        )
        INSERT INTO activities_activityfile (
            sha256, name, session_index, source_format, activity_id, stored_id, member_index)
        SELECT md5(random()::text) || md5(random()::text),
               'activity_' || runs.id || '.fit', 0, 'fit', runs.id, r.stored_id, runs.id
        FROM runs JOIN scale_runner r USING (runner_id)
        """,
        params,
    )
    cursor.execute(
        """
        INSERT INTO symptoms_painentry (
            code, at, pain_nrs, "when", knee, spot, note, client_token, created_at, runner_id)
        SELECT gen_random_uuid(), at, least(10, (random() * random() * 9)::int),
               w[1 + (random() * 6)::int], 'left', 'around_kneecap', '', NULL, at, runner_id
        FROM (
            SELECT r.runner_id, d + make_interval(hours => 7 + (random() * 14)::int) AS at,
                   ARRAY['during_run', 'after_run', 'next_morning', 'stairs', 'after_sitting',
                         'squatting', 'at_rest'] AS w
            FROM scale_runner r
            CROSS JOIN generate_series(%(start)s::timestamptz,
                                       %(end)s::timestamptz - interval '1 day', '1 day') AS d
            WHERE random() < %(pain)s
            ORDER BY 2
        ) picked
        """,
        params,
    )
    cursor.execute(
        """
        WITH picked AS (
            SELECT r.runner_id, r.programme_id, d::date AS day,
                   d + make_interval(hours => 18 + (random() * 3)::int) AS at, random() AS roll
            FROM scale_runner r
            CROSS JOIN generate_series(%(start)s::timestamptz,
                                       %(end)s::timestamptz - interval '1 day', '1 day') AS d
            WHERE random() < %(sessions)s
            ORDER BY 4
        ), sessions AS (
            INSERT INTO exercises_exercisesession (
                code, warm_up, local_date, started_at, finished_at, status, effort, received_at,
                updated_at, runner_id, programme_id)
            SELECT gen_random_uuid(), false, day, at, at + interval '25 minutes',
                   CASE WHEN roll < 0.85 THEN 'complete' ELSE 'partial' END, (roll * 8)::int,
                   at + interval '26 minutes', at + interval '26 minutes', runner_id, programme_id
            FROM picked
            RETURNING id, local_date
        )
        INSERT INTO exercises_exerciselog (
            slug, "order", sets_target, sets_done, reps, hold_s, pain_nrs, skipped, session_id)
        SELECT s.slug, s.n, 3, 3, 12, NULL, (random() * 3)::int, false, sessions.id
        FROM sessions CROSS JOIN unnest(%(slugs)s::text[]) WITH ORDINALITY AS s(slug, n)
        WHERE %(logs)s AND sessions.local_date >= %(log_from)s
        """,
        {
            **params,
            "slugs": list(SLUGS),
            "logs": logs,
            "log_from": datetime.now(UTC).date() - timedelta(days=LOG_DAYS),
        },
    )


def count_rows() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in (*BULK_TABLES, "accounts_carelink"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our own table names
            counts[table] = cursor.fetchone()[0]
    return counts


# --- the whole run ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args.server, args.database)
    if not args.reuse:
        say(f"creating the database {args.database}")
        recreate_database(args.server, args.database)
    configure_database(args.server, args.database)
    setup_django(url)
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)  # with --reuse: any new index
    say(f"migrations applied in {time.monotonic() - started:.1f} s")
    if not args.reuse:
        started = time.monotonic()
        counts = generate(args.runners, args.years)
        say(f"generated in {time.monotonic() - started:.0f} s: {counts}")
    if not args.generate_only:
        measure_all(args)
    if args.drop:
        from django.db import connections

        connections.close_all()
        drop_database(args.server, args.database)
        say(f"dropped {args.database}")
    return 0


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    timings_ms: list[float]
    cpu_ms: list[float]  # this process's processor time per request (less hit by a busy machine)
    queries: int
    database_ms: float  # the database's own execution time of one request's queries, summed
    slowest: list[tuple[float, str, str]]  # (ms, SQL, EXPLAIN ANALYZE)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.timings_ms)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "requests": len(self.timings_ms),
            "p50_ms": round(self.percentile(0.50), 1),
            "p95_ms": round(self.percentile(0.95), 1),
            "max_ms": round(max(self.timings_ms), 1),
            "mean_ms": round(statistics.fmean(self.timings_ms), 1),
            "cpu_p50_ms": round(statistics.median(self.cpu_ms), 1),
            "queries": self.queries,
            "database_ms": round(self.database_ms, 1),
        }


def logged_in(user: Any) -> Any:
    """A test client with the user's session (a clinician's counts as past the second factor)."""
    from django.test import Client

    from kneeclinic.accounts import mfa

    client = Client()
    client.force_login(user)
    if user.is_clinician:
        session = client.session
        session[mfa.SESSION_KEY] = "scale test"
        session.save()
    return client


def timed(
    name: str, calls: list[Callable[[], Any]], explain: Callable[[], Any] | None = None
) -> Figure:
    """Time every call but the first (a warm-up), then explain the queries of one more call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    calls[0]()
    timings, cpu = [], []
    for call in calls[1:]:
        started, processor = time.perf_counter(), time.process_time()
        call()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - processor) * 1000)
    with CaptureQueriesContext(connection) as captured:
        (explain or calls[-1])()
    queries = captured.captured_queries
    # Ranked by the database's own execution time: wall time on a busy machine is noise.
    plans = [
        (*explain_analyze(q["sql"]), q["sql"])
        for q in queries
        if q["sql"].lstrip().upper().startswith("SELECT")
    ]
    slowest = [(ms, sql, plan) for ms, plan, sql in sorted(plans, reverse=True)[:3]]
    database_ms = sum(ms for ms, _, _ in plans)
    figure = Figure(name, timings, cpu, len(queries), database_ms, slowest)
    row = figure.as_dict()
    say(
        f"{name}: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, max {row['max_ms']} ms, "
        f"CPU p50 {row['cpu_p50_ms']} ms, {row['queries']} queries taking {row['database_ms']} ms "
        f"in the database ({row['requests']} requests)"
    )
    return figure


def explain_analyze(sql: str) -> tuple[float, str]:
    """The plan of one query, run again (the page's own run brought its rows into memory)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        lines = [row[0] for row in cursor.fetchall()]
    last = next(line for line in reversed(lines) if line.startswith("Execution Time"))
    return float(last.split(":")[1].split()[0]), "\n".join(lines)


def ok(response: Any) -> Any:
    if response.status_code not in {200, 302}:
        raise RuntimeError(f"{response.status_code} from {response.request['PATH_INFO']}")
    return response


def get(client: Any, url: str) -> Any:
    return ok(client.get(url))


def scale_fit() -> bytes:
    """A one-hour run recorded by a watch yesterday morning, one record a second."""
    import numpy as np

    from kneeclinic.domain.fitwrite import encode_run

    seconds = np.arange(3600, dtype=np.float64)
    speed = 2.9 + 0.2 * np.sin(seconds / 300)
    start = datetime.combine(datetime.now(UTC).date() - timedelta(days=1), datetime.min.time(), UTC)
    return encode_run(
        start + timedelta(hours=7, minutes=3),
        seconds,
        np.cumsum(speed),
        speed_mps=speed,
        heart_rate_bpm=140 + 10 * np.sin(seconds / 600),
        cadence_spm=np.full(3600, 168.0),
        altitude_m=50 + 5 * np.sin(seconds / 200),
        latitude_deg=51.5 + np.cumsum(speed) / 111_000,
        longitude_deg=np.full(3600, -0.12),
    )


def measure_all(args: argparse.Namespace) -> list[Figure]:
    import random

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.urls import reverse

    from kneeclinic.accounts.models import CareLink, Role, User
    from kneeclinic.activities import services
    from kneeclinic.activities.models import Activity, Import

    call_command("collectstatic", interactive=False, verbosity=0)
    chooser = random.Random(11)  # noqa: S311 - picking test people, not secrets
    count = args.requests
    physios = list(User.objects.filter(role=Role.PHYSIO).order_by("pk"))
    links = list(
        CareLink.objects.filter(status=CareLink.Status.ACTIVE).select_related("runner", "physio")
    )
    picked_links = chooser.sample(links, min(count + 2, len(links)))
    picked_physios = chooser.sample(physios, min(count + 1, len(physios)))
    # Every request as another person, so each sees a cold page of its own rows.
    physio_clients = [logged_in(p) for p in picked_physios]
    link_clients = [(logged_in(link.physio), link.runner) for link in picked_links]
    runner_clients = [logged_in(link.runner) for link in picked_links]
    figures = []
    busy = os.getloadavg()[0]
    say(f"measuring {count} requests a page; load average {busy:.1f}, {os.cpu_count()} cores")
    caseload = reverse("clinic:caseload")
    figures.append(
        timed(
            "Caseload (physio, ~40 runners)",
            [partial(get, c, caseload) for c in physio_clients],
        )
    )
    figures.append(
        timed(
            "Runner timeline (physio)",
            [
                partial(get, c, reverse("clinic:runner", kwargs={"code": r.code}))
                for c, r in link_clients
            ],
        )
    )
    load = reverse("training:load")
    figures.append(timed("Load page (runner)", [partial(get, c, load) for c in runner_clients]))
    figures.append(
        timed(
            "Load page, all years (runner)",
            [partial(get, c, f"{load}?range=all") for c in runner_clients],
        )
    )
    runs = reverse("activities:list-runs")
    figures.append(timed("Runs list (runner)", [partial(get, c, runs) for c in runner_clients]))
    data = args.fit.read_bytes() if args.fit.exists() else scale_fit()
    importing = reverse("activities:import-files")
    batches: list[Import] = []

    def upload(client: Any, runner: Any) -> None:
        response = ok(
            client.post(
                importing,
                {"files": SimpleUploadedFile(FIT_NAME, data, "application/octet-stream")},
            )
        )
        batches.append(Import.objects.filter(runner=runner).latest("created_at"))
        assert response.status_code == 302  # noqa: S101 - the upload was accepted

    uploaders = list(zip(runner_clients, [link.runner for link in picked_links], strict=True))
    client_of = {runner.pk: client for client, runner in uploaders}
    # A measurement again (--reuse): take away what the last one imported, or it is a duplicate.
    Activity.objects.filter(runner__in=client_of, file__name=FIT_NAME).delete()
    Import.objects.filter(runner__in=client_of).delete()
    figures.append(
        timed(
            "FIT import: the upload (web)",
            [partial(upload, c, r) for c, r in uploaders[1:]],
            explain=partial(upload, *uploaders[0]),
        )
    )
    pending = list(batches)

    def run_one() -> None:
        batch = pending.pop(0)
        finished = services.run_import(batch.pk)
        if finished is None or finished.imported != 1:
            raise RuntimeError(f"the import {batch.code} did not import the file: {finished}")

    figures.append(
        timed("FIT import: the worker's import", [run_one] * (len(pending) - 1), explain=run_one)
    )
    results = [
        (client_of[batch.runner_id], reverse("activities:show-import", kwargs={"code": batch.code}))
        for batch in batches
    ]
    figures.append(
        timed(
            "FIT import: the result page",
            [partial(get, c, u) for c, u in results],
        )
    )
    report(figures, args)
    return figures


def report(figures: list[Figure], args: argparse.Namespace) -> None:
    print()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Load average at the end: {load} ({os.cpu_count()} cores)\n")
    print(
        "| Page | Requests | p50 (ms) | p95 (ms) | CPU p50 (ms) | Queries | In the database (ms) |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|")
    for figure in figures:
        row = figure.as_dict()
        print(
            f"| {row['name']} | {row['requests']} | {row['p50_ms']} | {row['p95_ms']} "
            f"| {row['cpu_p50_ms']} | {row['queries']} | {row['database_ms']} |"
        )
    for figure in figures:
        for ms, sql, plan in figure.slowest:
            print(f"\n### {figure.name}: {ms:.1f} ms\n\n{sql}\n\n{plan}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "runners": args.runners,
                    "load_average": os.getloadavg(),
                    "years": args.years,
                    "figures": [f.as_dict() for f in figures],
                    "slowest": {
                        f.name: [
                            {"ms": ms, "sql": sql, "plan": plan} for ms, sql, plan in f.slowest
                        ]
                        for f in figures
                    },
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    raise SystemExit(main())
