"""The caseload: a physio's linked runners, sorted by who needs attention first, with reasons.

Each signal is one small function ``signal(runner_ids, now) -> {runner_id: [Reason, ...]}`` that
runs one query for the whole caseload, so the page costs the same number of queries for 5 or 200
runners. A signal whose area is not installed yet contributes nothing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from django.db.models import CharField, Max
from django.db.models.functions import Cast
from django.utils import timezone

from kneeclinic.accounts.models import CareLink, User
from kneeclinic.activities.models import Activity
from kneeclinic.clinic import sources
from kneeclinic.domain.load import SPIKE_WINDOW_DAYS, SpikeClass, classify_spike
from kneeclinic.domain.proms import AKPS_MIC_POINTS

URGENT_LEVELS = frozenset({"urgent_same_day", "emergency"})
CHECKER_LOOKBACK_DAYS = 30
PAIN_WINDOW_DAYS = 7
# Pain above 5/10 is past the "acceptable" zone of the pain-monitoring model (clinical.md §9.2,
# Silbernagel 2007); a rise of this much week on week breaks its third rule (§9.1).
PAIN_HIGH_NRS = 6
PAIN_RISE_NRS = 2
SPIKE_LOOKBACK_DAYS = 14
QUIET_DAYS = 14
# Two Kujala scores are compared only if both fall in the last six months.
KUJALA_LOOKBACK_DAYS = 183

# Priorities: lower is more urgent.
URGENT, PAIN, SPIKE, KUJALA_WORSE, PLAN, EXERCISES, QUIET, INFO = range(8)
EXERCISE_WINDOW_DAYS = 14
# Fewer than half the planned sessions in the last two weeks counts as skipping.
EXERCISE_MIN_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Reason:
    priority: int
    key: str
    text: str
    badge: str  # red | amber | neutral | green

    @property
    def badge_word(self) -> str:
        return {"red": "Urgent", "amber": "Check", "neutral": "Note", "green": "Good"}[self.badge]


@dataclass
class Row:
    runner: User
    link: CareLink
    reasons: list[Reason] = field(default_factory=list)
    url: str = ""

    @property
    def priority(self) -> int:
        return min((reason.priority for reason in self.reasons), default=INFO + 1)

    @property
    def keys(self) -> set[str]:
        return {reason.key for reason in self.reasons} or {"ok"}


Signal = Callable[[list[int], datetime], dict[int, list[Reason]]]

NEED_FILTERS = (
    ("", "Everyone"),
    ("urgent", "Urgent checker outcome"),
    ("pain", "Pain rising or high"),
    ("load", "Load spike"),
    ("kujala", "Kujala change"),
    ("plan", "Plan waiting for sign-off"),
    ("exercises", "Exercises skipped"),
    ("quiet", "No data for two weeks"),
    ("ok", "Nothing flagged"),
)


def _by_runner(pairs: Iterable[tuple[int, Reason]]) -> dict[int, list[Reason]]:
    found: dict[int, list[Reason]] = defaultdict(list)
    for runner_id, reason in pairs:
        found[runner_id].append(reason)
    return found


@lru_cache(maxsize=2)
def _recent_runs(
    runner_ids: tuple[int, ...], now: datetime
) -> tuple[tuple[int, datetime, float], ...]:
    """Runs of the last 44 days, read once per page (``now`` differs for every request)."""
    since = now - timedelta(days=SPIKE_LOOKBACK_DAYS + SPIKE_WINDOW_DAYS)
    return tuple(
        (runner_id, _moment(start), distance_m or 0.0)
        for runner_id, start, distance_m in Activity.objects.filter(
            runner_id__in=runner_ids,
            sport="running",
            excluded_from_load=False,
            start__gte=since,
        )
        .order_by("runner_id", "start")
        .values_list("runner_id", Cast("start", CharField()), "distance_m")
    )


def _moment(value: str | datetime) -> datetime:
    """A stored UTC moment read as text (several times faster than the ORM's converter)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@lru_cache(maxsize=2)
def _recent_pain(
    runner_ids: tuple[int, ...], now: datetime
) -> tuple[tuple[int, datetime, int], ...]:
    """Pain entries of the last two weeks, read once per page."""
    model = sources.pain_entries()
    if model is None:
        return ()
    since = now - timedelta(days=max(2 * PAIN_WINDOW_DAYS, QUIET_DAYS))
    return tuple(
        (runner_id, _moment(at), nrs)
        for runner_id, at, nrs in model.objects.filter(
            runner_id__in=runner_ids, at__gte=since
        ).values_list("runner_id", Cast("at", CharField()), "pain_nrs")
    )


def urgent_checker(runner_ids: list[int], now: datetime) -> dict[int, list[Reason]]:
    """An urgent or emergency outcome from the symptom checker in the last 30 days."""
    model = sources.checker_runs()
    if model is None:
        return {}
    rows = model.objects.filter(
        runner_id__in=runner_ids,
        completed_at__gte=now - timedelta(days=CHECKER_LOOKBACK_DAYS),
        level__in=URGENT_LEVELS,
    ).values_list("runner_id", "completed_at")
    latest: dict[int, datetime] = {}
    for runner_id, at in rows:
        latest[runner_id] = max(at, latest.get(runner_id, at))
    return _by_runner(
        (
            rid,
            Reason(URGENT, "urgent", f"Warning signs in the symptom checker on {at:%d %b}", "red"),
        )
        for rid, at in latest.items()
    )


def pain_rising(runner_ids: list[int], now: datetime) -> dict[int, list[Reason]]:
    """Pain high this week, or rising week on week (pain-monitoring model, §9, Silbernagel 2007)."""
    week_start = now - timedelta(days=PAIN_WINDOW_DAYS)
    earliest = now - timedelta(days=2 * PAIN_WINDOW_DAYS)
    rows = [row for row in _recent_pain(tuple(runner_ids), now) if row[1] >= earliest]
    this_week: dict[int, int] = {}
    last_week: dict[int, int] = {}
    for runner_id, at, nrs in rows:
        bucket = this_week if at >= week_start else last_week
        bucket[runner_id] = max(nrs, bucket.get(runner_id, 0))
    found = []
    for runner_id, worst in this_week.items():
        before = last_week.get(runner_id)
        if before is not None and worst - before >= PAIN_RISE_NRS:
            found.append(
                (
                    runner_id,
                    Reason(
                        PAIN, "pain", f"Pain rising: {before}/10 to {worst}/10 this week", "amber"
                    ),
                )
            )
        elif worst >= PAIN_HIGH_NRS:
            found.append((runner_id, Reason(PAIN, "pain", f"Pain {worst}/10 this week", "amber")))
    return _by_runner(found)


def load_spike(runner_ids: list[int], now: datetime) -> dict[int, list[Reason]]:
    """A run in the last 14 days more than 10 % longer than the longest in the 30 days before it
    (clinical.md §11.1, Frandsen 2025)."""
    rows = [row for row in _recent_runs(tuple(runner_ids), now) if row[2] > 0]
    starts: dict[int, list[datetime]] = defaultdict(list)
    distances: dict[int, list[float]] = defaultdict(list)
    for runner_id, start, distance_m in rows:
        starts[runner_id].append(start)
        distances[runner_id].append(distance_m or 0.0)
    found = []
    recent_from = now - timedelta(days=SPIKE_LOOKBACK_DAYS)
    window = timedelta(days=SPIKE_WINDOW_DAYS)
    for runner_id, times in starts.items():
        lengths = distances[runner_id]
        worst: tuple[float, datetime, float, float] | None = None
        for i in range(bisect_left(times, recent_from), len(times)):
            first = bisect_left(times, times[i] - window, 0, i)
            if first == i:
                continue
            longest = max(lengths[first:i])
            if longest <= 0:
                continue
            ratio = lengths[i] / longest - 1
            if classify_spike(lengths[i] / longest) != SpikeClass.REFERENCE and (
                worst is None or ratio > worst[0]
            ):
                worst = (ratio, times[i], lengths[i], longest)
        if worst is not None:
            ratio, start, distance, longest = worst
            text = (
                f"Load spike ({classify_spike(distance / longest).value}): "
                f"{distance / 1000:.1f} km on {start:%d %b}, "
                f"longest in the 30 days before {longest / 1000:.1f} km (+{ratio:.0%})"
            )
            found.append((runner_id, Reason(SPIKE, "load", text, "amber")))
    return _by_runner(found)


def kujala_change(runner_ids: list[int], now: datetime) -> dict[int, list[Reason]]:
    """The last two Kujala scores (of the last six months) differ by 10 points or more
    (§8.1, Crossley 2004)."""
    model = sources.kujala_responses()
    if model is None:
        return {}
    rows = (
        model.objects.filter(
            runner_id__in=runner_ids, completed_at__gte=now - timedelta(days=KUJALA_LOOKBACK_DAYS)
        )
        .order_by("runner_id", "-completed_at")
        .values_list("runner_id", "total")
    )
    latest: dict[int, list[int]] = defaultdict(list)
    for runner_id, total in rows:
        if len(latest[runner_id]) < 2:
            latest[runner_id].append(total)
    found = []
    for runner_id, scores in latest.items():
        if len(scores) < 2:
            continue
        newest, before = scores
        change = newest - before
        if change <= -AKPS_MIC_POINTS:
            found.append(
                (
                    runner_id,
                    Reason(KUJALA_WORSE, "kujala", f"Kujala fell {before} to {newest}", "amber"),
                )
            )
        elif change >= AKPS_MIC_POINTS:
            found.append(
                (
                    runner_id,
                    Reason(INFO, "kujala", f"Kujala improved {before} to {newest}", "green"),
                )
            )
    return _by_runner(found)


def plan_waiting(runner_ids: list[int], now: datetime) -> dict[int, list[Reason]]:
    """An active return-to-run plan that has reached a point needing the physio's sign-off."""
    model = sources.run_plans()
    if model is None:
        return {}
    found = []
    for plan in model.objects.filter(runner_id__in=runner_ids, status="active"):
        waiting = plan.waiting_for() if hasattr(plan, "waiting_for") else None
        if waiting is not None:
            found.append(
                (
                    plan.runner_id,
                    Reason(PLAN, "plan", "Return-to-run plan waiting for your sign-off", "amber"),
                )
            )
    return _by_runner(found)


def exercises_skipped(runner_ids: list[int], now: datetime) -> dict[int, list[Reason]]:
    """An active programme (at least two weeks old) with under half its sessions done lately."""
    programmes = sources.exercise_programmes()
    sessions = sources.exercise_sessions()
    if programmes is None or sessions is None:
        return {}
    since = (now - timedelta(days=EXERCISE_WINDOW_DAYS)).date()
    planned = {
        runner_id: per_week * EXERCISE_WINDOW_DAYS // 7
        for runner_id, per_week in programmes.objects.filter(
            runner_id__in=runner_ids, active=True, started_on__lte=since
        ).values_list("runner_id", "days_per_week")
    }
    if not planned:
        return {}
    done: dict[int, set[date]] = defaultdict(set)
    for runner_id, day in sessions.objects.filter(
        runner_id__in=list(planned), local_date__gte=since, warm_up=False
    ).values_list("runner_id", "local_date"):
        done[runner_id].add(day)
    found = []
    for runner_id, target in planned.items():
        count = len(done.get(runner_id, ()))
        if target and count < target * EXERCISE_MIN_SHARE:
            text = f"Exercises skipped: {count} of {target} sessions in two weeks"
            found.append((runner_id, Reason(EXERCISES, "exercises", text, "amber")))
    return _by_runner(found)


def quiet(runner_ids: list[int], now: datetime) -> dict[int, list[Reason]]:
    """No runs and no diary entries for two weeks."""
    since = now - timedelta(days=QUIET_DAYS)
    model = sources.pain_entries()
    key = tuple(runner_ids)
    active = {runner_id for runner_id, start, _ in _recent_runs(key, now) if start >= since}
    active |= {runner_id for runner_id, at, _ in _recent_pain(key, now) if at >= since}
    silent = [runner_id for runner_id in runner_ids if runner_id not in active]
    if not silent:
        return {}
    # Only the quiet few need their last date, which keeps this cheap for long histories.
    last: dict[int, datetime] = dict(
        Activity.objects.filter(runner_id__in=silent)
        .values("runner_id")
        .annotate(last=Max("start"))
        .values_list("runner_id", "last")
    )
    if model is not None:
        for runner_id, at in (
            model.objects.filter(runner_id__in=silent)
            .values("runner_id")
            .annotate(last=Max("at"))
            .values_list("runner_id", "last")
        ):
            last[runner_id] = max(at, last.get(runner_id, at))
    found = []
    for runner_id in silent:
        at = last.get(runner_id)
        if at is None:
            found.append(
                (runner_id, Reason(QUIET, "quiet", "No runs or diary entries yet", "neutral"))
            )
        else:
            days = (now - at).days
            found.append((runner_id, Reason(QUIET, "quiet", f"No data for {days} days", "neutral")))
    return _by_runner(found)


SIGNALS: tuple[Signal, ...] = (
    urgent_checker,
    pain_rising,
    load_spike,
    kujala_change,
    plan_waiting,
    exercises_skipped,
    quiet,
)


def build(physio: User, *, today: date | None = None, now: datetime | None = None) -> list[Row]:
    """Every actively linked runner, most urgent first (then by name)."""
    now = now or timezone.now()
    links = (
        CareLink.objects.filter(physio=physio, status=CareLink.Status.ACTIVE)
        .filter(runner__in=User.objects.filter(role="runner", is_active=True))
        .select_related("runner")
        .only("agreed_at", "runner__code", "runner__name", "runner__email", "runner_id")
    )
    # A physio no longer in a clinic follows nobody (the same rule as visible_to).
    if physio.clinic_id is None or not physio.is_clinician:
        return []
    rows = {link.runner_id: Row(link.runner, link) for link in links}
    ids = list(rows)
    if ids:
        for signal in SIGNALS:
            for runner_id, reasons in signal(ids, now).items():
                if runner_id in rows:
                    rows[runner_id].reasons.extend(reasons)
    ordered = sorted(rows.values(), key=lambda row: (row.priority, row.runner.display_name.lower()))
    for row in ordered:
        row.reasons.sort(key=lambda reason: reason.priority)
    return ordered


def filter_rows(rows: list[Row], *, query: str = "", need: str = "") -> list[Row]:
    needle = query.lower()
    kept = []
    for row in rows:
        if (
            needle
            and needle not in row.runner.display_name.lower()
            and needle not in row.runner.email
        ):
            continue
        if need and need not in row.keys:
            continue
        kept.append(row)
    return kept
