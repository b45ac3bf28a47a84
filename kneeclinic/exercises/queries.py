"""Reads for the exercise pages: the active programme, today's session, suggestions, adherence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from kneeclinic.accounts.models import User
from kneeclinic.domain import exercises as library
from kneeclinic.domain import programmes as domain
from kneeclinic.domain.pain import PainWhen
from kneeclinic.exercises.models import (
    Decision,
    ExerciseLog,
    ExerciseSession,
    Programme,
    ProgrammeItem,
    SessionStatus,
)
from kneeclinic.symptoms.models import PainEntry


def active_programme(runner: User) -> Programme | None:
    return Programme.objects.filter(runner=runner, active=True).first()


def local_today(runner: User) -> date:
    from django.utils import timezone

    return timezone.localtime(timezone=runner.tz).date()


def warm_up_minutes() -> int:
    """How long the pre-run warm-up takes, rounded to whole minutes."""
    return round(domain.estimated_duration_s(domain.warm_up()) / 60)


def current_week(programme: Programme, today: date) -> int:
    """The programme week of ``today``; 1 before the start, the last week after the end."""
    if today < programme.started_on:
        return 1
    return min(domain.programme_week(programme.started_on, today), programme.weeks)


def items_for_week(programme: Programme, week: int) -> list[ProgrammeItem]:
    return [
        item
        for item in programme.items.all()
        if item.from_week <= week and (item.until_week is None or week <= item.until_week)
    ]


@dataclass(frozen=True, slots=True)
class Today:
    """What the runner's exercise day looks like."""

    programme: Programme
    week: int
    phase: domain.Phase
    planned: bool
    done: bool
    partial: bool
    items: list[ProgrammeItem]
    minutes: int
    next_day: date | None


def today(programme: Programme, day: date) -> Today:
    week = current_week(programme, day)
    items = items_for_week(programme, week)
    statuses = set(
        ExerciseSession.objects.filter(
            programme=programme, local_date=day, warm_up=False
        ).values_list("status", flat=True)
    )
    later = domain.session_days(
        programme.started_on, programme.days_per_week, day + timedelta(days=1), day + timedelta(7)
    )
    return Today(
        programme=programme,
        week=week,
        phase=domain.phase_for_week(week),
        planned=domain.is_session_day(programme.started_on, programme.days_per_week, day),
        done=SessionStatus.COMPLETE in statuses,
        partial=statuses == {SessionStatus.PARTIAL},
        items=items,
        minutes=round(domain.estimated_duration_s(i.as_domain() for i in items) / 60),
        next_day=later[0] if later else None,
    )


# ---------------------------------------------------------------------------- progression


def morning_pain_by_day(runner: User, first: date, last: date) -> dict[date, int]:
    """The diary's morning knee score for each local day (the latest entry of that morning)."""
    from datetime import datetime, time

    tz = runner.tz
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    scores: dict[date, int] = {}
    entries = PainEntry.objects.filter(
        runner=runner, when=PainWhen.NEXT_MORNING, at__gte=start, at__lt=end
    ).order_by("at")
    for entry in entries:
        scores[entry.at.astimezone(tz).date()] = entry.pain_nrs
    return scores


def _logs(programme: Programme, slugs: list[str]) -> list[ExerciseLog]:
    return list(
        ExerciseLog.objects.filter(
            session__programme=programme, slug__in=slugs, skipped=False, pain_nrs__isnull=False
        )
        .select_related("session")
        .order_by("session__local_date", "session__started_at")
    )


def _mornings(runner: User, logs: list[ExerciseLog]) -> dict[date, int]:
    if not logs:
        return {}
    first = min(log.session.local_date for log in logs)
    last = max(log.session.local_date for log in logs)
    return morning_pain_by_day(runner, first, last + timedelta(days=1))


