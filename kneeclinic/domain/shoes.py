"""Running shoes: distance per pair, wear checks, rotation, and pain around a change of pair.

The evidence is thin and the product says so (clinical.md §13): the usual "replace at
300-500 miles (about 480-800 km)" rests on old, limited data (Cook 1985, machine and runner
wear tests, via a secondary summary) and brand advice, and no prospective study links shoe
mileage to injury. So the app prompts a *check* for wear and comfort at two distances rather
than ordering a replacement. Using more than one pair in parallel was linked to fewer injuries
in one cohort (Malisoux 2015), which is why rotation is suggested.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

KM = 1000.0

WEAR_CHECK_KM: tuple[float, float] = (500.0, 800.0)
"""Prompt to check wear and comfort at 500 km and 800 km: the common 300-500 mile rule
(Cook 1985 via clinical.md §13, evidence weak; a prompt, not a rule)."""
MAX_AGE_DAYS_IN_RETURN_TO_RUN = 183
"""The US Army return-to-run programme wants shoes under 6 months old (clinical.md §13)."""
ROTATION_WINDOW_DAYS = 56
"""Rotation is judged over the last 8 weeks of runs (product choice)."""
ROTATION_MAIN_SHOE_SHARE = 0.9
"""Runners with one pair ran 91 % of the time in it vs 58 % with several (Malisoux 2015,
clinical.md §13): 90 % or more in one pair counts as not rotating."""
PAIN_WINDOW_DAYS = 14
"""Pain is compared over the two weeks before and after a change of shoe (product choice)."""


class ShoeError(ValueError):
    """Input the shoe tools cannot work with, with a reason a person understands."""


@dataclass(frozen=True, slots=True)
class Shoe:
    key: str
    name: str
    start: date
    starting_distance_m: float = 0.0
    retired: bool = False

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ShoeError("Give the shoe a name, such as its brand and model.")
        if self.starting_distance_m < 0:
            raise ShoeError("The distance already run in a shoe cannot be negative.")


@dataclass(frozen=True, slots=True)
class ShoeRun:
    """One run and the shoe it was run in (``None`` when not assigned)."""

    on: date
    distance_m: float
    shoe_key: str | None


class WearLevel(enum.StrEnum):
    FINE = "fine"
    CHECK = "check"
    CHECK_AGAIN = "check_again"


@dataclass(frozen=True, slots=True)
class WearPrompt:
    level: WearLevel
    message: str


def distance_m(shoe: Shoe, runs: Iterable[ShoeRun]) -> float:
    """The shoe's distance: what it had when added plus every run assigned to it."""
    return shoe.starting_distance_m + sum(r.distance_m for r in runs if r.shoe_key == shoe.key)


def distances_m(shoes: Sequence[Shoe], runs: Sequence[ShoeRun]) -> dict[str, float]:
    """Distance per shoe key. Runs pointing at a shoe not in ``shoes`` count for none."""
    totals = {s.key: s.starting_distance_m for s in shoes}
    for r in runs:
        if r.shoe_key in totals:
            totals[r.shoe_key] += r.distance_m
    return totals


def check_thresholds(thresholds_km: Sequence[float]) -> tuple[float, float]:
    """Two check distances in km, the first smaller than the second."""
    if len(thresholds_km) != 2:
        raise ShoeError("Give two distances to check the shoes at, such as 500 and 800 km.")
    first, second = float(thresholds_km[0]), float(thresholds_km[1])
    if not 0 < first < second:
        raise ShoeError("The first check distance must be above zero and below the second.")
    return first, second


def wear_prompt(total_m: float, thresholds_km: Sequence[float] = WEAR_CHECK_KM) -> WearPrompt:
    """Check wear and comfort at 500 and 800 km (Cook 1985 via clinical.md §13; not a hard rule)."""
    first, second = check_thresholds(thresholds_km)
    km = total_m / KM
    if km >= second:
        return WearPrompt(
            WearLevel.CHECK_AGAIN,
            f"These shoes have done {km:,.0f} km, past {second:,.0f} km. Look at the soles and "
            "midsoles and notice how they feel; if they feel flat or your knee grumbles more "
            "in them, it may be time for a new pair.",
        )
    if km >= first:
        return WearPrompt(
            WearLevel.CHECK,
            f"These shoes have done {km:,.0f} km, past {first:,.0f} km. A good time to check "
            "them for wear and comfort. There is no proven distance at which shoes cause "
            "injury, so how they feel matters more than the number.",
        )
    return WearPrompt(WearLevel.FINE, f"{km:,.0f} km so far.")


