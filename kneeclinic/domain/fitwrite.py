"""A small FIT encoder for runs: the files our tests, demo data and benchmarks import.

It writes what a running watch writes (file_id, device_info, timer events, one record a second,
laps, session, activity) following the public FIT protocol, with correct header and file CRCs.
Records are packed with numpy, so a ten-year history of files is written in seconds.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from kneeclinic.domain.activity import Sport, SubSport

FloatArray = npt.NDArray[np.float64]

FIT_EPOCH_UNIX_S = 631065600
PROTOCOL_VERSION = 0x20
PROFILE_VERSION = 2132
GARMIN = 1
FORERUNNER_945 = 3113
MAX_PAUSE_FREE_GAP_S = 10.0
"""Gaps between records longer than this are pauses: they count in elapsed, not timer, time."""

SPORT_CODES = {
    Sport.RUNNING: 1,
    Sport.WALKING: 11,
    Sport.HIKING: 17,
    Sport.CYCLING: 2,
    Sport.SWIMMING: 5,
    Sport.OTHER: 0,
}
SUB_SPORT_CODES = {
    SubSport.GENERIC: 0,
    SubSport.ROAD: 7,
    SubSport.TRAIL: 3,
    SubSport.TRACK: 4,
    SubSport.TREADMILL: 1,
    SubSport.INDOOR: 45,
    SubSport.VIRTUAL: 58,
    SubSport.OTHER: 254,
}

# Base type bytes of the FIT protocol.
ENUM, UINT8, UINT16, SINT32, UINT32, UINT32Z, STRING, BYTE = (
    0x00,
    0x02,
    0x84,
    0x85,
    0x86,
    0x8C,
    0x07,
    0x0D,
)
_CODES = {ENUM: "B", UINT8: "B", UINT16: "H", SINT32: "i", UINT32: "I", UINT32Z: "I"}
_INVALID = {"u1": 0xFF, "u2": 0xFFFF, "u4": 0xFFFFFFFF, "i4": 0x7FFFFFFF}

_CRC_TABLE = (
    0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
    0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
)  # fmt: skip


def _byte_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = 0
        for nibble in (byte & 0x0F, byte >> 4):
            crc = ((crc >> 4) & 0x0FFF) ^ _CRC_TABLE[crc & 0x0F] ^ _CRC_TABLE[nibble]
        table.append(crc)
    return tuple(table)


_CRC_BYTE_TABLE = _byte_table()


def fit_crc(data: bytes, crc: int = 0) -> int:
    """The FIT protocol's CRC-16 of ``data`` (starting from ``crc``)."""
    table = _CRC_BYTE_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


@dataclass(frozen=True, slots=True)
class _Message:
    global_num: int
    fields: tuple[tuple[int, int], ...]  # (field number, base type)
    sizes: tuple[tuple[int, int], ...] = ()  # (field number, bytes) of byte and string fields


FILE_ID = _Message(0, ((0, ENUM), (1, UINT16), (2, UINT16), (3, UINT32Z), (4, UINT32)))
DEVICE_INFO = _Message(23, ((253, UINT32), (0, UINT8), (2, UINT16), (4, UINT16), (5, UINT16)))
EVENT = _Message(21, ((253, UINT32), (0, ENUM), (1, ENUM), (4, UINT8)))
LAP = _Message(
    19,
    (
        (253, UINT32), (254, UINT16), (2, UINT32), (7, UINT32), (8, UINT32), (9, UINT32),
        (15, UINT8), (16, UINT8), (17, UINT8), (80, UINT8), (0, ENUM), (1, ENUM), (25, ENUM),
    ),
)  # fmt: skip
SESSION = _Message(
    18,
    (
        (253, UINT32), (254, UINT16), (2, UINT32), (7, UINT32), (8, UINT32), (9, UINT32),
        (5, ENUM), (6, ENUM), (16, UINT8), (17, UINT8), (18, UINT8), (92, UINT8),
        (22, UINT16), (25, UINT16), (26, UINT16), (0, ENUM), (1, ENUM),
    ),
)  # fmt: skip
ACTIVITY = _Message(
    34, ((253, UINT32), (0, UINT32), (1, UINT16), (2, ENUM), (3, ENUM), (4, ENUM), (5, UINT32))
)
DEVELOPER_DATA_ID = _Message(207, ((1, BYTE), (3, UINT8)), sizes=((1, 16),))
TIME_CORRELATION = _Message(162, ((253, UINT32), (1, UINT32)))
FIELD_DESCRIPTION = _Message(
    206, ((0, UINT8), (1, UINT8), (2, UINT8), (3, STRING), (8, STRING)), sizes=((3, 8), (8, 4))
)

