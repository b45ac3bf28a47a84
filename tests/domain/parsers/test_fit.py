"""Reading FIT files: hand-made files from our encoder, and the shared corpus of real files."""

from __future__ import annotations

import io
import math
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fitdecode
import numpy as np
import pytest

from kneeclinic.domain.activity import ParseError, Sport, SubSport
from kneeclinic.domain.fitwrite import encode_run, fit_crc
from kneeclinic.domain.parsers import fit, fitwalk
from kneeclinic.domain.parsers.fit import parse_fit
from kneeclinic.domain.parsers.fitnames import device_name

START = datetime(2024, 5, 1, 7, 0, tzinfo=UTC)


def a_run(seconds: int = 600, speed: float = 3.0, **options: Any) -> bytes:
    """A steady run: ``speed`` m/s, 150 bpm, 171 steps/min, rolling hills, heading north."""
    t = np.arange(seconds, dtype=np.float64)
    distance = t * speed
    streams: dict[str, Any] = {
        "speed_mps": np.full(seconds, speed),
        "heart_rate_bpm": np.full(seconds, 150.0),
        "cadence_spm": np.full(seconds, 171.0),
        "altitude_m": 100 + 10 * np.sin(t / 100),
        "latitude_deg": 52.0 + distance / 111_000,
        "longitude_deg": np.full(seconds, 13.4),
    }
    streams.update(options.pop("streams", {}))
    return encode_run(options.pop("start", START), t, distance, **streams, **options)


def only[T](items: list[T]) -> T:
    assert len(items) == 1
    return items[0]


def fitdecode_messages(data: bytes, name: str) -> list[fitdecode.FitDataMessage]:
    with fitdecode.FitReader(io.BytesIO(data)) as reader:  # checks every CRC
        return [f for f in reader if isinstance(f, fitdecode.FitDataMessage) and f.name == name]


# --- our encoder, read back -------------------------------------------------------------


def test_a_run_reads_back_with_the_totals_the_watch_wrote() -> None:
    run = only(parse_fit(a_run(seconds=3600, utc_offset_s=7200)))
    assert run.sport is Sport.RUNNING and run.sub_sport is SubSport.GENERIC
    assert run.start == START
    assert run.elapsed_s == 3599.0 and run.moving_s == 3599.0
    assert run.distance_m == pytest.approx(3599 * 3.0)
    assert run.avg_heart_rate_bpm == 150 and run.max_heart_rate_bpm == 150
    assert run.avg_cadence_spm == pytest.approx(171.0)  # 85 strides + 64/128
    assert run.utc_offset_s == 7200
    assert run.device == "Garmin Forerunner 945"
    assert run.source_format == "fit"
    assert len(run.laps) == 11  # ten full kilometres and the rest
    assert run.laps[0].distance_m == pytest.approx(1000.0, abs=3.0)
    assert run.laps[0].avg_cadence_spm == pytest.approx(171.0)
    assert run.samples is not None and len(run.samples) == 3600
    assert run.samples.time_s[-1] == 3599.0
    assert run.samples.cadence_spm is not None and set(run.samples.cadence_spm) == {171.0}
    assert run.samples.latitude_deg is not None
    assert run.samples.latitude_deg[-1] == pytest.approx(52.0 + 3599 * 3.0 / 111_000, abs=1e-6)
    assert run.samples.altitude_m is not None
    assert run.samples.altitude_m[0] == pytest.approx(100.0, abs=0.2)


def test_fitdecode_reads_our_files_with_the_same_values_and_valid_crcs() -> None:
    data = a_run(seconds=300)
    records = fitdecode_messages(data, "record")
    ours = only(parse_fit(data))
    assert ours.samples is not None and len(records) == len(ours.samples) == 300
    last = records[-1]
    assert last.get_value("distance") == pytest.approx(ours.samples.distance_m[-1])  # type: ignore[index]
    assert last.get_value("timestamp") == START + timedelta(seconds=299)
    assert last.get_value("heart_rate") == 150
    assert last.get_value("cadence") == 85 and last.get_value("fractional_cadence") == 0.5
    assert last.get_value("position_lat") == round(ours.samples.latitude_deg[-1] * 2**31 / 180)  # type: ignore[index]
    session = only(fitdecode_messages(data, "session"))
    assert session.get_value("total_distance") == ours.distance_m
    assert session.get_value("total_elapsed_time") == ours.elapsed_s


