"""Read a runner's activities into the load analysis, and shape its results for pages and the CLI.

The maths lives in :mod:`kneeclinic.domain.load`; this module only turns rows into
:class:`~kneeclinic.domain.load.RunRecord` values and results into JSON-friendly data.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connections
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.domain import load
from kneeclinic.domain.activity import SubSport
from kneeclinic.domain.units import DistanceUnit, format_distance
from kneeclinic.plans.models import PlanStatus, RunPlan
from kneeclinic.symptoms.queries import pain_status

INDOOR = frozenset({SubSport.TREADMILL, SubSport.INDOOR, SubSport.VIRTUAL})
RANGES = {"3m": ("3 months", 91), "1y": ("1 year", 365), "all": ("All", None)}
DEFAULT_RANGE = "3m"
SPIKE_LABELS = {
    load.SpikeClass.REFERENCE: "Within 10 % of your recent longest",
    load.SpikeClass.SMALL: "Small spike (10 to 30 % longer)",
    load.SpikeClass.MODERATE: "Moderate spike (30 to 100 % longer)",
    load.SpikeClass.LARGE: "Large spike (more than double)",
    load.SpikeClass.INSUFFICIENT_HISTORY: "No earlier run to compare with",
    load.SpikeClass.NOT_MEASURED: "No distance recorded",
}
SPIKE_BADGES = {
    load.SpikeClass.SMALL: "amber",
    load.SpikeClass.MODERATE: "red",
    load.SpikeClass.LARGE: "red",
}
PROGRESSION_LABELS = {
    load.ProgressionClass.NO_BASELINE: "No earlier week to compare",
    load.ProgressionClass.STEADY: "Steady (under 10 % more)",
    load.ProgressionClass.MODERATE: "Building (10 to 30 % more)",
    load.ProgressionClass.CAUTION: "Caution (over 30 % more)",
}


def unit_of(user: User) -> DistanceUnit:
    return DistanceUnit.MILES if user.units == DistanceUnit.MILES else DistanceUnit.KM


RECORD_FIELDS = (
    "code",
    "start",
    "utc_offset_s",
    "elapsed_s",
    "moving_s",
    "distance_m",
    "sport",
    "sub_sport",
    "excluded_from_load",
)


def _aware(value: datetime | str) -> datetime:
    """A start time from the raw cursor: SQLite gives UTC text, PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _public_code(value: object) -> str:
    """An activity's UUID code as text: SQLite keeps 32 hex digits, PostgreSQL a uuid."""
    if isinstance(value, str) and len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(value)


def _raw_rows(runner: User) -> list[tuple[Any, ...]]:
    """The rows without Django's per-value converters, which cost more than the analysis."""
    query = Activity.objects.filter(runner=runner).values_list(*RECORD_FIELDS)
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def run_records(runner: User) -> list[load.RunRecord]:
    """Every activity of ``runner`` as a plain record (code = the activity's code), in one query."""
    return [
        load.RunRecord(
            code=_public_code(code),
            start=_aware(start),
            distance_m=float(distance_m or 0.0),
            duration_s=float(moving_s if moving_s is not None else elapsed_s),
            sport=sport,
            excluded=bool(excluded),
            indoor=sub_sport in INDOOR,
            utc_offset_s=offset,
        )
        for code, start, offset, elapsed_s, moving_s, distance_m, sport, sub_sport, excluded in (
            _raw_rows(runner)
        )
    ]


def pain_light(runner: User) -> load.PainLight:
    """Today's light from the diary's pain model; green when the diary has nothing to say."""
    light = pain_status(runner).light
    return load.PainLight.GREEN if light is None else load.PainLight(str(light))


def planned_session(runner: User) -> dict[str, object] | None:
    """The current stage of the runner's active return-to-run plan, when it is set by distance."""
    plan = RunPlan.objects.filter(runner=runner, status=PlanStatus.ACTIVE).first()
    if plan is None or plan.stage.total_distance_m is None:
        return None
    distance_m = plan.stage.total_distance_m
    return {
        "label": f"Stage {plan.stage.number} of your return-to-run plan",
        "distance": format_distance(distance_m, unit_of(runner), decimals=2),
        "query": f"{round(distance_m)} m",
    }


def summary_for(runner: User, now: datetime | None = None) -> load.LoadSummary:
    """The whole load analysis of ``runner`` as of ``now`` (default: this moment)."""
    return load.analyse(
        run_records(runner),
        now=now or timezone.now(),
        tz=runner.tz,
        pain=pain_light(runner),
        unit=unit_of(runner),
    )