def _outcomes(
    logs: list[ExerciseLog], decided: Decision | None, mornings: dict[date, int]
) -> list[domain.ExerciseOutcome]:
    """One item's sessions since the runner last decided on a suggestion for it."""
    return [
        domain.ExerciseOutcome(
            day=log.session.local_date,
            target_met=log.target_met,
            pain_nrs=log.pain_nrs or 0,
            morning_pain_nrs=mornings.get(log.session.local_date),
            next_morning_pain_nrs=mornings.get(log.session.local_date + timedelta(days=1)),
        )
        for log in logs
        if decided is None or log.session.received_at > decided.decided_at
    ]


def outcomes_for(item: ProgrammeItem) -> list[domain.ExerciseOutcome]:
    """Sessions of this item since the runner last decided on a suggestion for it."""
    logs = _logs(item.programme, [item.slug])
    return _outcomes(logs, item.decisions.first(), _mornings(item.programme.runner, logs))


def suggestion_for(item: ProgrammeItem) -> domain.Suggestion:
    return domain.suggest(item.slug, outcomes_for(item))


def suggestions(
    programme: Programme, items: list[ProgrammeItem]
) -> list[tuple[ProgrammeItem, domain.Suggestion]]:
    """Every item's suggestion, regress then progress ones first, in a handful of queries."""
    logs = _logs(programme, [item.slug for item in items])
    mornings = _mornings(programme.runner, logs)
    latest: dict[int, Decision] = {}
    for decision in Decision.objects.filter(item__in=items).order_by("decided_at"):
        latest[decision.item_id] = decision
    by_slug: dict[str, list[ExerciseLog]] = defaultdict(list)
    for log in logs:
        by_slug[log.slug].append(log)
    pairs = [
        (
            item,
            domain.suggest(item.slug, _outcomes(by_slug[item.slug], latest.get(item.pk), mornings)),
        )
        for item in items
    ]
    order = {domain.SuggestionKind.REGRESS: 0, domain.SuggestionKind.PROGRESS: 1}
    return sorted(pairs, key=lambda pair: order.get(pair[1].kind, 2))


@dataclass(frozen=True, slots=True)
class ChangeGroup:
    """Suggestions that share a kind and a reason, shown once with their exercises."""

    kind: str
    reason: str
    entries: list[tuple[ProgrammeItem, domain.Suggestion, str]]


def group_changes(
    programme: Programme, pairs: list[tuple[ProgrammeItem, domain.Suggestion]]
) -> list[ChangeGroup]:
    """Progress and regress suggestions grouped by reason, each with what "yes" would change."""
    in_programme = frozenset(item.slug for item in programme.items.all())
    groups: dict[tuple[str, str], ChangeGroup] = {}
    for item, suggestion in pairs:
        if suggestion.kind is domain.SuggestionKind.HOLD:
            continue
        key = (suggestion.kind.value, suggestion.reason)
        if key not in groups:
            groups[key] = ChangeGroup(suggestion.kind.value, suggestion.reason, [])
        change = domain.apply_suggestion(item.as_domain(), suggestion.kind, in_programme)
        groups[key].entries.append((item, suggestion, change.summary))
    return list(groups.values())


# ---------------------------------------------------------------------------- adherence


def adherence(programme: Programme, day: date) -> tuple[domain.WeekAdherence, ...]:
    """Weekly adherence up to yesterday, or up to today once today's session is done."""
    records = [
        domain.SessionRecord(local_date, status == SessionStatus.COMPLETE)
        for local_date, status in ExerciseSession.objects.filter(
            programme=programme, warm_up=False
        ).values_list("local_date", "status")
    ]
    done_today = any(r.day == day and r.complete for r in records)
    until = day if done_today else day - timedelta(days=1)
    last = min(until, programme.started_on + timedelta(days=7 * programme.weeks - 1))
    return domain.weekly_adherence(programme.started_on, programme.days_per_week, records, last)


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: date
    planned: bool
    state: str  # done, partial, missed, today, planned, extra, rest, future
    label: str


