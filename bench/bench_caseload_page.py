"""Time the physio's caseload page with 200 linked runners, each with two years of data.

Run with ``python bench/bench_caseload_page.py`` (or ``make bench``). It makes a throwaway data
folder, migrates it, creates one physio linked to 200 runners, each with about four runs a week,
pain entries, Kujala scores and symptom-checker results over two years, then times GET /clinic/
through Django's test client (middleware, signals, template). The target is under 300 ms; the
script prints a Markdown section and exits with status 1 if the median is over.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MS = 300.0
REPEATS = 15
RUNNERS = 200
DAYS = 730


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="kneeclinic-bench-caseload-")
    os.environ["KNEECLINIC_DATA_DIR"] = data_dir
    os.environ["KNEECLINIC_ALLOWED_HOSTS"] = "testserver"
    os.environ["KNEECLINIC_TESTING"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeclinic.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from kneeclinic.accounts.models import CareLink, Clinic, Role, User
    from kneeclinic.activities.models import Activity
    from kneeclinic.clinic import sources

    call_command("migrate", verbosity=0)
    if os.environ.get("BENCH_KEEP_DIR"):
        print(data_dir, file=sys.stderr)
    rng = random.Random(8)  # noqa: S311 (benchmark data)
    now = timezone.now()
    clinic = Clinic.objects.create(name="Bench Clinic")
    physio = User.objects.create_user(
        "bench.physio@example.com", None, role=Role.PHYSIO, clinic=clinic
    )
    pain_model = sources.pain_entries()
    kujala_model = sources.kujala_responses()
    checker_model = sources.checker_runs()
    counts = {"runs": 0, "pain": 0, "kujala": 0}
    for i in range(RUNNERS):
        runner = User.objects.create_user(f"bench.runner{i}@example.com", None, name=f"Runner {i}")
        CareLink.objects.create(
            runner=runner, physio=physio, status=CareLink.Status.ACTIVE, agreed_at=now
        )
        runs, pains, scores = [], [], []
        for day in range(DAYS, 0, -1):
            when = now - timedelta(days=day, hours=rng.uniform(0, 5))
            if rng.random() < 4 / 7:
                km = rng.uniform(4, 14)
                runs.append(
                    Activity(runner=runner, start=when, elapsed_s=km * 340, moving_s=km * 330,
                             distance_m=km * 1000, sport="running")
                )  # fmt: skip
            if pain_model is not None and rng.random() < 2 / 7:
                pains.append(
                    pain_model(runner=runner, at=when, pain_nrs=rng.randint(0, 7), when="after_run")
                )
            if kujala_model is not None and day % 28 == 0:
                scores.append(
                    kujala_model(runner=runner, version="1", answers={}, total=rng.randint(55, 95),
                                 completed_at=when)
                )  # fmt: skip
        Activity.objects.bulk_create(runs, batch_size=1000)
        counts["runs"] += len(runs)
        if pain_model is not None:
            pain_model.objects.bulk_create(pains, batch_size=1000)
            counts["pain"] += len(pains)
        if kujala_model is not None:
            kujala_model.objects.bulk_create(scores, batch_size=1000)
            counts["kujala"] += len(scores)
        if checker_model is not None and i % 20 == 0:
            checker_model.objects.create(runner=runner, level="urgent_same_day", completed_at=now)
    from kneeclinic.accounts import mfa

    client = Client()
    client.force_login(physio)
    session = client.session
    session[mfa.SESSION_KEY] = "second factor passed in the benchmark set-up"
    session.save()
    response = client.get("/clinic/")
    if response.status_code != 200:
        raise SystemExit(f"GET /clinic/ answered {response.status_code}")
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        client.get("/clinic/")
        times.append((time.perf_counter() - started) * 1000)
    best, median = min(times), statistics.median(times)
    from kneeclinic.clinic import caseload

    ids = list(CareLink.objects.filter(physio=physio).values_list("runner_id", flat=True))
    parts = []
    for signal in caseload.SIGNALS:
        took = []
        for _ in range(5):
            started = time.perf_counter()
            signal(ids, timezone.now())
            took.append((time.perf_counter() - started) * 1000)
        parts.append((signal.__name__, min(took), statistics.median(took)))
    print("## Caseload page (server time, SQLite)\n")
    print(
        f"GET /clinic/ through Django's test client for a physio with {RUNNERS} linked runners "
        f"and two years of data each ({counts['runs']:,} runs, {counts['pain']:,} pain entries, "
        f"{counts['kujala']:,} Kujala scores; synthetic, as of {datetime.now(tz=UTC):%Y-%m-%d}); "
        f"best and median of {REPEATS} requests. Target: under {TARGET_MS:.0f} ms.\n"
    )
    print("| what | best | median |")
    print("| --- | ---: | ---: |")
    size = len(response.content) // 1024
    print(f"| caseload, {RUNNERS} runners ({size} KiB) | {best:.1f} ms | {median:.1f} ms |")
    for name, part_best, part_median in parts:
        print(f"| of which signal `{name}` | {part_best:.1f} ms | {part_median:.1f} ms |")
    print(f"\nResult: {'within' if median < TARGET_MS else 'OVER'} the target.")
    return 0 if median < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
