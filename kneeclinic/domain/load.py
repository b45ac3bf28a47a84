"""Running load from the runner's own history, and the guardrails built on it.

Sources: clinical dossier §11 and Appendix B.4. The single-run spike (Frandsen et al. 2025) is the
primary warning; the two-week progression of weekly distance (Nielsen et al. 2014) a secondary
caution; the acute:chronic ratio is shown as a description only, never as a risk score (§11.3).
Every figure here is about groups of runners in studies, not a personal forecast.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from kneeclinic.domain.units import DistanceUnit, format_distance

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SECONDS_PER_DAY = 86_400
SPIKE_WINDOW_DAYS = 30
SPIKE_REFERENCE_MAX = 0.10
SPIKE_SMALL_MAX = 0.30
SPIKE_MODERATE_MAX = 1.00
PROGRESSION_STEADY_BELOW = 0.10
PROGRESSION_CAUTION_ABOVE = 0.30
ACWR_MIN_HISTORY_DAYS = 28
ACWR_ACUTE_DAYS = 7
ACWR_CHRONIC_DAYS = 21
EWMA_ACUTE_SPAN_DAYS = 7
EWMA_CHRONIC_SPAN_DAYS = 28
EWMA_TRUNCATION = 1e-16
MAX_PLAUSIBLE_SPEED_MPS = 7.0
MAX_PLAUSIBLE_DISTANCE_M = 500_000.0
OUTLIER_RATIO = 2.0
RATIO_TOLERANCE = 1e-9  # so that exactly +10 % (11 km after 10 km) stays in the lower class
RUNNING_SPORTS = frozenset({"running"})
MAX_UTC_OFFSET_S = 18 * 3600
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class LoadError(ValueError):
    """Run data we cannot analyse, with a reason a person understands."""


class PainLight(enum.StrEnum):
    """The pain model's traffic light (dossier §9, Appendix B.2), as this module receives it."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"


class SpikeClass(enum.StrEnum):
    """A run's distance against the longest run of the previous 30 days (Frandsen 2025)."""

    INSUFFICIENT_HISTORY = "insufficient_history"
    NOT_MEASURED = "not_measured"
    REFERENCE = "reference"
    SMALL = "small"
    MODERATE = "moderate"
    LARGE = "large"


class RunStatus(enum.StrEnum):
    """Whether a record counts towards running load, and if not, why."""

    COUNTED = "counted"
    NOT_RUNNING = "not_running"
    EXCLUDED = "excluded"
    IMPLAUSIBLE = "implausible"


class ProgressionClass(enum.StrEnum):
    """Change in weekly distance over two weeks, in Nielsen 2014's three groups."""

    NO_BASELINE = "no_baseline"
    STEADY = "steady"
    MODERATE = "moderate"
    CAUTION = "caution"


class PlanStatus(enum.StrEnum):
    """The answer to "may I run this far?"."""

    WITHIN = "within"
    OVER = "over"
    NO_GUIDE = "no_guide"


SPIKE_HAZARD_RATE_RATIOS = {
    SpikeClass.SMALL: 1.64,
    SpikeClass.MODERATE: 1.52,
    SpikeClass.LARGE: 2.28,
}
"""Frandsen 2025 hazard rate ratios for overuse injury against runs within +10 % (§11.1)."""

NEXT_RUN_FACTOR = {PainLight.GREEN: 1.10, PainLight.AMBER: 1.00, PainLight.RED: 0.50}
"""Next-run cap as a share of the 30-day longest run: +10 % (Frandsen 2025, §11.3); amber holds
and red halves (pain model actions, Appendix B.2; the amounts are a product choice to sign off)."""

_SPIKE_BOUNDS = np.array([SPIKE_REFERENCE_MAX, SPIKE_SMALL_MAX, SPIKE_MODERATE_MAX]) + 1.0
_SPIKE_ORDER = (SpikeClass.REFERENCE, SpikeClass.SMALL, SpikeClass.MODERATE, SpikeClass.LARGE)

