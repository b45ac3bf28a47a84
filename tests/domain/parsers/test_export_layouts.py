"""Whole exports end to end: FIT files written by our encoder, packed the way Garmin Connect
and Strava pack them, come out of expand() and parse() as the runs that went in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kneeclinic.domain.activity import Activity, Sport, SubSport
from kneeclinic.domain.fitwrite import encode_run
from kneeclinic.domain.parsers import parse
from kneeclinic.domain.parsers.archive import Member, MemberStatus, expand
from tests.domain.parsers.parser_builders import gpx, gz, minute_points, zip_bytes

START = datetime(2024, 6, 1, 7, 0, tzinfo=UTC)


def _fit(day: int, seconds: int, speed: float, *, treadmill: bool = False) -> bytes:
    times = np.arange(seconds, dtype=np.float64)
    lat = None if treadmill else 51.5 + times * speed / 111_195.0
    lon = None if treadmill else np.full(seconds, -0.12)
    return encode_run(
        START + timedelta(days=day),
        times,
        times * speed,
        speed_mps=np.full(seconds, speed),
        heart_rate_bpm=np.full(seconds, 150.0),
        cadence_spm=np.full(seconds, 170.0),
        latitude_deg=lat,
        longitude_deg=lon,
        sub_sport=SubSport.TREADMILL if treadmill else SubSport.GENERIC,
    )


def _imported(members: list[Member]) -> dict[str, list[Activity]]:
    return {
        m.name: parse(m.name, m.data)
        for m in members
        if m.status is MemberStatus.READY and m.data is not None
    }


def test_a_garmin_connect_export_gives_every_run_of_its_nested_parts() -> None:
    uploads = "DI_CONNECT/DI-Connect-Uploaded-Files"
    part1 = zip_bytes([("runner_1.fit", _fit(0, 1800, 3.0)), ("runner_2.fit", _fit(2, 600, 2.5))])
    part2 = zip_bytes([("runner_3.fit", _fit(4, 1200, 3.0, treadmill=True))])
    export = zip_bytes(
        [
            ("DI_CONNECT/DI-Connect-User/user_profile.json", b"{}"),
            (f"{uploads}/UploadedFiles_0-_Part1.zip", part1),
            (f"{uploads}/UploadedFiles_0-_Part2.zip", part2),
        ]
    )

    runs = _imported(expand("garmin_export.zip", export))

    assert sorted(runs) == [
        f"{uploads}/UploadedFiles_0-_Part1.zip/runner_1.fit",
        f"{uploads}/UploadedFiles_0-_Part1.zip/runner_2.fit",
        f"{uploads}/UploadedFiles_0-_Part2.zip/runner_3.fit",
    ]
    [first] = runs[f"{uploads}/UploadedFiles_0-_Part1.zip/runner_1.fit"]
    assert first.sport is Sport.RUNNING
    assert first.start == START
    assert first.distance_m == pytest.approx(1799 * 3.0, rel=0.005)
    assert first.avg_cadence_spm == pytest.approx(170.0, abs=1.0)
    [treadmill] = runs[f"{uploads}/UploadedFiles_0-_Part2.zip/runner_3.fit"]
    assert treadmill.sub_sport is SubSport.TREADMILL
    assert treadmill.samples is not None
    assert not treadmill.samples.has_positions


def test_a_strava_export_gives_its_gzipped_files_with_their_names_and_gear() -> None:
    index = (
        "Activity ID,Activity Name,Activity Type,Activity Gear,Filename\n"
        "1,Long run,Run,Trail shoes,activities/1.fit.gz\n"
        "2,Lunch jog,Run,,activities/2.gpx.gz\n"
    )
    export = zip_bytes(
        [
            ("activities.csv", index.encode()),
            ("activities/1.fit.gz", gz(_fit(0, 3600, 2.8))),
            ("activities/2.gpx.gz", gz(gpx([minute_points(20)]))),
            ("profile.csv", b"x"),
        ]
    )

    members = {m.name: m for m in expand("export_123.zip", export)}
    runs = _imported(list(members.values()))

    [long_run] = runs["activities/1.fit.gz"]
    assert long_run.elapsed_s == pytest.approx(3599, abs=1)
    long_meta = members["activities/1.fit.gz"].metadata
    assert long_meta is not None
    assert (long_meta.name, long_meta.gear) == ("Long run", "Trail shoes")
    [jog] = runs["activities/2.gpx.gz"]
    assert jog.source_format == "gpx"
    assert members["profile.csv"].status is MemberStatus.SKIPPED


def test_a_flat_zip_of_mixed_formats_gives_one_activity_per_file() -> None:
    export = zip_bytes(
        [("watch/run.fit", _fit(0, 900, 3.0)), ("phone/run.gpx", gpx([minute_points(16)]))]
    )

    runs = _imported(expand("runs.zip", export))

    assert {name: len(found) for name, found in runs.items()} == {
        "watch/run.fit": 1,
        "phone/run.gpx": 1,
    }
