"""One runner's record on one time axis: weekly load, pain, Kujala scores and self-help.

Every series is keyed by the Monday of its week so the charts line up by date.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from django.urls import reverse
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.clinic import sources
from kneeclinic.core import formats
from kneeclinic.domain import units

WEEKS_SHOWN = 26
RECENT_ROWS = 12
NONE = "\N{EN DASH}"
ZERO_CODE = uuid.UUID(int=0)
# What the recent runs' table shows (a whole activity row is twice the work to load).
RUN_COLUMNS = (
    "code", "name", "start", "distance_m", "moving_s", "elapsed_s", "avg_cadence_spm",
)  # fmt: skip
PAIN_SERIES = (
    ("during_run", "During a run"),
    ("after_run", "After a run"),
    ("next_morning", "Next morning"),
)


def _utc_midnight(day: date) -> datetime:
    """The start of ``day`` in UTC: a bound an index on a timestamp can use (``__date`` cannot).

    Callers take a day's margin, so rows are never missed in any time zone; rows before the
    first week are then left out by the week they fall in, in the runner's own time zone.
    """
    return datetime.combine(day, time.min, tzinfo=UTC)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class Timeline:
    weeks: list[date]
    load_km: list[float]
    pain: dict[str, list[int | None]]
    kujala: list[tuple[date, int]]
    self_help_days: list[int]
    exercise_days: list[int] = field(default_factory=list)
    unit: units.DistanceUnit = units.DistanceUnit.KM
    recent_runs: list[Any] = field(default_factory=list)
    recent_pain: list[Any] = field(default_factory=list)
    plans: list[Any] = field(default_factory=list)

    def chart_data(self) -> dict[str, Any]:
        return {
            "weeks": [week.isoformat() for week in self.weeks],
            "load": self.load_km,
            "exercise": self.exercise_days,
            "unit": self.unit.label,
            "pain": {label: self.pain[key] for key, label in PAIN_SERIES if key in self.pain},
            "kujala": {week.isoformat(): score for week, score in self._kujala_by_week()},
        }

    def _kujala_by_week(self) -> list[tuple[date, int]]:
        return [(monday(day), score) for day, score in self.kujala]

    @property
    def week_rows(self) -> list[dict[str, Any]]:
        empty: list[int | None] = [None] * len(self.weeks)
        return [
            {
                "week": week,
                "week_text": formats.day_month_year(week),
                "load": self.load_km[i],
                "during": self.pain.get("during_run", empty)[i],
                "after": self.pain.get("after_run", empty)[i],
                "morning": self.pain.get("next_morning", empty)[i],
                "pain_text": " / ".join(
                    NONE if value is None else str(value)
                    for value in (
                        self.pain.get("during_run", empty)[i],
                        self.pain.get("after_run", empty)[i],
                        self.pain.get("next_morning", empty)[i],
                    )
                ),
                "self_help": self.self_help_days[i],
                "exercise": self.exercise_days[i] if self.exercise_days else 0,
            }
            for i, week in enumerate(self.weeks)
        ]

    def pain_rows(self, zone: tzinfo) -> list[dict[str, str]]:
        """The recent pain entries, written for the table (dates in ``zone``)."""
        rows = []
        for entry in self.recent_pain:
            where = entry.get_knee_display() or NONE
            if entry.spot:
                where += f", {entry.get_spot_display().lower()}"
            rows.append(
                {
                    "when": formats.date_time(entry.at, zone),
                    "pain": f"{entry.pain_nrs}/10",
                    "situation": entry.get_when_display(),
                    "where": where,
                }
            )
        return rows

    @property
    def total_km(self) -> float:
        return round(sum(self.load_km), 1)

    @property
    def summary(self) -> str:
        """A sentence for people who cannot see the charts."""
        if not self.weeks:
            return "No data yet."
        busiest = max(range(len(self.weeks)), key=lambda i: self.load_km[i])
        parts = [
            f"Over the {len(self.weeks)} weeks from {self.weeks[0]:%d %b %Y}, "
            f"{self.total_km} {self.unit.label} were run; the biggest week was "
            f"{self.load_km[busiest]} {self.unit.label} "
            f"(week of {self.weeks[busiest]:%d %b %Y})."
        ]
        worst = [(v, k) for k, series in self.pain.items() for v in series if v is not None]
        if worst:
            parts.append(f"The highest pain score recorded was {max(worst)[0]}/10.")
        if self.kujala:
            first, last = self.kujala[0], self.kujala[-1]
            parts.append(f"Kujala score went from {first[1]} to {last[1]} out of 100.")
        return " ".join(parts)


def build(
    runner: User,
    *,
    unit: str = "km",
    today: date | None = None,
    weeks: int = WEEKS_SHOWN,
) -> Timeline:
    """The runner's last ``weeks`` weeks; load is given in ``unit`` (the reader's choice)."""
    distance_unit = units.DistanceUnit(unit)
    today = today or timezone.localdate(timezone=runner.tz)
    first = monday(today) - timedelta(weeks=weeks - 1)
    week_list = [first + timedelta(weeks=i) for i in range(weeks)]
    index = {week: i for i, week in enumerate(week_list)}
    tz = runner.tz
    load = [0.0] * weeks
    runs = Activity.objects.filter(
        runner=runner,
        sport="running",
        excluded_from_load=False,
        start__gte=_utc_midnight(first - timedelta(days=1)),
    ).values_list("start", "distance_m")
    for start, distance_m in runs:
        week = monday(timezone.localtime(start, tz).date())
        if week in index and distance_m:
            load[index[week]] += units.to_unit(distance_m, distance_unit)
    timeline = Timeline(
        weeks=week_list,
        load_km=[round(km, 1) for km in load],
        pain={},
        kujala=[],
        self_help_days=[0] * weeks,
        unit=distance_unit,
    )
    timeline.recent_runs = list(
        Activity.objects.filter(runner=runner).only(*RUN_COLUMNS).order_by("-start")[:RECENT_ROWS]
    )
    _add_pain(timeline, runner, first, index)
    _add_kujala(timeline, runner)
    _add_self_help(timeline, runner, first, index)
    _add_exercise(timeline, runner, first, index)
    _add_plans(timeline, runner)
    return timeline


def _add_pain(timeline: Timeline, runner: User, first: date, index: dict[date, int]) -> None:
    model = sources.pain_entries()
    if model is None:
        return
    worst: dict[str, list[int | None]] = {key: [None] * len(index) for key, _ in PAIN_SERIES}
    since = _utc_midnight(first - timedelta(days=1))
    rows = model.objects.filter(runner=runner, at__gte=since).values_list("at", "when", "pain_nrs")
    for at, when, nrs in rows:
        week = monday(timezone.localtime(at, runner.tz).date())
        if week in index and when in worst:
            current = worst[when][index[week]]
            worst[when][index[week]] = nrs if current is None else max(current, nrs)
    timeline.pain = worst
    timeline.recent_pain = list(
        model.objects.filter(runner=runner)
        .only("at", "pain_nrs", "when", "knee", "spot")
        .order_by("-at")[:RECENT_ROWS]
    )


def _add_kujala(timeline: Timeline, runner: User) -> None:
    model = sources.kujala_responses()
    if model is None:
        return
    timeline.kujala = [
        (timezone.localtime(at, runner.tz).date(), total)
        for at, total in model.objects.filter(runner=runner)
        .order_by("completed_at")
        .values_list("completed_at", "total")
    ]


def _add_self_help(timeline: Timeline, runner: User, first: date, index: dict[date, int]) -> None:
    model = sources.self_help_logs()
    if model is None:
        return
    days: dict[date, set[date]] = defaultdict(set)
    since = _utc_midnight(first - timedelta(days=1))
    for (at,) in model.objects.filter(runner=runner, at__gte=since).values_list("at"):
        local = timezone.localtime(at, runner.tz).date()
        days[monday(local)].add(local)
    timeline.self_help_days = [len(days.get(week, ())) for week in timeline.weeks]


def _add_plans(timeline: Timeline, runner: User) -> None:
    model = sources.run_plans()
    if model is None:
        return
    timeline.plans = list(model.objects.filter(runner=runner).order_by("-created_at")[:3])


def run_rows(timeline: Timeline, zone: tzinfo | None = None) -> list[dict[str, Any]]:
    """The recent runs, formatted in the reader's unit (dates in ``zone``, default UTC)."""
    rows = []
    link = reverse("activities:show-run", args=[ZERO_CODE]).replace(str(ZERO_CODE), "{}")
    for run in timeline.recent_runs:
        distance = run.distance_m or 0.0
        pace = units.pace_s_per_m(distance, run.moving_s or run.elapsed_s) if distance else None
        rows.append(
            {
                "run": run,
                "url": link.format(run.code),
                "on": formats.day_month_year(timezone.localtime(run.start, zone or UTC).date()),
                "name": run.name or "Run",
                "cadence": f"{int(run.avg_cadence_spm + 0.5)} spm" if run.avg_cadence_spm else NONE,
                "distance": units.format_distance(distance, timeline.unit)
                if distance
                else "no distance",
                "pace": units.format_pace(pace, timeline.unit),
                "time": units.format_duration(run.moving_s or run.elapsed_s),
            }
        )
    return rows


def _add_exercise(timeline: Timeline, runner: User, first: date, index: dict[date, int]) -> None:
    model = sources.exercise_sessions()
    timeline.exercise_days = [0] * len(index)
    if model is None:
        return
    days: dict[date, set[date]] = defaultdict(set)
    for (day,) in model.objects.filter(
        runner=runner, local_date__gte=first, warm_up=False
    ).values_list("local_date"):
        days[monday(day)].add(day)
    timeline.exercise_days = [len(days.get(week, ())) for week in timeline.weeks]