def test_the_crc_is_the_fit_protocol_crc16() -> None:
    # CRC-16/ARC check value (the FIT CRC is the same polynomial, reflected, initial value 0)
    assert fit_crc(b"123456789") == 0xBB3D


def test_compressed_timestamp_headers_give_the_same_times() -> None:
    plain = only(parse_fit(a_run(seconds=200)))
    compressed_file = a_run(seconds=200, compressed_timestamps=True)
    compressed = only(parse_fit(compressed_file))
    assert plain.samples is not None and compressed.samples is not None
    assert np.array_equal(plain.samples.time_s, compressed.samples.time_s)
    records = fitdecode_messages(compressed_file, "record")
    assert records[-1].get_value("timestamp") == START + timedelta(seconds=199)


def test_compressed_timestamps_need_records_less_than_32_seconds_apart() -> None:
    with pytest.raises(ValueError, match="32 s"):
        encode_run(START, [0.0, 40.0], [0.0, 100.0], compressed_timestamps=True)


def test_developer_fields_are_skipped_without_disturbing_the_record_fields() -> None:
    data = a_run(seconds=120, developer_field=True)
    run = only(parse_fit(data))
    assert run.samples is not None and run.samples.heart_rate_bpm is not None
    assert set(run.samples.heart_rate_bpm) == {150.0}
    record = fitdecode_messages(data, "record")[0]
    assert record.get_value("Power") == 200


def test_a_treadmill_run_without_gps_imports() -> None:
    streams = {"latitude_deg": None, "longitude_deg": None, "altitude_m": None}
    run = only(parse_fit(a_run(sub_sport=SubSport.TREADMILL, streams=streams)))
    assert run.sub_sport is SubSport.TREADMILL and run.is_indoor
    assert run.samples is not None and not run.samples.has_positions
    assert run.samples.altitude_m is None
    assert run.distance_m == pytest.approx(599 * 3.0)


def test_totals_are_computed_from_the_records_when_the_file_has_no_session() -> None:
    t = np.array([0, 1, 2, 3, 4, 30, 31, 32], dtype=np.float64)  # a 26 s pause
    distance = np.array([0, 3, 6, 9, 12, 12, 15, 18], dtype=np.float64)
    data = encode_run(
        START,
        t,
        distance,
        speed_mps=[3, 3, 3, 3, 3, 0, 3, 3],
        heart_rate_bpm=[140, 150, 160, np.nan, 150, 150, 150, 150],
        cadence_spm=[0, 170, 170, 170, 170, 0, 170, 170],
        altitude_m=[100, 103, 102, 101, 105, 105, 104, 106],
        session=False,
    )
    run = only(parse_fit(data))
    assert run.sport is Sport.OTHER  # nothing in the file says what it was
    assert run.elapsed_s == 32.0
    assert run.moving_s == 6.0  # the pause and the standing record do not count
    assert run.distance_m == 18.0
    assert run.avg_heart_rate_bpm == pytest.approx(150.0)
    assert run.max_heart_rate_bpm == 160.0
    assert run.avg_cadence_spm is None  # cadence means steps only when we know it was on foot
    assert run.ascent_m == 3.0 + 4.0 + 2.0  # 100->103, 101->105, 104->106: rises of 2 m or more
    assert run.laps == ()


def test_a_file_of_one_record_without_a_session_is_no_activity() -> None:
    with pytest.raises(ParseError, match="holds no activity"):
        parse_fit(encode_run(START, [0.0], [0.0], session=False))


