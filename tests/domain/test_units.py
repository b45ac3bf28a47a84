"""Units: conversions and formatting, checked against figures worked out by hand."""

from __future__ import annotations

import math

import pytest

from kneeclinic.domain.units import (
    METRES_PER_MILE,
    DistanceUnit,
    UnitError,
    format_distance,
    format_duration,
    format_duration_words,
    format_number,
    format_pace,
    format_speed,
    from_unit,
    km_to_miles,
    miles_to_km,
    pace_s_per_m,
    parse_distance,
    speed_in_unit,
    speed_mps,
    to_unit,
)

KM = DistanceUnit.KM
MI = DistanceUnit.MILES


def test_a_mile_is_exactly_1609_344_metres() -> None:
    assert METRES_PER_MILE == 1609.344
    assert km_to_miles(1.609344) == pytest.approx(1.0)
    assert miles_to_km(1.0) == pytest.approx(1.609344)
    assert miles_to_km(26.21875) == pytest.approx(42.194988, abs=1e-6)


def test_the_units_know_their_size_and_labels() -> None:
    assert KM.metres == 1000.0
    assert MI.metres == 1609.344
    assert (KM.label, MI.label) == ("km", "mi")
    assert (KM.name_plural, MI.name_plural) == ("kilometres", "miles")
    assert (KM.speed_label, MI.speed_label) == ("km/h", "mph")
    assert DistanceUnit("mi") is MI


def test_it_converts_metres_to_the_runners_unit_and_back() -> None:
    assert to_unit(14_200, KM) == pytest.approx(14.2)
    assert to_unit(16_093.44, MI) == pytest.approx(10.0)
    assert from_unit(10.0, MI) == pytest.approx(16_093.44)
    assert from_unit(14.2, KM) == pytest.approx(14_200)


def test_it_writes_distances_with_one_decimal_and_the_unit() -> None:
    assert format_distance(14_200, KM) == "14.2 km"
    # 14,200 m / 1,609.344 = 8.8235 mi
    assert format_distance(14_200, MI) == "8.8 mi"
    assert format_distance(0, KM) == "0.0 km"
    assert format_distance(5_000, KM, decimals=0) == "5 km"
    assert format_distance(1_234_500, KM) == "1,234.5 km"


def test_limits_are_rounded_down_so_the_shown_figure_never_exceeds_the_limit() -> None:
    assert format_distance(15_680, KM) == "15.7 km"
    assert format_distance(15_680, KM, round_down=True) == "15.6 km"
    # 15.6 km held as a float just below it still reads 15.6
    assert format_distance(14_200 * 1.1 - 20, KM, round_down=True) == "15.6 km"
    assert format_distance(15_600.0, KM, round_down=True) == "15.6 km"


def test_numbers_never_read_as_negative_zero() -> None:
    assert format_number(-0.04, 1) == "0.0"
    assert format_number(2.25, 2) == "2.25"


def test_pace_is_minutes_and_seconds_per_km_or_mile() -> None:
    pace = pace_s_per_m(5_000, 1_650)  # 330 s per km
    assert pace == pytest.approx(0.33)
    assert format_pace(pace, KM) == "5:30 min/km"
    # 330 s/km x 1.609344 = 531.08 s per mile
    assert format_pace(pace, MI) == "8:51 min/mi"


def test_pace_seconds_that_round_to_sixty_carry_into_the_minute() -> None:
    assert format_pace(0.3596, KM) == "6:00 min/km"


def test_a_run_with_no_distance_has_no_pace() -> None:
    assert pace_s_per_m(0, 1_800) is None
    assert format_pace(None, KM) == "no pace"


def test_speed_is_in_km_per_hour_or_miles_per_hour() -> None:
    speed = speed_mps(10_000, 3_600)
    assert speed == pytest.approx(2.7778, abs=1e-4)
    assert speed is not None
    assert speed_in_unit(speed, KM) == pytest.approx(10.0)
    assert format_speed(speed, KM) == "10.0 km/h"
    # 10 km/h / 1.609344 = 6.2137 mph
    assert format_speed(speed, MI) == "6.2 mph"


def test_a_zero_duration_has_no_speed() -> None:
    assert speed_mps(100, 0) is None
    assert format_speed(None, KM) == "no speed"


def test_durations_read_as_clock_times() -> None:
    assert format_duration(2_707) == "45:07"
    assert format_duration(3_723) == "1:02:03"
    assert format_duration(59.6) == "1:00"
    assert format_duration(0) == "0:00"
    assert format_duration(36_000) == "10:00:00"


def test_durations_read_in_words_to_the_minute() -> None:
    assert format_duration_words(3_900) == "1 h 05 min"
    assert format_duration_words(2_520) == "42 min"
    assert format_duration_words(29) == "0 min"


@pytest.mark.parametrize(
    ("text", "unit", "metres"),
    [
        ("12", KM, 12_000.0),
        ("12.5", KM, 12_500.0),
        ("12,5", KM, 12_500.0),
        (" 10 km ", MI, 10_000.0),
        ("3 kilometres", MI, 3_000.0),
        ("5", MI, 8_046.72),
        ("7.5 mi", KM, 12_070.08),
        ("2 Miles", KM, 3_218.688),
        ("800 m", MI, 800.0),
    ],
)
def test_it_reads_a_typed_distance(text: str, unit: DistanceUnit, metres: float) -> None:
    assert parse_distance(text, unit) == pytest.approx(metres)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "Type a distance as a number"),
        ("", "Type a distance as a number"),
        ("-3", "Type a distance as a number"),
        ("10 furlongs", "Type a distance as a number"),
        ("0", "greater than zero"),
        ("2000 km", "too long"),
    ],
)
def test_it_refuses_a_distance_it_cannot_read(text: str, message: str) -> None:
    with pytest.raises(UnitError, match=message):
        parse_distance(text, KM)


def test_it_refuses_negative_and_non_numeric_values() -> None:
    with pytest.raises(UnitError, match="cannot be negative"):
        format_distance(-1, KM)
    with pytest.raises(UnitError, match="not a number"):
        to_unit(math.nan, KM)
    with pytest.raises(UnitError, match="not a number"):
        km_to_miles(math.inf)
    with pytest.raises(UnitError, match="duration cannot be negative"):
        pace_s_per_m(1_000, -5)
    with pytest.raises(UnitError, match="pace cannot be negative"):
        format_pace(-0.3, KM)
    with pytest.raises(UnitError, match="duration cannot be negative"):
        format_duration(-1)