@dataclass(frozen=True, slots=True)
class CalendarWeek:
    week: int
    days: list[CalendarDay]
    adherence: domain.WeekAdherence | None


def calendar(
    programme: Programme,
    day: date,
    adherence: tuple[domain.WeekAdherence, ...] = (),
    weeks_back: int = 4,
) -> list[CalendarWeek]:
    """Planned and done sessions, one row per programme week, recent weeks and the next one."""
    week = domain.programme_week(programme.started_on, max(day, programme.started_on))
    first_week = max(1, week - weeks_back + 1)
    first = programme.started_on + timedelta(days=7 * (first_week - 1))
    last = programme.started_on + timedelta(days=7 * week + 6)
    states: dict[date, set[str]] = defaultdict(set)
    for local_date, status in ExerciseSession.objects.filter(
        programme=programme, warm_up=False, local_date__gte=first, local_date__lte=last
    ).values_list("local_date", "status"):
        states[local_date].add(status)
    by_week = {week.week: week for week in adherence}
    rows: list[CalendarWeek] = []
    for row in range((last - first).days // 7 + 1):
        cells = []
        for offset in range(7):
            d = first + timedelta(days=7 * row + offset)
            planned = domain.is_session_day(programme.started_on, programme.days_per_week, d)
            cells.append(_cell(d, planned, states.get(d, set()), day))
        rows.append(CalendarWeek(first_week + row, cells, by_week.get(first_week + row)))
    return rows


_LABELS = {
    "done": "session done",
    "partial": "session partly done",
    "missed": "planned session missed",
    "today": "session planned today",
    "planned": "session planned",
    "extra": "extra session done",
    "rest": "rest day",
}


def _cell(d: date, planned: bool, statuses: set[str], today_: date) -> CalendarDay:
    if SessionStatus.COMPLETE in statuses:
        state = "done" if planned else "extra"
    elif statuses:
        state = "partial"
    elif not planned:
        state = "rest"
    elif d < today_:
        state = "missed"
    elif d == today_:
        state = "today"
    else:
        state = "planned"
    return CalendarDay(d, planned, state, _LABELS[state])


# ---------------------------------------------------------------------------- history


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    day: date
    sets_done: int
    sets_target: int
    reps: int | None
    hold_s: int | None
    pain_nrs: int | None


def history(runner: User, slug: str, limit: int = 60) -> list[HistoryPoint]:
    """Dose done and pain, session by session, for one exercise (oldest first)."""
    library.get_exercise(slug)
    logs = (
        ExerciseLog.objects.filter(session__runner=runner, slug=slug, skipped=False)
        .select_related("session")
        .order_by("-session__local_date", "-session__started_at")[:limit]
    )
    return [
        HistoryPoint(
            log.session.local_date,
            log.sets_done,
            log.sets_target,
            log.reps,
            log.hold_s,
            log.pain_nrs,
        )
        for log in reversed(list(logs))
    ]


@dataclass(frozen=True, slots=True)
class SessionSummary:
    session: ExerciseSession
    done: int
    skipped: int
    worst_pain_nrs: int | None


def recent_sessions(runner: User, limit: int = 10) -> list[SessionSummary]:
    """The latest sessions as they reached the server, with what was done and the worst pain."""
    sessions = (
        ExerciseSession.objects.filter(runner=runner)
        .prefetch_related("logs")
        .order_by("-local_date", "-started_at")[:limit]
    )
    summaries = []
    for session in sessions:
        logs = list(session.logs.all())
        pains = [log.pain_nrs for log in logs if log.pain_nrs is not None]
        summaries.append(
            SessionSummary(
                session,
                done=sum(1 for log in logs if not log.skipped),
                skipped=sum(1 for log in logs if log.skipped),
                worst_pain_nrs=max(pains) if pains else None,
            )
        )
    return summaries