def test_a_walk_keeps_steps_per_minute_and_a_ride_keeps_no_cadence() -> None:
    walk = only(
        parse_fit(
            a_run(speed=1.4, sport=Sport.WALKING, streams={"cadence_spm": np.full(600, 112.0)})
        )
    )
    assert walk.sport is Sport.WALKING and walk.avg_cadence_spm == pytest.approx(112.0)
    ride = only(parse_fit(a_run(speed=8.0, sport=Sport.CYCLING, sub_sport=SubSport.ROAD)))
    assert ride.sport is Sport.CYCLING and ride.sub_sport is SubSport.ROAD
    assert ride.avg_cadence_spm is None and ride.laps[0].avg_cadence_spm is None
    assert ride.samples is not None and ride.samples.cadence_spm is None


def test_a_treadmill_on_fitness_equipment_counts_as_running_and_unknown_codes_as_other() -> None:
    treadmill = only(parse_fit(a_run(sport=4, sub_sport=SubSport.TREADMILL)))
    assert treadmill.sport is Sport.RUNNING
    rowing = only(parse_fit(a_run(sport=15, sub_sport=SubSport.OTHER)))
    assert rowing.sport is Sport.OTHER and rowing.sub_sport is SubSport.OTHER


def test_chained_files_give_one_activity_per_session_and_skip_transitions() -> None:
    swim_end = START + timedelta(seconds=600)
    data = (
        a_run(sport=Sport.SWIMMING, speed=1.0)
        + a_run(start=swim_end, seconds=60, sport=3, speed=1.0)
        + a_run(start=swim_end + timedelta(seconds=60), seconds=900)
    )
    swim, run = parse_fit(data)
    assert (swim.sport, run.sport) == (Sport.SWIMMING, Sport.RUNNING)
    assert swim.samples is not None and run.samples is not None
    assert len(swim.samples) == 600 and len(run.samples) == 900  # records split by session times
    assert run.samples.time_s[0] == 0.0
    assert run.distance_m == pytest.approx(899 * 3.0)
    assert len(run.laps) == 3


def test_a_damaged_second_file_in_a_chain_keeps_the_first() -> None:
    first = a_run(seconds=100)
    run = only(parse_fit(first + a_run(seconds=100)[:500]))
    assert run.elapsed_s == 99.0
    assert only(parse_fit(first + b"\x00\x00\x00")).elapsed_s == 99.0  # trailing padding


