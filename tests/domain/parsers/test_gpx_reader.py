"""GPX 1.0 and 1.1 tracks become one activity with great-circle distances and real times."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from kneeclinic.domain.activity import ParseError, Sport, SubSport
from kneeclinic.domain.parsers.gpx import NO_TIMES_MESSAGE, parse_gpx
from tests.domain.parsers.parser_builders import (
    METRES_PER_MILLIDEGREE,
    Point,
    gpx,
    minute_points,
)


def test_it_reads_a_gpx_1_1_run_with_great_circle_distance_and_times() -> None:
    [run] = parse_gpx(gpx([minute_points(11)]))

    assert run.sport is Sport.RUNNING
    assert run.start == datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
    assert run.elapsed_s == 600.0
    assert run.distance_m == pytest.approx(10 * METRES_PER_MILLIDEGREE, rel=1e-6)
    assert run.moving_s == 600.0
    assert run.name == "Morning run"
    assert run.device == "Forerunner 945"
    assert run.source_format == "gpx"
    assert run.samples is not None
    assert len(run.samples) == 11
    assert run.samples.has_positions
    assert run.samples.speed_mps is not None
    assert run.samples.speed_mps[5] == pytest.approx(METRES_PER_MILLIDEGREE / 60, rel=1e-6)
    assert run.samples.heart_rate_bpm is None


def test_it_reads_gpx_1_0_the_same_way() -> None:
    [run] = parse_gpx(gpx([minute_points(3)], version="1.0"))

    assert run.distance_m == pytest.approx(2 * METRES_PER_MILLIDEGREE, rel=1e-6)


@pytest.mark.parametrize("extension", ["garmin", "cluetrust"])
def test_it_reads_heart_rate_and_doubles_running_cadence_into_steps(extension: str) -> None:
    points = [
        Point(lat=p.lat, time=p.time, hr=140 + i, cad=85) for i, p in enumerate(minute_points(3))
    ]

    [run] = parse_gpx(gpx([points], extension=extension))

    assert run.avg_heart_rate_bpm == 141.0
    assert run.max_heart_rate_bpm == 142.0
    assert run.avg_cadence_spm == 170.0
    assert run.samples is not None
    assert run.samples.cadence_spm is not None
    assert run.samples.cadence_spm.tolist() == [170.0, 170.0, 170.0]


def test_it_keeps_a_bike_cadence_in_revolutions() -> None:
    points = [Point(lat=p.lat, time=p.time, cad=90) for p in minute_points(3)]

    [ride] = parse_gpx(gpx([points], sport="cycling"))

    assert ride.sport is Sport.CYCLING
    assert ride.avg_cadence_spm == 90.0


def test_a_cadence_spike_becomes_missing_rather_than_an_impossible_value() -> None:
    points = [
        Point(lat=p.lat, time=p.time, cad=c)
        for p, c in zip(minute_points(3), [80, 200, 90], strict=True)
    ]

    [run] = parse_gpx(gpx([points]))

    assert run.samples is not None
    assert run.samples.cadence_spm is not None
    assert np.isnan(run.samples.cadence_spm[1])
    assert run.avg_cadence_spm == 170.0


def test_a_track_without_times_is_refused_with_advice_to_enter_it_by_hand() -> None:
    points = [Point(lat=50.0 + i * 0.001) for i in range(5)]

    with pytest.raises(ParseError, match="no times") as caught:
        parse_gpx(gpx([points]))

    assert str(caught.value) == NO_TIMES_MESSAGE


def test_a_track_with_fewer_than_half_its_points_timed_is_a_route_not_a_run() -> None:
    points = [
        Point(lat=50.0 + i * 0.001, time=p.time if i < 2 else None)
        for i, p in enumerate(minute_points(5))
    ]

    with pytest.raises(ParseError, match="no times"):
        parse_gpx(gpx([points]))


def test_a_single_timed_point_has_no_duration() -> None:
    with pytest.raises(ParseError, match="single timed point"):
        parse_gpx(gpx([minute_points(1)]))


def test_a_file_without_track_points_says_there_is_no_run() -> None:
    with pytest.raises(ParseError, match="no track points"):
        parse_gpx(gpx([]))


def test_points_at_one_single_time_have_no_duration() -> None:
    points = [Point(lat=50.0 + i * 0.001, time="2024-06-01T07:00:00Z") for i in range(4)]

    with pytest.raises(ParseError, match="do not move forward"):
        parse_gpx(gpx([points]))


def test_an_interior_point_without_time_gets_one_along_the_distance() -> None:
    points = minute_points(3)
    middle = Point(lat=points[1].lat)
    [run] = parse_gpx(gpx([[points[0], middle, points[2]]]))

    assert run.samples is not None
    assert run.samples.time_s.tolist() == pytest.approx([0.0, 60.0, 120.0])
    assert run.elapsed_s == 120.0


def test_untimed_points_before_the_first_time_are_left_out() -> None:
    points = [Point(lat=49.999), *minute_points(3)]

    [run] = parse_gpx(gpx([points]))

    assert run.samples is not None
    assert len(run.samples) == 3
    assert run.distance_m == pytest.approx(2 * METRES_PER_MILLIDEGREE, rel=1e-6)


def test_the_jump_between_two_segments_is_not_counted_as_distance_or_moving_time() -> None:
    first = minute_points(3)
    second = minute_points(3, start_minute=10)
    second = [Point(lat=p.lat + 0.1, time=p.time) for p in second]  # 11 km further north

    [run] = parse_gpx(gpx([first, second]))

    assert run.distance_m == pytest.approx(4 * METRES_PER_MILLIDEGREE, rel=1e-6)
    assert run.elapsed_s == 720.0
    assert run.moving_s == 240.0


def test_standing_still_does_not_count_as_moving_time() -> None:
    points = minute_points(3)
    points.append(Point(lat=points[-1].lat, time="2024-06-01T07:03:00Z"))

    [run] = parse_gpx(gpx([points]))

    assert run.elapsed_s == 180.0
    assert run.moving_s == 120.0


def test_points_where_the_clock_jumps_back_are_dropped() -> None:
    points = minute_points(4)
    points[2] = Point(lat=points[2].lat, time="2024-06-01T06:00:00Z")

    [run] = parse_gpx(gpx([points]))

    assert run.samples is not None
    assert run.samples.time_s.tolist() == [0.0, 60.0, 180.0]


def test_a_local_time_offset_is_kept_and_the_start_stored_in_utc() -> None:
    points = [
        Point(lat=50.0, time="2024-06-01T09:00:00+02:00"),
        Point(lat=50.001, time="2024-06-01T09:01:00+02:00"),
    ]

    [run] = parse_gpx(gpx([points]))

    assert run.start == datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
    assert run.utc_offset_s == 7200


def test_times_without_a_zone_are_taken_as_utc() -> None:
    points = [
        Point(lat=50.0, time="2024-06-01T07:00:00"),
        Point(lat=50.001, time="2024-06-01T07:01:00"),
    ]

    [run] = parse_gpx(gpx([points]))

    assert run.start == datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
    assert run.utc_offset_s is None


@pytest.mark.parametrize("stamp", ["1900-01-01T00:00:00Z", "2100-01-01T00:00:00Z"])
def test_a_date_outside_the_gps_watch_era_is_refused(stamp: str) -> None:
    points = [Point(lat=50.0, time=stamp), Point(lat=50.001, time=stamp)]

    with pytest.raises(ParseError, match="outside the years 1990 to 2099"):
        parse_gpx(gpx([points]))


def test_a_time_that_is_not_a_date_is_refused_with_the_text() -> None:
    points = [Point(lat=50.0, time="yesterday"), Point(lat=50.001, time="today")]

    with pytest.raises(ParseError, match="'yesterday' is not a date"):
        parse_gpx(gpx([points]))


def test_a_track_lasting_more_than_a_week_is_refused() -> None:
    points = [
        Point(lat=50.0, time="2024-06-01T07:00:00Z"),
        Point(lat=50.001, time="2024-06-20T07:00:00Z"),
    ]

    with pytest.raises(ParseError, match="spans 19 days"):
        parse_gpx(gpx([points]))


def test_impossible_coordinates_and_values_become_missing() -> None:
    points = minute_points(3)
    points[1] = Point(lat=95.0, lon=0.0, time=points[1].time, hr=300, ele=float("nan"))

    [run] = parse_gpx(gpx([points]))

    assert run.samples is not None
    assert run.samples.latitude_deg is not None
    assert math.isnan(run.samples.latitude_deg[1])
    assert run.samples.heart_rate_bpm is not None
    assert math.isnan(run.samples.heart_rate_bpm[1])
    assert run.distance_m == 0.0  # no step can be measured through a missing position
    assert run.samples.altitude_m is None


def test_ascent_counts_climbs_and_ignores_small_wiggles() -> None:
    heights = [100.0, 101.0, 100.0, 110.0, 109.0, 104.0, 112.0]
    points = [
        Point(lat=p.lat, time=p.time, ele=h) for p, h in zip(minute_points(7), heights, strict=True)
    ]

    [run] = parse_gpx(gpx([points]))

    # 100 -> 110 (+10), back down to 104, then up to 112 (+8); the 1 m wiggles are noise.
    assert run.ascent_m == 18.0


def test_a_type_we_do_not_know_is_other_and_strava_code_9_is_a_run() -> None:
    [unknown] = parse_gpx(gpx([minute_points(2)], sport="kitesurfing"))
    [untyped] = parse_gpx(gpx([minute_points(2)], sport=None))
    [strava] = parse_gpx(gpx([minute_points(2)], sport="9"))
    [trail] = parse_gpx(gpx([minute_points(2)], sport="trail_running"))

    assert unknown.sport is Sport.OTHER
    assert untyped.sport is Sport.OTHER
    assert strava.sport is Sport.RUNNING
    assert (trail.sport, trail.sub_sport) == (Sport.RUNNING, SubSport.TRAIL)


def test_the_name_falls_back_to_the_metadata_name_and_waypoints_are_ignored() -> None:
    document = (
        b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1">'
        b"<metadata><name>From metadata</name></metadata>"
        b'<wpt lat="1" lon="1"><name>A waypoint</name></wpt>'
        b'<rte><rtept lat="1" lon="1"/></rte>'
        b"<trk><trkseg>"
        b'<trkpt lat="50.0" lon="0"><time>2024-06-01T07:00:00Z</time></trkpt>'
        b'<trkpt lat="50.001" lon="0"><time>2024-06-01T07:01:00Z</time></trkpt>'
        b"</trkseg></trk></gpx>"
    )

    [run] = parse_gpx(document)

    assert run.name == "From metadata"
    assert run.device == ""


def test_point_elements_we_do_not_use_are_passed_over() -> None:
    document = gpx([minute_points(2)]).replace(b"<time>", b"<sat>7</sat><time>", 1)

    [run] = parse_gpx(document)

    assert run.elapsed_s == 60.0


def test_a_planned_route_is_named_as_a_route_not_a_run() -> None:
    document = (
        b'<gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1"><rte>'
        b'<rtept lat="50" lon="0"/><rtept lat="50.01" lon="0"/></rte></gpx>'
    )

    with pytest.raises(ParseError, match="planned route, not a recorded run"):
        parse_gpx(document)