def spikes_by_code(runner: User) -> dict[str, load.RunLoad]:
    """Each activity's place in the load analysis (its spike, ratio and reference) by its code.

    For the run pages and the import summary: ``spikes_by_code(runner)[str(activity.code)]``.
    """
    return summary_for(runner).by_code()


# --- shaping for the page ------------------------------------------------------------------------


def _in_unit(metres: float, unit: DistanceUnit) -> float:
    return round(metres / unit.metres, 2)


def _ms(day: date) -> int:
    """A day as milliseconds since 1970 at midnight UTC (the charts read dates in UTC)."""
    return (day.toordinal() - date(1970, 1, 1).toordinal()) * 86_400_000


def range_start(summary: load.LoadSummary, key: str) -> date | None:
    days = RANGES[key][1]
    return None if days is None else summary.today - timedelta(days=days - 1)


def weeks_in_range(summary: load.LoadSummary, start: date | None) -> list[load.WeekTotal]:
    if start is None:
        return list(summary.weeks)
    first_monday = start - timedelta(days=start.weekday())
    return [week for week in summary.weeks if week.week_start >= first_monday]


def runs_in_range(summary: load.LoadSummary, start: date | None) -> list[load.RunLoad]:
    return [
        run for run in summary.runs if run.counted and (start is None or run.local_date >= start)
    ]


def _daily_points(
    daily: load.DailySeries, values: Any, start: date | None, unit: DistanceUnit | None
) -> list[list[float]]:
    """``[ms, value]`` pairs of a daily series from ``start``; gaps (nan) are left out."""
    first = daily.first_day.toordinal()
    offset = 0 if start is None else max(start.toordinal() - first, 0)
    step = 7 if start is None and len(values) - offset > 800 else 1  # weekly points for "all"
    points: list[list[float]] = []
    base = _ms(daily.first_day)
    for i, value in enumerate(values[offset::step].tolist()):
        if not math.isnan(value):
            day_ms = base + (offset + i * step) * 86_400_000
            points.append([day_ms, _in_unit(value, unit) if unit else round(value, 3)])
    return points


def chart_data(summary: load.LoadSummary, key: str) -> dict[str, Any]:
    """Everything the three charts on the Load page draw, in the runner's unit."""
    unit = summary.unit
    start = range_start(summary, key)
    weeks = weeks_in_range(summary, start)
    groups: dict[str, list[list[float | None]]] = {}
    for run in runs_in_range(summary, start):
        spike = run.spike or load.SpikeClass.INSUFFICIENT_HISTORY
        ratio = None if run.ratio is None else round(run.ratio, 2)
        groups.setdefault(spike.value, []).append(
            [_ms(run.local_date), _in_unit(run.distance_m, unit), ratio]
        )
    daily = summary.daily
    show_acwr = summary.history_days >= load.ACWR_MIN_HISTORY_DAYS and daily is not None
    first = start or (daily.first_day if daily is not None else summary.today)
    return {
        "unit": unit.label,
        "start": _ms(first),
        "end": _ms(summary.today),
        "weeks": {
            "labels": [_ms(week.week_start) for week in weeks],
            "distance": [_in_unit(week.distance_m, unit) for week in weeks],
        },
        "runs": [
            {"cls": cls.value, "label": SPIKE_LABELS[cls], "points": groups.get(cls.value, [])}
            for cls in SPIKE_LABELS
        ],
        "longest": _daily_points(daily, daily.longest_30d_m, start, unit) if daily else [],
        "acwr": {
            "rolling": _daily_points(daily, daily.acwr_rolling, start, None),
            "ewma": _daily_points(daily, daily.acwr_ewma, start, None),
        }
        if show_acwr and daily is not None
        else None,
    }


