"""Template filters for load figures in the runner's own unit."""

from __future__ import annotations

from django import template

from kneeclinic.domain.units import DistanceUnit, format_distance

register = template.Library()
NONE = "\u2013"  # an en dash for "no figure"
MINUS = "\u2212"  # a true minus sign reads better than a hyphen


@register.filter
def distance(metres: float | None, unit: DistanceUnit) -> str:
    """``{{ run.distance_m|distance:unit }}`` -> "14.2 km"; a dash when there is none."""
    return NONE if metres is None else format_distance(metres, unit)


@register.filter
def limit(metres: float | None, unit: DistanceUnit) -> str:
    """A limit, rounded down so the figure shown never exceeds it."""
    return NONE if metres is None else format_distance(metres, unit, round_down=True)


@register.filter
def change(ratio_change: float | None) -> str:
    """A change as a signed percentage: 0.23 -> "+23 %", -0.4 -> "-40 %"."""
    if ratio_change is None:
        return NONE
    percent = round(ratio_change * 100)
    if percent > 0:
        return f"+{percent} %"
    if percent < 0:
        return f"{MINUS}{-percent} %"
    return "0 %"


@register.filter
def ratio_change(ratio: float | None) -> str:
    """A run's ratio to its reference as a change: 1.25 -> "+25 %"."""
    return change(None if ratio is None else ratio - 1)


@register.filter
def two_decimals(value: float | None) -> str:
    return NONE if value is None else f"{value:.2f}"
