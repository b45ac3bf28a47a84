"""Demo: Bob's assessment of Maya after her flare-up, shared with her, and his latest change to
her exercise programme (waiting on her Today page)."""

from __future__ import annotations

from datetime import timedelta

from kneeclinic.clinic import notes
from kneeclinic.core.demo import DemoPeople
from kneeclinic.exercises import prescribing
from kneeclinic.exercises.models import ProgrammeItem


def load(people: DemoPeople) -> None:
    seen_on = people.spike_day + timedelta(days=9)
    notes.create(
        people.runner,
        people.physio,
        {
            "seen_on": seen_on,
            "history": (
                "Right anterior knee pain since a 21 km run, well beyond her usual longest run of "
                "about 12 km. Worse on stairs and after sitting. No swelling, locking or "
                "giving way."
            ),
            "examination": (
                "Full range of movement. No effusion. Pain on single-leg squat at 60 degrees. "
                "Weak hip abduction on the right."
            ),
            "imaging": "",
            "imaging_status": "",
            "working_diagnosis": "Patellofemoral pain, right knee",
            "plan": (
                "Hip and knee strengthening three times a week. Pause running for two weeks, then "
                "a graded return with pain kept at 3/10 or less and settled by the next morning."
            ),
            "free_text": "",
            "shared_with_runner": True,
        },
    )
    _progress_side_plank(people)


def _progress_side_plank(people: DemoPeople) -> None:
    """Bob makes the side plank harder now that Maya's hips are stronger."""
    item = ProgrammeItem.objects.filter(
        programme__runner=people.runner, programme__active=True, slug="side-plank"
    ).first()
    if item is None:
        return
    prescribing.change(
        people.runner,
        people.physio,
        item.code,
        prescribing.DoseIn(
            sets=3,
            reps=None,
            hold_s=30,
            each_side=True,
            load=item.load,
            from_week=item.from_week,
            until_week=item.until_week,
        ),
        "Your hips are much stronger: hold each side plank for 30 seconds now.",
    )
