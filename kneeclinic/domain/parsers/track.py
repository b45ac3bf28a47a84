"""Arithmetic shared by the GPX and TCX readers: distances, times, moving time, sports."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np

from kneeclinic.domain.activity import FloatArray, ParseError, Sport, SubSport
from kneeclinic.domain.parsers.limits import MAX_ACTIVITY_DURATION_S, MAX_YEAR, MIN_YEAR

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), as used for great-circle lengths
MOVING_SPEED_MPS = 0.5  # slower than this between two points counts as standing still
ASCENT_HYSTERESIS_M = 3.0  # climbs smaller than this are treated as altitude noise
MAX_STRIDES_PER_MIN = 130.0  # a foot cadence above this (260 steps/min) is a sensor spike

FOOT_SPORTS = frozenset({Sport.RUNNING, Sport.WALKING, Sport.HIKING})

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MIN_EPOCH_S = (datetime(MIN_YEAR, 1, 1, tzinfo=UTC) - _EPOCH).total_seconds()
_MAX_EPOCH_S = (datetime(MAX_YEAR + 1, 1, 1, tzinfo=UTC) - _EPOCH).total_seconds()

# Sport labels written by GPX <type>, TCX Sport="..." and Strava's activity types.
_SPORT_LABELS: dict[str, tuple[Sport, SubSport]] = {
    "running": (Sport.RUNNING, SubSport.GENERIC),
    "run": (Sport.RUNNING, SubSport.GENERIC),
    "9": (Sport.RUNNING, SubSport.GENERIC),  # Strava's GPX code for a run
    "trail_running": (Sport.RUNNING, SubSport.TRAIL),
    "trailrun": (Sport.RUNNING, SubSport.TRAIL),
    "trail run": (Sport.RUNNING, SubSport.TRAIL),
    "street_running": (Sport.RUNNING, SubSport.ROAD),
    "track_running": (Sport.RUNNING, SubSport.TRACK),
    "treadmill_running": (Sport.RUNNING, SubSport.TREADMILL),
    "treadmill": (Sport.RUNNING, SubSport.TREADMILL),
    "indoor_running": (Sport.RUNNING, SubSport.INDOOR),
    "virtualrun": (Sport.RUNNING, SubSport.VIRTUAL),
    "virtual run": (Sport.RUNNING, SubSport.VIRTUAL),
    "walking": (Sport.WALKING, SubSport.GENERIC),
    "walk": (Sport.WALKING, SubSport.GENERIC),
    "10": (Sport.WALKING, SubSport.GENERIC),
    "hiking": (Sport.HIKING, SubSport.GENERIC),
    "hike": (Sport.HIKING, SubSport.GENERIC),
    "4": (Sport.HIKING, SubSport.GENERIC),
    "cycling": (Sport.CYCLING, SubSport.GENERIC),
    "biking": (Sport.CYCLING, SubSport.GENERIC),
    "ride": (Sport.CYCLING, SubSport.GENERIC),
    "road_biking": (Sport.CYCLING, SubSport.ROAD),
    "mountain_biking": (Sport.CYCLING, SubSport.TRAIL),
    "virtualride": (Sport.CYCLING, SubSport.VIRTUAL),
    "virtual ride": (Sport.CYCLING, SubSport.VIRTUAL),
    "indoor_cycling": (Sport.CYCLING, SubSport.INDOOR),
    "1": (Sport.CYCLING, SubSport.GENERIC),
    "swimming": (Sport.SWIMMING, SubSport.GENERIC),
    "swim": (Sport.SWIMMING, SubSport.GENERIC),
    "lap_swimming": (Sport.SWIMMING, SubSport.INDOOR),
    "open_water_swimming": (Sport.SWIMMING, SubSport.GENERIC),
}


def sport_from_label(label: str | None) -> tuple[Sport, SubSport]:
    """The sport a file's free-text type names; anything we do not know is 'other'."""
    if not label:
        return Sport.OTHER, SubSport.GENERIC
    key = label.strip().lower()
    return _SPORT_LABELS.get(key, (Sport.OTHER, SubSport.GENERIC))


def parse_timestamp(text: str) -> tuple[float, int | None]:
    """Seconds since 1970 (UTC) of an ISO-8601 time, and its UTC offset when it gave one.

    A time without a zone is taken as UTC, as GPX and TCX require. ``Z`` gives no offset: the
    runner's local time is then unknown.
    """
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ParseError(f"the time {value[:40]!r} is not a date and time we understand") from None
    offset: int | None = None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    else:
        delta = moment.utcoffset()
        if delta and not value.endswith(("Z", "z")):
            offset = int(delta.total_seconds())
    seconds = (moment - _EPOCH).total_seconds()
    if not _MIN_EPOCH_S <= seconds < _MAX_EPOCH_S:
        raise ParseError(
            f"the time {value[:40]!r} is outside the years {MIN_YEAR} to {MAX_YEAR}, "
            "so the file's clock must be wrong"
        )
    return seconds, offset


