"""TCX activities take their distance and moving time from the laps' totals."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from kneeclinic.domain.activity import ParseError, Sport, SubSport
from kneeclinic.domain.parsers.tcx import parse_tcx
from tests.domain.parsers.parser_builders import (
    METRES_PER_MILLIDEGREE,
    TcxLap,
    Trackpoint,
    tcx,
    tcx_activity,
)


def _t(minute: int, second: int = 0) -> str:
    return f"2024-06-01T07:{minute:02d}:{second:02d}Z"


def _two_lap_run() -> bytes:
    first = TcxLap(
        start=_t(0),
        total_time_s=300.0,
        distance_m=1000.0,
        avg_hr=140,
        max_hr=150,
        avg_run_cadence=85,
        points=[
            Trackpoint(_t(0), 0.0, 50.0, 0.0, hr=130, run_cadence=84, speed=3.2, ele=100.0),
            Trackpoint(_t(5), 1000.0, 50.009, 0.0, hr=150, run_cadence=86, speed=3.4, ele=104.0),
        ],
    )
    second = TcxLap(
        start=_t(6),
        total_time_s=300.0,
        distance_m=1005.5,
        avg_hr=160,
        max_hr=171,
        avg_run_cadence=88,
        points=[
            Trackpoint(_t(6), 1000.0, 50.009, 0.0, hr=155, run_cadence=88, speed=3.3),
            Trackpoint(_t(11), 2000.0, 50.018, 0.0, hr=165, run_cadence=88, speed=3.3),
        ],
    )
    return tcx(tcx_activity([first, second], notes="Tempo\nfelt good"))


def test_it_takes_distance_and_moving_time_from_the_laps_totals() -> None:
    [run] = parse_tcx(_two_lap_run())

    assert run.sport is Sport.RUNNING
    assert run.sub_sport is SubSport.GENERIC
    assert run.start == datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
    assert run.distance_m == 2005.5
    assert run.moving_s == 600.0
    assert run.elapsed_s == 660.0  # 07:00 to 07:11, a one-minute pause between the laps
    assert run.device == "Forerunner 945"
    assert run.name == "Tempo"
    assert run.source_format == "tcx"


def test_heart_rate_comes_from_the_laps_weighted_by_time() -> None:
    [run] = parse_tcx(_two_lap_run())

    assert run.avg_heart_rate_bpm == 150.0
    assert run.max_heart_rate_bpm == 171.0


def test_it_reads_the_activity_extension_speed_and_run_cadence_in_steps() -> None:
    [run] = parse_tcx(_two_lap_run())

    assert run.samples is not None
    assert run.samples.speed_mps is not None
    assert run.samples.speed_mps.tolist() == [3.2, 3.4, 3.3, 3.3]
    assert run.samples.cadence_spm is not None
    assert run.samples.cadence_spm.tolist() == [168.0, 172.0, 176.0, 176.0]
    assert run.avg_cadence_spm == 173.0
    assert run.samples.time_s.tolist() == [0.0, 300.0, 360.0, 660.0]
    assert run.samples.altitude_m is not None
    assert run.ascent_m == 4.0


def test_each_lap_is_kept_with_its_own_totals() -> None:
    [run] = parse_tcx(_two_lap_run())

    assert [lap.distance_m for lap in run.laps] == [1000.0, 1005.5]
    assert [lap.elapsed_s for lap in run.laps] == [300.0, 300.0]
    assert [lap.avg_cadence_spm for lap in run.laps] == [170.0, 176.0]
    assert run.laps[1].start == datetime(2024, 6, 1, 7, 6, tzinfo=UTC)
    assert run.laps[0].avg_heart_rate_bpm == 140.0


def test_a_treadmill_run_without_positions_is_accepted_as_a_treadmill_run() -> None:
    lap = TcxLap(
        start=_t(0),
        total_time_s=120.0,
        distance_m=400.0,
        points=[Trackpoint(_t(0), 0.0), Trackpoint(_t(1), 200.0), Trackpoint(_t(2), 400.0)],
    )

    [run] = parse_tcx(tcx(tcx_activity([lap])))

    assert run.sub_sport is SubSport.TREADMILL
    assert run.is_indoor
    assert run.distance_m == 400.0
    assert run.samples is not None
    assert not run.samples.has_positions
    assert run.samples.speed_mps is not None
    assert run.samples.speed_mps.tolist() == pytest.approx([200 / 60, 200 / 60, 200 / 60])


def test_several_activities_in_one_file_give_several_activities() -> None:
    run = tcx_activity([TcxLap(_t(0), 60.0, 200.0)], sport="Running")
    ride = tcx_activity([TcxLap(_t(30), 600.0, 5000.0)], sport="Biking", device=None)

    activities = parse_tcx(tcx(run, ride))

    assert [a.sport for a in activities] == [Sport.RUNNING, Sport.CYCLING]
    assert [a.distance_m for a in activities] == [200.0, 5000.0]
    assert activities[1].device == ""
    assert activities[0].samples is None


def test_a_multisport_session_gives_each_of_its_activities() -> None:
    run = tcx_activity([TcxLap(_t(0), 60.0, 200.0)])

    [activity] = parse_tcx(tcx(run, multisport=True))

    assert activity.distance_m == 200.0


def test_without_trackpoint_distances_the_distance_comes_from_positions() -> None:
    lap = TcxLap(
        start=_t(0),
        total_time_s=120.0,
        distance_m=None,
        points=[
            Trackpoint(_t(0), lat=50.0, lon=0.0),
            Trackpoint(_t(1), lat=50.001, lon=0.0),
            Trackpoint(_t(2), lat=50.002, lon=0.0),
        ],
    )

    [run] = parse_tcx(tcx(tcx_activity([lap])))

    assert run.distance_m == pytest.approx(2 * METRES_PER_MILLIDEGREE, rel=1e-6)
    assert run.sub_sport is SubSport.GENERIC


def test_an_activity_without_laps_or_points_is_no_activity() -> None:
    with pytest.raises(ParseError, match="no activity"):
        parse_tcx(tcx(tcx_activity([])))


def test_an_empty_training_center_file_holds_no_activity() -> None:
    with pytest.raises(ParseError, match="no activity"):
        parse_tcx(tcx())


def test_laps_without_start_times_start_at_the_first_trackpoint() -> None:
    lap = TcxLap(
        start=None,
        total_time_s=None,
        distance_m=None,
        points=[Trackpoint(_t(1), 0.0), Trackpoint(None, 50.0), Trackpoint(_t(2), 100.0)],
    )

    [run] = parse_tcx(tcx(tcx_activity([lap], sport="Other")))

    assert run.start == datetime(2024, 6, 1, 7, 1, tzinfo=UTC)
    assert run.elapsed_s == 60.0
    assert run.moving_s is None
    assert run.distance_m == 100.0  # the last trackpoint's distance, lacking lap totals
    assert run.laps == ()
    assert run.sport is Sport.OTHER


def test_a_lap_without_any_time_falls_back_to_the_activity_id() -> None:
    lap = TcxLap(start=None, total_time_s=1800.0, distance_m=5000.0)

    [run] = parse_tcx(tcx(tcx_activity([lap], activity_id="2024-06-01T06:00:00Z")))

    assert run.start == datetime(2024, 6, 1, 6, 0, tzinfo=UTC)
    with pytest.raises(ParseError, match="do not move forward"):
        # Without any time but the id there is no duration to read.
        parse_tcx(tcx(tcx_activity([TcxLap(None, None, 5000.0)])))


def test_a_lap_without_any_time_or_id_is_no_activity() -> None:
    document = tcx(tcx_activity([TcxLap(None, 60.0, 100.0)], activity_id=""))

    with pytest.raises(ParseError, match="no activity"):
        parse_tcx(document)


def test_a_bike_cadence_in_the_trackpoint_stays_in_revolutions() -> None:
    lap = TcxLap(
        start=_t(0),
        total_time_s=60.0,
        distance_m=500.0,
        cadence=90,
        points=[Trackpoint(_t(0), 0.0, cadence=90), Trackpoint(_t(1), 500.0, cadence=92)],
    )

    [ride] = parse_tcx(tcx(tcx_activity([lap], sport="Biking")))

    assert ride.avg_cadence_spm == 91.0
    assert ride.laps[0].avg_cadence_spm == 90.0


def test_heart_rate_falls_back_to_the_trackpoints_when_laps_have_none() -> None:
    lap = TcxLap(
        start=_t(0),
        total_time_s=60.0,
        distance_m=500.0,
        points=[Trackpoint(_t(0), 0.0, hr=120), Trackpoint(_t(1), 500.0, hr=130)],
    )

    [run] = parse_tcx(tcx(tcx_activity([lap])))

    assert run.avg_heart_rate_bpm == 125.0
    assert run.max_heart_rate_bpm == 130.0


def test_bad_values_inside_trackpoints_become_missing() -> None:
    lap = TcxLap(
        start=_t(0),
        total_time_s=60.0,
        distance_m=500.0,
        points=[
            Trackpoint(_t(0), -5.0, lat=91.0, lon=0.0, hr=0, run_cadence=400, speed=-1.0),
            Trackpoint(_t(1), 500.0, lat=50.0, lon=0.0, hr=120),
        ],
    )

    [run] = parse_tcx(tcx(tcx_activity([lap])))

    assert run.samples is not None
    assert run.samples.distance_m is not None
    assert run.samples.distance_m.tolist() == [0.0, 500.0]
    assert run.samples.latitude_deg is not None
    assert math.isnan(run.samples.latitude_deg[0])
    assert run.samples.cadence_spm is None
    assert run.samples.heart_rate_bpm is not None
    assert math.isnan(run.samples.heart_rate_bpm[0])


def test_a_heart_rate_element_without_a_value_is_missing() -> None:
    document = tcx(
        '<Activity Sport="Running"><Id>2024-06-01T07:00:00Z</Id>'
        f'<Lap StartTime="{_t(0)}"><TotalTimeSeconds>60</TotalTimeSeconds>'
        "<AverageHeartRateBpm></AverageHeartRateBpm>"
        f"<Track><Trackpoint><Time>{_t(0)}</Time><HeartRateBpm/></Trackpoint>"
        f"<Trackpoint><Time>{_t(1)}</Time></Trackpoint></Track></Lap></Activity>"
    )

    [run] = parse_tcx(document)

    assert run.avg_heart_rate_bpm is None
    assert run.samples is not None
    assert run.samples.heart_rate_bpm is None
    assert run.samples.distance_m is None
    assert run.samples.speed_mps is None


def test_elements_we_do_not_use_are_passed_over_and_power_is_kept() -> None:
    document = tcx(
        '<Activity Sport="Running"><Id>2024-06-01T07:00:00Z</Id>'
        f'<Lap StartTime="{_t(0)}"><TotalTimeSeconds>60</TotalTimeSeconds><Track>'
        f"<Trackpoint><Time>{_t(0)}</Time><SensorState>Present</SensorState>"
        "<Position><LatitudeDegrees>50</LatitudeDegrees><Fix>3d</Fix>"
        "<LongitudeDegrees>0</LongitudeDegrees></Position>"
        "<HeartRateBpm><Note>chest</Note><Value>120</Value></HeartRateBpm>"
        "<Extensions><ns3:TPX><ns3:Other>1</ns3:Other><ns3:Watts>250</ns3:Watts></ns3:TPX>"
        "</Extensions></Trackpoint>"
        f"<Trackpoint><Time>{_t(1)}</Time></Trackpoint>"
        "</Track></Lap></Activity>"
    )

    [run] = parse_tcx(document)

    assert run.samples is not None
    assert run.samples.power_w is not None
    assert run.samples.power_w[0] == 250.0
    assert run.samples.heart_rate_bpm is not None
    assert run.samples.heart_rate_bpm[0] == 120.0
    assert run.samples.latitude_deg is not None
    assert run.samples.latitude_deg[0] == 50.0


def test_a_local_time_offset_in_the_trackpoints_is_kept() -> None:
    lap = TcxLap(
        start="2024-06-01T09:00:00+02:00",
        total_time_s=60.0,
        distance_m=200.0,
        points=[
            Trackpoint("2024-06-01T09:00:00+02:00", 0.0),
            Trackpoint("2024-06-01T09:01:00+02:00", 200.0),
        ],
    )

    [run] = parse_tcx(tcx(tcx_activity([lap])))

    assert run.utc_offset_s == 7200
    assert run.start == datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
