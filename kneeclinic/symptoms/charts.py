"""Chart data for the diary pages (read by static/js/symptoms-charts.js through json_script)."""

from __future__ import annotations

from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.domain import proms
from kneeclinic.symptoms.models import AkpsResponse
from kneeclinic.symptoms.queries import ChartPoint


def pain_chart_data(points: list[ChartPoint]) -> dict[str, object]:
    recorded = [p for p in points if p.worst_nrs is not None]
    if recorded:
        worst = max(recorded, key=lambda p: p.worst_nrs or 0)
        summary = (
            f"Worst pain each day over the last {len(points)} days: recorded on "
            f"{len(recorded)} days, highest {worst.worst_nrs}/10 on {worst.day:%d %b}, "
            f"latest {recorded[-1].worst_nrs}/10 on {recorded[-1].day:%d %b}."
        )
    else:
        summary = f"No pain recorded in the last {len(points)} days."
    return {
        "kind": "pain",
        "labels": [p.day.strftime("%d %b") for p in points],
        "values": [p.worst_nrs for p in points],
        "summary": summary,
    }


def akps_chart_data(history: list[AkpsResponse], runner: User) -> dict[str, object]:
    labels = [timezone.localtime(r.completed_at, runner.tz).strftime("%d %b %Y") for r in history]
    values = [r.total for r in history]
    baseline = values[0] if values else None
    if len(values) > 1 and baseline is not None:
        change = proms.compare_akps(baseline, values[-1])
        summary = f"Kujala score from {baseline} to {values[-1]} out of 100: {change.text}"
    elif values:
        summary = f"One Kujala score so far: {values[0]} out of 100."
    else:
        summary = "No Kujala scores yet."
    return {
        "kind": "akps",
        "labels": labels,
        "values": values,
        "baseline": baseline,
        "mic": proms.AKPS_MIC_POINTS,
        "summary": summary,
    }