def start_datetime(epoch_s: float) -> datetime:
    """A timezone-aware UTC datetime from seconds since 1970."""
    return _EPOCH + timedelta(seconds=epoch_s)


def check_duration(elapsed_s: float, what: str) -> None:
    """Refuse an activity whose clock does not move forward, or that lasts over a week."""
    if not elapsed_s > 0:
        raise ParseError(f"the times in this {what} do not move forward, so it has no duration")
    if elapsed_s > MAX_ACTIVITY_DURATION_S:
        days = elapsed_s / 86400
        raise ParseError(
            f"this {what} spans {days:.0f} days; an activity of more than a week cannot be right"
        )


def haversine_m(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Great-circle distances in metres between pairs of points given in degrees."""
    phi1 = np.radians(lat1)
    phi2 = np.radians(lat2)
    dphi = phi2 - phi1
    dlam = np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlam / 2) ** 2
    result: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return result


def step_distances_m(lat: FloatArray, lon: FloatArray, new_segment: FloatArray) -> FloatArray:
    """Distance from each point to the one before, 0 at the start of each segment.

    ``new_segment`` is 1.0 where a segment (a GPX ``trkseg``, a gap in recording) starts.
    Steps to or from a point without a position count as 0.
    """
    steps = np.zeros(lat.shape[0], dtype=np.float64)
    if lat.shape[0] > 1:
        steps[1:] = haversine_m(lat[:-1], lon[:-1], lat[1:], lon[1:])
    steps[new_segment > 0] = 0.0
    steps[~np.isfinite(steps)] = 0.0
    return steps


def speed_mps(time_s: FloatArray, distance_m: FloatArray) -> FloatArray:
    """Speed between each point and the one before (the first point copies the second)."""
    speed = np.full(time_s.shape[0], np.nan, dtype=np.float64)
    if time_s.shape[0] > 1:
        dt = np.diff(time_s)
        dd = np.diff(distance_m)
        with np.errstate(divide="ignore", invalid="ignore"):
            speed[1:] = np.where(dt > 0, dd / np.where(dt > 0, dt, 1.0), np.nan)
        speed[0] = speed[1]
    return speed


def moving_time_s(time_s: FloatArray, distance_m: FloatArray, new_segment: FloatArray) -> float:
    """Seconds spent moving: intervals faster than MOVING_SPEED_MPS, not across segment gaps."""
    if time_s.shape[0] < 2:
        return 0.0
    dt = np.diff(time_s)
    dd = np.diff(distance_m)
    moving = (dt > 0) & (dd >= MOVING_SPEED_MPS * dt) & (new_segment[1:] == 0)
    return float(dt[moving].sum())


def ascent_m(altitude_m: FloatArray | None) -> float | None:
    """Total climb, ignoring wiggles smaller than ASCENT_HYSTERESIS_M."""
    if altitude_m is None:
        return None
    values = altitude_m[np.isfinite(altitude_m)]
    if values.shape[0] < 2:
        return None
    total = 0.0
    reference = float(values[0])
    for value in values[1:].tolist():
        if value - reference >= ASCENT_HYSTERESIS_M:
            total += value - reference
            reference = value
        elif reference - value >= ASCENT_HYSTERESIS_M:
            reference = value
    return total


def optional_stream(values: list[float], present: bool) -> FloatArray | None:
    """A float array of ``values``, or None when the device never recorded the stream."""
    if not present:
        return None
    return np.asarray(values, dtype=np.float64)


def nan_mean(values: FloatArray | None, positive_only: bool = False) -> float | None:
    """The mean of the finite values (only those above 0 when asked), or None."""
    if values is None:
        return None
    keep = np.isfinite(values)
    if positive_only:
        keep &= values > 0
    if not keep.any():
        return None
    return float(values[keep].mean())


def nan_max(values: FloatArray | None) -> float | None:
    """The largest finite value, or None."""
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.shape[0] else None


def foot_cadence_spm(strides_per_min: FloatArray, sport: Sport) -> FloatArray:
    """Steps per minute from a foot cadence in strides per minute (parsers research, §3.5).

    GPX and TCX files from running and walking devices carry strides per minute, like FIT
    (2 x the value); other sports keep their own cadence (revolutions per minute on a bike).
    Values above MAX_STRIDES_PER_MIN are sensor spikes and become missing.
    """
    if sport not in FOOT_SPORTS:
        return strides_per_min
    cleaned = np.where(strides_per_min > MAX_STRIDES_PER_MIN, np.nan, strides_per_min)
    result: FloatArray = cleaned * 2.0
    return result


def to_float(text: str | None) -> float:
    """A number from an XML text, or nan when it is missing, empty or not a finite number."""
    if text is None:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan
