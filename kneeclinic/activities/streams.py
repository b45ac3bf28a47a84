"""Per-second streams stored compactly: one zlib-compressed blob per activity.

The blob is a short JSON header (stream names, types, length) and the arrays back to back.
Times, distances and the rest are float32 (a millimetre at 40 km, a millisecond over a day);
positions float64, so a route is drawn to the centimetre. Laps go to JSON.
"""

from __future__ import annotations

import json
import struct
import zlib
from datetime import datetime
from typing import Any

import numpy as np

from kneeclinic.domain.activity import Lap, Samples

PRECISE = frozenset({"latitude_deg", "longitude_deg"})
VERSION = 1
COMPRESSION_LEVEL = 1  # fast: the streams compress about as well at 1 as at 6
_HEADER = struct.Struct(">BI")  # version, header length


def pack(samples: Samples) -> bytes:
    """The streams as bytes."""
    names, kinds, parts = [], [], []
    for name, values in samples.streams().items():
        kind = "<f8" if name in PRECISE else "<f4"
        names.append(name)
        kinds.append(kind)
        parts.append(np.ascontiguousarray(values, dtype=kind).tobytes())
    header = json.dumps({"names": names, "kinds": kinds, "length": len(samples)}).encode()
    return (
        _HEADER.pack(VERSION, len(header))
        + header
        + zlib.compress(b"".join(parts), COMPRESSION_LEVEL)
    )


def unpack(blob: bytes) -> Samples:
    data = bytes(blob)
    version, header_length = _HEADER.unpack_from(data)
    if version != VERSION:
        raise ValueError(f"streams stored in an unknown layout ({version})")
    start = _HEADER.size + header_length
    header = json.loads(data[_HEADER.size : start])
    body = zlib.decompress(data[start:])
    streams: dict[str, Any] = {}
    offset = 0
    for name, kind in zip(header["names"], header["kinds"], strict=True):
        size = np.dtype(kind).itemsize * header["length"]
        values = np.frombuffer(body, dtype=kind, count=header["length"], offset=offset)
        offset += size
        if name in Samples.STREAM_NAMES:
            streams[name] = values.astype(np.float64)
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
