"""Shoe distance, wear prompts, automatic assignment, rotation and pain around a change."""

from __future__ import annotations

from datetime import date

import pytest

from kneeclinic.domain import shoes
from kneeclinic.domain.shoes import Shoe, ShoeError, ShoeRun, WearLevel

PEGASUS = Shoe("p", "Pegasus 41", date(2026, 1, 1), starting_distance_m=120_000)
GHOST = Shoe("g", "Ghost 16", date(2026, 2, 1))
OLD = Shoe("o", "Old trainers", date(2025, 1, 1), retired=True)


def test_a_shoes_distance_is_its_start_plus_its_runs() -> None:
    runs = [
        ShoeRun(date(2026, 1, 2), 5_000, "p"),
        ShoeRun(date(2026, 1, 4), 8_500, "p"),
        ShoeRun(date(2026, 2, 2), 6_000, "g"),
        ShoeRun(date(2026, 2, 3), 3_000, None),
    ]
    assert shoes.distance_m(PEGASUS, runs) == 133_500
    assert shoes.distance_m(GHOST, runs) == 6_000


def test_distances_for_all_shoes_ignore_runs_pointing_at_a_deleted_shoe() -> None:
    runs = [
        ShoeRun(date(2026, 1, 2), 5_000, "p"),
        ShoeRun(date(2026, 1, 3), 7_000, "deleted"),
        ShoeRun(date(2026, 1, 4), 2_000, None),
    ]
    assert shoes.distances_m([PEGASUS, GHOST], runs) == {"p": 125_000, "g": 0.0}


def test_a_shoe_needs_a_name_and_no_negative_distance() -> None:
    with pytest.raises(ShoeError, match="name"):
        Shoe("x", "  ", date(2026, 1, 1))
    with pytest.raises(ShoeError, match="negative"):
        Shoe("x", "Clifton", date(2026, 1, 1), starting_distance_m=-1)


@pytest.mark.parametrize(
    ("km", "level"),
    [
        (0, WearLevel.FINE),
        (499.9, WearLevel.FINE),
        (500, WearLevel.CHECK),
        (799.9, WearLevel.CHECK),
        (800, WearLevel.CHECK_AGAIN),
        (1200, WearLevel.CHECK_AGAIN),
    ],
)
def test_wear_prompts_come_at_500_and_800_km(km: float, level: WearLevel) -> None:
    assert shoes.wear_prompt(km * 1000).level is level


def test_the_prompts_say_check_not_replace_and_give_the_distance() -> None:
    first = shoes.wear_prompt(512_000)
    assert "512 km" in first.message and "past 500 km" in first.message
    assert "no proven distance" in first.message
    second = shoes.wear_prompt(815_000)
    assert "815 km" in second.message and "past 800 km" in second.message
    assert shoes.wear_prompt(42_000).message == "42 km so far."
    assert "1,234 km" in shoes.wear_prompt(1_234_000).message


def test_the_check_distances_can_be_changed() -> None:
    assert shoes.wear_prompt(400_000, (300, 600)).level is WearLevel.CHECK
    assert shoes.wear_prompt(650_000, [300, 600]).level is WearLevel.CHECK_AGAIN


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [((500,), "two distances"), ((800, 500), "below the second"), ((0, 500), "above zero")],
)
def test_nonsense_check_distances_are_refused(thresholds: tuple[float, ...], message: str) -> None:
    with pytest.raises(ShoeError, match=message):
        shoes.check_thresholds(thresholds)


def test_shoes_older_than_six_months_are_flagged_for_return_to_run() -> None:
    assert not shoes.too_old_for_return_to_run(PEGASUS, date(2026, 7, 3))  # 183 days
    assert shoes.too_old_for_return_to_run(PEGASUS, date(2026, 7, 4))  # 184 days


def test_an_imported_run_gets_the_shoe_its_export_names() -> None:
    chosen = shoes.choose_shoe(date(2026, 2, 10), [PEGASUS, GHOST], "p", gear_name=" ghost 16 ")
    assert chosen == "g"


def test_an_imported_run_without_a_known_gear_gets_the_default_shoe() -> None:
    assert shoes.choose_shoe(date(2026, 2, 10), [PEGASUS, GHOST], "p", "Vaporfly") == "p"
    assert shoes.choose_shoe(date(2026, 2, 10), [PEGASUS, GHOST], "p") == "p"


def test_a_shoe_not_yet_bought_or_retired_is_not_chosen() -> None:
    # On 15 January the Ghost was not bought yet, and the old pair is retired.
    assert shoes.choose_shoe(date(2026, 1, 15), [PEGASUS, GHOST], "g", "Ghost 16") is None
    assert shoes.choose_shoe(date(2026, 1, 15), [OLD], "o", "Old trainers") is None
    assert shoes.choose_shoe(date(2026, 1, 15), [PEGASUS], None) is None


def test_one_pair_gets_a_rotation_suggestion() -> None:
    advice = shoes.rotation_advice([PEGASUS, OLD], [], date(2026, 3, 1))
    assert advice.suggest
    assert "second pair" in advice.message
    assert advice.main_share is None


def test_two_pairs_without_recent_runs_get_no_suggestion() -> None:
    runs = [ShoeRun(date(2025, 12, 1), 5_000, "p"), ShoeRun(date(2026, 2, 20), 5_000, None)]
    advice = shoes.rotation_advice([PEGASUS, GHOST], runs, date(2026, 3, 1))
    assert not advice.suggest
    assert advice.main_share is None


def test_two_pairs_with_nine_tenths_in_one_get_a_rotation_suggestion() -> None:
    runs = [ShoeRun(date(2026, 2, d), 9_000, "p") for d in (2, 4)] + [
        ShoeRun(date(2026, 2, 6), 2_000, "g")
    ]
    advice = shoes.rotation_advice([PEGASUS, GHOST], runs, date(2026, 3, 1))
    assert advice.suggest
    assert advice.main_share == pytest.approx(0.9)
    assert "90%" in advice.message


def test_two_pairs_in_turn_are_praised_not_nagged() -> None:
    runs = [ShoeRun(date(2026, 2, 2), 6_000, "p"), ShoeRun(date(2026, 2, 4), 4_000, "g")]
    advice = shoes.rotation_advice([PEGASUS, GHOST], runs, date(2026, 3, 1))
    assert not advice.suggest
    assert advice.main_share == pytest.approx(0.6)
    assert "60%" in advice.message


def test_pain_is_averaged_in_the_two_weeks_before_and_after_a_shoe_change() -> None:
    changed = date(2026, 2, 15)
    pain = [
        (date(2026, 1, 31), 9),  # 15 days before: outside the window
        (date(2026, 2, 1), 2),
        (date(2026, 2, 14), 4),
        (date(2026, 2, 15), 1),
        (date(2026, 2, 28), 2),
        (date(2026, 3, 1), 9),  # 14 days after: outside
    ]
    result = shoes.pain_around_change(changed, pain)
    assert (result.before_mean_nrs, result.after_mean_nrs) == (3.0, 1.5)
    assert (result.before_days, result.after_days) == (2, 2)
    assert result.change_nrs == -1.5


def test_pain_around_a_change_without_entries_on_one_side_has_no_change() -> None:
    result = shoes.pain_around_change(date(2026, 2, 15), [(date(2026, 2, 16), 3)])
    assert result.before_mean_nrs is None
    assert result.change_nrs is None
    with pytest.raises(ShoeError, match="at least one day"):
        shoes.pain_around_change(date(2026, 2, 15), [], window_days=0)
