"""Self-help measures: what each one is, how to use it safely, what the evidence says.

Sources are sections of the clinical dossier: §5 (treatment evidence), §6 (NHS ice guidance) and
§7 (NHS ibuprofen guidance). Ice and painkillers are offered as optional, short-term relief, never
as a treatment of runner's knee (§5.4 product stance). The comparison of pain before and after a
measure is a simple description and never a claim that the measure worked.
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

ICE_MAX_MINUTES = 20  # Up to 20 minutes at a time (§6, NHS sprains and strains [R77]).
ICE_EVERY_HOURS = (2, 3)  # Every 2 to 3 hours (§6 [R77]).
ICE_SKIN_CHECK_MINUTES = 5  # Check the skin after 5 minutes (§6 [R82]).
IBUPROFEN_MIN_AGE_YEARS = 17  # Adult guidance from 17 (§7.1 [R85]).
IBUPROFEN_CHECK_AGE_YEARS = 65  # Over 65: ask first (§7.3 [R85]).
IBUPROFEN_TABLET_MG = 200
IBUPROFEN_TABLETS_PER_DOSE = 2  # One or two 200 mg tablets (§7.5 [R84]).
IBUPROFEN_DOSES_PER_DAY = 3  # Three times a day (§7.5 [R84]).
IBUPROFEN_HOURS_BETWEEN = 6  # At least 6 hours apart when taken 3 times a day (§7.5 [R84]).
IBUPROFEN_MAX_MG_PER_DAY = 1200  # Over-the-counter maximum in 24 hours (§7.5 [R87]).
IBUPROFEN_MAX_DAYS = 10  # Not for more than 10 days without a doctor (§7.5 [R85]).
COMPARE_WINDOW_DAYS = 14
COMPARE_MIN_DAYS = 3  # Fewer recorded days than this on either side: too few to compare.


class SelfHelpError(ValueError):
    """Input the self-help tools cannot use, with a message a person understands."""


class Measure(enum.StrEnum):
    REST = "rest"
    ICE = "ice"
    PAINKILLERS = "painkillers"
    TAPING = "taping"
    BRACE = "brace"
    SHOE_INSERTS = "shoe_inserts"


@dataclass(frozen=True, slots=True)
class Guidance:
    measure: Measure
    title: str
    summary: str
    how: tuple[str, ...]
    cautions: tuple[str, ...]
    evidence: str
    sources: tuple[str, ...]


GUIDANCE: dict[Measure, Guidance] = {
    Measure.REST: Guidance(
        Measure.REST,
        "Rest or lighter training",
        "Cut back the running that brings the pain on, rather than stopping all activity.",
        (
            "Run shorter, slower or on flatter routes, or take a few days off running.",
            "Keep pain during a run at 2 out of 10 or less if you can, and never above 5.",
            "Check the next morning: the knee should be back to how it usually feels.",
            "Cycling, swimming or walking can keep you fit if they do not hurt.",
        ),
        (
            "Complete rest for a long time makes the muscles around the knee weaker.",
            "If pain is not improving after two weeks, or is getting worse, see a physiotherapist.",
        ),
        "In a trial with runners who had runner's knee, learning how to adjust training was as "
        "helpful as adding exercises or a change of running style.",
        ("clinical.md §5.3 (Esculier 2018 [R22])", "clinical.md §9 (Silbernagel 2007 [R45])"),
    ),
    Measure.ICE: Guidance(
        Measure.ICE,
        "Ice or a cold pack",
        "A cold pack can ease pain for a while after an activity that aggravated the knee.",
        (
            "Wrap an ice pack, or a bag of frozen peas, in a towel. Never put ice on bare skin.",
            f"Hold it on the sore area for up to {ICE_MAX_MINUTES} minutes.",
            f"Check your skin after {ICE_SKIN_CHECK_MINUTES} minutes; stop if it burns or hurts.",
            "You can repeat this every 2 to 3 hours.",
        ),
        (
            "Do not use ice where you cannot feel hot and cold properly, where the skin or blood "
            "supply is poor, or where there is nerve damage.",
            "If you have heart or circulation problems, only use ice if a doctor or "
            "physiotherapist has said it is fine.",
        ),
        "Ice may ease pain for a short time, but it does not treat runner's knee: a US guideline "
        "advises against cold as a treatment, and sports medicine experts question its use.",
        (
            "clinical.md §6 (NHS sprains and strains [R77]; NHS trust leaflets [R82])",
            "clinical.md §5.2 and §6 (Willy 2019 via [R13])",
            "clinical.md §5.4 (Dubois and Esculier 2020 [R16])",
        ),
    ),
    Measure.PAINKILLERS: Guidance(
        Measure.PAINKILLERS,
        "Painkillers",
        "Painkillers can take the edge off pain for a short time. Check first that they suit you.",
        (
            "Answer the short check before taking ibuprofen.",
            "Use the lowest dose for the shortest time, as on the packet.",
            "Take ibuprofen with food or a drink of milk, not on an empty stomach.",
            "A pharmacist can advise you which painkiller suits you best.",
        ),
        (
            "Do not use painkillers so you can run through pain: pain is a signal to ease off.",
            f"Speak to a doctor if you need ibuprofen for more than {IBUPROFEN_MAX_DAYS} days.",
        ),
        "For runner's knee the evidence for anti-inflammatory painkillers is limited to a small, "
        "short-term easing of pain.",
        ("clinical.md §7 (NHS ibuprofen [R84, R85])", "clinical.md §5.3 (Cochrane [R21])"),
    ),
    Measure.TAPING: Guidance(
        Measure.TAPING,
        "Taping the kneecap",
        "Tape applied around the kneecap may ease pain while you do your exercises.",
        (
            "Ask a physiotherapist to show you how to apply it for your knee.",
            "Use it alongside your exercises rather than on its own.",
        ),
        ("Take the tape off if your skin becomes itchy, red or sore.",),
        "Experts are uncertain whether taping helps. A US guideline says taping fitted to the "
        "person, together with exercise, may ease pain in the short term.",
        ("clinical.md §5.1 (Collins 2018 [R10])", "clinical.md §5.2 (Willy 2019 [R12b])"),
    ),
    Measure.BRACE: Guidance(
        Measure.BRACE,
        "A knee brace or sleeve",
        "Some runners find a sleeve or brace comfortable, but it is not a treatment.",
        (
            "If you try one, choose one that fits snugly without digging in.",
            "Keep doing your exercises: they are what helps most.",
        ),
        ("Stop using it if it causes numbness, tingling or swelling below the knee.",),
        "Experts are uncertain whether braces or sleeves help, and the better-quality "
        "guidelines do not recommend kneecap braces.",
        ("clinical.md §5.1 (Collins 2018 [R10])", "clinical.md §5.2 (Wallis 2021 [R14])"),
    ),
    Measure.SHOE_INSERTS: Guidance(
        Measure.SHOE_INSERTS,
        "Shoe inserts",
        "Ready-made shoe inserts (foot orthoses) can ease pain in the first weeks.",
        (
            "Ready-made inserts from a pharmacy or sports shop are what the studies tested.",
            "They may suit you best if your feet roll in a lot when you stand or run.",
            "Break them in gradually, starting with short periods.",
        ),
        ("They can rub or cause blisters at first; stop if they do.",),
        "Ready-made inserts eased pain over about 6 weeks in trials, but not in the long term.",
        (
            "clinical.md §5.1 (Collins 2018 [R10])",
            "clinical.md §5.3 (Collins 2008 [R40])",
            "clinical.md §5.2 (Willy 2019 [R12b])",
        ),
    ),
}


# --- Ibuprofen suitability -------------------------------------------------------------------


class Suitability(enum.StrEnum):
    DO_NOT_TAKE = "do_not_take"
    UNDER_17 = "under_17"
    ASK_PHARMACIST_FIRST = "ask_pharmacist_first"
    MAY_BE_SUITABLE = "may_be_suitable"


@dataclass(frozen=True, slots=True)
class CheckQuestion:
    id: str
    text: str
    if_yes: Suitability
    source: str


IBUPROFEN_CHECK: tuple[CheckQuestion, ...] = (
    CheckQuestion(
        "nsaid_reaction",
        "Have you ever had an allergic reaction, wheezing, a runny nose or a skin reaction after "
        "taking aspirin, ibuprofen or a similar painkiller such as naproxen?",
        Suitability.DO_NOT_TAKE,
        "clinical.md §7.2 [R85]",
    ),
    CheckQuestion(
        "pregnant",
        "Are you pregnant?",
        Suitability.DO_NOT_TAKE,
        "clinical.md §7.2 [R85b]",
    ),
    CheckQuestion(
        "stomach_bleed_or_ulcer",
        "Have you ever had bleeding or a hole in your stomach, or more than one stomach ulcer?",
        Suitability.ASK_PHARMACIST_FIRST,
        "clinical.md §7.3 [R85]",
    ),
    CheckQuestion(
        "bleeding_problem",
        "Do you have a health problem that makes you bleed more easily?",
        Suitability.ASK_PHARMACIST_FIRST,
        "clinical.md §7.3 [R85]",
    ),
    CheckQuestion(
        "heart_or_stroke",
        "Do you have heart disease or heart failure, or have you ever had a stroke?",
        Suitability.ASK_PHARMACIST_FIRST,
        "clinical.md §7.3 [R85]",
    ),
    CheckQuestion(
        "high_blood_pressure",
        "Do you have high blood pressure that is not under control?",
        Suitability.ASK_PHARMACIST_FIRST,
        "clinical.md §7.3 [R85]",
    ),
    CheckQuestion(
        "kidney_or_liver",
        "Do you have kidney or liver problems?",
        Suitability.ASK_PHARMACIST_FIRST,
        "clinical.md §7.3 [R85]",
    ),
    CheckQuestion(
        "asthma_or_allergies",
        "Do you have asthma, hay fever or allergies?",
        Suitability.ASK_PHARMACIST_FIRST,
        "clinical.md §7.3 [R85]",
    ),
    CheckQuestion(
        "bowel_disease",
        "Do you have Crohn's disease or ulcerative colitis?",
        Suitability.ASK_PHARMACIST_FIRST,
        "clinical.md §7.3 [R85]",
    ),
    CheckQuestion(
        "chickenpox",
        "Do you have chickenpox at the moment?",
        Suitability.ASK_PHARMACIST_FIRST,
        "clinical.md §7.3 [R85]",
    ),
    CheckQuestion(
        "trying_for_baby",
        "Are you trying to get pregnant?",
        Suitability.ASK_PHARMACIST_FIRST,
        "clinical.md §7.3 [R85]",
    ),
    CheckQuestion(
        "other_medicines",
        "Do you take other medicines, such as blood thinners (for example warfarin), blood "
        "pressure tablets, steroids, antidepressants or other anti-inflammatory painkillers?",
        Suitability.ASK_PHARMACIST_FIRST,
        "clinical.md §7.4 [R88]",
    ),
)

IBUPROFEN_LABEL = (
    f"Adults usually take one or two {IBUPROFEN_TABLET_MG} mg tablets up to "
    f"{IBUPROFEN_DOSES_PER_DAY} times a day, leaving at least {IBUPROFEN_HOURS_BETWEEN} hours "
    f"between doses. Do not take more than {IBUPROFEN_MAX_MG_PER_DAY:,} mg (six "
    f"{IBUPROFEN_TABLET_MG} mg tablets) in 24 hours. Always follow the packet."
)

SUITABILITY_ADVICE: dict[Suitability, tuple[str, ...]] = {
    Suitability.DO_NOT_TAKE: (
        "Do not take ibuprofen or other anti-inflammatory painkillers.",
        "Paracetamol may be an option instead: ask a pharmacist which painkiller is safe for you.",
    ),
    Suitability.UNDER_17: (
        "This guidance is for adults. Ask a pharmacist or your GP about painkillers for "
        "someone under 17.",
    ),
    Suitability.ASK_PHARMACIST_FIRST: (
        "Ask a pharmacist or your GP before taking ibuprofen: it may not be safe for you.",
        "Paracetamol may be an option; a pharmacist can tell you.",
    ),
    Suitability.MAY_BE_SUITABLE: (
        "Ibuprofen may be suitable for you for a short time.",
        IBUPROFEN_LABEL,
        "Take it with food or a drink of milk. Use the lowest dose for the shortest time, and "
        f"speak to a doctor if you need it for more than {IBUPROFEN_MAX_DAYS} days.",
        "It is safe to take with paracetamol. Do not take it with other anti-inflammatory "
        "painkillers such as aspirin or naproxen, and check cold and flu remedies for them.",
    ),
}


@dataclass(frozen=True, slots=True)
class SuitabilityResult:
    verdict: Suitability
    reasons: tuple[str, ...]
    advice: tuple[str, ...]


def ibuprofen_suitability(age_years: int, answers: Mapping[str, bool]) -> SuitabilityResult:
    """Screen the NHS lists before any ibuprofen advice (§7.2-7.4 [R85, R86, R88]; §7.5)."""
    if isinstance(age_years, bool) or not isinstance(age_years, int) or age_years < 0:
        raise SelfHelpError("Age must be a whole number of years.")
    known = {q.id for q in IBUPROFEN_CHECK}
    for key in answers:
        if key not in known:
            raise SelfHelpError(f"'{key}' is not a question in the painkiller check.")
    for question in IBUPROFEN_CHECK:
        if not isinstance(answers.get(question.id), bool):
            raise SelfHelpError(f"Please answer yes or no to: {question.text}")
    yes = [q for q in IBUPROFEN_CHECK if answers[q.id]]
    do_not = [q.text for q in yes if q.if_yes is Suitability.DO_NOT_TAKE]
    if do_not:
        verdict, reasons = Suitability.DO_NOT_TAKE, do_not
    elif age_years < IBUPROFEN_MIN_AGE_YEARS:
        verdict, reasons = Suitability.UNDER_17, [f"You are {age_years}."]
    else:
        reasons = [q.text for q in yes]
        if age_years > IBUPROFEN_CHECK_AGE_YEARS:
            reasons.append(f"You are over {IBUPROFEN_CHECK_AGE_YEARS}.")
        verdict = Suitability.ASK_PHARMACIST_FIRST if reasons else Suitability.MAY_BE_SUITABLE
    return SuitabilityResult(verdict, tuple(reasons), SUITABILITY_ADVICE[verdict])


# --- Pain before and after a measure ---------------------------------------------------------

NOT_PROOF = (
    "This is a simple comparison, not proof that the measure made the difference: knee pain "
    "often changes by itself, and other things change at the same time."
)


@dataclass(frozen=True, slots=True)
class Comparison:
    first_label: str
    first_mean_nrs: float | None
    first_days: int
    second_label: str
    second_mean_nrs: float | None
    second_days: int
    text: str

    @property
    def enough(self) -> bool:
        return self.first_days >= COMPARE_MIN_DAYS and self.second_days >= COMPARE_MIN_DAYS


def _compare(
    first_label: str, first: list[float], second_label: str, second: list[float]
) -> Comparison:
    enough = len(first) >= COMPARE_MIN_DAYS and len(second) >= COMPARE_MIN_DAYS
    first_mean = statistics.fmean(first) if first else None
    second_mean = statistics.fmean(second) if second else None
    if enough:
        text = (
            f"Average pain {first_label}: {statistics.fmean(first):.1f}/10 ({len(first)} days); "
            f"{second_label}: {statistics.fmean(second):.1f}/10 ({len(second)} days). {NOT_PROOF}"
        )
    else:
        text = (
            f"Not enough days recorded to compare yet: at least {COMPARE_MIN_DAYS} days are "
            f"needed {first_label} and {second_label}."
        )
    return Comparison(
        first_label, first_mean, len(first), second_label, second_mean, len(second), text
    )


def compare_before_after(
    started_on: date, daily_pain: Mapping[date, float], window_days: int = COMPARE_WINDOW_DAYS
) -> Comparison:
    """Average daily pain in the days before a measure started and in the days since."""
    if window_days < 1:
        raise SelfHelpError("The comparison window must be at least one day.")
    before = [
        v
        for d, v in daily_pain.items()
        if started_on - timedelta(days=window_days) <= d < started_on
    ]
    after = [
        v
        for d, v in daily_pain.items()
        if started_on <= d < started_on + timedelta(days=window_days)
    ]
    return _compare(
        f"in the {window_days} days before you started", before, "since you started", after
    )


def compare_with_without(
    measure_days: Collection[date], daily_pain: Mapping[date, float]
) -> Comparison:
    """Average daily pain on days with the measure logged and on days without it."""
    with_days = [v for d, v in daily_pain.items() if d in measure_days]
    without = [v for d, v in daily_pain.items() if d not in measure_days]
    return _compare("on days you used it", with_days, "on days you did not", without)