EVENT_TIMER, EVENT_LAP, EVENT_SESSION, EVENT_ACTIVITY = 0, 9, 8, 26
EVENT_START, EVENT_STOP, EVENT_STOP_ALL = 0, 1, 4
POWER_ON_S = 1000
"""Where relative ("system time") timestamps start: seconds since the device was switched on."""
RECORD_LOCAL = 1  # a compressed timestamp header can only name local types 0 to 3


class _Writer:
    """Collects definition and data messages; knows the local type of each kind it defined."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.defined: dict[int, int] = {}  # local type -> the global message it currently means

    def define(self, message: _Message, local: int) -> None:
        sizes = dict(message.sizes)
        fields = b"".join(
            bytes((number, sizes[number] if number in sizes else _size(base), base))
            for number, base in message.fields
        )
        self.chunks.append(
            bytes((0x40 | local, 0, 0))
            + struct.pack("<HB", message.global_num, len(message.fields))
            + fields
        )
        self.defined[local] = message.global_num

    def write(self, message: _Message, *values: int | bytes | None) -> None:
        """One data message; ``None`` writes the field's invalid value."""
        if self.defined.get(0) != message.global_num:
            self.define(message, 0)
        body = b"".join(
            _pack(base, value) for (_, base), value in zip(message.fields, values, strict=True)
        )
        self.chunks.append(b"\x00" + body)


def _size(base: int) -> int:
    return struct.calcsize("<" + _CODES[base])


def _pack(base: int, value: int | bytes | None) -> bytes:
    if isinstance(value, bytes):
        return value
    code = _CODES[base]
    if value is None:
        value = {
            "B": 0xFF,
            "H": 0xFFFF,
            "I": 0 if base == UINT32Z else 0xFFFFFFFF,
            "i": 0x7FFFFFFF,
        }[code]
    return struct.pack("<" + code, value)


