"""The exercise library: complete, linked without loops, and written for runners."""

from __future__ import annotations

import dataclasses
import re

import pytest

from kneeclinic.domain import exercises
from kneeclinic.domain.exercises import (
    LIBRARY,
    WARM_UP_SLUGS,
    Category,
    Dose,
    ExerciseError,
    by_category,
    chain,
    get_exercise,
    plain_source,
)

SLUGS = [exercise.slug for exercise in LIBRARY]


def test_the_library_holds_the_18_strengthening_exercises_and_5_stretches_of_section_15() -> None:
    assert len(by_category(Category.STRENGTH)) == 18
    assert len(by_category(Category.STRETCH)) == 5
    refs = {exercise.dossier_ref for exercise in LIBRARY}
    assert {f"§15 exercise {n}" for n in range(1, 19)} <= refs
    assert {f"§15 stretch S{n}" for n in range(1, 6)} <= refs


def test_the_warm_up_is_a_walk_or_jog_then_four_dynamic_drills() -> None:
    assert WARM_UP_SLUGS[0] == "brisk-walk"
    assert get_exercise("brisk-walk").dose.hold_s == 300
    assert len(WARM_UP_SLUGS) == 5
    assert {get_exercise(slug).category for slug in WARM_UP_SLUGS} == {Category.WARM_UP}
    assert set(WARM_UP_SLUGS) == {e.slug for e in by_category(Category.WARM_UP)}


def test_slugs_are_unique_and_url_safe() -> None:
    assert len(SLUGS) == len(set(SLUGS))
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", slug) for slug in SLUGS)


@pytest.mark.parametrize("exercise", LIBRARY, ids=SLUGS)
def test_every_entry_is_complete(exercise: exercises.Exercise) -> None:
    assert exercise.name and exercise.targets and exercise.why
    assert len(exercise.steps) >= 2
    assert exercise.mistakes
    assert exercise.evidence
    assert exercise.progress_by and exercise.regress_by
    assert exercise.start_alt and exercise.end_alt
    assert all(step.endswith(".") for step in exercise.steps)


@pytest.mark.parametrize("exercise", LIBRARY, ids=SLUGS)
def test_every_progression_and_regression_link_names_a_library_entry(
    exercise: exercises.Exercise,
) -> None:
    for link in (exercise.progression, exercise.regression):
        if link is not None:
            assert link != exercise.slug
            assert get_exercise(link).category is exercise.category


@pytest.mark.parametrize("slug", SLUGS)
def test_following_links_either_way_never_loops(slug: str) -> None:
    harder = chain(slug, harder=True)
    easier = chain(slug, harder=False)
    assert slug not in {e.slug for e in harder} | {e.slug for e in easier}


def test_the_thigh_chain_climbs_from_quad_sets_to_the_one_leg_squat() -> None:
    assert [e.slug for e in chain("quad-set", harder=True)] == [
        "straight-leg-raise",
        "wall-sit",
        "squat",
        "split-squat",
        "single-leg-squat-to-box",
    ]
    assert [e.slug for e in chain("single-leg-squat-to-box", harder=False)] == [
        "lateral-step-down",
        "step-up",
        "squat",
        "wall-sit",
        "straight-leg-raise",
        "quad-set",
    ]


def test_a_loop_in_the_links_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    looped = dict(exercises._BY_SLUG)
    looped["single-leg-squat-to-box"] = dataclasses.replace(
        looped["single-leg-squat-to-box"], progression="quad-set"
    )
    monkeypatch.setattr(exercises, "_BY_SLUG", looped)
    with pytest.raises(ExerciseError, match="go round in a loop"):
        chain("quad-set", harder=True)


def test_an_unknown_slug_says_so_in_words() -> None:
    with pytest.raises(ExerciseError, match="no exercise called 'moonwalk'"):
        get_exercise("moonwalk")


def test_each_entry_has_a_start_and_an_end_illustration_with_alt_text() -> None:
    start, end = get_exercise("bridge").illustrations
    assert start.slug == "bridge-start"
    assert end.slug == "bridge-end"
    assert end.alt.startswith("Hips lifted")


AMERICAN = re.compile(
    r"\b(center|color|favor|behavior|program|analyze|organize|meter|liter|gray|"
    r"pants|sneakers)\b",
    re.IGNORECASE,
)


@pytest.mark.parametrize("exercise", LIBRARY, ids=SLUGS)
def test_the_text_is_in_british_english(exercise: exercises.Exercise) -> None:
    text = " ".join(
        [
            exercise.name,
            exercise.why,
            exercise.targets,
            exercise.progress_by,
            exercise.regress_by,
            *exercise.steps,
            *exercise.mistakes,
        ]
    )
    assert AMERICAN.search(text) is None


@pytest.mark.parametrize(
    ("dose", "words"),
    [
        (Dose(sets=3, reps=10), "3 sets of 10"),
        (Dose(sets=1, reps=10, hold_s=5), "1 set of 10, hold 5 s"),
        (Dose(sets=3, reps=10, hold_s=2, each_side=True), "3 sets of 10, hold 2 s, each side"),
        (Dose(sets=3, hold_s=30, each_side=True), "3 x 30 s hold, each side"),
        (Dose(sets=1, hold_s=300), "5 min"),
        (Dose(sets=2, hold_s=90), "2 x 1 min 30 s hold"),
    ],
)
def test_a_dose_reads_as_words(dose: Dose, words: str) -> None:
    assert dose.describe() == words


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sets": 0, "reps": 10}, "at least one set"),
        ({"sets": 3}, "repetitions, a hold time, or both"),
        ({"sets": 3, "reps": 0}, "Repetitions must be at least 1"),
        ({"sets": 3, "hold_s": 0}, "at least one second"),
        ({"sets": 3, "reps": 5, "rest_s": -1}, "cannot be negative"),
    ],
)
def test_a_dose_that_makes_no_sense_is_refused(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ExerciseError, match=message):
        Dose(**kwargs)  # type: ignore[arg-type]


def test_the_starting_doses_follow_the_trials() -> None:
    abduction = get_exercise("side-lying-hip-abduction").dose
    assert (abduction.sets, abduction.reps, abduction.rest_s) == (3, 10, 90)
    assert get_exercise("wall-sit").dose.describe() == "5 x 30 s hold"
    assert get_exercise("calf-raise").dose.describe() == "3 sets of 15"
    assert get_exercise("side-plank").dose.describe() == "2 x 20 s hold, each side"


@pytest.mark.parametrize(
    ("ref", "plain"),
    [
        ("Ferber 2015 hip and core protocol [R19] (§15)", "Ferber 2015 hip and core protocol"),
        (
            "Fukuda 2010 trial [R18] (clinical.md §15; exercise details unverified)",
            "Fukuda 2010 trial (details not yet confirmed)",
        ),
        (
            "Khayambashi 2012 [R17] (§15; not retrieved)",
            "Khayambashi 2012 (details not yet confirmed)",
        ),
        (
            "Programmes [R18, R40c] (§15); dose unverified (§14)",
            "Programmes; dose not yet confirmed",
        ),
    ],
)
def test_a_source_reads_without_the_dossier_markers(ref: str, plain: str) -> None:
    assert plain_source(ref) == plain
