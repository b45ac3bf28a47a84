"""Maya's exercise programme for the demo: started after her flare-up, mostly kept up."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from kneeclinic.core.demo import DemoPeople
from kneeclinic.domain import programmes as domain
from kneeclinic.exercises import queries, services
from kneeclinic.exercises.models import ExerciseLog, ExerciseSession, SessionStatus

START_AFTER_SPIKE_DAYS = 5
SKIP_CHANCE = 0.1
SORER = {"lateral-step-down": 2, "squat": 2, "wall-sit": 1}


def load(people: DemoPeople) -> None:
    runner, rng = people.runner, people.rng
    start = people.spike_day + timedelta(days=START_AFTER_SPIKE_DAYS)
    programme = services.start_default_programme(runner, start)
    planned = domain.session_days(
        start, programme.days_per_week, start, people.today - timedelta(1)
    )
    for n, day in enumerate(planned):
        if rng.random() < SKIP_CHANCE:
            continue
        week = queries.current_week(programme, day)
        items = queries.items_for_week(programme, week)
        partial = n == len(planned) - 3
        started = datetime.combine(day, time(18, rng.randint(0, 40)), runner.tz)
        session = ExerciseSession.objects.create(
            code=uuid.UUID(int=rng.getrandbits(128), version=4),
            runner=runner,
            programme=programme,
            local_date=day,
            started_at=started,
            finished_at=started + timedelta(minutes=45),
            status=SessionStatus.PARTIAL if partial else SessionStatus.COMPLETE,
            effort=rng.randint(4, 7),
        )
        # Knee pain during exercise eases as the weeks go by; deep knee bends stay sorer.
        base = max(0, 4 - (day - start).days // 8)
        done = items[: len(items) // 2] if partial else items
        ExerciseLog.objects.bulk_create(
            ExerciseLog(
                session=session,
                slug=item.slug,
                order=order,
                sets_target=item.sets,
                sets_done=item.sets,
                reps=item.reps,
                hold_s=item.hold_s,
                pain_nrs=min(10, max(0, base + rng.randint(-1, 1) + SORER.get(item.slug, 0))),
            )
            for order, item in enumerate(done)
        )
