"""Time the Load page's server side with a ten-year history (about 2,500 runs) on SQLite.

Run with ``python bench/bench_load_page.py`` (or ``make bench``). It makes a throwaway data folder,
migrates it, adds one runner with the synthetic history of bench_load.py, and times GET /load/
through Django's test client (middleware, query, analysis, template) for each range. The target
is under 150 ms of server work (the process's CPU time: the machine may be shared); the script
prints a Markdown section and exits with status 1 if a median is over.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_MS = 150.0
REPEATS = 15


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Median wall-clock and median CPU milliseconds of ``REPEATS`` calls.

    On a shared machine the wall clock also counts time spent waiting for a free core; the CPU
    time of this process is the server's own work, so the target is judged on it.
    """
    walls, cpus = [], []
    for _ in range(REPEATS):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="kneeclinic-bench-load-")
    os.environ["KNEECLINIC_DATA_DIR"] = data_dir
    os.environ["KNEECLINIC_ALLOWED_HOSTS"] = "testserver"
    os.environ["KNEECLINIC_TESTING"] = "1"  # plain static files: no collectstatic manifest needed
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeclinic.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from bench.bench_load import NOW, synthetic_history
    from kneeclinic.activities.models import Activity
    from kneeclinic.training import queries

    call_command("migrate", verbosity=0)
    from kneeclinic.accounts.models import User

    runner = User.objects.create_user("bench.runner@example.com", "bench-password-1234")
    records = synthetic_history()
    Activity.objects.bulk_create(
        [
            Activity(
                runner=runner,
                sport=record.sport,
                sub_sport="treadmill" if record.indoor else "road",
                start=record.start,
                utc_offset_s=0,
                elapsed_s=record.duration_s + 30,
                moving_s=record.duration_s,
                distance_m=record.distance_m,
                excluded_from_load=record.excluded,
            )
            for record in records
        ],
        batch_size=500,
    )
    client = Client()
    client.force_login(runner)
    figures: dict[str, tuple[float, float]] = {}
    for key, (label, _days) in queries.RANGES.items():
        url = f"/load/?range={key}"
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        name = f"Load page, {label.lower()} ({len(response.content) // 1024} KiB)"
        figures[name] = timed(partial(client.get, url))
    figures["planning check (htmx answer)"] = timed(
        lambda: client.get("/load/check/", {"distance": "12"})
    )

    worst = max(cpu for _, cpu in figures.values())
    print("## Load page (server time, SQLite)\n")
    print(
        f"GET /load/ through Django's test client for a runner with {len(records):,} activities "
        f"over ten years (synthetic, as of {NOW:%Y-%m-%d}); medians of {REPEATS} requests, wall "
        f"clock and this process's CPU time. Target: under {TARGET_MS:.0f} ms of server work.\n"
    )
    print("| what | wall clock | CPU |")
    print("| --- | ---: | ---: |")
    for name, (wall, cpu) in figures.items():
        print(f"| {name} | {wall:.1f} ms | {cpu:.1f} ms |")
    print(f"\nResult: {'within' if worst < TARGET_MS else 'OVER'} the target.")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
