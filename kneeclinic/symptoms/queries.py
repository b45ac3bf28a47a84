"""Reads for the diary pages and the Today card: rows in, domain values out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.domain import pain, proms, selfhelp
from kneeclinic.symptoms.models import AdviceRecord, AkpsResponse, PainEntry, SelfHelpLog

STATUS_DAYS = 28  # enough history for the usual morning level and two weeks of trend
CHART_DAYS = 42


def today_for(runner: User) -> date:
    return timezone.localdate(timezone=runner.tz)


def domain_entries(rows: list[PainEntry]) -> list[pain.PainEntry]:
    return [
        pain.PainEntry(
            row.at,
            row.pain_nrs,
            pain.PainWhen(row.when),
            str(row.activity_id) if row.activity_id else None,
        )
        for row in rows
    ]


def recent_entries(runner: User, days: int) -> list[pain.PainEntry]:
    """The runner's pain entries of the last ``days`` days (and two more), oldest first.

    Read as plain values: a runner who logs often has hundreds in the window, and model
    objects cost several times the values they carry.
    """
    since = timezone.now() - timedelta(days=days + 2)
    rows = (
        PainEntry.objects.filter(runner=runner, at__gte=since)
        .order_by("at")
        .values_list("at", "pain_nrs", "when", "activity_id")
    )
    return [
        pain.PainEntry(at, nrs, pain.PainWhen(when), str(activity) if activity else None)
        for at, nrs, when, activity in rows
    ]


def last_advice_on(runner: User) -> date | None:
    record = AdviceRecord.objects.filter(runner=runner).order_by("-on").first()
    return record.on if record else None


def pain_status(runner: User, today: date | None = None) -> pain.DailyStatus:
    """Today's traffic light, decision and reasons from the pain model."""
    today = today or today_for(runner)
    entries = recent_entries(runner, STATUS_DAYS)
    return pain.daily_status(entries, today, runner.tz, last_advice_on(runner))


def asks_morning_check(runner: User, today: date | None = None) -> bool:
    today = today or today_for(runner)
    start = timezone.now() - timedelta(days=3)
    run_days = {
        timezone.localtime(a.start, runner.tz).date()
        for a in Activity.objects.filter(runner=runner, start__gte=start).only("start")
    }
    return pain.should_ask_morning_check(run_days, recent_entries(runner, 2), today, runner.tz)


@dataclass(frozen=True, slots=True)
class ChartPoint:
    day: date
    worst_nrs: int | None


def pain_chart(runner: User, days: int = CHART_DAYS) -> list[ChartPoint]:
    """The worst pain of each day over the last ``days`` days (None where nothing was recorded)."""
    today = today_for(runner)
    worst = pain.daily_worst_pain(recent_entries(runner, days), runner.tz)
    return [
        ChartPoint(day, worst.get(day))
        for day in (today - timedelta(days=offset) for offset in range(days - 1, -1, -1))
    ]


def diary_rows(runner: User, limit: int = 30) -> list[PainEntry]:
    return list(
        PainEntry.objects.filter(runner=runner).select_related("activity").order_by("-at")[:limit]
    )


def self_help_rows(runner: User, limit: int = 20) -> list[SelfHelpLog]:
    return list(SelfHelpLog.objects.filter(runner=runner).order_by("-at")[:limit])


@dataclass(frozen=True, slots=True)
class MeasureSummary:
    measure: selfhelp.Measure
    title: str
    started_on: date
    times_logged: int
    comparison: selfhelp.Comparison


def self_help_summaries(runner: User) -> list[MeasureSummary]:
    """For each measure used in the last 90 days: pain before and since it was first logged."""
    since = timezone.now() - timedelta(days=90)
    logs = list(SelfHelpLog.objects.filter(runner=runner, at__gte=since).order_by("at"))
    if not logs:
        return []
    rows = list(PainEntry.objects.filter(runner=runner, at__gte=since - timedelta(days=16)))
    worst = pain.daily_worst_pain(domain_entries(rows), runner.tz)
    daily = {day: float(value) for day, value in worst.items()}
    summaries = []
    for measure in selfhelp.Measure:
        used = [log for log in logs if log.measure == measure.value]
        if not used:
            continue
        started = timezone.localtime(used[0].at, runner.tz).date()
        summaries.append(
            MeasureSummary(
                measure,
                selfhelp.GUIDANCE[measure].title,
                started,
                len(used),
                selfhelp.compare_before_after(started, daily),
            )
        )
    return summaries


def akps_history(runner: User) -> list[AkpsResponse]:
    return list(AkpsResponse.objects.filter(runner=runner).order_by("completed_at"))


def akps_reminder(runner: User) -> proms.Reminder:
    last = AkpsResponse.objects.filter(runner=runner).order_by("-completed_at").first()
    last_day = timezone.localtime(last.completed_at, runner.tz).date() if last else None
    return proms.akps_reminder(last_day, today_for(runner))
