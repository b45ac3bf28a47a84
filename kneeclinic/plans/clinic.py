"""The back-to-running card for a physiotherapist's view of one runner (used by the clinic area).

``review_card(physio, runner)`` returns a Card (``plans/_physio_review.html``) with the runner's
plan, what it waits for, a sign-off button, their cadence target and shoes, or ``None`` when the
physio may not see the runner.
"""

from __future__ import annotations

from kneeclinic.accounts.access import can_see_runner
from kneeclinic.accounts.models import User
from kneeclinic.core.today import Card
from kneeclinic.plans import queries


def review_card(physio: User, runner: User) -> Card | None:
    if not physio.is_clinician or not can_see_runner(physio, runner):
        return None
    plan = queries.current_plan(runner)
    rows, advice = queries.shoe_rows(runner)
    cadence = queries.cadence_figures(runner)
    suggested = round(sum(cadence.target_range) / 2) if cadence.target_range else None
    return Card(
        template="plans/_physio_review.html",
        context={
            "runner": runner,
            "view": queries.plan_view(plan, runner) if plan else None,
            "readiness": queries.latest_readiness(runner),
            "target": cadence.target,
            "baseline": cadence.baseline,
            "range": cadence.target_range,
            "suggested": suggested,
            "shoes": [r for r in rows if not r.shoe.retired],
            "rotation": advice,
        },
    )
