"""FIT activity files: one Activity per real session (each leg of a multisport file).

The fast path is our own header walker (:mod:`fitwalk`), measured at several times the speed of
the fastest installable decoder; files it cannot walk go to fitdecode, a complete pure-Python
decoder, and any failure of either becomes a :class:`ParseError` a runner can read. The device's
own session totals are preferred; totals are computed from the records only where it wrote none.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import numpy as np

from kneeclinic.domain.activity import (
    Activity,
    FloatArray,
    Lap,
    ParseError,
    Samples,
    Sport,
    SubSport,
)
from kneeclinic.domain.parsers import fitwalk
from kneeclinic.domain.parsers.fitnames import device_name

FILE_ID, SPORT, SESSION, LAP, RECORD, ACTIVITY, TIME_CORRELATION = 0, 12, 18, 19, 20, 34, 162
TIMESTAMP = fitwalk.TIMESTAMP_FIELD
COMPRESSED_SPEED_DISTANCE = 8

# The fields we read, per message. Raw values; scales are applied where they are used.
WANTED: dict[int, tuple[int, ...]] = {
    FILE_ID: (0, 1, 2, 4),
    SPORT: (0, 1),
    SESSION: (TIMESTAMP, 2, 5, 6, 7, 8, 9, 16, 17, 18, 22, 59, 92),
    LAP: (TIMESTAMP, 2, 7, 8, 9, 15, 17, 52, 80),
    RECORD: (TIMESTAMP, 0, 1, 2, 3, 4, 5, 6, 7, 39, 41, 53, 73, 78, 85),
    ACTIVITY: (TIMESTAMP, 5),
    TIME_CORRELATION: (TIMESTAMP, 1),
}

FILE_TYPE_ACTIVITY = 4
SPORT_TRANSITION = 3
MAX_UTC_OFFSET_S = 14 * 3600
SEMICIRCLE_DEG = 180.0 / 2**31
MAX_ELAPSED_S = 7 * 24 * 3600
"""A session longer than a week is a clock fault, not an activity: we then use the records."""
ASCENT_HYSTERESIS_M = 2.0
"""Altitude has to rise by this much before it counts as climbing (filters barometer noise)."""
MOVING_SPEED_MPS = 0.5
MAX_GAP_S = 10.0
"""Time between records longer than this is a pause, not movement (for computed moving time)."""

SPORTS = {
    1: Sport.RUNNING,
    11: Sport.WALKING,
    17: Sport.HIKING,
    16: Sport.HIKING,
    2: Sport.CYCLING,
    21: Sport.CYCLING,
    5: Sport.SWIMMING,
}
SUB_SPORTS = {
    0: SubSport.GENERIC,
    1: SubSport.TREADMILL,
    2: SubSport.ROAD,
    3: SubSport.TRAIL,
    4: SubSport.TRACK,
    7: SubSport.ROAD,
    6: SubSport.INDOOR,
    14: SubSport.INDOOR,
    27: SubSport.INDOOR,
    45: SubSport.INDOOR,
    58: SubSport.VIRTUAL,
}
FOOT_SPORTS = frozenset({Sport.RUNNING, Sport.WALKING, Sport.HIKING})


@dataclass(slots=True)
class _Table:
    """The messages of one kind, in file order: raw field values by field number."""

    count: int
    columns: dict[int, FloatArray] = field(default_factory=dict)
    compressed: np.ndarray | None = None  # (n, 3) bytes of compressed_speed_distance

    def get(self, number: int) -> FloatArray:
        column = self.columns.get(number)
        return column if column is not None else np.full(self.count, np.nan)

    def value(self, number: int, row: int, scale: float = 1.0, offset: float = 0.0) -> float | None:
        raw = self.get(number)[row]
        return None if np.isnan(raw) else float(raw) / scale - offset


Tables = dict[int, _Table]


def parse_fit(data: bytes, name: str = "") -> list[Activity]:
    """Every real activity in a FIT file (``name`` is only used in messages)."""
    fast_error: fitwalk.FitStructureError | None = None
    try:
        tables = _tables_from_walk(fitwalk.walk(data))
    except fitwalk.FitStructureError as error:
        if error.certain:  # no decoder reads past this: do not spend seconds trying
            raise ParseError(str(error)) from None
        fast_error = error
        tables = _tables_from_fitdecode(data, error)
    try:
        activities = _activities(tables)
    except ParseError:
        raise
    except Exception as exc:  # a sanity check we did not foresee must not crash an import
        raise ParseError(f"this FIT file could not be read ({type(exc).__name__})") from exc
    if not activities and fast_error is not None:
        raise ParseError(str(fast_error))  # the walker's reason says more than "nothing found"
    if not activities:
        raise ParseError(
            "this FIT file holds no activity (it may be a settings, course or health file)"
        )
    return activities


def _tables_from_walk(fit: fitwalk.FitFile) -> Tables:
    tables: Tables = {}
    for number, fields in WANTED.items():
        definitions = fit.definitions(number)
        order = fitwalk.file_order(definitions)
        table = _Table(int(order.shape[0]))
        for field_number in fields:
            if fitwalk.has_field(definitions, field_number):
                table.columns[field_number] = fitwalk.column(fit, definitions, field_number)[order]
        if fit.timed and number == RECORD:
            table.columns[TIMESTAMP] = fitwalk.times(definitions)[order]
        if number == RECORD:
            compressed = fitwalk.byte_columns(fit, definitions, COMPRESSED_SPEED_DISTANCE, 3)
            table.compressed = None if compressed is None else compressed[order]
        tables[number] = table
    return tables


def _tables_from_fitdecode(data: bytes, fast_error: Exception) -> Tables:
    """The lenient fallback: a complete decoder for the files our walker cannot follow."""
    from kneeclinic.domain.parsers.fitslow import read_tables  # imported only when needed

    try:
        rows = read_tables(data, WANTED)
    except BaseException as exc:  # the library may raise anything; only interrupts go through
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        raise ParseError(str(fast_error)) from exc
    tables: Tables = {}
    for number, messages in rows.items():
        table = _Table(len(messages))
        for field_number in WANTED[number]:
            values = [m.get(field_number) for m in messages]
            if any(v is not None for v in values):
                table.columns[field_number] = np.array(
                    [v if isinstance(v, int | float) else np.nan for v in values], dtype=np.float64
                )
        if number == RECORD:
            raw = [m.get(-COMPRESSED_SPEED_DISTANCE) for m in messages]
            if any(r is not None for r in raw):
                table.compressed = np.array(
                    [r if r is not None else (0xFF, 0xFF, 0xFF) for r in raw], dtype=np.uint8
                )
        tables[number] = table
    return tables


@dataclass(frozen=True, slots=True)
class _Clock:
    """Turns FIT timestamps (absolute, or seconds since power-on) into Unix seconds."""

    relative_base_s: float | None

    def unix(self, values: FloatArray) -> FloatArray:
        out = values + fitwalk.FIT_EPOCH_UNIX_S
        relative = values < fitwalk.RELATIVE_TIME_LIMIT
        if np.any(relative):
            if self.relative_base_s is None:
                raise ParseError(
                    "this FIT file has no date for its recording, so it cannot be placed in time"
                )
            out = np.where(relative, values + self.relative_base_s + fitwalk.FIT_EPOCH_UNIX_S, out)
        return out


def _clock(tables: Tables) -> _Clock:
    correlation = tables[TIME_CORRELATION]
    for row in range(correlation.count):
        absolute, system = correlation.value(TIMESTAMP, row), correlation.value(1, row)
        if absolute is not None and system is not None and absolute >= fitwalk.RELATIVE_TIME_LIMIT:
            return _Clock(absolute - system)
    activity = tables[ACTIVITY]
    for row in range(activity.count):
        local, stamp = activity.value(5, row), activity.value(TIMESTAMP, row)
        if local is not None and stamp is not None and stamp < fitwalk.RELATIVE_TIME_LIMIT:
            return _Clock(local - stamp)  # local wall clock: the best date the device gave
    return _Clock(None)


def _activities(tables: Tables) -> list[Activity]:
    clock = _clock(tables)
    records = _records(tables[RECORD], clock)
    file_id = tables[FILE_ID]
    device = ""
    if file_id.count:
        device = device_name(file_id.value(1, 0), file_id.value(2, 0))
    offset = _utc_offset(tables[ACTIVITY])
    sessions = tables[SESSION]
    laps = _laps(tables[LAP], clock)
    out: list[Activity] = []
    for row in range(sessions.count):
        sport_code = sessions.value(5, row)
        if sport_code == SPORT_TRANSITION:
            continue
        window = None if sessions.count == 1 else _session_window(sessions, row, clock)
        summary = _session_summary(sessions, row, clock, records, window)
        if summary is not None:
            out.append(_activity(summary, records, window, laps, device, offset))
    if sessions.count == 0 and len(records.time) >= 2:
        file_type = file_id.value(0, 0) if file_id.count else None
        if file_type in (None, FILE_TYPE_ACTIVITY):
            sport_table = tables[SPORT]
            summary = _Summary(
                _sport(sport_table.value(0, 0) if sport_table.count else None, None),
                SubSport.GENERIC if not sport_table.count else _sub_sport(sport_table.value(1, 0)),
                float(records.time[0]),
            )
            out.append(_activity(summary, records, None, laps, device, offset))
    return out


@dataclass(frozen=True, slots=True)
class _Records:
    time: FloatArray  # unix seconds
    streams: dict[str, FloatArray | None]


def _records(table: _Table, clock: _Clock) -> _Records:
    raw_time = table.get(TIMESTAMP)
    keep = ~np.isnan(raw_time)
    time = clock.unix(raw_time[keep]) if np.any(keep) else np.zeros(0)
    order = np.argsort(time, kind="stable") if np.any(np.diff(time) < 0) else None

    def stream(values: FloatArray) -> FloatArray | None:
        values = values[keep]
        if order is not None:
            values = values[order]
        return values if np.any(~np.isnan(values)) else None

    if order is not None:
        time = time[order]
    speed = _prefer(table.get(73), table.get(6)) / 1000.0
    altitude = _prefer(table.get(78), table.get(2)) / 5.0 - 500.0
    distance = table.get(5) / 100.0
    if table.compressed is not None:  # rows without a distance field may carry the foot-pod one
        compressed_distance, compressed_speed = _expand_compressed(table.compressed)
        distance = _prefer(distance, compressed_distance)
        speed = _prefer(speed, compressed_speed)
    cadence = table.get(4) + np.nan_to_num(table.get(53)) / 128.0
    streams = {
        "distance_m": stream(distance),
        "speed_mps": stream(speed),
        "heart_rate_bpm": stream(table.get(3)),
        "cadence_rpm": stream(cadence),
        "altitude_m": stream(altitude),
        "latitude_deg": stream(table.get(0) * SEMICIRCLE_DEG),
        "longitude_deg": stream(table.get(1) * SEMICIRCLE_DEG),
        "power_w": stream(table.get(7)),
        "vertical_oscillation_mm": stream(table.get(39) / 10.0),
        "stance_time_ms": stream(table.get(41) / 10.0),
        "step_length_mm": stream(table.get(85) / 10.0),
    }
    return _Records(time, streams)


def _prefer(first: FloatArray, second: FloatArray) -> FloatArray:
    return np.where(np.isnan(first), second, first)


def _expand_compressed(raw: np.ndarray) -> tuple[FloatArray, FloatArray]:
    """Old foot-pod files pack speed (12 bits, cm/s) and a rolling distance (12 bits, 1/16 m)."""
    raw = raw.astype(np.int64)
    invalid = np.all(raw == 0xFF, axis=1)
    speed = ((raw[:, 0] | ((raw[:, 1] & 0x0F) << 8)) / 100.0).astype(np.float64)
    rolling = (raw[:, 1] >> 4) | (raw[:, 2] << 4)
    valid_rolling = rolling[~invalid]
    distance = np.full(raw.shape[0], np.nan)
    if valid_rolling.shape[0]:
        steps = np.diff(valid_rolling) % 4096
        distance[~invalid] = (valid_rolling[0] + np.concatenate(([0], np.cumsum(steps)))) / 16.0
    speed[invalid] = np.nan
    return distance, speed


@dataclass(frozen=True, slots=True)
class _Summary:
    sport: Sport
    sub_sport: SubSport
    start_unix: float
    elapsed_s: float | None = None
    moving_s: float | None = None
    distance_m: float | None = None
    ascent_m: float | None = None
    avg_hr: float | None = None
    max_hr: float | None = None
    avg_cadence_spm: float | None = None


def _session_window(sessions: _Table, row: int, clock: _Clock) -> tuple[float, float]:
    start = sessions.value(2, row)
    end = sessions.value(TIMESTAMP, row)
    elapsed = sessions.value(7, row, 1000.0)
    start_unix = float(clock.unix(np.array([start]))[0]) if start is not None else -np.inf
    end_unix = float(clock.unix(np.array([end]))[0]) if end is not None else np.inf
    if elapsed is not None and start is not None:
        end_unix = max(end_unix, start_unix + elapsed) if end is not None else start_unix + elapsed
    return start_unix, end_unix


def _session_summary(
    sessions: _Table, row: int, clock: _Clock, records: _Records, window: tuple[float, float] | None
) -> _Summary | None:
    sport = _sport(sessions.value(5, row), sessions.value(6, row))
    start = sessions.value(2, row)
    times = records.time if window is None else records.time[_mask(records.time, window)]
    if start is not None:
        start_unix = float(clock.unix(np.array([start]))[0])
    elif times.shape[0]:
        start_unix = float(times[0])
    else:
        return None
    elapsed = sessions.value(7, row, 1000.0)
    if elapsed is None or not 0 <= elapsed <= MAX_ELAPSED_S:
        elapsed = None
    moving = sessions.value(59, row, 1000.0)
    if moving is None:
        moving = sessions.value(8, row, 1000.0)
    cadence = sessions.value(18, row)
    if cadence is not None and sport in FOOT_SPORTS:
        cadence = 2.0 * (cadence + (sessions.value(92, row, 128.0) or 0.0))
    else:
        cadence = None
    return _Summary(
        sport=sport,
        sub_sport=_sub_sport(sessions.value(6, row)),
        start_unix=start_unix,
        elapsed_s=elapsed,
        moving_s=moving if moving is not None and moving >= 0 else None,
        distance_m=sessions.value(9, row, 100.0),
        ascent_m=sessions.value(22, row),
        avg_hr=sessions.value(16, row),
        max_hr=sessions.value(17, row),
        avg_cadence_spm=cadence,
    )


def _mask(time: FloatArray, window: tuple[float, float]) -> np.ndarray:
    return (time >= window[0]) & (time <= window[1])


def _activity(
    summary: _Summary,
    records: _Records,
    window: tuple[float, float] | None,
    laps: list[Lap],
    device: str,
    offset: int | None,
) -> Activity:
    if window is None:
        time, streams = records.time, records.streams
    else:
        keep = _mask(records.time, window)
        time = records.time[keep]
        streams = {k: None if v is None else v[keep] for k, v in records.streams.items()}
    foot = summary.sport in FOOT_SPORTS
    rpm = streams["cadence_rpm"]
    cadence_spm = 2.0 * rpm if foot and rpm is not None else None
    samples = None
    if time.shape[0]:
        samples = Samples(
            time_s=time - summary.start_unix,
            cadence_spm=cadence_spm,
            **{k: v for k, v in streams.items() if k != "cadence_rpm" and v is not None},
        )
    computed = _computed(time, streams, cadence_spm, need_ascent=summary.ascent_m is None)
    start = datetime.fromtimestamp(summary.start_unix, tz=UTC)
    end_unix = summary.start_unix + (summary.elapsed_s or 0.0)
    return Activity(
        sport=summary.sport,
        sub_sport=summary.sub_sport,
        start=start,
        elapsed_s=summary.elapsed_s if summary.elapsed_s is not None else computed.elapsed_s,
        moving_s=summary.moving_s if summary.moving_s is not None else computed.moving_s,
        distance_m=summary.distance_m if summary.distance_m is not None else computed.distance_m,
        ascent_m=summary.ascent_m if summary.ascent_m is not None else computed.ascent_m,
        avg_heart_rate_bpm=summary.avg_hr if summary.avg_hr is not None else computed.avg_hr,
        max_heart_rate_bpm=summary.max_hr if summary.max_hr is not None else computed.max_hr,
        avg_cadence_spm=summary.avg_cadence_spm
        if summary.avg_cadence_spm is not None
        else computed.avg_cadence_spm,
        device=device,
        utc_offset_s=offset,
        samples=samples,
        laps=_session_laps(laps, summary.start_unix, end_unix, foot=foot),
        source_format="fit",
    )


def _session_laps(
    laps: list[Lap], start_unix: float, end_unix: float, *, foot: bool
) -> tuple[Lap, ...]:
    """The laps that start inside the session; lap cadence only means steps for foot sports."""
    inside = [
        lap for lap in laps if start_unix <= lap.start.timestamp() <= max(end_unix, start_unix)
    ]
    return tuple(lap if foot else replace(lap, avg_cadence_spm=None) for lap in inside)


@dataclass(frozen=True, slots=True)
class _Computed:
    elapsed_s: float
    moving_s: float | None
    distance_m: float | None
    ascent_m: float | None
    avg_hr: float | None
    max_hr: float | None
    avg_cadence_spm: float | None


def _computed(
    time: FloatArray,
    streams: dict[str, FloatArray | None],
    cadence_spm: FloatArray | None,
    *,
    need_ascent: bool,
) -> _Computed:
    """Totals from the records, for the values a device did not write in its session."""
    elapsed = float(time[-1] - time[0]) if time.shape[0] else 0.0
    distance = streams["distance_m"]
    speed = streams["speed_mps"]
    moving = None
    if time.shape[0] > 1:
        gaps = np.diff(time)
        moving_step = gaps <= MAX_GAP_S
        if speed is not None:
            moving_step &= np.nan_to_num(speed[1:]) >= MOVING_SPEED_MPS
        moving = float(np.sum(gaps[moving_step]))
    heart = streams["heart_rate_bpm"]
    return _Computed(
        elapsed_s=elapsed,
        moving_s=moving,
        distance_m=_span(distance),
        ascent_m=_ascent(streams["altitude_m"])
        if need_ascent
        else None,  # a slow loop: only if needed
        avg_hr=_mean(heart),
        max_hr=_largest(heart),
        avg_cadence_spm=_mean(
            None if cadence_spm is None else np.where(cadence_spm > 0, cadence_spm, np.nan)
        ),
    )


def _span(values: FloatArray | None) -> float | None:
    largest = _largest(values)
    return None if largest is None else largest - float(np.nanmin(values))  # type: ignore[arg-type]


def _largest(values: FloatArray | None) -> float | None:
    if values is None or not np.any(~np.isnan(values)):
        return None
    return float(np.nanmax(values))


def _mean(values: FloatArray | None) -> float | None:
    if values is None or not np.any(~np.isnan(values)):
        return None
    return float(np.nanmean(values))


def _ascent(altitude: FloatArray | None) -> float | None:
    if altitude is None or _largest(altitude) is None:
        return None
    values = altitude[~np.isnan(altitude)]
    total, low = 0.0, float(values[0])
    for value in values.tolist():  # short loop: only files without a session total get here
        if value < low:
            low = value
        elif value - low >= ASCENT_HYSTERESIS_M:
            total += value - low
            low = value
    return total


def _laps(table: _Table, clock: _Clock) -> list[Lap]:
    laps = []
    for row in range(table.count):
        start = table.value(2, row)
        elapsed = table.value(7, row, 1000.0)
        if start is None or elapsed is None:
            continue
        cadence = table.value(17, row)
        moving = table.value(52, row, 1000.0)
        laps.append(
            Lap(
                start=datetime.fromtimestamp(float(clock.unix(np.array([start]))[0]), tz=UTC),
                elapsed_s=elapsed,
                distance_m=table.value(9, row, 100.0),
                moving_s=moving if moving is not None else table.value(8, row, 1000.0),
                avg_heart_rate_bpm=table.value(15, row),
                avg_cadence_spm=None
                if cadence is None
                else 2.0 * (cadence + (table.value(80, row, 128.0) or 0.0)),
            )
        )
    return laps


def _utc_offset(table: _Table) -> int | None:
    for row in range(table.count):
        local, stamp = table.value(5, row), table.value(TIMESTAMP, row)
        if local is not None and stamp is not None and stamp >= fitwalk.RELATIVE_TIME_LIMIT:
            offset = round((local - stamp) / 900.0) * 900
            if abs(offset) <= MAX_UTC_OFFSET_S:
                return int(offset)
    return None


def _sport(code: float | None, sub_code: float | None) -> Sport:
    if code is None:
        return Sport.OTHER
    if code == 4 and sub_code == 1:  # fitness equipment, treadmill: a run indoors
        return Sport.RUNNING
    return SPORTS.get(int(code), Sport.OTHER)


def _sub_sport(code: float | None) -> SubSport:
    if code is None:
        return SubSport.GENERIC
    return SUB_SPORTS.get(int(code), SubSport.OTHER)