WEEK_FACTOR = {PainLight.GREEN: 1.30, PainLight.AMBER: 1.00, PainLight.RED: 0.50}
"""Weekly cap as a share of last week: +30 % (Nielsen 2014, §11.1); amber holds, red halves."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One activity as load analysis needs it.

    The day a run counts on is the day where it happened: ``local_date`` when given, else the
    start shifted by the device's ``utc_offset_s`` when known, else the start in the runner's
    own time zone.
    """

    code: str
    start: datetime
    distance_m: float
    duration_s: float
    sport: str = "running"
    excluded: bool = False
    indoor: bool = False
    local_date: date | None = None
    utc_offset_s: int | None = None

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise LoadError(f"Run {self.code}: the start time has no time zone.")
        if self.utc_offset_s is not None and abs(self.utc_offset_s) > MAX_UTC_OFFSET_S:
            raise LoadError(
                f"Run {self.code}: a UTC offset of {self.utc_offset_s} s is impossible."
            )
        # "not 0 <= x < inf" also catches nan; written out because it runs for every record.
        if not 0 <= self.distance_m < math.inf:
            raise LoadError(
                f"Run {self.code}: the distance must be zero or more ({self.distance_m!r})."
            )
        if not 0 <= self.duration_s < math.inf:
            raise LoadError(
                f"Run {self.code}: the duration must be zero or more ({self.duration_s!r})."
            )


@dataclass(frozen=True, slots=True)
class RunLoad:
    """One record's place in the load analysis: whether it counted and, if so, its spike.

    ``reference_m`` is the longest counted run in the 30 days before this one's start and
    ``ratio`` this run's distance over it (Frandsen 2025).
    """

    record: RunRecord
    local_date: date
    status: RunStatus
    reference_m: float | None = None
    ratio: float | None = None
    spike: SpikeClass | None = None

    @property
    def code(self) -> str:
        return self.record.code

    @property
    def start(self) -> datetime:
        return self.record.start

    @property
    def distance_m(self) -> float:
        return self.record.distance_m

    @property
    def duration_s(self) -> float:
        return self.record.duration_s

    @property
    def indoor(self) -> bool:
        return self.record.indoor

    @property
    def counted(self) -> bool:
        return self.status is RunStatus.COUNTED

    @property
    def is_spike(self) -> bool:
        return self.spike in SPIKE_HAZARD_RATE_RATIOS


@dataclass(frozen=True, slots=True)
class WeekTotal:
    """Running in one week (Monday to Sunday, runner's time), with its change on the week before."""

    week_start: date
    distance_m: float
    duration_s: float
    runs: int
    progression: float | None
    progression_class: ProgressionClass


@dataclass(frozen=True, slots=True, eq=False)
class DailySeries:
    """Per-day arrays from ``first_day`` to the last day analysed (today or the last run).

    Ratios are ``nan`` where they are not shown (under 28 days of history, or nothing to divide by);
    ``longest_30d_m`` is ``nan`` where the 30 days before held no run with a distance.
    """

    first_day: date
    distance_m: FloatArray
    duration_s: FloatArray
    runs: IntArray
    longest_30d_m: FloatArray
    acwr_rolling: FloatArray
    acwr_ewma: FloatArray

    def dates(self) -> list[date]:
        start = self.first_day.toordinal()
        return [date.fromordinal(start + i) for i in range(len(self.distance_m))]


@dataclass(frozen=True, slots=True)
class Progression:
    """Distance in the last 7 days against the 7 before (Appendix B.4 windows)."""

    last_7d_m: float
    previous_7d_m: float
    change: float | None
    category: ProgressionClass


@dataclass(frozen=True, slots=True)
class AcuteChronic:
    """Today's acute:chronic ratios: descriptive only, never a risk score (§11.3)."""

    acute_7d_m: float
    chronic_weekly_m: float
    rolling: float | None
    ewma: float | None


@dataclass(frozen=True, slots=True)
class Guardrail:
    """A distance to stay under, what it is built on, and why, in words."""

    max_distance_m: float | None
    basis_m: float | None
    factor: float
    reason: str


