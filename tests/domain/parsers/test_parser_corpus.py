"""Every GPX, TCX, gzip and ZIP file of the shared corpus of real files: imported or refused
with a reason, never an unhandled exception. GPX distances match the great-circle length of
the track; TCX distances match the laps' totals.
"""

from __future__ import annotations

import itertools
import math
import os
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from kneeclinic.domain.activity import Activity, ParseError
from kneeclinic.domain.parsers import parse
from kneeclinic.domain.parsers.archive import MemberStatus, expand
from kneeclinic.domain.parsers.xmlread import declare_unbound_prefixes

pytestmark = pytest.mark.corpus

CORPUS = Path(
    os.environ.get(
        "KNEECLINIC_CORPUS",
        Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "activities",
    )
)
SUFFIXES = (".gpx", ".tcx", ".zip", ".gz")
MAX_SECONDS_PER_FILE = 5.0

# Files (or archive members) known to be unreadable, with a fragment of the reason we give.
EXPECTED_REFUSALS = {
    "gpx/gc__A_ride_mapped_on_11_22_2011.gpx": "has no times",
    "gpx/gc__MetadataOnly.gpx": "no track points",
    "gpx/gpxpy__cerknicko-without-times.gpx": "has no times",
    "gpx/gpxpy__gpx1.0_with_all_fields.gpx": "single timed point",
    "gpx/gpxpy__gpx1.1_with_all_fields.gpx": "single timed point",
    "gpx/gpxpy__gpx_with_garmin_extension.gpx": "no track points",
    "gpx/gpxpy__unicode_with_bom.gpx": "no track points",
    "fit/gz/derived__truncated.fit.gz": "truncated",
    "zip/fittrackee__gpx_test_incorrect.zip!test_4.gpx": "no track points",
}

EARTH_RADIUS_M = 6_371_008.8


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))


FILES = _corpus_files()


def _id(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


def _outcomes(path: Path) -> dict[str, list[Activity] | str]:
    """Activities or the refusal reason, for the file (or each member of an archive)."""
    relative = _id(path)
    outcomes: dict[str, list[Activity] | str] = {}
    for member in expand(relative, path.read_bytes()):
        key = relative if member.name == relative else f"{relative}!{member.name}"
        if member.status is MemberStatus.SKIPPED:
            continue
        if member.status is MemberStatus.FAILED or member.data is None:
            outcomes[key] = member.error
            continue
        try:
            outcomes[key] = parse(member.name, member.data)
        except ParseError as exc:
            outcomes[key] = str(exc)
    return outcomes


def test_the_corpus_is_there() -> None:
    if not FILES:
        pytest.skip(f"the shared activity corpus is not available at {CORPUS}")
    assert len(FILES) >= 40


@pytest.mark.parametrize("path", FILES, ids=_id)
def test_each_file_is_imported_or_refused_with_a_reason(path: Path) -> None:
    started = time.perf_counter()

    outcomes = _outcomes(path)

    assert time.perf_counter() - started < MAX_SECONDS_PER_FILE
    for key, outcome in outcomes.items():
        expected = EXPECTED_REFUSALS.get(key)
        if expected is not None:
            assert isinstance(outcome, str), f"{key} should be refused ({expected})"
            assert expected in outcome
        elif key.endswith((".gpx", ".tcx", ".gpx.gz", ".tcx.gz")):
            assert isinstance(outcome, list), f"{key} was refused: {outcome}"
        if isinstance(outcome, list):
            assert outcome, key
            for activity in outcome:
                assert activity.start.tzinfo is not None
                assert activity.elapsed_s > 0
        else:
            assert outcome.strip(), key


def _haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    phi1, phi2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _timed_track_length_m(document: bytes) -> float:
    """Great-circle length of the track from its first to its last timed point, per segment."""
    points: list[tuple[int, float, float, bool]] = []
    document = declare_unbound_prefixes(document) or document  # as the reader does
    root = ET.fromstring(document)  # noqa: S314 - our own corpus of real files
    for segment_number, segment in enumerate(e for e in root.iter() if e.tag.endswith("trkseg")):
        for point in segment:
            if point.tag.endswith("trkpt"):
                timed = any(c.tag.endswith("time") and (c.text or "").strip() for c in point)
                lat, lon = float(point.get("lat", "nan")), float(point.get("lon", "nan"))
                points.append((segment_number, lat, lon, timed))
    timed_indexes = [i for i, p in enumerate(points) if p[3]]
    span = points[timed_indexes[0] : timed_indexes[-1] + 1]
    return sum(_haversine_m(a[1:3], b[1:3]) for a, b in itertools.pairwise(span) if a[0] == b[0])


GPX_FILES = [p for p in FILES if p.name.endswith(".gpx") and _id(p) not in EXPECTED_REFUSALS]
TCX_FILES = [p for p in FILES if p.name.endswith(".tcx")]


@pytest.mark.parametrize("path", GPX_FILES, ids=_id)
def test_gpx_distance_is_the_great_circle_length_of_the_track(path: Path) -> None:
    data = path.read_bytes()
    [activity] = parse(path.name, data)

    expected = _timed_track_length_m(data)

    assert activity.distance_m == pytest.approx(expected, rel=0.01)


def _lap_totals(document: bytes) -> list[float]:
    """The sum of the laps' DistanceMeters for each Activity of a TCX document."""
    text = document.decode("utf-8-sig").lstrip()
    root = ET.fromstring(text)  # noqa: S314 - our own corpus of real files
    totals: list[float] = []
    for activity in (e for e in root.iter() if e.tag.endswith("}Activity")):
        laps = [e for e in activity if e.tag.endswith("}Lap")]
        distances = [
            float(c.text or "0") for lap in laps for c in lap if c.tag.endswith("}DistanceMeters")
        ]
        if laps:
            totals.append(math.fsum(distances))
    return totals


@pytest.mark.parametrize("path", TCX_FILES, ids=_id)
def test_tcx_distance_is_the_sum_of_the_laps(path: Path) -> None:
    data = path.read_bytes()

    activities = parse(path.name, data)

    assert [a.distance_m for a in activities] == pytest.approx(_lap_totals(data), abs=0.01)


SAME_ACTIVITY = [
    ("fit/sportslib__6782987395.fit", "gpx/sportslib__6782987395.gpx"),
    ("fit/sportslib__6782987395.fit", "tcx/sportslib__6782987395.tcx"),
    ("fit/sportslib__6860622783.fit", "tcx/sportslib__6860622783.tcx"),
    ("fit/gc__10kUNLP2014-Garmin15.fit", "tcx/gc__10kUNLP2014-Garmin15.tcx"),
]


@pytest.mark.parametrize(("first", "second"), SAME_ACTIVITY, ids=lambda p: p.split("/")[-1])
def test_one_run_in_two_formats_matches_by_the_deduplication_rule(first: str, second: str) -> None:
    if not (CORPUS / first).is_file() or not (CORPUS / second).is_file():
        pytest.skip(f"the shared activity corpus is not available at {CORPUS}")
    [a] = parse(first, (CORPUS / first).read_bytes())
    [b] = parse(second, (CORPUS / second).read_bytes())

    assert abs((a.start - b.start).total_seconds()) <= 60
    assert a.distance_m is not None and b.distance_m is not None
    assert b.distance_m == pytest.approx(a.distance_m, rel=0.03)
    assert a.sport is b.sport
