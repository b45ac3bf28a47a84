"""The pain-monitoring model: a traffic light for each run and each day, and the niggle rule.

Built on the pain-monitoring model of Silbernagel et al. 2007 (clinical.md §9, [R45]): pain during
an activity may reach 5 out of 10, it must have settled by the next morning, and pain must not rise
from week to week. The zone boundaries follow Appendix B.2: 0-2 green, above 2 up to 5 amber,
above 5 red. Every result carries the reasons behind it, in plain words.

Days are counted in the runner's own time zone, passed in by the caller.
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

PAIN_MIN_NRS = 0
PAIN_MAX_NRS = 10
SAFE_MAX_NRS = 2  # 0-2 is the safe zone (§9.2; Appendix B.2).
ACCEPTABLE_MAX_NRS = 5  # Pain during or after may reach 5/10 (§9.1 rules 1-2, Silbernagel 2007).
MORNING_TOLERANCE_NRS = (
    1  # Next morning may be 1 above usual (Appendix B.2; a product choice, [U]).
)
USUAL_MORNINGS = 7  # Usual morning pain = median of the last 7 mornings (Appendix B.2).
WEEK_DAYS = 7
NIGGLE_WEEKS = 2  # "Not improved for two weeks" (§3 [R81] "a few weeks"; §6 [R77b] 2 weeks).

PAIN_WORDS: dict[int, str] = {
    0: "No pain",
    2: "Mild",
    5: "Moderate",
    10: "Worst pain imaginable",
}


class PainError(ValueError):
    """A pain entry the diary cannot accept, with a message a runner understands."""


class Light(enum.StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def rank(self) -> int:
        return list(Light).index(self)


class Decision(enum.StrEnum):
    CARRY_ON = "carry_on"
    HOLD = "hold"
    STEP_BACK = "step_back"
    REST_AND_GET_ADVICE = "rest_and_get_advice"


DECISION_TEXT: dict[Decision, str] = {
    Decision.CARRY_ON: "Carry on: your knee is coping, so you can keep to your plan.",
    Decision.HOLD: "Hold: keep your running as it is for now and do not add more yet.",
    Decision.STEP_BACK: (
        "Step back: go back to the last amount of running that felt comfortable, or take an "
        "easy day."
    ),
    Decision.REST_AND_GET_ADVICE: ("Stop training, rest and get advice from a physiotherapist."),
}

LIGHT_DECISION: dict[Light, Decision] = {
    Light.GREEN: Decision.CARRY_ON,
    Light.AMBER: Decision.HOLD,
    Light.RED: Decision.STEP_BACK,
}


class PainWhen(enum.StrEnum):
    DURING_RUN = "during_run"
    AFTER_RUN = "after_run"
    NEXT_MORNING = "next_morning"
    STAIRS = "stairs"
    AFTER_SITTING = "after_sitting"
    SQUATTING = "squatting"
    AT_REST = "at_rest"


WHEN_TEXT: dict[PainWhen, str] = {
    PainWhen.DURING_RUN: "during a run",
    PainWhen.AFTER_RUN: "after a run",
    PainWhen.NEXT_MORNING: "in the morning",
    PainWhen.STAIRS: "on stairs",
    PainWhen.AFTER_SITTING: "after sitting",
    PainWhen.SQUATTING: "when squatting",
    PainWhen.AT_REST: "at rest",
}

ACTIVITY_WHENS = frozenset({PainWhen.DURING_RUN, PainWhen.AFTER_RUN})


class Knee(enum.StrEnum):
    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


class KneeSpot(enum.StrEnum):
    FRONT_OF_KNEECAP = "front_of_kneecap"
    AROUND_KNEECAP = "around_kneecap"
    BEHIND_KNEECAP = "behind_kneecap"
    BELOW_KNEECAP = "below_kneecap"
    INSIDE = "inside"
    OUTSIDE = "outside"


SPOT_TEXT: dict[KneeSpot, str] = {
    KneeSpot.FRONT_OF_KNEECAP: "On the front of the kneecap",
    KneeSpot.AROUND_KNEECAP: "Around the kneecap",
    KneeSpot.BEHIND_KNEECAP: "Behind the kneecap",
    KneeSpot.BELOW_KNEECAP: "Below the kneecap",
    KneeSpot.INSIDE: "On the inner side",
    KneeSpot.OUTSIDE: "On the outer side",
}


def check_pain_nrs(value: object, what: str = "Pain") -> int:
    """A pain score is a whole number from 0 to 10."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise PainError(f"{what} must be a whole number from 0 to 10.")
    if not PAIN_MIN_NRS <= value <= PAIN_MAX_NRS:
        raise PainError(f"{what} must be from 0 to 10, not {value}.")
    return value


