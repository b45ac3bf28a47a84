"""Per-second streams stored compactly: one zlib-compressed blob per activity.

Each stream is rounded to a fixed resolution finer than any device records (a hundredth of a
second, a millimetre, a tenth of a beat, about a centimetre of latitude), stored as 32-bit
integers differenced from one value to the next (small numbers, which compress well and
quickly), behind a short JSON header. Laps go to JSON.
"""

from __future__ import annotations

import json
import struct
import zlib
from datetime import datetime
from typing import Any

import numpy as np

from kneeclinic.domain.activity import Lap, Samples

VERSION = 2
COMPRESSION_LEVEL = 1  # fast; the differenced integers compress well even at 1
MISSING = np.iinfo(np.int32).min
SCALES = {
    "time_s": 100.0,  # up to 248 days
    "distance_m": 1000.0,
    "speed_mps": 1000.0,
    "heart_rate_bpm": 10.0,
    "cadence_spm": 10.0,
    "altitude_m": 100.0,
    "latitude_deg": 1e7,
    "longitude_deg": 1e7,
    "power_w": 10.0,
    "vertical_oscillation_mm": 10.0,
    "stance_time_ms": 10.0,
    "step_length_mm": 10.0,
}
_HEADER = struct.Struct(">BI")  # version, header length


def pack(samples: Samples) -> bytes:
    """The streams as bytes."""
    names, parts = [], []
    for name, values in samples.streams().items():
        scaled = np.round(values * SCALES[name])
        missing = ~np.isfinite(scaled) | (np.abs(scaled) >= 2**31 - 1)
        whole = np.where(missing, MISSING, np.nan_to_num(scaled)).astype(np.int64)
        steps = np.diff(whole, prepend=0).astype("<i4")  # wraps; the running sum wraps back
        names.append(name)
        parts.append(steps.tobytes())
    header = json.dumps({"names": names, "length": len(samples)}).encode()
    body = zlib.compress(b"".join(parts), COMPRESSION_LEVEL)
    return _HEADER.pack(VERSION, len(header)) + header + body


def unpack(blob: bytes) -> Samples:
    data = bytes(blob)
    version, header_length = _HEADER.unpack_from(data)
    if version != VERSION:
        raise ValueError(f"streams stored in an unknown layout ({version})")
    start = _HEADER.size + header_length
    header = json.loads(data[_HEADER.size : start])
    length = header["length"]
    body = np.frombuffer(zlib.decompress(data[start:]), dtype="<i4")
    streams: dict[str, Any] = {}
    for index, name in enumerate(header["names"]):
        whole = np.cumsum(body[index * length : (index + 1) * length], dtype=np.int32)
        values = whole.astype(np.float64) / SCALES[name]
        values[whole == MISSING] = np.nan
        streams[name] = values
    return Samples(**streams)


def laps_to_json(laps: tuple[Lap, ...]) -> list[dict[str, Any]]:
    return [
        {
            "start": lap.start.isoformat(),
            "elapsed_s": lap.elapsed_s,
            "distance_m": lap.distance_m,
            "moving_s": lap.moving_s,
            "avg_heart_rate_bpm": lap.avg_heart_rate_bpm,
            "avg_cadence_spm": lap.avg_cadence_spm,
        }
        for lap in laps
    ]


def laps_from_json(rows: list[dict[str, Any]]) -> list[Lap]:
    return [
        Lap(
            start=datetime.fromisoformat(row["start"]),
            elapsed_s=row["elapsed_s"],
            distance_m=row.get("distance_m"),
            moving_s=row.get("moving_s"),
            avg_heart_rate_bpm=row.get("avg_heart_rate_bpm"),
            avg_cadence_spm=row.get("avg_cadence_spm"),
        )
        for row in rows
    ]
