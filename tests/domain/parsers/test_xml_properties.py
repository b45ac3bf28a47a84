"""Importer properties (security plan T19) of the GPX and TCX readers over generated runs:
whatever the run, written as a file and read back it keeps its duration, its number of points
and its distance.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kneeclinic.domain.parsers.gpx import parse_gpx
from kneeclinic.domain.parsers.tcx import parse_tcx
from kneeclinic.domain.parsers.track import EARTH_RADIUS_M
from tests.domain.parsers.parser_builders import (
    Point,
    TcxLap,
    Trackpoint,
    gpx,
    tcx,
    tcx_activity,
)
from tests.reliability import record

EXAMPLES = 500
START = datetime(2024, 3, 31, 0, 30, tzinfo=UTC)  # a daylight-saving night, on purpose
# What each property measured over its examples, for the plan's figures (T19).
MEASURED: dict[str, dict[str, float]] = {}


def _measure(
    reader: str, elapsed_ok: bool, samples_ok: bool, distance: float | None, expected: float
) -> None:
    """Note one example: duration and samples exact or not, and the distance's difference."""
    seen = MEASURED.setdefault(
        reader, {"examples": 0, "durations": 0, "samples": 0, "distance_pct": 0.0}
    )
    seen["examples"] += 1
    seen["durations"] += not elapsed_ok
    seen["samples"] += not samples_ok
    if distance is None:
        difference = math.inf
    else:
        difference = abs(distance - expected) / expected * 100 if expected else abs(distance)
    seen["distance_pct"] = max(seen["distance_pct"], difference)


@pytest.fixture(scope="module", autouse=True)
def t19_figures() -> Iterator[None]:
    """Record, once the properties have run, what they measured over all their examples."""
    yield
    for reader, seen in MEASURED.items():
        examples, durations = int(seen["examples"]), int(seen["durations"])
        samples, worst = int(seen["samples"]), seen["distance_pct"]
        record("T19", f"{reader}: examples", examples, ">= 500", examples >= 500)
        record("T19", f"{reader}: durations not exact", durations, "0", durations == 0)
        record("T19", f"{reader}: samples not exact (count and times)", samples, "0", samples == 0)
        worst_shown = float(f"{worst:.2g}")
        figure = f"{reader}: largest distance difference"
        record("T19", figure, worst_shown, "<= 0.1", worst <= 0.1, unit="%")


@dataclass(frozen=True)
class GeneratedRun:
    seconds: list[int]  # since the start, strictly increasing
    lat: list[float]
    lon: list[float]
    segment: list[int]  # segment number of each point
    hr: list[int | None]
    cad: list[int | None]
    offset_minutes: int


@st.composite
def runs(draw: st.DrawFn) -> GeneratedRun:
    count = draw(st.integers(min_value=2, max_value=120))
    steps = draw(st.lists(st.integers(1, 30), min_size=count - 1, max_size=count - 1))
    seconds = [0]
    for step in steps:
        seconds.append(seconds[-1] + step)
    lat0 = draw(st.floats(-60, 60))
    lon0 = draw(st.floats(-179, 179))
    moves = draw(
        st.lists(
            st.tuples(st.floats(-3e-4, 3e-4), st.floats(-3e-4, 3e-4)),
            min_size=count,
            max_size=count,
        )
    )
    lat, lon = [], []
    for dlat, dlon in moves:
        lat.append(round(lat0 + dlat, 7))
        lon.append(round(lon0 + dlon, 7))
        lat0, lon0 = lat[-1], lon[-1]
    breaks = draw(st.lists(st.integers(1, count - 1), max_size=3))
    segment = [sum(1 for b in breaks if b <= i) for i in range(count)]
    with_hr = draw(st.booleans())
    with_cad = draw(st.booleans())
    hr = [draw(st.integers(60, 200)) if with_hr else None for _ in range(count)]
    cad = [draw(st.integers(60, 100)) if with_cad else None for _ in range(count)]
    offset = draw(st.sampled_from([0, 60, -300, 330, 600]))
    return GeneratedRun(seconds, lat, lon, segment, hr, cad, offset)