@dataclass(frozen=True, slots=True)
class WeekGuardrail:
    """This week's distance limit from last week's, and what is left of it."""

    max_distance_m: float | None
    last_week_m: float
    this_week_m: float
    remaining_m: float | None
    reason: str


@dataclass(frozen=True, slots=True, eq=False)
class LoadSummary:
    """Everything the Load page, the Today card and the CLI show."""

    today: date
    unit: DistanceUnit
    pain: PainLight
    runs: tuple[RunLoad, ...]
    daily: DailySeries | None
    weeks: tuple[WeekTotal, ...]
    history_days: int
    longest_30d_m: float | None
    progression: Progression
    acute_chronic: AcuteChronic | None
    next_run: Guardrail
    week: WeekGuardrail
    sentence: str

    def by_code(self) -> dict[str, RunLoad]:
        return {run.code: run for run in self.runs}


@dataclass(frozen=True, slots=True)
class PlanVerdict:
    """The answer for a planned run: within the guardrail or not, and why."""

    status: PlanStatus
    distance_m: float
    max_distance_m: float | None
    ratio: float | None
    spike: SpikeClass | None
    reason: str
    context: str


# --- classifying ---------------------------------------------------------------------------


def classify_spike(ratio: float) -> SpikeClass:
    """Frandsen 2025 (§11.1, B.4): change <=10 % reference, <=30 % small, <=100 % moderate."""
    band = int(np.searchsorted(_SPIKE_BOUNDS, ratio - RATIO_TOLERANCE, side="left"))
    return _SPIKE_ORDER[band]


def classify_progression(change: float | None) -> ProgressionClass:
    """Nielsen 2014 (§11.1): <10 % or less steady, 10-30 % moderate, >30 % caution."""
    if change is None:
        return ProgressionClass.NO_BASELINE
    if change < PROGRESSION_STEADY_BELOW - RATIO_TOLERANCE:
        return ProgressionClass.STEADY
    if change <= PROGRESSION_CAUTION_ABOVE + RATIO_TOLERANCE:
        return ProgressionClass.MODERATE
    return ProgressionClass.CAUTION


def is_implausible(distance_m: float, duration_s: float) -> bool:
    """A device error, not a run: faster than 7 m/s (2:23 min/km) overall, or over 500 km.

    A product rule (no clinical source): no one averages that over a whole recorded run
    (world-record pace from 5,000 m up is slower), so such a file would only poison the metrics.
    """
    if distance_m > MAX_PLAUSIBLE_DISTANCE_M:
        return True
    if distance_m > 0 and duration_s == 0:
        return True
    return duration_s > 0 and distance_m / duration_s > MAX_PLAUSIBLE_SPEED_MPS


def spike_context(spike: SpikeClass | None) -> str:
    """What the study found for this class, as context rather than a personal prediction."""
    if spike is None or spike not in SPIKE_HAZARD_RATE_RATIOS:
        return (
            "Runs no more than 10 % longer than the longest of the previous 30 days are the "
            "comparison group in the study of 5,205 runners (Frandsen et al. 2025)."
        )
    band = {
        SpikeClass.SMALL: "10 to 30 %",
        SpikeClass.MODERATE: "30 to 100 %",
        SpikeClass.LARGE: "more than 100 %",
    }[spike]
    return (
        f"In a study of 5,205 runners (Frandsen et al. 2025), runs {band} longer than the "
        "longest of the previous 30 days were followed by overuse injuries at "
        f"{SPIKE_HAZARD_RATE_RATIOS[spike]:.2f} times the rate after runs within 10 %. "
        "That describes runners on average, not a forecast for you."
    )


def status_reason(status: RunStatus) -> str:
    """Why a record does or does not count towards running load."""
    return {
        RunStatus.COUNTED: "Counted in your running load.",
        RunStatus.NOT_RUNNING: "Not a run (a walk, ride or other sport), so left out.",
        RunStatus.EXCLUDED: "You chose to leave this one out.",
        RunStatus.IMPLAUSIBLE: (
            "Left out: its distance and time do not fit a run (probably a device error)."
        ),
    }[status]


