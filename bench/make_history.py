"""Write a realistic ten-year running history as FIT files, packaged like a Garmin Connect export.

Run with ``python bench/make_history.py OUT [--years 10] [--layout garmin|dir] [--seed 42]``.
About five runs a week (long run on Sunday, intervals on Tuesday, tempo on Thursday, easy days
otherwise), rest weeks every fourth week, two holiday weeks and up to two knee-pain breaks a
year followed by run/walk weeks, treadmill runs in winter, a few walks and rides. Each file has
one record a second with position, altitude, distance, speed, heart rate and cadence.
``garmin`` writes ``OUT.zip`` holding nested ZIPs of up to 1,000 files each under
``DI_CONNECT/DI-Connect-Uploaded-Files/``, as Garmin's full-account export does.
"""

from __future__ import annotations

import argparse
import io
import math
import sys
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kneeclinic.domain.activity import Sport, SubSport
from kneeclinic.domain.fitwrite import encode_run

FIRST_DAY = datetime(2016, 11, 28, tzinfo=UTC)
HOME = (51.5074, -0.1278)
FILES_PER_PART = 1000
PRODUCTS = ((2431, 2.5), (3113, 7.0), (4315, 99.0))  # Forerunner 235, 945, 965 by year


def plan(years: int, rng: np.random.Generator) -> Iterator[tuple[datetime, str, float]]:
    """(start, kind, distance_m) of each session over ``years`` years."""
    breaks: set[int] = set()
    for year in range(years):
        for _ in range(int(rng.integers(0, 3))):
            week = year * 52 + int(rng.integers(0, 52))
            breaks.update(range(week, week + int(rng.integers(1, 5))))
    for week in range(years * 52):
        if week in breaks:
            continue
        after_break = week - 1 in breaks or week - 2 in breaks
        volume = 0.6 if week % 4 == 3 else 1.0
        fitness = min(1.0, 0.6 + week / 150)
        for day, kind, km in (
            (1, "intervals", 9.0),
            (2, "easy", 7.0),
            (3, "tempo", 10.0),
            (5, "easy", 8.0),
            (6, "long", 16.0 + 6 * fitness),
        ):
            if rng.random() < 0.1:
                continue
            chosen = "runwalk" if after_break else kind
            distance = km * 1000 * volume * rng.uniform(0.85, 1.15) * (0.5 if after_break else 1.0)
            hour = 7 if day < 5 else 9
            start = FIRST_DAY + timedelta(
                weeks=week, days=day, hours=hour, minutes=int(rng.integers(0, 50))
            )
            if rng.random() < 0.04:
                chosen = "walk" if rng.random() < 0.6 else "ride"
            yield start, chosen, distance


def session(start: datetime, kind: str, distance_m: float, rng: np.random.Generator) -> bytes:
    """One FIT file for one session."""
    winter = start.month in (12, 1, 2)
    speed = {"walk": 1.4, "ride": 7.0, "runwalk": 2.4, "intervals": 3.4, "tempo": 3.3}.get(
        kind, 2.9
    )
    seconds = max(60, int(distance_m / speed))
    t = np.arange(seconds, dtype=np.float64)
    wobble = 1 + 0.05 * np.sin(t / 37) + rng.normal(0, 0.02, seconds)
    if kind == "intervals":
        wobble *= np.where((t // 180) % 2 == 0, 1.15, 0.8)
    if kind == "runwalk":
        wobble *= np.where((t % 300) < 240, 1.1, 0.55)
    v = np.clip(speed * wobble, 0.5, 12)
    distance = np.concatenate(([0.0], np.cumsum(v[1:])))
    heading = np.cumsum(rng.normal(0, 0.02, seconds))
    north = np.cumsum(v * np.cos(heading)) / 111_320
    east = np.cumsum(v * np.sin(heading)) / (111_320 * math.cos(math.radians(HOME[0])))
    altitude = 30 + 15 * np.sin(distance / 900) + 5 * np.sin(distance / 170)
    effort = v / speed
    heart = np.clip(95 + 55 * effort + t / 600 + rng.normal(0, 2, seconds), 60, 200)
    cadence = np.clip(
        (112 if kind == "walk" else 162) + 10 * (effort - 1) + rng.normal(0, 2, seconds), 0, 250
    )
    treadmill = winter and kind == "easy" and rng.random() < 0.3
    year_index = (start - FIRST_DAY).days / 365
    product = next(code for code, until in PRODUCTS if year_index < until)
    sport = {"walk": Sport.WALKING, "ride": Sport.CYCLING}.get(kind, Sport.RUNNING)
    return encode_run(
        start,
        t,
        distance,
        speed_mps=v,
        heart_rate_bpm=heart,
        cadence_spm=None if sport is Sport.CYCLING else cadence,
        altitude_m=None if treadmill else altitude,
        latitude_deg=None if treadmill else HOME[0] + north,
        longitude_deg=None if treadmill else HOME[1] + east,
        sport=sport,
        sub_sport=SubSport.TREADMILL if treadmill else SubSport.GENERIC,
        utc_offset_s=3600 if 3 < start.month < 11 else 0,
        product=product,
    )


def history(years: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """(file name, FIT bytes) of every session."""
    rng = np.random.default_rng(seed)
    for number, (start, kind, distance) in enumerate(plan(years, rng)):
        yield f"runner_{10_000_000 + number}.fit", session(start, kind, distance, rng)


def write_garmin_export(out: Path, files: Iterator[tuple[str, bytes]]) -> int:
    count = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as outer:
        part: list[tuple[str, bytes]] = []
        part_number = 1

        def flush() -> None:
            nonlocal part, part_number
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as inner:
                for name, data in part:
                    inner.writestr(name, data)
            outer.writestr(
                f"DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part{part_number}.zip",
                buffer.getvalue(),
                compress_type=zipfile.ZIP_STORED,
            )
            part, part_number = [], part_number + 1

        for name, data in files:
            part.append((name, data))
            count += 1
            if len(part) == FILES_PER_PART:
                flush()
        if part:
            flush()
        outer.writestr("DI_CONNECT/DI-Connect-User/user_profile.json", '{"userName": "runner"}')
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--layout", choices=("garmin", "dir"), default="garmin")
    args = parser.parse_args()
    began = time.perf_counter()
    if args.layout == "dir":
        args.out.mkdir(parents=True, exist_ok=True)
        names = []
        for name, data in history(args.years, args.seed):
            (args.out / name).write_bytes(data)
            names.append(name)
        count = len(names)
        where = args.out
    else:
        where = args.out.with_suffix(".zip")
        count = write_garmin_export(where, history(args.years, args.seed))
    print(f"{count} activities written to {where} in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    main()