# --- shaping for the CLI --------------------------------------------------------------------------


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def as_json(summary: load.LoadSummary) -> dict[str, Any]:
    """The summary as plain JSON data: metres and seconds, ratios unrounded."""
    ratios = summary.acute_chronic
    return {
        "today": _iso(summary.today),
        "unit": summary.unit.value,
        "pain_light": summary.pain.value,
        "summary": summary.sentence,
        "history_days": summary.history_days,
        "longest_30d_m": summary.longest_30d_m,
        "guardrails": {
            "next_run": {
                "max_distance_m": summary.next_run.max_distance_m,
                "basis_m": summary.next_run.basis_m,
                "factor": summary.next_run.factor,
                "reason": summary.next_run.reason,
            },
            "week": {
                "max_distance_m": summary.week.max_distance_m,
                "last_week_m": summary.week.last_week_m,
                "this_week_m": summary.week.this_week_m,
                "remaining_m": summary.week.remaining_m,
                "reason": summary.week.reason,
            },
        },
        "progression": {
            "last_7d_m": summary.progression.last_7d_m,
            "previous_7d_m": summary.progression.previous_7d_m,
            "change": summary.progression.change,
            "category": summary.progression.category.value,
        },
        "acute_chronic": None
        if ratios is None
        else {
            "note": "descriptive only, not an injury-risk score",
            "acute_7d_m": ratios.acute_7d_m,
            "chronic_weekly_m": ratios.chronic_weekly_m,
            "rolling_uncoupled": ratios.rolling,
            "ewma": ratios.ewma,
        },
        "weeks": [
            {
                "week_start": _iso(week.week_start),
                "distance_m": week.distance_m,
                "duration_s": week.duration_s,
                "runs": week.runs,
                "progression": week.progression,
                "progression_class": week.progression_class.value,
            }
            for week in summary.weeks
        ],
        "runs": [
            {
                "activity": run.code,
                "start": _iso(run.start),
                "local_date": _iso(run.local_date),
                "distance_m": run.distance_m,
                "duration_s": run.duration_s,
                "indoor": run.indoor,
                "status": run.status.value,
                "reference_m": run.reference_m,
                "ratio": run.ratio,
                "spike": None if run.spike is None else run.spike.value,
            }
            for run in summary.runs
        ],
    }


def _signed_percent(change: float | None) -> str:
    if change is None:
        return "\u2013"
    percent = round(change * 100)
    return f"+{percent} %" if percent > 0 else f"\u2212{-percent} %" if percent < 0 else "0 %"


def week_rows(weeks: list[load.WeekTotal], unit: DistanceUnit) -> list[dict[str, object]]:
    """The weekly chart's figures as table rows, newest first, already written out."""
    return [
        {
            "period": f"{week.week_start.day} {week.week_start:%b %Y}",
            "distance": format_distance(week.distance_m, unit),
            "runs": week.runs,
            "change": _signed_percent(week.progression),
            "label": PROGRESSION_LABELS[week.progression_class],
        }
        for week in reversed(weeks)
    ]


def year_rows(summary: load.LoadSummary) -> list[dict[str, object]]:
    """Yearly totals, newest first: a readable stand-in for ten years of weekly bars."""
    totals: dict[int, list[float]] = {}
    for week in summary.weeks:
        total = totals.setdefault(week.week_start.year, [0.0, 0.0, 0.0])
        total[0] += week.distance_m
        total[1] += week.runs
        total[2] = max(total[2], week.distance_m)
    rows: list[dict[str, object]] = []
    years = sorted(totals)
    for i, year in enumerate(years):
        distance, runs, best_week = totals[year]
        before = totals[years[i - 1]][0] if i else 0.0
        rows.append(
            {
                "period": str(year),
                "distance": format_distance(distance, summary.unit),
                "runs": int(runs),
                "change": _signed_percent((distance - before) / before if before else None),
                "label": f"Biggest week: {format_distance(best_week, summary.unit)}",
            }
        )
    return rows[::-1]


def page_context(summary: load.LoadSummary, key: str) -> dict[str, Any]:
    """What the Load page's template shows, for the range ``key`` ("3m", "1y" or "all")."""
    start = range_start(summary, key)
    weeks = weeks_in_range(summary, start)
    spikes = [run for run in runs_in_range(summary, start) if run.is_spike]
    progression = summary.progression.category
    return {
        "summary": summary,
        "unit": summary.unit,
        "range_key": key,
        "range_label": RANGES[key][0],
        "ranges": [
            {"key": name, "label": label, "active": name == key}
            for name, (label, _days) in RANGES.items()
        ],
        "chart": chart_data(summary, key),
        "table_period": "Year" if key == "all" else "Week of",
        "table_rows": year_rows(summary) if key == "all" else week_rows(weeks, summary.unit),
        "spike_rows": [
            {
                "run": run,
                "label": SPIKE_LABELS[run.spike or load.SpikeClass.INSUFFICIENT_HISTORY],
                "badge": SPIKE_BADGES.get(run.spike or load.SpikeClass.REFERENCE, "neutral"),
            }
            for run in reversed(spikes)
        ],
        "progression_label": PROGRESSION_LABELS[progression],
        "progression_badge": {
            load.ProgressionClass.CAUTION: "amber",
            load.ProgressionClass.STEADY: "green",
        }.get(progression, "neutral"),
        "acwr_min_days": load.ACWR_MIN_HISTORY_DAYS,
        "spike_notes": [
            load.spike_context(cls)
            for cls in load.SPIKE_HAZARD_RATE_RATIOS
            if any(run.spike is cls for run in spikes)
        ],
    }