# --- vector helpers ---------------------------------------------------------------------------


def range_max(values: FloatArray, lo: IntArray, hi: IntArray) -> FloatArray:
    """``max(values[lo:hi])`` for each pair, ``nan`` where the range is empty (sparse table)."""
    out = np.full(lo.shape, np.nan)
    lengths = hi - lo
    nonempty = lengths > 0
    if not nonempty.any():
        return out
    table = [values]
    width = 1
    while width * 2 <= int(lengths.max()):
        previous = table[-1]
        table.append(np.maximum(previous[:-width], previous[width:]))
        width *= 2
    levels = np.zeros_like(lengths)
    levels[nonempty] = np.floor(np.log2(lengths[nonempty])).astype(np.int64)
    for level in np.unique(levels[nonempty]):
        chosen = nonempty & (levels == level)
        row, span = table[int(level)], 1 << int(level)
        out[chosen] = np.maximum(row[lo[chosen]], row[hi[chosen] - span])
    return out


def ewma(daily: FloatArray, span_days: int) -> FloatArray:
    """Williams 2017 EWMA (§11.2), lambda = 2/(N+1), seeded with the first day's load."""
    lam = 2.0 / (span_days + 1)
    n = len(daily)
    terms = min(n, math.ceil(math.log(EWMA_TRUNCATION) / math.log(1.0 - lam)))
    kernel = lam * (1.0 - lam) ** np.arange(terms)
    out: FloatArray = np.convolve(daily, kernel)[:n]
    out += (1.0 - lam) ** (np.arange(n) + 1.0) * daily[0]
    return out


def _ratio(top: FloatArray, bottom: FloatArray, shown: npt.NDArray[np.bool_]) -> FloatArray:
    out = np.full(top.shape, np.nan)
    ok = shown & (bottom > 0)
    out[ok] = top[ok] / bottom[ok]
    return out


def _window_sum(values: FloatArray, first_ord: int, lo_ord: int, hi_ord: int) -> float:
    """Sum of ``values`` over the days ``lo_ord..hi_ord`` (inclusive), zero outside the array."""
    lo = min(max(lo_ord - first_ord, 0), len(values))
    hi = min(max(hi_ord - first_ord + 1, 0), len(values))
    return float(values[lo:hi].sum())


# --- the analysis ------------------------------------------------------------------------------


def _resolve_zone(tz: tzinfo | str) -> tzinfo:
    if not isinstance(tz, str):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise LoadError(f"{tz!r} is not a time zone we know.") from error


