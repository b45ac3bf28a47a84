"""The Kujala Anterior Knee Pain Scale: exact scoring, validation, change and reminders."""

from __future__ import annotations

import json
from datetime import date

import pytest

from kneeclinic.domain.proms import (
    AKPS_ITEMS,
    AKPS_ITEMS_BY_ID,
    PromError,
    Reminder,
    akps_reminder,
    compare_akps,
    next_due,
    read_akps_document,
    run_akps_cli,
    score_akps,
)

BEST = {item.id: item.options[0].code for item in AKPS_ITEMS}
WORST = {item.id: item.options[-1].code for item in AKPS_ITEMS}


def test_there_are_13_items_whose_best_answers_add_up_to_100() -> None:
    assert [item.number for item in AKPS_ITEMS] == list(range(1, 14))
    assert [item.max_points for item in AKPS_ITEMS] == [
        5,
        5,
        5,
        10,
        5,
        10,
        10,
        10,
        10,
        10,
        10,
        5,
        5,
    ]


def test_all_best_answers_score_100() -> None:
    assert score_akps(BEST).total == 100


def test_all_worst_answers_score_0() -> None:
    assert score_akps(WORST).total == 0


def test_a_typical_runner_with_knee_pain_scores_as_computed_by_hand() -> None:
    answers = {
        **BEST,
        "stairs": "slight_pain_descending",  # 8 (not 10): -2
        "squatting": "repeated_squatting_painful",  # 4 (not 5): -1
        "running": "slight_pain_from_start",  # 6 (not 10): -4
        "jumping": "slight_difficulty",  # 7 (not 10): -3
        "sitting": "pain_forces_extension",  # 4 (not 10): -6
        "pain": "slight_and_occasional",  # 8 (not 10): -2
    }
    # 100 - 2 - 1 - 4 - 3 - 6 - 2 = 82
    score = score_akps(answers)
    assert score.total == 82
    assert dict(score.points)["sitting"] == 4


def test_a_mixed_case_near_the_bottom_scores_as_computed_by_hand() -> None:
    answers = {
        **WORST,
        "limp": "slight_or_periodical",  # 3
        "walking": "1_to_2km",  # 2
        "squatting": "possible_with_partial_weight_bearing",  # 2
        "running": "severe_pain",  # 3
        "jumping": "constant_pain",  # 2
        "swelling": "every_evening",  # 4
        "patellar_movements": "at_least_one_dislocation",  # 2
        "flexion_deficiency": "slight",  # 3
    }
    assert score_akps(answers).total == 3 + 2 + 2 + 3 + 2 + 4 + 2 + 3


def test_a_missing_item_is_named_with_its_number() -> None:
    answers = dict(BEST)
    del answers["stairs"]
    del answers["flexion_deficiency"]
    with pytest.raises(PromError, match=r"missing: item 4 \(Stairs\), 13 \(Bending the knee\)"):
        score_akps(answers)


def test_an_unknown_item_or_answer_is_named() -> None:
    with pytest.raises(PromError, match="'cycling' is not an item"):
        score_akps({**BEST, "cycling": "none"})
    with pytest.raises(
        PromError, match=r"Item 6 \(Running\): 'marathon' is not one of its answers"
    ):
        score_akps({**BEST, "running": "marathon"})


def test_thigh_wasting_and_bending_are_marked_as_self_rated() -> None:
    assert [item.id for item in AKPS_ITEMS if item.self_rated] == [
        "thigh_atrophy",
        "flexion_deficiency",
    ]
    assert AKPS_ITEMS_BY_ID["support"].points_for("painful") == 3


@pytest.mark.parametrize(
    ("earlier", "later", "important", "text"),
    [
        (60, 70, True, "10 points better: a change large enough to matter."),
        (60, 69, False, "9 points better: smaller than the 10 points that count as a real change."),
        (80, 70, True, "10 points worse: a change large enough to matter."),
        (75, 75, False, "No change: smaller than the 10 points that count as a real change."),
    ],
)
def test_a_change_of_10_points_or_more_counts_as_important(
    earlier: int, later: int, important: bool, text: str
) -> None:
    change = compare_akps(earlier, later)
    assert change.change_points == later - earlier
    assert change.important is important
    assert change.text == text


def test_a_score_outside_0_to_100_cannot_be_compared() -> None:
    with pytest.raises(PromError, match="not 101"):
        compare_akps(50, 101)


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        (None, Reminder.DUE),
        (date(2026, 3, 3), Reminder.NOT_DUE),  # 13 days
        (date(2026, 3, 2), Reminder.DUE),  # 14 days
        (date(2026, 2, 17), Reminder.DUE),  # 27 days
        (date(2026, 2, 16), Reminder.OVERDUE),  # 28 days
    ],
)
def test_the_scale_is_due_every_two_to_four_weeks(last: date | None, expected: Reminder) -> None:
    assert akps_reminder(last, date(2026, 3, 16)) is expected


def test_the_next_due_date_is_two_weeks_after_the_last() -> None:
    assert next_due(date(2026, 3, 2)) == date(2026, 3, 16)


def document(answers: object, version: object = "1") -> str:
    return json.dumps({"questionnaire": "akps", "version": version, "answers": answers})


def test_the_cli_scores_an_answer_set_as_text_or_json() -> None:
    code, out = run_akps_cli(document(BEST))
    assert code == 0
    assert out.splitlines()[0] == "Kujala (AKPS) score: 100 out of 100 (100 means no problems)."
    assert out.splitlines()[4] == "   4. Stairs: 10 of 10"
    code, out = run_akps_cli(document(WORST), as_json=True)
    data = json.loads(out)
    assert (code, data["total"], data["items"][0]) == (
        0,
        0,
        {"item": "limp", "number": 1, "points": 0},
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1", "not valid JSON"),
        ("[]", "must be a JSON object"),
        (json.dumps({"questionnaire": "koos-pf"}), "not a Kujala (akps) answer set: 'koos-pf'"),
        (document(BEST, version="2"), "version '2' of the scale; we score version '1'"),
        (document([1, 2]), "'answers' must be an object"),
        (document({**BEST, "limp": "sometimes"}), "Item 1 (Limp): 'sometimes'"),
    ],
)
def test_the_cli_explains_bad_input_with_exit_code_2(text: str, message: str) -> None:
    code, out = run_akps_cli(text)
    assert code == 2
    assert out.startswith("Error: ")
    assert message in out


def test_reading_a_document_returns_a_copy_of_its_answers() -> None:
    answers = read_akps_document({"questionnaire": "akps", "version": "1", "answers": BEST})
    assert answers == BEST
    assert answers is not BEST