@dataclass(frozen=True, slots=True)
class PainEntry:
    at: datetime
    pain_nrs: int
    when: PainWhen
    activity_id: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise PainError("The time of a pain entry needs a time zone.")
        check_pain_nrs(self.pain_nrs)

    def day(self, zone: tzinfo) -> date:
        return self.at.astimezone(zone).date()


def zone(pain_nrs: int) -> Light:
    """0-2 green, above 2 up to 5 amber, above 5 red (§9.2; Appendix B.2, boundaries included)."""
    check_pain_nrs(pain_nrs)
    if pain_nrs <= SAFE_MAX_NRS:
        return Light.GREEN
    if pain_nrs <= ACCEPTABLE_MAX_NRS:
        return Light.AMBER
    return Light.RED


@dataclass(frozen=True, slots=True)
class Finding:
    light: Light
    reason: str


@dataclass(frozen=True, slots=True)
class Assessment:
    light: Light
    decision: Decision
    reasons: tuple[str, ...]


def _worst(findings: Sequence[Finding]) -> Light:
    return max((f.light for f in findings), key=lambda light: light.rank)


def _assessment(findings: Sequence[Finding]) -> Assessment:
    light = _worst(findings)
    ordered = sorted(findings, key=lambda f: -f.light.rank)
    return Assessment(light, LIGHT_DECISION[light], tuple(f.reason for f in ordered))


def _activity_finding(pain_nrs: int, when: str) -> Finding:
    """Pain during or after may reach 5/10 (§9.1 rules 1-2, Silbernagel 2007 [R45])."""
    light = zone(pain_nrs)
    if light is Light.RED:
        text = f"Pain {when} reached {pain_nrs}/10, above the limit of 5."
    elif light is Light.AMBER:
        text = f"Pain {when} was {pain_nrs}/10: acceptable, but not yet low enough to build on."
    else:
        text = f"Pain {when} stayed at {pain_nrs}/10, in the safe zone of 2 or less."
    return Finding(light, text)


def _morning_finding(morning_nrs: int, usual_nrs: float | None) -> Finding:
    """Pain must settle to its usual level by the next morning (§9.1 rule 2; Appendix B.2)."""
    if usual_nrs is None:
        light = zone(morning_nrs)
        word = {Light.GREEN: "low", Light.AMBER: "raised", Light.RED: "high"}[light]
        return Finding(
            light,
            f"Next-morning pain was {morning_nrs}/10 ({word}); after a few more mornings we can "
            "compare it with your usual level.",
        )
    usual = f"{usual_nrs:g}"
    if morning_nrs > usual_nrs + MORNING_TOLERANCE_NRS:
        return Finding(
            Light.RED,
            f"Next-morning pain was {morning_nrs}/10, above your usual {usual}/10: the knee had "
            "not settled.",
        )
    return Finding(
        Light.GREEN,
        f"Next-morning pain was {morning_nrs}/10, back to your usual {usual}/10.",
    )


