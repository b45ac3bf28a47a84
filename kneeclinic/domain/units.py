"""Distance, pace, speed and duration: conversions and the way we write them.

Everything is stored in SI units (metres, seconds, metres per second); these helpers turn
those into the unit the runner chose (kilometres or miles) and into short, readable text.
"""

from __future__ import annotations

import enum
import math
import re

METRES_PER_KM = 1000.0
METRES_PER_MILE = 1609.344  # the international mile, exactly
SECONDS_PER_HOUR = 3600.0
MAX_TYPED_DISTANCE_M = 1_000_000.0  # nobody plans a single run longer than 1,000 km


class UnitError(ValueError):
    """A value that cannot be converted or written, with a reason a person understands."""


class DistanceUnit(enum.StrEnum):
    """The distance unit a runner reads: kilometres or (international) miles."""

    KM = "km"
    MILES = "mi"

    @property
    def metres(self) -> float:
        """How many metres one of this unit holds."""
        return METRES_PER_KM if self is DistanceUnit.KM else METRES_PER_MILE

    @property
    def label(self) -> str:
        """The short label written after a number ("km", "mi")."""
        return self.value

    @property
    def name_plural(self) -> str:
        """The unit written out, for sentences ("kilometres", "miles")."""
        return "kilometres" if self is DistanceUnit.KM else "miles"

    @property
    def speed_label(self) -> str:
        """The speed label for this unit ("km/h", "mph")."""
        return "km/h" if self is DistanceUnit.KM else "mph"


def _finite(value: float, what: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise UnitError(f"The {what} is not a number we can use ({value!r}).")
    return number


def _non_negative(value: float, what: str) -> float:
    number = _finite(value, what)
    if number < 0:
        raise UnitError(f"The {what} cannot be negative ({value!r}).")
    return number


def km_to_miles(km: float) -> float:
    """Kilometres to miles."""
    return _finite(km, "distance") * METRES_PER_KM / METRES_PER_MILE


def miles_to_km(miles: float) -> float:
    """Miles to kilometres."""
    return _finite(miles, "distance") * METRES_PER_MILE / METRES_PER_KM


def to_unit(distance_m: float, unit: DistanceUnit) -> float:
    """Metres to the runner's unit (kilometres or miles)."""
    return _finite(distance_m, "distance") / unit.metres


def from_unit(value: float, unit: DistanceUnit) -> float:
    """A distance in the runner's unit back to metres."""
    return _finite(value, "distance") * unit.metres


def _round_to(value: float, decimals: int, *, down: bool) -> float:
    scale = 10.0**decimals
    if down:
        # A tiny nudge so that 15.6 stored as 15.5999999 still shows as 15.6.
        return math.floor(value * scale + 1e-9) / scale
    return round(value, decimals)


def format_number(value: float, decimals: int = 1, *, round_down: bool = False) -> str:
    """A number with a fixed count of decimals and thousands separators ("1,234.5")."""
    number = _round_to(_finite(value, "number"), decimals, down=round_down)
    if number == 0:
        number = 0.0  # never write "-0.0"
    return f"{number:,.{decimals}f}"


def format_distance(
    distance_m: float, unit: DistanceUnit, *, decimals: int = 1, round_down: bool = False
) -> str:
    """A distance in the runner's unit with its label, e.g. ``"14.2 km"`` or ``"8.8 mi"``.

    ``round_down`` is for limits ("keep it under ..."), so that the figure shown never
    exceeds the real limit.
    """
    value = to_unit(_non_negative(distance_m, "distance"), unit)
    return f"{format_number(value, decimals, round_down=round_down)} {unit.label}"


def pace_s_per_m(distance_m: float, duration_s: float) -> float | None:
    """Seconds per metre, or ``None`` when there is no distance to divide by."""
    distance = _non_negative(distance_m, "distance")
    duration = _non_negative(duration_s, "duration")
    if distance == 0:
        return None
    return duration / distance


def _minutes_seconds(total_s: float) -> str:
    whole = round(total_s)
    minutes, seconds = divmod(whole, 60)
    return f"{minutes}:{seconds:02d}"


def format_pace(pace_s_per_metre: float | None, unit: DistanceUnit) -> str:
    """Pace as minutes and seconds per km or per mile, e.g. ``"5:30 min/km"``.

    ``None`` (a run with no distance, such as a treadmill run without a foot pod) reads "no pace".
    """
    if pace_s_per_metre is None:
        return "no pace"
    pace = _non_negative(pace_s_per_metre, "pace")
    return f"{_minutes_seconds(pace * unit.metres)} min/{unit.label}"


def speed_mps(distance_m: float, duration_s: float) -> float | None:
    """Average speed in metres per second, or ``None`` when the duration is zero."""
    distance = _non_negative(distance_m, "distance")
    duration = _non_negative(duration_s, "duration")
    if duration == 0:
        return None
    return distance / duration


def speed_in_unit(speed_metres_per_s: float, unit: DistanceUnit) -> float:
    """Metres per second to km/h or mph."""
    return _non_negative(speed_metres_per_s, "speed") * SECONDS_PER_HOUR / unit.metres


def format_speed(speed_metres_per_s: float | None, unit: DistanceUnit) -> str:
    """Speed in km/h or mph with one decimal, e.g. ``"10.9 km/h"``."""
    if speed_metres_per_s is None:
        return "no speed"
    return f"{format_number(speed_in_unit(speed_metres_per_s, unit), 1)} {unit.speed_label}"


def format_duration(duration_s: float) -> str:
    """A duration to the nearest second: ``"45:07"`` under an hour, ``"1:02:03"`` from an hour."""
    whole = round(_non_negative(duration_s, "duration"))
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def format_duration_words(duration_s: float) -> str:
    """A duration to the nearest minute in words, e.g. ``"1 h 05 min"`` or ``"42 min"``."""
    whole_minutes = round(_non_negative(duration_s, "duration") / 60)
    hours, minutes = divmod(whole_minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


_DISTANCE_TEXT = re.compile(
    r"^\s*(?P<number>\d+(?:[.,]\d+)?)\s*(?P<unit>km|kms|kilometres?|kilometers?|mi|miles?|m)?\s*$",
    re.IGNORECASE,
)


def parse_distance(text: str, unit: DistanceUnit) -> float:
    """A typed distance such as ``"12"``, ``"12,5"``, ``"7.5 mi"`` or ``"800 m"``, in metres.

    A bare number is read in the runner's own unit.
    """
    match = _DISTANCE_TEXT.match(text)
    if match is None:
        raise UnitError(f"Type a distance as a number, such as 12 or 12.5 ({unit.label}).")
    value = float(match["number"].replace(",", "."))
    word = (match["unit"] or "").lower()
    if word == "m":
        distance_m = value
    elif word.startswith("k"):
        distance_m = value * METRES_PER_KM
    elif word.startswith("mi"):
        distance_m = value * METRES_PER_MILE
    else:
        distance_m = from_unit(value, unit)
    if distance_m <= 0:
        raise UnitError("Type a distance greater than zero.")
    if distance_m > MAX_TYPED_DISTANCE_M:
        raise UnitError("That distance is too long for a single run.")
    return distance_m
