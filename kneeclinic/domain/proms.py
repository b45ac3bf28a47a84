"""Patient-reported outcome measures: the Kujala Anterior Knee Pain Scale (AKPS).

The AKPS (Kujala et al. 1993, [R41]) has 13 items; each answer is worth a fixed number of points
and the total runs from 0 to 100, where 100 means no problems. The points follow the scoring table
in clinical.md §8.1 and Appendix B.1 (checked against a 2023 peer-reviewed reproduction, [R41b]).
The question prompts are written in our own words; the answer labels keep the scale's short
wording so that each answer is recognisable against the original form. A change of 10 points or
more is the minimal important change (Crossley 2004, [R42]).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

AKPS_ID = "akps"
AKPS_VERSION = "1"
AKPS_MAX = 100
AKPS_MIN = 0
AKPS_MIC_POINTS = 10  # Minimal important change (§8.1, Crossley 2004 [R42]).
AKPS_REPEAT_MIN_DAYS = 14  # Repeat every 2-4 weeks (issue's schedule; §8.1 for the measure).
AKPS_REPEAT_MAX_DAYS = 28


class PromError(ValueError):
    """Answers a questionnaire cannot score, with a message naming the item."""


@dataclass(frozen=True, slots=True)
class AkpsOption:
    code: str
    text: str
    points: int


@dataclass(frozen=True, slots=True)
class AkpsItem:
    id: str
    number: int
    title: str
    prompt: str
    options: tuple[AkpsOption, ...]
    self_rated: bool = False

    @property
    def max_points(self) -> int:
        return max(option.points for option in self.options)

    def points_for(self, code: object) -> int:
        for option in self.options:
            if option.code == code:
                return option.points
        raise PromError(f"Item {self.number} ({self.title}): {code!r} is not one of its answers.")


def _o(*pairs: tuple[str, str, int]) -> tuple[AkpsOption, ...]:
    return tuple(AkpsOption(code, text, points) for code, text, points in pairs)


AKPS_ITEMS: tuple[AkpsItem, ...] = (
    AkpsItem(
        "limp",
        1,
        "Limp",
        "Do you walk with a limp?",
        _o(
            ("none", "None", 5),
            ("slight_or_periodical", "Slight or now and then", 3),
            ("constant", "Constant", 0),
        ),
    ),
    AkpsItem(
        "support",
        2,
        "Support",
        "How much weight can you put on the leg?",
        _o(
            ("full_without_pain", "Full weight without pain", 5),
            ("painful", "Painful", 3),
            ("weight_bearing_impossible", "Cannot put weight on it", 0),
        ),
    ),
    AkpsItem(
        "walking",
        3,
        "Walking",
        "How far can you walk?",
        _o(
            ("unlimited", "Unlimited", 5),
            ("more_than_2km", "More than 2 km", 3),
            ("1_to_2km", "1 to 2 km", 2),
            ("unable", "Unable", 0),
        ),
    ),
    AkpsItem(
        "stairs",
        4,
        "Stairs",
        "How are stairs for you?",
        _o(
            ("no_difficulty", "No difficulty", 10),
            ("slight_pain_descending", "Slight pain when going down", 8),
            ("pain_descending_and_ascending", "Pain both going down and going up", 5),
            ("unable", "Unable", 0),
        ),
    ),
    AkpsItem(
        "squatting",
        5,
        "Squatting",
        "How is squatting for you?",
        _o(
            ("no_difficulty", "No difficulty", 5),
            ("repeated_squatting_painful", "Repeated squatting is painful", 4),
            ("painful_each_time", "Painful each time", 3),
            ("possible_with_partial_weight_bearing", "Only possible without full weight", 2),
            ("unable", "Unable", 0),
        ),
    ),
    AkpsItem(
        "running",
        6,
        "Running",
        "How is running for you?",
        _o(
            ("no_difficulty", "No difficulty", 10),
            ("pain_after_more_than_2km", "Pain after more than 2 km", 8),
            ("slight_pain_from_start", "Slight pain from the start", 6),
            ("severe_pain", "Severe pain", 3),
            ("unable", "Unable", 0),
        ),
    ),
    AkpsItem(
        "jumping",
        7,
        "Jumping",
        "How is jumping for you?",
        _o(
            ("no_difficulty", "No difficulty", 10),
            ("slight_difficulty", "Slight difficulty", 7),
            ("constant_pain", "Constant pain", 2),
            ("unable", "Unable", 0),
        ),
    ),
    AkpsItem(
        "sitting",
        8,
        "Sitting for a long time with the knees bent",
        "How is sitting for a long time with your knees bent?",
        _o(
            ("no_difficulty", "No difficulty", 10),
            ("pain_after_exercise", "Pain after exercise", 8),
            ("constant_pain", "Constant pain", 6),
            ("pain_forces_extension", "Pain makes me straighten my knees for a while", 4),
            ("unable", "Unable", 0),
        ),
    ),
    AkpsItem(
        "pain",
        9,
        "Pain",
        "How much pain do you have in the knee?",
        _o(
            ("none", "None", 10),
            ("slight_and_occasional", "Slight and now and then", 8),
            ("interferes_with_sleep", "It disturbs my sleep", 6),
            ("occasionally_severe", "Severe now and then", 3),
            ("constant_and_severe", "Constant and severe", 0),
        ),
    ),
    AkpsItem(
        "swelling",
        10,
        "Swelling",
        "Does your knee swell?",
        _o(
            ("none", "No", 10),
            ("after_severe_exertion", "After hard exercise", 8),
            ("after_daily_activities", "After everyday activities", 6),
            ("every_evening", "Every evening", 4),
            ("constant", "Constantly", 0),
        ),
    ),
    AkpsItem(
        "patellar_movements",
        11,
        "Painful kneecap movements",
        "Does your kneecap move out of place in a painful way (slip, or come out)?",
        _o(
            ("none", "No", 10),
            ("occasionally_in_sports", "Now and then during sport", 6),
            ("occasionally_in_daily_activities", "Now and then in everyday activities", 4),
            ("at_least_one_dislocation", "At least one confirmed dislocation", 2),
            ("more_than_two_dislocations", "More than two dislocations", 0),
        ),
    ),
    AkpsItem(
        "thigh_atrophy",
        12,
        "Thigh muscle wasting",
        "Has the thigh on the painful side become thinner (muscle wasting)?",
        _o(("none", "No", 5), ("slight", "Slightly", 3), ("severe", "A lot", 0)),
        self_rated=True,
    ),
    AkpsItem(
        "flexion_deficiency",
        13,
        "Bending the knee",
        "Can you bend the painful knee as far as the other one?",
        _o(("none", "Yes, fully", 5), ("slight", "Slightly less", 3), ("severe", "Much less", 0)),
        self_rated=True,
    ),
)

AKPS_ITEMS_BY_ID: dict[str, AkpsItem] = {item.id: item for item in AKPS_ITEMS}


@dataclass(frozen=True, slots=True)
class AkpsScore:
    total: int
    points: tuple[tuple[str, int], ...]


def score_akps(answers: Mapping[str, object]) -> AkpsScore:
    """The AKPS total, 0-100, as the sum of each item's points (§8.1; Appendix B.1)."""
    for item_id in answers:
        if item_id not in AKPS_ITEMS_BY_ID:
            raise PromError(f"{item_id!r} is not an item of the Kujala scale.")
    missing = [item for item in AKPS_ITEMS if item.id not in answers]
    if missing:
        named = ", ".join(f"{item.number} ({item.title})" for item in missing)
        raise PromError(f"All 13 items need an answer; missing: item {named}.")
    points = tuple((item.id, item.points_for(answers[item.id])) for item in AKPS_ITEMS)
    return AkpsScore(sum(p for _, p in points), points)