def assess_activity(
    pain_during_nrs: int | None,
    pain_after_nrs: int | None,
    pain_next_morning_nrs: int | None = None,
    usual_morning_nrs: float | None = None,
) -> Assessment:
    """The traffic light for one run: during, after, and the next morning (§9; Appendix B.2)."""
    findings = []
    if pain_during_nrs is not None:
        findings.append(_activity_finding(check_pain_nrs(pain_during_nrs), "during the run"))
    if pain_after_nrs is not None:
        findings.append(_activity_finding(check_pain_nrs(pain_after_nrs), "after the run"))
    if pain_next_morning_nrs is not None:
        morning = check_pain_nrs(pain_next_morning_nrs, "Next-morning pain")
        findings.append(_morning_finding(morning, usual_morning_nrs))
    if not findings:
        raise PainError("Give at least one pain score for the run.")
    return _assessment(findings)


def _daily_worst(
    entries: Iterable[PainEntry], zone_: tzinfo, whens: frozenset[PainWhen] | None = None
) -> dict[date, int]:
    worst: dict[date, int] = {}
    for entry in entries:
        if whens is None or entry.when in whens:
            day = entry.day(zone_)
            worst[day] = max(worst.get(day, 0), entry.pain_nrs)
    return worst


MORNING = frozenset({PainWhen.NEXT_MORNING})


def daily_worst_pain(entries: Iterable[PainEntry], zone_: tzinfo) -> dict[date, int]:
    """The worst pain recorded on each day, in the runner's time zone (charts, comparisons)."""
    return _daily_worst(entries, zone_)


def usual_morning_pain(entries: Iterable[PainEntry], before: date, zone_: tzinfo) -> float | None:
    """Median morning pain over the last 7 mornings before a day (Appendix B.2), or None."""
    mornings = _daily_worst(entries, zone_, MORNING)
    recent = sorted(day for day in mornings if day < before)[-USUAL_MORNINGS:]
    if not recent:
        return None
    return float(statistics.median(mornings[day] for day in recent))


def _week_means(daily: dict[date, int], today: date) -> tuple[float, float] | None:
    this_week = [v for d, v in daily.items() if today - timedelta(days=WEEK_DAYS) < d <= today]
    last_week = [
        v
        for d, v in daily.items()
        if today - timedelta(days=2 * WEEK_DAYS) < d <= today - timedelta(days=WEEK_DAYS)
    ]
    if not this_week or not last_week:
        return None
    return statistics.fmean(this_week), statistics.fmean(last_week)


def weekly_trend(entries: Iterable[PainEntry], today: date, zone_: tzinfo) -> Finding | None:
    """Morning pain must not rise from week to week (§9.1 rule 3, Silbernagel 2007 [R45])."""
    means = _week_means(_daily_worst(entries, zone_, MORNING), today)
    if means is None:
        return None
    this_week, last_week = means
    if this_week > last_week:
        return Finding(
            Light.RED,
            f"Morning pain has risen from an average of {last_week:.1f}/10 last week to "
            f"{this_week:.1f}/10 this week.",
        )
    return Finding(
        Light.GREEN,
        f"Morning pain is not rising: {this_week:.1f}/10 this week against {last_week:.1f}/10 "
        "last week.",
    )


@dataclass(frozen=True, slots=True)
class Niggle:
    applies: bool
    reason: str = ""


def niggle_rule(
    entries: Iterable[PainEntry],
    today: date,
    zone_: tzinfo,
    advice_recorded_on: date | None = None,
) -> Niggle:
    """A niggle that has not improved for two weeks, or is getting worse, means stop and get advice.

    Source: clinical.md §3 ([R81]: pain not improving after a few weeks needs assessment) and §9.1
    rule 3 (Silbernagel 2007: pain must not rise week to week); two weeks as the product's time
    frame (§6 [R77b]). Only entries after the runner recorded getting advice count.
    """
    counted = [
        e for e in entries if advice_recorded_on is None or e.day(zone_) > advice_recorded_on
    ]
    daily = _daily_worst(counted, zone_)
    means = _week_means(daily, today)
    if means is None:
        return Niggle(False)
    this_week, last_week = means
    if this_week > last_week:
        return Niggle(
            True,
            f"Your knee pain is getting worse: an average of {this_week:.1f}/10 this week, up "
            f"from {last_week:.1f}/10 last week.",
        )
    window_start = today - timedelta(days=NIGGLE_WEEKS * WEEK_DAYS)
    every_day_hurt = all(v > 0 for d, v in daily.items() if window_start < d <= today)
    if every_day_hurt and this_week >= last_week:
        return Niggle(
            True,
            f"Your knee has hurt for two weeks without improving ({last_week:.1f}/10 last week, "
            f"{this_week:.1f}/10 this week).",
        )
    return Niggle(False)