def too_old_for_return_to_run(shoe: Shoe, today: date) -> bool:
    """Older than 6 months, the US Army programme's limit for its runners (clinical.md §13)."""
    return (today - shoe.start).days > MAX_AGE_DAYS_IN_RETURN_TO_RUN


def choose_shoe(
    run_on: date,
    shoes: Sequence[Shoe],
    default_key: str | None,
    gear_name: str = "",
) -> str | None:
    """The shoe for an imported run: the export's gear name if it names a shoe, else the default.

    Only shoes in use on the run's day count (started on or before it, not retired).
    """
    in_use = [s for s in shoes if s.start <= run_on and not s.retired]
    wanted = gear_name.strip().casefold()
    if wanted:
        for shoe in in_use:
            if shoe.name.strip().casefold() == wanted:
                return shoe.key
    for shoe in in_use:
        if shoe.key == default_key:
            return shoe.key
    return None


@dataclass(frozen=True, slots=True)
class RotationAdvice:
    suggest: bool
    message: str
    main_share: float | None


def rotation_advice(shoes: Sequence[Shoe], runs: Sequence[ShoeRun], today: date) -> RotationAdvice:
    """Suggest a second pair when one pair does 90 %+ of the running (Malisoux 2015, §13)."""
    active = [s for s in shoes if not s.retired]
    since = today - timedelta(days=ROTATION_WINDOW_DAYS)
    recent = [r for r in runs if since < r.on <= today and r.shoe_key is not None]
    total = sum(r.distance_m for r in recent)
    why = (
        "In one study runners who used more than one pair in turn had fewer running injuries; "
        "it is a suggestion, not a rule."
    )
    if len(active) < 2:
        return RotationAdvice(True, "Think about adding a second pair to alternate. " + why, None)
    if total <= 0:
        return RotationAdvice(False, "No runs with shoes in the last 8 weeks.", None)
    per_shoe: dict[str, float] = {}
    for r in recent:
        per_shoe[r.shoe_key or ""] = per_shoe.get(r.shoe_key or "", 0.0) + r.distance_m
    share = max(per_shoe.values()) / total
    if share >= ROTATION_MAIN_SHOE_SHARE:
        return RotationAdvice(
            True,
            f"{share:.0%} of your running in the last 8 weeks was in one pair. Alternating "
            "between your pairs may help. " + why,
            share,
        )
    return RotationAdvice(
        False, f"You alternate pairs: the main one did {share:.0%} of the running.", share
    )


@dataclass(frozen=True, slots=True)
class PainAroundChange:
    before_mean_nrs: float | None
    after_mean_nrs: float | None
    before_days: int
    after_days: int

    @property
    def change_nrs(self) -> float | None:
        if self.before_mean_nrs is None or self.after_mean_nrs is None:
            return None
        return self.after_mean_nrs - self.before_mean_nrs


def pain_around_change(
    changed_on: date,
    pain_by_day: Iterable[tuple[date, int]],
    window_days: int = PAIN_WINDOW_DAYS,
) -> PainAroundChange:
    """Mean pain in the ``window_days`` before the change and from the change day on.

    Shown on the shoe's page as context only: pain has many causes besides shoes.
    """
    if window_days < 1:
        raise ShoeError("The window around a shoe change must be at least one day.")
    before: list[int] = []
    after: list[int] = []
    for day, nrs in pain_by_day:
        if changed_on - timedelta(days=window_days) <= day < changed_on:
            before.append(nrs)
        elif changed_on <= day < changed_on + timedelta(days=window_days):
            after.append(nrs)

    def mean(values: list[int]) -> float | None:
        return sum(values) / len(values) if values else None

    return PainAroundChange(mean(before), mean(after), len(before), len(after))
