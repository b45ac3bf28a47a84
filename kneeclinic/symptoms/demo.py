"""Maya's diary for the demo: a quiet knee, a flare-up after the spike, a careful return."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from kneeclinic.activities.models import Activity
from kneeclinic.core.demo import DemoPeople
from kneeclinic.domain import proms, triage
from kneeclinic.symptoms.models import (
    AdviceRecord,
    AkpsResponse,
    CheckerRun,
    PainEntry,
    SelfHelpLog,
)

DIARY_DAYS = 60

AKPS_FLARE = {
    "limp": "slight_or_periodical",
    "support": "painful",
    "walking": "more_than_2km",
    "stairs": "pain_descending_and_ascending",
    "squatting": "painful_each_time",
    "running": "severe_pain",
    "jumping": "constant_pain",
    "sitting": "pain_forces_extension",
    "pain": "slight_and_occasional",
    "swelling": "after_severe_exertion",
    "patellar_movements": "none",
    "thigh_atrophy": "none",
    "flexion_deficiency": "none",
}
AKPS_BETTER = {
    **AKPS_FLARE,
    "limp": "none",
    "support": "full_without_pain",
    "squatting": "repeated_squatting_painful",
    "running": "slight_pain_from_start",
}
AKPS_GOOD = {
    **AKPS_BETTER,
    "walking": "unlimited",
    "stairs": "slight_pain_descending",
    "sitting": "pain_after_exercise",
}


def _at(people: DemoPeople, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), people.runner.tz)


def _flare(people: DemoPeople, day: date) -> int:
    """Days since the spike, or -1 before it."""
    return (day - people.spike_day).days


def _morning_pain(people: DemoPeople, day: date) -> int:
    since = _flare(people, day)
    if since < 1:
        return people.rng.choice([0, 0, 1])
    if since <= 6:
        return 5 if since < 4 else 4
    if since <= 20:
        return 3 if since < 14 else 2
    return people.rng.choice([1, 1, 2]) if since < 32 else people.rng.choice([0, 1, 1])


def _run_pain(people: DemoPeople, day: date) -> tuple[int, int]:
    since = _flare(people, day)
    if since < 0:
        return people.rng.choice([0, 1, 1, 2]), people.rng.choice([0, 1, 1])
    if since == 0:
        return 4, 6
    if since <= 6:
        return 7, 6
    if since <= 28:
        return 3, 2
    return people.rng.choice([1, 2, 2]), people.rng.choice([1, 1, 2])


def load(people: DemoPeople) -> None:
    runner = people.runner
    start = people.today - timedelta(days=DIARY_DAYS)
    runs = Activity.objects.filter(runner=runner, start__date__gte=start).order_by("start")
    rows: list[PainEntry] = []
    knee = runner.sore_knee or "right"
    for run in runs:
        day = timezone.localtime(run.start, runner.tz).date()
        during, after = _run_pain(people, day)
        end = run.start + timedelta(seconds=run.elapsed_s)
        rows.append(
            PainEntry(
                runner=runner,
                at=end - timedelta(minutes=5),
                pain_nrs=during,
                when="during_run",
                knee=knee,
                spot="behind_kneecap",
                activity=run,
            )
        )
        rows.append(
            PainEntry(
                runner=runner,
                at=end + timedelta(hours=2),
                pain_nrs=after,
                when="after_run",
                knee=knee,
                spot="around_kneecap",
                activity=run,
            )
        )
    day = start
    while day < people.today:  # today's morning is left for the Today card to ask
        rows.append(
            PainEntry(
                runner=runner,
                at=_at(people, day, 7, 15),
                pain_nrs=_morning_pain(people, day),
                when="next_morning",
                knee=knee,
            )
        )
        if _flare(people, day) in (1, 3, 8):
            rows.append(
                PainEntry(
                    runner=runner,
                    at=_at(people, day, 18),
                    pain_nrs=5,
                    when="stairs",
                    knee=knee,
                    spot="behind_kneecap",
                    note="Going down the stairs at work",
                )
            )
        day += timedelta(days=1)
    PainEntry.objects.bulk_create(rows)
    _self_help(people)
    _kujala(people)
    _checker(people)
    AdviceRecord.objects.create(
        runner=runner,
        on=people.spike_day + timedelta(days=9),
        note="Saw Bob: exercises and a plan to build back up.",
    )


def _self_help(people: DemoPeople) -> None:
    runner, spike = people.runner, people.spike_day
    logs = [
        SelfHelpLog(
            runner=runner, measure="ice", minutes=15, at=_at(people, spike + timedelta(days=d), 20)
        )
        for d in (1, 2, 3, 4)
    ]
    logs += [
        SelfHelpLog(
            runner=runner,
            measure="rest",
            at=_at(people, spike + timedelta(days=d), 12),
            note="No running, walked instead",
        )
        for d in (1, 3, 4, 6)
    ]
    logs += [
        SelfHelpLog(
            runner=runner, measure="shoe_inserts", at=_at(people, spike + timedelta(days=d), 8)
        )
        for d in range(16, DIARY_DAYS - 20, 3)
    ]
    SelfHelpLog.objects.bulk_create(logs)


def _kujala(people: DemoPeople) -> None:
    for days_after, answers in ((3, AKPS_FLARE), (17, AKPS_BETTER), (31, AKPS_GOOD)):
        AkpsResponse.objects.create(
            runner=people.runner,
            version=proms.AKPS_VERSION,
            answers=answers,
            total=proms.score_akps(answers).total,
            completed_at=_at(people, people.spike_day + timedelta(days=days_after), 19),
        )


def _checker(people: DemoPeople) -> None:
    answers: dict[str, object] = {
        q.id: False
        for q in triage.QUESTIONS
        if q.answer_type is triage.AnswerType.BOOLEAN and q.enable_when is None
    }
    answers.update(
        age_years=34,
        pain_location="around_kneecap",
        aggravating_activities=["stairs", "running", "sitting"],
        gradual_onset=True,
        duration="under_2_weeks",
    )
    outcome = triage.evaluate(
        {k: tuple(v) if isinstance(v, list) else v for k, v in answers.items()}
    )
    done = _at(people, people.spike_day + timedelta(days=2), 21)
    CheckerRun.objects.create(
        runner=people.runner,
        answers=answers,
        level=outcome.level.value,
        started_at=done - timedelta(minutes=6),
        completed_at=done,
    )