def test_a_truncated_file_is_named_as_truncated() -> None:
    data = a_run(seconds=100)
    with pytest.raises(ParseError, match="ends part-way through a record: it may be truncated"):
        parse_fit(data[: len(data) // 2])


def test_a_truncated_definition_is_named_as_truncated() -> None:
    data = a_run(seconds=10)
    header = data[:14]
    bodies = (
        b"\x40\x00\x00",
        b"\x40\x00\x00\x14\x00\x05\x00",
        b"\x60\x00\x00\x14\x00\x00",
        b"\x60\x00\x00\x14\x00\x00\x02\x00",
    )
    for body in bodies:
        patched = bytearray(header + body + b"\x00\x00")
        patched[4:8] = len(body).to_bytes(4, "little")
        with pytest.raises(ParseError, match="truncated"):
            parse_fit(bytes(patched))


def test_a_file_with_a_wrong_crc_but_whole_messages_still_imports() -> None:
    data = bytearray(a_run(seconds=60))
    data[-1] ^= 0xFF
    assert only(parse_fit(bytes(data))).elapsed_s == 59.0


def test_empty_and_foreign_files_are_refused_with_a_reason() -> None:
    with pytest.raises(ParseError, match="empty"):
        parse_fit(b"")
    with pytest.raises(ParseError, match="not a FIT file"):
        parse_fit(b"\x89PNG\r\n\x1a\n" + bytes(100))
    damaged = bytearray(a_run(seconds=10))
    damaged[0] = 5
    with pytest.raises(ParseError, match="header is damaged"):
        parse_fit(bytes(damaged))


def test_a_message_with_an_undefined_layout_is_named_as_damage() -> None:
    data = bytearray(a_run(seconds=10))
    data[14] = 0x0F  # the first message header now names a local type never defined
    with pytest.raises(ParseError, match="never defined"):
        parse_fit(bytes(data))
    data[14] = 0xE0  # a compressed timestamp header for an undefined local type
    with pytest.raises(ParseError, match="never defined"):
        parse_fit(bytes(data))


def test_a_settings_file_holds_no_activity() -> None:
    data = bytearray(a_run(seconds=10, session=False))
    data[14 + 6 + 15 + 1] = 2  # file_id.type: settings instead of activity
    with pytest.raises(ParseError, match="holds no activity"):
        parse_fit(bytes(data))


def test_relative_timestamps_are_dated_from_the_activity_local_time() -> None:
    run = only(parse_fit(a_run(relative_time=True, utc_offset_s=3600)))
    assert run.start == START + timedelta(hours=1)  # the device's local wall clock
    assert run.elapsed_s == 599.0
    assert run.utc_offset_s is None  # the offset is unknown for such files


def test_relative_timestamps_are_dated_by_a_timestamp_correlation() -> None:
    run = only(parse_fit(a_run(relative_time=True, time_correlation=True, utc_offset_s=3600)))
    assert run.start == START
    assert run.samples is not None and run.samples.time_s[-1] == 599.0


def test_relative_timestamps_without_any_date_are_refused() -> None:
    with pytest.raises(ParseError, match="no date"):
        parse_fit(a_run(relative_time=True, session=False))


def test_foot_pod_compressed_speed_and_distance_are_expanded() -> None:
    run = only(parse_fit(a_run(seconds=300, compressed_speed_distance=True)))
    assert run.samples is not None and run.samples.distance_m is not None
    assert run.samples.distance_m[-1] == pytest.approx(299 * 3.0, abs=0.1)  # rolls over at 256 m
    assert run.samples.speed_mps is not None and run.samples.speed_mps[5] == 3.0


def test_records_out_of_time_order_are_sorted() -> None:
    t = np.array([0, 1, 3, 2, 4], dtype=np.float64)
    run = only(parse_fit(encode_run(START, t, t * 3)))
    assert run.samples is not None
    assert list(run.samples.time_s) == [0, 1, 2, 3, 4]
    assert run.samples.distance_m is not None and list(run.samples.distance_m) == [0, 3, 6, 9, 12]


def test_a_session_without_records_keeps_its_totals() -> None:
    data = bytearray(a_run(seconds=5))
    run = only(parse_fit(bytes(data)))
    assert run.samples is not None
    # drop every record by turning the records' definition into one for an unknown message
    walked = fitwalk.walk(bytes(data))
    record_offsets = walked.definitions(fit.RECORD)[0].offsets
    definition_at = record_offsets[0] - 1 - (6 + 3 * 9)  # timestamp and eight fields
    assert data[definition_at] == 0x41
    data[definition_at + 3] = 0xFF
    bare = only(parse_fit(bytes(data)))
    assert bare.samples is None and bare.elapsed_s == 4.0 and bare.distance_m == 12.0


def test_when_the_walker_gives_up_fitdecode_reads_the_same_activity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = a_run(seconds=300, compressed_speed_distance=True)
    fast = only(parse_fit(data))

    def refuse(_: bytes) -> fitwalk.FitFile:
        raise fitwalk.FitStructureError(
            "this file ends part-way through a record: it may be truncated"
        )

    monkeypatch.setattr(fitwalk, "walk", refuse)
    slow = only(parse_fit(data))
    assert (slow.start, slow.elapsed_s, slow.distance_m) == (
        fast.start,
        fast.elapsed_s,
        fast.distance_m,
    )
    assert slow.avg_cadence_spm == fast.avg_cadence_spm and slow.laps == fast.laps
    assert slow.samples is not None and fast.samples is not None
    for name, stream in fast.samples.streams().items():
        assert np.allclose(stream, slow.samples.streams()[name], equal_nan=True), name
    with pytest.raises(ParseError, match="truncated"):
        parse_fit(data[:300])  # fitdecode fails too: the walker's reason is kept


def test_the_fallback_keeps_the_walkers_reason_when_it_finds_nothing_either(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain = a_run(seconds=20)
    records_only = encode_run(START, [0.0], [0.0], session=False)

    def refuse(_: bytes) -> fitwalk.FitFile:
        raise fitwalk.FitStructureError("this file is damaged: it says so")

    monkeypatch.setattr(fitwalk, "walk", refuse)
    assert only(parse_fit(plain)).elapsed_s == 19.0  # fitdecode reads it
    with pytest.raises(ParseError, match="damaged: it says so"):
        parse_fit(records_only)


def test_an_unforeseen_error_while_building_becomes_a_parse_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(_: object) -> object:
        raise ZeroDivisionError

    monkeypatch.setattr(fit, "_clock", explode)
    with pytest.raises(ParseError, match="could not be read"):
        parse_fit(a_run(seconds=10))
    monkeypatch.setattr(fit, "_clock", lambda _: (_ for _ in ()).throw(ParseError("kept")))
    with pytest.raises(ParseError, match="kept"):
        parse_fit(a_run(seconds=10))


def test_an_interrupt_inside_the_fallback_is_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    from kneeclinic.domain.parsers import fitslow

    def refuse(_: bytes) -> fitwalk.FitFile:
        raise fitwalk.FitStructureError("no")

    def interrupt(*_: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(fitwalk, "walk", refuse)
    monkeypatch.setattr(fitslow, "read_tables", interrupt)
    with pytest.raises(KeyboardInterrupt):
        parse_fit(a_run(seconds=10))


def test_device_names_read_like_the_box_they_came_in() -> None:
    assert device_name(1, 3113) == "Garmin Forerunner 945"
    assert device_name(1, 2697) == "Garmin fenix 5"
    assert device_name(1, 99999) == "Garmin (product 99999)"
    assert device_name(294, None) == "Coros"
    assert device_name(None, 1) == ""
    assert device_name(4242, 7) == "Manufacturer 4242 (product 7)"
    assert device_name(97, None) == "MiPulse"
    assert device_name(1, 1936) == "Garmin approach s6"
    assert device_name(1, 1) == "Garmin hrm1"


def test_the_encoder_refuses_naive_times_and_empty_runs() -> None:
    with pytest.raises(ValueError, match="timezone"):
        encode_run(datetime(2024, 1, 1), [0.0], [0.0])  # noqa: DTZ001
    with pytest.raises(ValueError, match="at least one"):
        encode_run(START, [], [])


def test_missing_values_are_written_as_fit_invalid_values_and_read_as_nan() -> None:
    run = only(
        parse_fit(
            encode_run(
                START,
                [0, 1, 2],
                [0, 3, 6],
                heart_rate_bpm=[np.nan, np.nan, np.nan],
                cadence_spm=[np.nan, 170, np.nan],
            )
        )
    )
    assert run.samples is not None and run.samples.heart_rate_bpm is None  # never recorded
    assert run.avg_heart_rate_bpm is None
    assert run.samples.cadence_spm is not None and math.isnan(run.samples.cadence_spm[0])


def test_a_file_whose_header_promises_more_than_its_messages_is_truncated() -> None:
    data = bytearray(a_run(seconds=10)[:-2])  # whole messages, no CRC
    data[4:8] = (int.from_bytes(data[4:8], "little") + 2).to_bytes(4, "little")
    with pytest.raises(ParseError, match="truncated"):
        parse_fit(bytes(data))


def test_a_chain_of_a_foot_pod_file_and_a_gps_file_reads_both_distances() -> None:
    later = START + timedelta(hours=2)
    pod, gps = parse_fit(
        a_run(seconds=100, compressed_speed_distance=True) + a_run(seconds=100, start=later)
    )
    assert pod.samples is not None and gps.samples is not None
    assert pod.samples.distance_m is not None and pod.samples.distance_m[-1] == pytest.approx(297.0)
    assert gps.samples.distance_m is not None and gps.samples.distance_m[-1] == pytest.approx(297.0)


def test_fields_of_an_unexpected_type_or_size_read_as_missing() -> None:
    data = bytes([0x00, 0x01, 0x02, 0x03, 0x04])
    fit_file = fitwalk.FitFile(np.frombuffer(data, dtype=np.uint8), {})
    text = fitwalk.Definition(20, False, {3: (0, 2, 7)}, 2, offsets=[1])  # heart rate as a string
    short = fitwalk.Definition(20, False, {5: (0, 2, 6)}, 2, offsets=[1])  # uint32 in 2 bytes
    assert math.isnan(fitwalk.column(fit_file, [text], 3)[0])
    assert math.isnan(fitwalk.column(fit_file, [short], 5)[0])
    assert fitwalk.offsets_of([]).shape == (0,)


def test_all_invalid_foot_pod_values_give_no_distance() -> None:
    distance, speed = fit._expand_compressed(np.full((3, 3), 0xFF, dtype=np.uint8))
    assert np.all(np.isnan(distance)) and np.all(np.isnan(speed))


def tables(messages: dict[int, list[dict[int, Any]]]) -> fit.Tables:
    """Message tables as the readers produce them, for edge cases no encoder writes."""
    out: fit.Tables = {}
    for number in fit.WANTED:
        rows = messages.get(number, [])
        table = fit._Table(len(rows))
        for field_number in {k for row in rows for k in row}:
            table.columns[field_number] = np.array([row.get(field_number, np.nan) for row in rows])
        out[number] = table
    return out


T0 = 1_000_000_000  # a FIT timestamp (2021-09-08)


def test_a_session_without_start_time_starts_at_its_first_record_or_is_dropped() -> None:
    records = [{253: T0 + i, 5: i * 300.0} for i in range(5)]
    sessions: list[dict[int, float]] = [
        {5: 1, 7: 4000.0, 59: 3000.0, 253: T0 + 4},
        {5: 1, 253: T0 - 100},  # no start time and no records before its end: nothing to show
    ]
    first = only(fit._activities(tables({fit.RECORD: records, fit.SESSION: sessions})))
    assert first.start.timestamp() == T0 + fitwalk.FIT_EPOCH_UNIX_S
    assert first.moving_s == 3.0  # total_moving_time is preferred to timer time
    assert first.sub_sport is SubSport.GENERIC


def test_an_impossible_session_duration_is_replaced_by_the_records() -> None:
    records = [{253: T0 + i} for i in range(5)]
    sessions = [{2: T0, 5: 1, 6: 0, 7: 30 * 86400 * 1000.0}]
    run = only(fit._activities(tables({fit.RECORD: records, fit.SESSION: sessions})))
    assert run.elapsed_s == 4.0


def test_multisport_windows_cope_with_missing_session_fields() -> None:
    records = [{253: T0 + i, 5: i * 100.0} for i in range(10)]
    sessions: list[dict[int, float]] = [
        {2: T0, 5: 1, 253: T0 + 4},  # no elapsed time: ends at its timestamp
        {2: T0 + 5, 5: 2, 7: 4000.0},  # no timestamp: ends after its elapsed time
    ]
    run, ride = fit._activities(tables({fit.RECORD: records, fit.SESSION: sessions}))
    assert run.samples is not None and len(run.samples) == 5
    assert ride.samples is not None and len(ride.samples) == 5


def test_laps_without_start_or_duration_and_absurd_time_zones_are_ignored() -> None:
    records = [{253: T0 + i} for i in range(5)]
    laps: list[dict[int, float]] = [{2: T0, 253: T0 + 4}, {7: 4000.0}, {2: T0, 7: 4000.0}]
    activity_rows = [{253: T0 + 4, 5: T0 + 4 + 20 * 3600}]
    run = only(
        fit._activities(
            tables(
                {
                    fit.RECORD: records,
                    fit.SESSION: [{2: T0, 5: 1}],
                    fit.LAP: laps,
                    fit.ACTIVITY: activity_rows,
                }
            )
        )
    )
    assert len(run.laps) == 1
    assert run.utc_offset_s is None


def test_a_time_correlation_with_a_relative_timestamp_is_no_date() -> None:
    clock = fit._clock(tables({fit.TIME_CORRELATION: [{253: 50.0, 1: 10.0}]}))
    assert clock.relative_base_s is None


def test_a_cadence_of_zero_throughout_writes_no_average() -> None:
    run = only(parse_fit(a_run(seconds=30, streams={"cadence_spm": np.zeros(30)})))
    assert run.avg_cadence_spm is None


# --- the shared corpus of real files ------------------------------------------------------

CORPUS = Path(
    os.environ.get(
        "KNEECLINIC_CORPUS",
        Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "activities",
    )
)
KNOWN_UNREADABLE = {
    "fitparse__strava-android-app-201.10.fit": "never defined",  # undefined local message
    "gpsbabel__lezyne_super_gps-bad-endian.fit": "truncated",  # definition sizes do not add up
}


def corpus_files(folder: str) -> list[Path]:
    base = CORPUS / "fit" / folder
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_file() and p.suffix.lower() == ".fit")


def device_sessions(data: bytes) -> list[tuple[float, float]]:
    """(distance_m, elapsed_s) of each non-transition session, read by an independent decoder."""
    import fitfast

    try:
        table = fitfast.records(data, "session")
        sports = table.get("sport", np.full(len(table["total_elapsed_time"]), np.nan))
        return [
            (float(d), float(e))
            for d, e, s in zip(
                table.get("total_distance", np.full(len(sports), np.nan)),
                table["total_elapsed_time"],
                sports,
                strict=True,
            )
            if s != fit.SPORT_TRANSITION
        ]
    except BaseException:  # fitfast panics on some files; fitdecode is slower but complete
        sessions = fitdecode_messages(data, "session")
        return [
            (s.get_value("total_distance") or math.nan, s.get_value("total_elapsed_time"))
            for s in sessions
            if s.get_value("sport") != "transition"
        ]


@pytest.mark.corpus
@pytest.mark.parametrize("path", corpus_files(""), ids=lambda p: p.name)
def test_every_valid_corpus_file_matches_the_device_session_totals(path: Path) -> None:
    data = path.read_bytes()
    if path.name in KNOWN_UNREADABLE:
        with pytest.raises(ParseError, match=KNOWN_UNREADABLE[path.name]):
            parse_fit(data)
        return
    activities = parse_fit(data)
    expected = device_sessions(data)
    assert len(activities) == len(expected) or not expected
    for activity, (distance, elapsed) in zip(activities, expected, strict=False):
        if not math.isnan(distance):
            assert activity.distance_m == pytest.approx(distance, rel=0.005)
        assert activity.elapsed_s == pytest.approx(elapsed, rel=0.005)
        assert activity.start.tzinfo is not None and activity.start.year >= 2000


@pytest.mark.corpus
@pytest.mark.parametrize("path", corpus_files("corrupt"), ids=lambda p: p.name)
def test_every_corrupt_corpus_file_gives_activities_or_a_reason(path: Path) -> None:
    try:
        activities = parse_fit(path.read_bytes())
    except ParseError as error:
        assert str(error)
    else:
        assert activities and all(a.elapsed_s >= 0 for a in activities)


def test_the_corpus_is_present_or_its_absence_is_reported() -> None:
    if not corpus_files(""):
        pytest.skip(f"the shared activity corpus is not at {CORPUS}; set KNEECLINIC_CORPUS")
    assert len(corpus_files("")) > 40


def test_a_definition_that_no_message_uses_is_ignored() -> None:
    """Devices define layouts they never use (a sensor that was not connected, say)."""
    import struct

    from kneeclinic.domain.fitwrite import fit_crc

    whole = a_run(seconds=60)
    header, body = whole[:14], whole[14:-2]
    # A definition for local type 15, global message 20 (record), one uint8 field: never used.
    unused = bytes([0x40 | 15, 0, 0]) + struct.pack("<H", 20) + bytes([1, 3, 1, 2])
    body = unused + body
    header = struct.pack(
        "<BBHI4s", 14, header[1], struct.unpack("<H", header[2:4])[0], len(body), b".FIT"
    )
    header += struct.pack("<H", fit_crc(header))
    data = header + body + struct.pack("<H", fit_crc(body, fit_crc(header)))
    assert only(parse_fit(data)).elapsed_s == only(parse_fit(whole)).elapsed_s
