"""What every parser returns: an activity's summary and its per-second streams."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class Sport(enum.StrEnum):
    """The sports we tell apart. Only running counts towards running load."""

    RUNNING = "running"
    WALKING = "walking"
    HIKING = "hiking"
    CYCLING = "cycling"
    SWIMMING = "swimming"
    OTHER = "other"


class SubSport(enum.StrEnum):
    """Where the activity happened, when the device said so."""

    GENERIC = "generic"
    ROAD = "road"
    TRAIL = "trail"
    TRACK = "track"
    TREADMILL = "treadmill"
    INDOOR = "indoor"
    VIRTUAL = "virtual"
    OTHER = "other"


class ParseError(Exception):
    """A file we cannot read, with a reason a runner understands."""


@dataclass(frozen=True, slots=True, eq=False)
class Samples:
    """Per-record streams, all of the same length, aligned on ``time_s``.

    ``time_s`` is seconds since the activity's start. A stream the device did not record is
    ``None``; a missing value inside a recorded stream is ``nan``. Cadence is in steps per
    minute; speed in metres per second; positions in degrees (WGS84).
    """

    time_s: FloatArray
    distance_m: FloatArray | None = None
    speed_mps: FloatArray | None = None
    heart_rate_bpm: FloatArray | None = None
    cadence_spm: FloatArray | None = None
    altitude_m: FloatArray | None = None
    latitude_deg: FloatArray | None = None
    longitude_deg: FloatArray | None = None
    power_w: FloatArray | None = None
    vertical_oscillation_mm: FloatArray | None = None
    stance_time_ms: FloatArray | None = None
    step_length_mm: FloatArray | None = None

    STREAM_NAMES = (
        "time_s",
        "distance_m",
        "speed_mps",
        "heart_rate_bpm",
        "cadence_spm",
        "altitude_m",
        "latitude_deg",
        "longitude_deg",
        "power_w",
        "vertical_oscillation_mm",
        "stance_time_ms",
        "step_length_mm",
    )

    def __len__(self) -> int:
        return int(self.time_s.shape[0])

    def streams(self) -> dict[str, FloatArray]:
        """The recorded streams by name (those the device did not record are left out)."""
        out: dict[str, FloatArray] = {}
        for name in self.STREAM_NAMES:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out

    @property
    def has_positions(self) -> bool:
        return self.latitude_deg is not None and self.longitude_deg is not None


@dataclass(frozen=True, slots=True)
class Lap:
    """One lap (or split) as the device recorded it."""

    start: datetime
    elapsed_s: float
    distance_m: float | None = None
    moving_s: float | None = None
    avg_heart_rate_bpm: float | None = None
    avg_cadence_spm: float | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Activity:
    """One activity: the summary a device wrote (or we computed) and its streams.

    ``start`` is timezone-aware (UTC unless the file said otherwise). ``utc_offset_s`` is the
    local time offset the device recorded, when it did, so that days and weeks can be counted
    in the runner's own time.
    """

    sport: Sport
    start: datetime
    elapsed_s: float
    sub_sport: SubSport = SubSport.GENERIC
    name: str = ""
    moving_s: float | None = None
    distance_m: float | None = None
    ascent_m: float | None = None
    avg_heart_rate_bpm: float | None = None
    max_heart_rate_bpm: float | None = None
    avg_cadence_spm: float | None = None
    device: str = ""
    utc_offset_s: int | None = None
    samples: Samples | None = None
    laps: tuple[Lap, ...] = field(default_factory=tuple)
    source_format: str = ""

    @property
    def is_indoor(self) -> bool:
        return self.sub_sport in {SubSport.TREADMILL, SubSport.INDOOR, SubSport.VIRTUAL}