def encode_run(
    start: datetime,
    time_s: Sequence[float] | FloatArray,
    distance_m: Sequence[float] | FloatArray,
    *,
    speed_mps: Sequence[float] | FloatArray | None = None,
    heart_rate_bpm: Sequence[float] | FloatArray | None = None,
    cadence_spm: Sequence[float] | FloatArray | None = None,
    altitude_m: Sequence[float] | FloatArray | None = None,
    latitude_deg: Sequence[float] | FloatArray | None = None,
    longitude_deg: Sequence[float] | FloatArray | None = None,
    sport: Sport | int = Sport.RUNNING,
    sub_sport: SubSport = SubSport.GENERIC,
    utc_offset_s: int = 0,
    manufacturer: int = GARMIN,
    product: int = FORERUNNER_945,
    lap_distance_m: float = 1000.0,
    compressed_timestamps: bool = False,
    developer_field: bool = False,
    session: bool = True,
    relative_time: bool = False,
    time_correlation: bool = False,
    compressed_speed_distance: bool = False,
) -> bytes:
    """A complete FIT activity file for one run (or walk, ride...) recorded at the given times.

    ``time_s`` are seconds since ``start`` (timezone-aware), increasing; every other stream has
    the same length, ``nan`` for a missing value. Cadence is in steps per minute and is stored
    as FIT does, in strides per minute plus 1/128 fractions. ``compressed_timestamps`` writes
    records with the 1-byte time header of old Garmin watches; ``developer_field`` adds a
    developer "power" field to every record; ``session=False`` leaves out lap, session and
    activity messages (as an app that writes records only). ``sport`` may be a raw FIT sport
    number (3 is a multisport transition).

    Old devices: ``relative_time`` writes timestamps as seconds since power-on (dated only by
    the activity's local time, or by a timestamp_correlation message with ``time_correlation``);
    ``compressed_speed_distance`` packs speed and distance in the 3-byte foot-pod field.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    times = np.asarray(time_s, dtype=np.float64)
    if times.shape[0] == 0:
        raise ValueError("a run needs at least one record")
    absolute_start = round(start.timestamp()) - FIT_EPOCH_UNIX_S
    start_fit = POWER_ON_S if relative_time else absolute_start
    stamps = (start_fit + np.round(times)).astype(np.int64)
    distance = np.asarray(distance_m, dtype=np.float64)
    writer = _Writer()
    writer.write(FILE_ID, 4, manufacturer, product, 1234567890, start_fit)
    writer.write(DEVICE_INFO, start_fit, 0, manufacturer, product, 1000)
    if time_correlation:
        writer.write(TIME_CORRELATION, absolute_start, start_fit)
    if developer_field:
        writer.write(DEVELOPER_DATA_ID, bytes(range(16)), 0)
        writer.write(FIELD_DESCRIPTION, 0, 0, UINT16, b"Power\x00\x00\x00", b"W\x00\x00\x00")
    writer.write(EVENT, int(stamps[0]), EVENT_TIMER, EVENT_START, 0)
    streams = {
        "distance": distance,
        "speed": _optional(speed_mps),
        "heart_rate": _optional(heart_rate_bpm),
        "cadence": _optional(cadence_spm),
        "altitude": _optional(altitude_m),
        "latitude": _optional(latitude_deg),
        "longitude": _optional(longitude_deg),
    }
    writer.chunks.append(
        _records(
            stamps,
            streams,
            compressed=compressed_timestamps,
            developer=developer_field,
            foot_pod=compressed_speed_distance,
        )
    )
    end = int(stamps[-1])
    writer.write(EVENT, end, EVENT_TIMER, EVENT_STOP_ALL, 0)
    if session:
        code = SPORT_CODES[sport] if isinstance(sport, Sport) else sport
        _summaries(writer, stamps, streams, (code, SUB_SPORT_CODES[sub_sport]), lap_distance_m)
        local_end = absolute_start + int(stamps[-1] - stamps[0]) + utc_offset_s
        _, timer = _times(stamps)
        writer.write(
            ACTIVITY, end, round(timer * 1000), 1, 0, EVENT_ACTIVITY, EVENT_STOP, local_end
        )
    return _file(b"".join(writer.chunks))


def _optional(values: Sequence[float] | FloatArray | None) -> FloatArray | None:
    return None if values is None else np.asarray(values, dtype=np.float64)


_RECORD_FIELDS = (
    # stream, field number, base type, numpy type, scale, offset
    ("latitude", 0, SINT32, "i4", 2**31 / 180.0, 0.0),
    ("longitude", 1, SINT32, "i4", 2**31 / 180.0, 0.0),
    ("distance", 5, UINT32, "u4", 100.0, 0.0),
    ("speed", 73, UINT32, "u4", 1000.0, 0.0),
    ("altitude", 78, UINT32, "u4", 5.0, 500.0),
    ("heart_rate", 3, UINT8, "u1", 1.0, 0.0),
    ("cadence", 4, UINT8, "u1", 1.0, 0.0),
    ("fractional_cadence", 53, UINT8, "u1", 128.0, 0.0),
)


def _records(
    stamps: npt.NDArray[np.int64],
    streams: dict[str, FloatArray | None],
    *,
    compressed: bool,
    developer: bool,
    foot_pod: bool,
) -> bytes:
    values = dict(streams)
    packed = None
    if foot_pod:
        packed = _foot_pod(values.pop("distance"), values.pop("speed"))
    cadence = values["cadence"]
    if cadence is not None:
        strides = cadence / 2.0
        values["cadence"] = np.floor(strides)
        values["fractional_cadence"] = np.where(
            np.isnan(strides), np.nan, strides - np.floor(strides)
        )
    present = [spec for spec in _RECORD_FIELDS if values.get(spec[0]) is not None]
    layout: list[tuple[str, str] | tuple[str, str, tuple[int]]] = [("header", "u1")]
    definition = []
    if not compressed:
        layout.append(("f253", "<u4"))
        definition.append((253, 4, UINT32))
    for _name, number, base, kind, _, _ in present:
        layout.append((f"f{number}", "<" + kind))
        definition.append((number, int(kind[1]), base))
    if packed is not None:
        layout.append(("f8", "u1", (3,)))
        definition.append((8, 3, BYTE))
    if developer:
        layout.append(("dev", "<u2"))
    rows = np.zeros(stamps.shape[0], dtype=np.dtype(layout))
    local = RECORD_LOCAL
    if compressed:
        gaps = np.diff(stamps)
        if np.any(gaps >= 32):
            raise ValueError("compressed timestamps need records less than 32 s apart")
        rows["header"] = 0x80 | (local << 5) | (stamps & 0x1F)
    else:
        rows["header"] = local
        rows["f253"] = stamps
    for name, number, _, kind, scale, offset in present:
        raw = np.round((values[name] + offset) * scale)  # type: ignore[operator]
        limit = _INVALID[kind]
        low = -limit if kind[0] == "i" else 0
        rows[f"f{number}"] = np.where(
            np.isnan(raw), limit, np.clip(np.nan_to_num(raw), low, limit - 1)
        )
    if packed is not None:
        rows["f8"] = packed
    if developer:
        rows["dev"] = 200 + (np.arange(stamps.shape[0]) % 50)
    header = 0x60 if developer else 0x40
    fields = b"".join(bytes(spec) for spec in definition)
    dev = bytes((1, 0, 2, 0)) if developer else b""
    definition_bytes = (
        bytes((header | local, 0, 0)) + struct.pack("<HB", 20, len(definition)) + fields + dev
    )
    return definition_bytes + rows.tobytes()


def _foot_pod(distance: FloatArray | None, speed: FloatArray | None) -> npt.NDArray[np.uint8]:
    """compressed_speed_distance: 12 bits of speed (cm/s), 12 bits of rolling distance (1/16 m)."""
    assert distance is not None  # noqa: S101 - always given by encode_run
    speed_cm = np.round(np.nan_to_num(speed if speed is not None else 0 * distance) * 100)
    speed_raw = np.clip(speed_cm, 0, 0xFFF).astype(np.int64)
    rolling = np.round(np.nan_to_num(distance) * 16).astype(np.int64) % 4096
    out = np.empty((distance.shape[0], 3), dtype=np.uint8)
    out[:, 0] = speed_raw & 0xFF
    out[:, 1] = (speed_raw >> 8) | ((rolling & 0x0F) << 4)
    out[:, 2] = rolling >> 4
    return out


def _summaries(
    writer: _Writer,
    stamps: npt.NDArray[np.int64],
    streams: dict[str, FloatArray | None],
    sport: tuple[int, int],
    lap_distance_m: float,
) -> None:
    distance = streams["distance"]
    assert distance is not None  # noqa: S101 - always given by encode_run
    bounds = _lap_bounds(distance, lap_distance_m)
    for index, (first, last) in enumerate(bounds):
        elapsed, timer = _times(stamps[first : last + 1])
        heart, cadence = (
            _slice(streams["heart_rate"], first, last),
            _slice(streams["cadence"], first, last),
        )
        whole, fraction = _cadence(cadence)
        lap_m = float(distance[last] - (distance[first - 1] if first else 0.0))
        writer.write(
            LAP, int(stamps[last]), index, int(stamps[first]),
            round(elapsed * 1000), round(timer * 1000), _distance(lap_m),
            _mean(heart), _max(heart), whole, fraction, EVENT_LAP, EVENT_STOP, sport[0],
        )  # fmt: skip
    elapsed, timer = _times(stamps)
    heart, cadence = streams["heart_rate"], streams["cadence"]
    whole, fraction = _cadence(cadence)
    end = int(stamps[-1])
    writer.write(
        SESSION, end, 0, int(stamps[0]), round(elapsed * 1000), round(timer * 1000),
        _distance(float(np.nanmax(distance))), sport[0], sport[1],
        _mean(heart), _max(heart), whole, fraction, _ascent(streams["altitude"]), 0, len(bounds),
        EVENT_SESSION, EVENT_STOP,
    )  # fmt: skip


def _lap_bounds(distance: FloatArray, lap_distance_m: float) -> list[tuple[int, int]]:
    """(first, last) record index of each lap: a new lap each ``lap_distance_m``."""
    lap_of = np.floor(np.nan_to_num(distance) / lap_distance_m).astype(np.int64)
    lap_of = np.maximum.accumulate(lap_of)
    starts = np.flatnonzero(np.diff(lap_of)) + 1
    # a record exactly on the boundary closes its lap, as watches do
    firsts = [0, *starts.tolist()]
    lasts = [*(starts - 1).tolist(), distance.shape[0] - 1]
    if len(firsts) > 1 and lasts[-1] < firsts[-1]:  # pragma: no cover - diff never gives that
        firsts.pop()
    return list(zip(firsts, lasts, strict=True))


def _times(stamps: npt.NDArray[np.int64]) -> tuple[float, float]:
    gaps = np.diff(stamps).astype(np.float64)
    elapsed = float(stamps[-1] - stamps[0])
    timer = float(np.sum(gaps[gaps <= MAX_PAUSE_FREE_GAP_S]))
    return elapsed, timer


def _slice(values: FloatArray | None, first: int, last: int) -> FloatArray | None:
    return None if values is None else values[first : last + 1]


def _mean(values: FloatArray | None) -> int | None:
    if values is None or np.all(np.isnan(values)):
        return None
    return round(float(np.nanmean(values)))


def _max(values: FloatArray | None) -> int | None:
    if values is None or np.all(np.isnan(values)):
        return None
    return round(float(np.nanmax(values)))


def _cadence(spm: FloatArray | None) -> tuple[int | None, int | None]:
    """Average cadence as FIT stores it: whole strides per minute and 1/128 fractions."""
    if spm is None:
        return None, None
    moving = spm[np.nan_to_num(spm) > 0]
    if moving.shape[0] == 0:
        return None, None
    strides = float(np.mean(moving)) / 2.0
    whole = int(strides)
    return whole, min(127, round((strides - whole) * 128))


def _distance(metres: float) -> int:
    return round(metres * 100)


def _ascent(altitude: FloatArray | None) -> int | None:
    if altitude is None or np.all(np.isnan(altitude)):
        return None
    rises = np.diff(altitude[~np.isnan(altitude)])
    return round(float(np.sum(rises[rises > 0])))


def _file(body: bytes) -> bytes:
    header = struct.pack("<BBHI4s", 14, PROTOCOL_VERSION, PROFILE_VERSION, len(body), b".FIT")
    header += struct.pack("<H", fit_crc(header))
    crc = fit_crc(body, fit_crc(header))
    return header + body + struct.pack("<H", crc)