def _local_day(record: RunRecord, stamp: float, zone: tzinfo) -> date:
    """The day the run counts on, where it happened (see :class:`RunRecord`)."""
    if record.local_date is not None:
        return record.local_date
    if record.utc_offset_s is not None:
        return date.fromordinal(
            EPOCH_ORDINAL + int((stamp + record.utc_offset_s) // SECONDS_PER_DAY)
        )
    return record.start.astimezone(zone).date()


def _status(record: RunRecord) -> RunStatus:
    if record.sport not in RUNNING_SPORTS:
        return RunStatus.NOT_RUNNING
    if record.excluded:
        return RunStatus.EXCLUDED
    if is_implausible(record.distance_m, record.duration_s):
        return RunStatus.IMPLAUSIBLE
    return RunStatus.COUNTED


def _spikes(
    starts: FloatArray, distance: FloatArray
) -> tuple[FloatArray, FloatArray, list[SpikeClass]]:
    """Each counted run against the longest in the 30 days before its start (Frandsen 2025)."""
    lo = np.searchsorted(starts, starts - SPIKE_WINDOW_DAYS * SECONDS_PER_DAY, side="left")
    hi = np.searchsorted(starts, starts, side="left")
    reference = range_max(distance, lo.astype(np.int64), hi.astype(np.int64))
    has_reference = np.nan_to_num(reference) > 0
    ratio = np.full(distance.shape, np.nan)
    ratio[has_reference] = distance[has_reference] / reference[has_reference]
    bands = np.searchsorted(_SPIKE_BOUNDS, np.nan_to_num(ratio) - RATIO_TOLERANCE, side="left")
    classes = [_SPIKE_ORDER[band] for band in bands]
    for i in np.flatnonzero(~has_reference):
        classes[i] = SpikeClass.INSUFFICIENT_HISTORY
    for i in np.flatnonzero(distance == 0):
        classes[i] = SpikeClass.NOT_MEASURED
    return reference, ratio, classes


def _daily(ords: IntArray, distance: FloatArray, duration: FloatArray, today: int) -> DailySeries:
    """Per-day totals, the 30-day longest-run line and the acute:chronic ratios (§11.2, B.4)."""
    first = int(ords.min())
    n = max(int(ords.max()), today) - first + 1
    index = ords - first
    day_distance = np.bincount(index, weights=distance, minlength=n)
    day_max = np.zeros(n)
    np.maximum.at(day_max, index, distance)
    padded = np.concatenate([np.zeros(SPIKE_WINDOW_DAYS), day_max])
    windows = np.lib.stride_tricks.sliding_window_view(padded, SPIKE_WINDOW_DAYS)[:n]
    longest = windows.max(axis=1)
    shown = np.arange(n) >= ACWR_MIN_HISTORY_DAYS - 1
    sums = np.concatenate([[0.0], np.cumsum(day_distance)])
    t = np.arange(n)
    acute_lo = np.clip(t - ACWR_ACUTE_DAYS + 1, 0, None)
    chronic_lo = np.clip(t - ACWR_ACUTE_DAYS - ACWR_CHRONIC_DAYS + 1, 0, None)
    acute = (sums[t + 1] - sums[acute_lo]) / ACWR_ACUTE_DAYS
    chronic = (sums[acute_lo] - sums[chronic_lo]) / ACWR_CHRONIC_DAYS
    return DailySeries(
        first_day=date.fromordinal(first),
        distance_m=day_distance,
        duration_s=np.bincount(index, weights=duration, minlength=n),
        runs=np.bincount(index, minlength=n).astype(np.int64),
        longest_30d_m=np.where(longest > 0, longest, np.nan),
        acwr_rolling=_ratio(acute, chronic, shown),
        acwr_ewma=_ratio(
            ewma(day_distance, EWMA_ACUTE_SPAN_DAYS),
            ewma(day_distance, EWMA_CHRONIC_SPAN_DAYS),
            shown,
        ),
    )


def _weeks(daily: DailySeries | None) -> tuple[WeekTotal, ...]:
    """Monday-to-Sunday totals and each week's change on the week before (Nielsen 2014)."""
    if daily is None:
        return ()
    ords = daily.first_day.toordinal() + np.arange(len(daily.distance_m))
    week = (ords - 1) // 7  # day 1 of the proleptic calendar was a Monday
    rel = week - week[0]
    count = int(rel[-1]) + 1
    distance = np.bincount(rel, weights=daily.distance_m, minlength=count).tolist()
    duration = np.bincount(rel, weights=daily.duration_s, minlength=count).tolist()
    runs = np.bincount(rel, weights=daily.runs, minlength=count).astype(np.int64).tolist()
    monday = int(week[0]) * 7 + 1
    totals: list[WeekTotal] = []
    for i in range(count):
        before = distance[i - 1] if i else 0.0
        change = (distance[i] - before) / before if before > 0 else None
        totals.append(
            WeekTotal(
                week_start=date.fromordinal(monday + 7 * i),
                distance_m=distance[i],
                duration_s=duration[i],
                runs=runs[i],
                progression=change,
                progression_class=classify_progression(change),
            )
        )
    return tuple(totals)


def _longest_before(
    starts: FloatArray, distance: FloatArray, now: datetime
) -> tuple[float | None, float | None]:
    """The longest and second-longest run distance in the 30 days before ``now``."""
    now_s = now.timestamp()
    recent = distance[(starts >= now_s - SPIKE_WINDOW_DAYS * SECONDS_PER_DAY) & (starts < now_s)]
    recent = np.sort(recent[recent > 0])[::-1]
    longest = float(recent[0]) if len(recent) else None
    second = float(recent[1]) if len(recent) > 1 else None
    return longest, second


def _progression(daily: DailySeries | None, today: date) -> Progression:
    """Distance in the last 7 days against the 7 days before (Nielsen 2014, B.4 windows)."""
    if daily is None:
        return Progression(0.0, 0.0, None, ProgressionClass.NO_BASELINE)
    first, t = daily.first_day.toordinal(), today.toordinal()
    last_7 = _window_sum(daily.distance_m, first, t - 6, t)
    previous_7 = _window_sum(daily.distance_m, first, t - 13, t - 7)
    change = (last_7 - previous_7) / previous_7 if previous_7 > 0 else None
    return Progression(last_7, previous_7, change, classify_progression(change))


def _acute_chronic(
    daily: DailySeries | None, today: date, history_days: int
) -> AcuteChronic | None:
    """Today's uncoupled rolling and EWMA ratios (§11.2), only from 28 days of history."""
    if daily is None or history_days < ACWR_MIN_HISTORY_DAYS:
        return None
    first, t = daily.first_day.toordinal(), today.toordinal()
    acute = _window_sum(daily.distance_m, first, t - 6, t)
    chronic_weekly = _window_sum(daily.distance_m, first, t - 27, t - 7) / 3
    rolling = float(daily.acwr_rolling[t - first])
    smoothed = float(daily.acwr_ewma[t - first])
    return AcuteChronic(
        acute_7d_m=acute,
        chronic_weekly_m=chronic_weekly,
        rolling=None if math.isnan(rolling) else rolling,
        ewma=None if math.isnan(smoothed) else smoothed,
    )


# --- guardrails and words ------------------------------------------------------------------------

_PAIN_WORDS = {PainLight.AMBER: "amber", PainLight.RED: "red"}


def next_run_guardrail(
    longest_m: float | None,
    second_m: float | None,
    pain: PainLight,
    unit: DistanceUnit,
) -> Guardrail:
    """Next-run cap: +10 % on the 30-day longest (Frandsen 2025); held or cut on pain (B.2)."""
    factor = NEXT_RUN_FACTOR[pain]
    if longest_m is None:
        return Guardrail(
            None,
            None,
            factor,
            "There is no run with a distance in the last 30 days to build on. Start with a "
            "short, easy run and let your knee's response guide the next one.",
        )
    cap = longest_m * factor
    longest, limit = format_distance(longest_m, unit), format_distance(cap, unit, round_down=True)
    if pain is PainLight.GREEN:
        reason = (
            f"Your longest run in the last 30 days was {longest}. In a large study of runners "
            "(Frandsen et al. 2025), runs more than 10 % longer than that were followed by more "
            f"overuse injuries, so keep your next run under {limit}."
        )
    elif pain is PainLight.AMBER:
        reason = (
            "Your knee pain is in the amber zone, so hold your distance rather than build it: "
            f"keep your next run under {limit}, no longer than your longest run in the last "
            f"30 days ({longest})."
        )
    else:
        reason = (
            f"Your knee pain is in the red zone, so cut back: if you run, keep it under {limit} "
            f"({round(factor * 100)} % of your longest run in the last 30 days, {longest}) "
            "and stop if the pain goes above 5 out of 10."
        )
    if second_m is not None and longest_m > OUTLIER_RATIO * second_m:
        reason += (
            f" That longest run stands far above your others (the next longest was "
            f"{format_distance(second_m, unit)}); after a one-off such as a race, let the runs "
            "you usually do guide you rather than this limit."
        )
    return Guardrail(cap, longest_m, factor, reason)


def week_guardrail(
    daily: DailySeries | None, today: date, pain: PainLight, unit: DistanceUnit
) -> WeekGuardrail:
    """This week's cap: at most +30 % on last week (Nielsen 2014); held or cut on pain (B.2)."""
    monday = today.toordinal() - today.weekday()
    last_week = this_week = 0.0
    if daily is not None:
        first = daily.first_day.toordinal()
        last_week = _window_sum(daily.distance_m, first, monday - 7, monday - 1)
        this_week = _window_sum(daily.distance_m, first, monday, monday + 6)
    if last_week == 0:
        return WeekGuardrail(
            None,
            0.0,
            this_week,
            None,
            "You ran no distance last week, so there is no weekly figure to build on; let the "
            "guide for your next run lead.",
        )
    factor = WEEK_FACTOR[pain]
    cap = last_week * factor
    remaining = max(cap - this_week, 0.0)
    ran, limit = format_distance(last_week, unit), format_distance(cap, unit, round_down=True)
    if pain is PainLight.GREEN:
        advice = (
            "To keep the rise from one week to the next within 30 % (Nielsen et al. 2014), "
            f"keep this week under {limit}"
        )
    else:
        verb = "hold steady" if pain is PainLight.AMBER else "cut back"
        advice = (
            f"With knee pain in the {_PAIN_WORDS[pain]} zone, {verb}: keep this week under {limit}"
        )
    left = (
        f"{format_distance(remaining, unit, round_down=True)} left"
        if remaining > 0
        else "you have reached it"
    )
    reason = f"Last week you ran {ran}. {advice}; {left}."
    return WeekGuardrail(cap, last_week, this_week, remaining, reason)


def summary_sentence(guardrail: Guardrail, history_days: int, unit: DistanceUnit) -> str:
    """The one-line summary at the top of the Load page and on the Today card."""
    if guardrail.basis_m is None or guardrail.max_distance_m is None:
        sentence = "No runs with a distance in the last 30 days yet. Start short and easy."
    else:
        longest = format_distance(guardrail.basis_m, unit)
        limit = format_distance(guardrail.max_distance_m, unit, round_down=True)
        sentence = f"Your longest run in the last 30 days: {longest}. "
        if guardrail.factor == NEXT_RUN_FACTOR[PainLight.GREEN]:
            sentence += f"Keep your next run under {limit}."
        else:
            light = "amber" if guardrail.factor == NEXT_RUN_FACTOR[PainLight.AMBER] else "red"
            sentence += f"With knee pain in the {light} zone, keep your next run under {limit}."
    if 0 < history_days < SPIKE_WINDOW_DAYS:
        sentence += (
            f" This rests on only {history_days} days of running, so it will settle as more "
            "runs come in."
        )
    return sentence


def analyse(
    runs: Iterable[RunRecord],
    *,
    now: datetime,
    tz: tzinfo | str,
    pain: PainLight | str = PainLight.GREEN,
    unit: DistanceUnit = DistanceUnit.KM,
) -> LoadSummary:
    """Every load metric and guardrail for one runner, as of ``now`` in their time zone ``tz``.

    ``pain`` is the pain model's light ("green", "amber" or "red", or its enum).
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise LoadError("The current time has no time zone.")
    try:
        pain = PainLight(pain)
    except ValueError as error:
        raise LoadError(f"{pain!r} is not a pain light (green, amber or red).") from error
    zone = _resolve_zone(tz)
    today = now.astimezone(zone).date()
    ordered = sorted(runs, key=lambda run: (run.start, run.code))
    stamps = [run.start.timestamp() for run in ordered]
    days = [_local_day(run, stamp, zone) for run, stamp in zip(ordered, stamps, strict=True)]
    statuses = [_status(run) for run in ordered]
    counted = [i for i, status in enumerate(statuses) if status is RunStatus.COUNTED]
    starts = np.array([stamps[i] for i in counted], dtype=np.float64)
    distance = np.array([ordered[i].distance_m for i in counted], dtype=np.float64)
    duration = np.array([ordered[i].duration_s for i in counted], dtype=np.float64)
    ords = np.array([days[i].toordinal() for i in counted], dtype=np.int64)
    reference, ratio, spikes = _spikes(starts, distance)
    loads = _run_loads(ordered, days, statuses, counted, reference, ratio, spikes)
    daily = _daily(ords, distance, duration, today.toordinal()) if counted else None
    history_days = max(today.toordinal() - int(ords.min()) + 1, 0) if counted else 0
    longest, second = _longest_before(starts, distance, now)
    next_run = next_run_guardrail(longest, second, pain, unit)
    return LoadSummary(
        today=today,
        unit=unit,
        pain=pain,
        runs=loads,
        daily=daily,
        weeks=_weeks(daily),
        history_days=history_days,
        longest_30d_m=longest,
        progression=_progression(daily, today),
        acute_chronic=_acute_chronic(daily, today, history_days),
        next_run=next_run,
        week=week_guardrail(daily, today, pain, unit),
        sentence=summary_sentence(next_run, history_days, unit),
    )


def _run_loads(
    ordered: Sequence[RunRecord],
    days: Sequence[date],
    statuses: Sequence[RunStatus],
    counted: Sequence[int],
    reference: FloatArray,
    ratio: FloatArray,
    spikes: Sequence[SpikeClass],
) -> tuple[RunLoad, ...]:
    """One result per record, in start order; spike figures only for the runs that count."""
    refs: list[float | None] = [None] * len(ordered)
    ratios: list[float | None] = [None] * len(ordered)
    classes: list[SpikeClass | None] = [None] * len(ordered)
    # Plain lists, not numpy scalars: this loop runs once per record.
    for i, ref, rat, spike in zip(counted, reference.tolist(), ratio.tolist(), spikes, strict=True):
        refs[i] = None if math.isnan(ref) else ref
        ratios[i] = None if math.isnan(rat) else rat
        classes[i] = spike
    return tuple(
        RunLoad(run, day, status, ref, rat, spike)
        for run, day, status, ref, rat, spike in zip(
            ordered, days, statuses, refs, ratios, classes, strict=True
        )
    )


_SPIKE_WORDS = {
    SpikeClass.SMALL: "a small spike",
    SpikeClass.MODERATE: "a moderate spike",
    SpikeClass.LARGE: "a large spike",
}


def _comparison(ratio: float, longest: str) -> str:
    percent = round(abs(ratio - 1.0) * 100)
    if percent == 0:
        return f"about as long as your longest run in the last 30 days ({longest})"
    longer = "longer" if ratio > 1 else "shorter"
    return f"{percent} % {longer} than your longest run in the last 30 days ({longest})"


def plan_check(distance_m: float, summary: LoadSummary) -> PlanVerdict:
    """Is a planned run within the next-run guardrail? Says why, in the runner's unit."""
    if not math.isfinite(distance_m) or distance_m <= 0:
        raise LoadError("A planned run needs a distance greater than zero.")
    unit, guard = summary.unit, summary.next_run
    planned = format_distance(distance_m, unit)
    if guard.basis_m is None or guard.max_distance_m is None:
        return PlanVerdict(
            PlanStatus.NO_GUIDE,
            distance_m,
            None,
            None,
            None,
            "There is no run with a distance in the last 30 days to compare with, so there is "
            "no guide yet: start short and easy, and see how your knee responds.",
            spike_context(None),
        )
    ratio = distance_m / guard.basis_m
    spike = classify_spike(ratio)
    limit = format_distance(guard.max_distance_m, unit, round_down=True)
    compare = _comparison(ratio, format_distance(guard.basis_m, unit))
    pain_note = (
        f" (set lower while your knee pain is in the {_PAIN_WORDS[summary.pain]} zone)"
        if summary.pain is not PainLight.GREEN
        else ""
    )
    if distance_m <= guard.max_distance_m * (1 + RATIO_TOLERANCE):
        status = PlanStatus.WITHIN
        reason = f"{planned} is within your guide of {limit}{pain_note}: {compare}."
    else:
        status = PlanStatus.OVER
        label = f": {_SPIKE_WORDS[spike]}" if spike in _SPIKE_WORDS else ""
        reason = f"{planned} would be {compare}{label}. Keep it under {limit}{pain_note}."
    return PlanVerdict(
        status, distance_m, guard.max_distance_m, ratio, spike, reason, spike_context(spike)
    )
