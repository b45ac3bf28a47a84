"""Demo: Bob's assessment of Maya after her flare-up, shared with her."""

from __future__ import annotations

from datetime import timedelta

from kneeclinic.clinic import notes
from kneeclinic.core.demo import DemoPeople


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
