"""Maya's runs for the demo: real FIT files written by our encoder, imported like any upload.

The plan of runs (distances, paces, the spike, the flare-up) comes from the demo's shared
plan; each run becomes a watch-like FIT file (one record a second, positions on a loop by
the river, heart rate, cadence, laps) and goes through the same import as a runner's files.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, time

import numpy as np

from kneeclinic.activities import services
from kneeclinic.activities.models import Activity
from kneeclinic.core.demo import LONDON, DemoPeople, PlannedRun, plan_runs
from kneeclinic.domain.activity import SubSport
from kneeclinic.domain.fitwrite import encode_run

PROVIDES_RUNS = True
HOME = (51.4846, -0.1736)  # by the river in west London
FORERUNNER_255 = 3992


def load(people: DemoPeople) -> None:
    """Write and import Maya's runs, then give them the names of the plan."""
    rng = people.rng
    planned = plan_runs(people.today, rng)
    files = []
    names: dict[datetime, str] = {}
    for number, run in enumerate(planned):
        start = _start(run, rng)
        names[start] = run.name
        files.append((f"maya_{number:04d}.fit", [fit_file(run, start, rng)]))
    batch = services.create_import(people.runner, files)
    services.run_import(batch.pk)
    for activity in Activity.objects.filter(runner=people.runner):
        name = names.get(activity.start)
        if name:
            activity.name = name
            activity.save(update_fields=["name"])


def _start(run: PlannedRun, rng: random.Random) -> datetime:
    minute = rng.randrange(0, 50, 5)
    return datetime.combine(run.day, time(7 if run.day.weekday() < 5 else 9, minute), LONDON)


def fit_file(run: PlannedRun, start: datetime, rng: random.Random) -> bytes:
    """One run as a FIT file: steady pace with small surges, rising heart rate, a river loop."""
    speed = 1000 / run.pace_s_per_km
    seconds = max(60, round(run.distance_m / speed))
    t = np.arange(seconds, dtype=np.float64)
    seed = rng.randrange(1 << 30)
    noise = np.random.default_rng(seed)
    wobble = 1 + 0.04 * np.sin(t / 41 + seed % 7) + noise.normal(0, 0.015, seconds)
    v = (
        speed * wobble * (run.distance_m / (speed * np.sum(wobble)))
    )  # lands on the planned distance
    distance = np.concatenate(([0.0], np.cumsum(v[1:])))
    heart = np.clip(
        128 + 22 * (v / speed) + 12 * t / seconds + noise.normal(0, 1.5, seconds), 90, 195
    )
    cadence = np.clip(163 + 8 * (v / speed - 1) + noise.normal(0, 1.5, seconds), 140, 190)
    lat = lon = altitude = None
    if not run.treadmill:
        loop_m = 5000.0
        angle = 2 * math.pi * distance / loop_m
        radius_m = loop_m / (2 * math.pi)
        lat = HOME[0] + radius_m * np.sin(angle) / 111_320
        lon = HOME[1] + radius_m * (1 - np.cos(angle)) / (111_320 * math.cos(math.radians(HOME[0])))
        altitude = 8 + 3 * np.sin(angle * 2)
    return encode_run(
        start,
        t,
        distance,
        speed_mps=v,
        heart_rate_bpm=heart,
        cadence_spm=cadence,
        altitude_m=altitude,
        latitude_deg=lat,
        longitude_deg=lon,
        sub_sport=SubSport.TREADMILL if run.treadmill else SubSport.ROAD,
        utc_offset_s=int(start.utcoffset().total_seconds()),  # type: ignore[union-attr]
        product=FORERUNNER_255,
    )