def _stamp(run: GeneratedRun, second: int) -> str:
    if run.offset_minutes == 0:
        return (START + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")
    local = START + timedelta(seconds=second, minutes=run.offset_minutes)
    sign = "+" if run.offset_minutes > 0 else "-"
    hours, minutes = divmod(abs(run.offset_minutes), 60)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{hours:02d}:{minutes:02d}"


def _haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    phi1, phi2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _length_m(run: GeneratedRun) -> float:
    return math.fsum(
        _haversine_m((run.lat[i - 1], run.lon[i - 1]), (run.lat[i], run.lon[i]))
        for i in range(1, len(run.seconds))
        if run.segment[i] == run.segment[i - 1]
    )


@settings(max_examples=EXAMPLES, deadline=None)
@given(runs())
def test_a_gpx_run_keeps_its_duration_points_distance_and_start(run: GeneratedRun) -> None:
    segments: list[list[Point]] = [[] for _ in range(run.segment[-1] + 1)]
    for i, second in enumerate(run.seconds):
        segments[run.segment[i]].append(
            Point(run.lat[i], run.lon[i], _stamp(run, second), hr=run.hr[i], cad=run.cad[i])
        )

    [activity] = parse_gpx(gpx([s for s in segments if s]))
    samples = activity.samples.time_s.tolist() if activity.samples is not None else None
    elapsed_ok = activity.elapsed_s == run.seconds[-1]
    _measure("GPX", elapsed_ok, samples == run.seconds, activity.distance_m, _length_m(run))

    assert activity.start == START
    assert activity.elapsed_s == run.seconds[-1]
    assert activity.samples is not None
    assert activity.samples.time_s.tolist() == run.seconds
    assert activity.distance_m == pytest.approx(_length_m(run), rel=1e-9, abs=1e-6)
    assert activity.moving_s is not None and 0 <= activity.moving_s <= activity.elapsed_s
    assert activity.utc_offset_s == (run.offset_minutes * 60 or None)
    if run.cad[0] is not None:
        assert activity.samples.cadence_spm is not None
        assert activity.samples.cadence_spm.tolist() == [2 * c for c in run.cad if c]
    else:
        assert activity.samples.cadence_spm is None


@settings(max_examples=EXAMPLES, deadline=None)
@given(runs(), st.integers(1, 5))
def test_a_tcx_run_keeps_its_lap_totals_points_and_start(run: GeneratedRun, laps: int) -> None:
    bounds = [round(len(run.seconds) * k / laps) for k in range(laps + 1)]
    length = 0.0
    built: list[TcxLap] = []
    for first, last in itertools.pairwise(bounds):
        if first == last:
            continue
        points = []
        for i in range(first, last):
            if i > 0:
                length += _haversine_m((run.lat[i - 1], run.lon[i - 1]), (run.lat[i], run.lon[i]))
            points.append(
                Trackpoint(
                    _stamp(run, run.seconds[i]),
                    round(length, 2),
                    run.lat[i],
                    run.lon[i],
                    hr=run.hr[i],
                    run_cadence=run.cad[i],
                )
            )
        total = run.seconds[last - 1] - run.seconds[first]
        built.append(TcxLap(_stamp(run, run.seconds[first]), total, round(length, 2), points))
    expected_distance = math.fsum(lap.distance_m or 0.0 for lap in built)

    [activity] = parse_tcx(tcx(tcx_activity(built)))
    samples = activity.samples.time_s.tolist() if activity.samples is not None else None
    elapsed_ok = activity.elapsed_s == run.seconds[-1]
    _measure("TCX", elapsed_ok, samples == run.seconds, activity.distance_m, expected_distance)

    assert activity.start == START
    assert activity.elapsed_s == run.seconds[-1]
    assert activity.distance_m == pytest.approx(expected_distance, abs=1e-6)
    assert activity.moving_s == sum(lap.total_time_s or 0 for lap in built)
    assert len(activity.laps) == len(built)
    assert activity.samples is not None
    assert activity.samples.time_s.tolist() == run.seconds
