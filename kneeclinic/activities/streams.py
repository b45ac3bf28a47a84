"""Per-second streams stored compactly: one deflated blob per activity.

Each stream is rounded to a fixed resolution finer than any device records (a hundredth of a
second, a millimetre, a tenth of a beat, about a centimetre of latitude) and differenced from
one value to the next. The first value goes to a short JSON header; the differences (small
numbers) are kept as 8-, 16- or 32-bit integers, the narrowest that holds them all, with the
bytes of each stream regrouped by significance (all low bytes, then all high bytes), which
deflate compresses well. The deflate is ISA-L's (``isal``): about three times as fast as
zlib's fastest level on these streams, with smaller output, and any inflater reads it. Laps go
to JSON.

Layout 2 (every difference as a 32-bit integer, the first one from zero) is still read.
"""

from __future__ import annotations

import json
import struct
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from isal import isal_zlib

from kneeclinic.domain.activity import Lap, Samples

VERSION = 3
COMPRESSION_LEVEL = 1  # ISA-L's levels go 0 to 3; 1 is as small as 2 or 3 here, and as fast as 0
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
_LIMIT = 2**31 - 1
_WIDTHS = ((1, np.iinfo(np.int8)), (2, np.iinfo(np.int16)))


def pack(samples: Samples) -> bytes:
    """The streams as bytes."""
    names: list[str] = []
    firsts: list[int] = []
    widths: list[int] = []
    parts: list[bytes] = []
    for name, values in samples.streams().items():
        scaled = values * SCALES[name]
        np.rint(scaled, out=scaled)
        if scaled.size and scaled.min() > -_LIMIT and scaled.max() < _LIMIT:  # nan: False
            whole = scaled.astype(np.int32)
        else:
            whole = np.where(np.abs(scaled) < _LIMIT, scaled, MISSING).astype(np.int32)
        # 32 bits wrap, and so does the running sum that reads them back: a difference
        # kept narrower than its true size (from near one limit to near the other) still
        # gives back the right value
        steps = whole[1:] - whole[:-1]
        width = 4
        if steps.size:
            low, high = int(steps.min()), int(steps.max())
            width = next((w for w, info in _WIDTHS if info.min <= low and high <= info.max), 4)
        narrow = steps.astype(f"<i{width}", copy=False)
        names.append(name)
        firsts.append(int(whole[0]) if whole.size else 0)
        widths.append(width)
        parts.append(narrow.tobytes() if width == 1 else _planes(narrow, width))
    header = json.dumps(
        {"names": names, "length": len(samples), "first": firsts, "widths": widths}
    ).encode()
    body = isal_zlib.compress(b"".join(parts), COMPRESSION_LEVEL)
    return _HEADER.pack(VERSION, len(header)) + header + body


def _planes(narrow: npt.NDArray[Any], width: int) -> bytes:
    """The bytes of ``narrow`` regrouped by significance: every low byte, then the next..."""
    return narrow.view(np.uint8).reshape(-1, width).T.tobytes()


def unpack(blob: bytes) -> Samples:
    data = bytes(blob)
    version, header_length = _HEADER.unpack_from(data)
    if version not in (2, VERSION):
        raise ValueError(f"streams stored in an unknown layout ({version})")
    start = _HEADER.size + header_length
    header = json.loads(data[_HEADER.size : start])
    length = header["length"]
    body = isal_zlib.decompress(data[start:])
    streams: dict[str, Any] = {}
    if version == 2:
        steps = np.frombuffer(body, dtype="<i4")
        for index, name in enumerate(header["names"]):
            whole = np.cumsum(steps[index * length : (index + 1) * length], dtype=np.int32)
            streams[name] = _values(whole, name)
        return Samples(**streams)
    offset = 0
    for name, first, width in zip(header["names"], header["first"], header["widths"], strict=True):
        size = width * max(length - 1, 0)
        planes = np.frombuffer(body, dtype=np.uint8, count=size, offset=offset)
        offset += size
        narrow = planes.reshape(width, -1).T.copy().view(f"<i{width}").ravel()
        whole = np.empty(length, dtype=np.int32)
        if length:
            whole[0] = first
            np.cumsum(narrow, dtype=np.int32, out=whole[1:])
            whole[1:] += np.int32(first)  # wraps like the differences did
        streams[name] = _values(whole, name)
    return Samples(**streams)


def _values(whole: npt.NDArray[np.int32], name: str) -> npt.NDArray[np.float64]:
    values = whole.astype(np.float64) / SCALES[name]
    values[whole == MISSING] = np.nan
    return values


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