@dataclass(frozen=True, slots=True)
class DailyStatus:
    light: Light | None
    decision: Decision | None
    reasons: tuple[str, ...]
    niggle: Niggle

    @property
    def decision_text(self) -> str:
        return DECISION_TEXT[self.decision] if self.decision else ""


def _last_run_findings(entries: Sequence[PainEntry], today: date, zone_: tzinfo) -> list[Finding]:
    """The most recent run (today or yesterday) with its next-morning check."""
    run_days = _daily_worst(entries, zone_, ACTIVITY_WHENS)
    recent = [d for d in run_days if today - timedelta(days=1) <= d <= today]
    if not recent:
        return []
    run_day = max(recent)
    during = _daily_worst(entries, zone_, frozenset({PainWhen.DURING_RUN})).get(run_day)
    after = _daily_worst(entries, zone_, frozenset({PainWhen.AFTER_RUN})).get(run_day)
    next_day = run_day + timedelta(days=1)
    morning = _daily_worst(entries, zone_, MORNING).get(next_day)
    usual = usual_morning_pain(entries, next_day, zone_)
    findings = []
    if during is not None:
        findings.append(_activity_finding(during, "during the run"))
    if after is not None:
        findings.append(_activity_finding(after, "after the run"))
    if morning is not None:
        findings.append(_morning_finding(morning, usual))
    return findings


def _today_findings(entries: Sequence[PainEntry], today: date, zone_: tzinfo) -> list[Finding]:
    """Pain today outside a run, by the same zones (§9.2)."""
    others = frozenset(PainWhen) - ACTIVITY_WHENS - MORNING
    findings = []
    for when in sorted(others, key=list(PainWhen).index):
        value = _daily_worst(entries, zone_, frozenset({when})).get(today)
        if value is not None and zone(value) is not Light.GREEN:
            findings.append(Finding(zone(value), f"Pain {WHEN_TEXT[when]} today was {value}/10."))
    return findings


def daily_status(
    entries: Iterable[PainEntry],
    today: date,
    zone_: tzinfo,
    advice_recorded_on: date | None = None,
) -> DailyStatus:
    """Today's traffic light and decision, from the last run, today's pain and the weekly trend."""
    listed = list(entries)
    findings = _last_run_findings(listed, today, zone_) + _today_findings(listed, today, zone_)
    trend = weekly_trend(listed, today, zone_)
    if trend is not None:
        findings.append(trend)
    niggle = niggle_rule(listed, today, zone_, advice_recorded_on)
    if niggle.applies:
        findings.append(Finding(Light.RED, niggle.reason))
    if not findings:
        return DailyStatus(None, None, ("No pain recorded for a recent run yet.",), niggle)
    assessment = _assessment(findings)
    decision = Decision.REST_AND_GET_ADVICE if niggle.applies else assessment.decision
    return DailyStatus(assessment.light, decision, assessment.reasons, niggle)


def should_ask_morning_check(
    run_days: Iterable[date], entries: Iterable[PainEntry], today: date, zone_: tzinfo
) -> bool:
    """Ask "How is your knee this morning?" after a run yesterday, until it is answered (§9.3)."""
    listed = list(entries)
    yesterday = today - timedelta(days=1)
    ran = yesterday in set(run_days) or yesterday in _daily_worst(listed, zone_, ACTIVITY_WHENS)
    answered = today in _daily_worst(listed, zone_, MORNING)
    return ran and not answered