@dataclass(frozen=True, slots=True)
class AkpsChange:
    change_points: int
    important: bool
    text: str


def compare_akps(earlier: int, later: int) -> AkpsChange:
    """A change of 10 points or more is the minimal important change (§8.1, Crossley 2004)."""
    for value in (earlier, later):
        if not AKPS_MIN <= value <= AKPS_MAX:
            raise PromError(f"A Kujala score runs from 0 to 100, not {value}.")
    change = later - earlier
    important = abs(change) >= AKPS_MIC_POINTS
    if change > 0:
        text = f"{change} points better"
    elif change < 0:
        text = f"{-change} points worse"
    else:
        text = "No change"
    if important:
        text += ": a change large enough to matter"
    else:
        text += f": smaller than the {AKPS_MIC_POINTS} points that count as a real change"
    return AkpsChange(change, important, text + ".")


class Reminder(enum.StrEnum):
    NOT_DUE = "not_due"
    DUE = "due"
    OVERDUE = "overdue"


def akps_reminder(last_completed: date | None, today: date) -> Reminder:
    """Fill the scale in every 2-4 weeks: due from 14 days, overdue after 28 (the issue's plan)."""
    if last_completed is None:
        return Reminder.DUE
    days = (today - last_completed).days
    if days >= AKPS_REPEAT_MAX_DAYS:
        return Reminder.OVERDUE
    if days >= AKPS_REPEAT_MIN_DAYS:
        return Reminder.DUE
    return Reminder.NOT_DUE


def next_due(last_completed: date) -> date:
    return last_completed + timedelta(days=AKPS_REPEAT_MIN_DAYS)


def read_akps_document(document: object) -> dict[str, object]:
    """Answers from ``{"questionnaire": "akps", "version": "1", "answers": {...}}``."""
    if not isinstance(document, dict):
        raise PromError("The answers must be a JSON object.")
    if document.get("questionnaire") != AKPS_ID:
        raise PromError(
            f"This is not a Kujala (akps) answer set: {document.get('questionnaire')!r}."
        )
    if document.get("version") != AKPS_VERSION:
        raise PromError(
            f"These answers are for version {document.get('version')!r} of the scale; "
            f"we score version {AKPS_VERSION!r}."
        )
    answers = document.get("answers")
    if not isinstance(answers, dict):
        raise PromError("'answers' must be an object of item ids and answer codes.")
    return dict(answers)


def score_to_dict(score: AkpsScore) -> dict[str, Any]:
    return {
        "questionnaire": AKPS_ID,
        "version": AKPS_VERSION,
        "total": score.total,
        "max": AKPS_MAX,
        "items": [
            {"item": item_id, "number": AKPS_ITEMS_BY_ID[item_id].number, "points": points}
            for item_id, points in score.points
        ],
    }


def run_akps_cli(text: str, as_json: bool = False) -> tuple[int, str]:
    """`kneeclinic score akps [--json] < answers.json`: exit code and what to print."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return 2, f"Error: the input is not valid JSON ({error.msg}, line {error.lineno}).\n"
    try:
        score = score_akps(read_akps_document(document))
    except PromError as error:
        return 2, f"Error: {error}\n"
    if as_json:
        return 0, json.dumps(score_to_dict(score), indent=2) + "\n"
    lines = [f"Kujala (AKPS) score: {score.total} out of {AKPS_MAX} (100 means no problems)."]
    for item_id, points in score.points:
        item = AKPS_ITEMS_BY_ID[item_id]
        lines.append(f"  {item.number:>2}. {item.title}: {points} of {item.max_points}")
    return 0, "\n".join(lines) + "\n"
