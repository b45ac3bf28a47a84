"""Verbs that write: answer the checker, record pain, log self-help, score the Kujala scale."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.domain import pain, proms, triage, triage_fhir
from kneeclinic.domain.selfhelp import Measure
from kneeclinic.symptoms.models import (
    AdviceRecord,
    AkpsResponse,
    CheckerRun,
    PainEntry,
    SelfHelpLog,
)

DOUBLE_TAP_WINDOW = timedelta(seconds=60)  # the same score twice within a minute is one entry
FUTURE_SLACK = timedelta(minutes=5)  # a phone's clock may run a little ahead
RUN_LINK_WINDOW = timedelta(hours=12)  # a "during" or "after" entry belongs to a run this recent


# --- Symptom checker ---------------------------------------------------------------------------


def start_checker(runner: User) -> CheckerRun:
    return CheckerRun.objects.create(runner=runner)


def _drop_unasked(answers: dict[str, Any]) -> dict[str, Any]:
    """Changing an answer can make later questions irrelevant: forget their answers."""
    kept = dict(answers)
    for question in triage.QUESTIONS:
        if question.id in kept and not triage.is_enabled(question, kept):
            del kept[question.id]
    return kept


def answer_question(run: CheckerRun, question_id: str, value: object) -> CheckerRun:
    """Store one answer (checked by the domain) and finish the run if nothing is left to ask."""
    question = triage.QUESTIONS_BY_ID.get(question_id)
    if question is None:
        raise triage.TriageError(f"'{question_id}' is not a question in this checker.")
    clean = triage.validate_answer(question, value)
    answers = _drop_unasked({**run.answers, question_id: _jsonable(clean)})
    run.answers = answers
    if triage.next_question(_typed(answers)) is None:
        outcome = triage.evaluate(_typed(answers))
        run.level = outcome.level.value
        run.completed_at = timezone.now()
    else:
        run.level = ""
        run.completed_at = None
    run.save(update_fields=["answers", "level", "completed_at"])
    return run


def _jsonable(value: triage.AnswerValue) -> object:
    return list(value) if isinstance(value, tuple) else value


def _typed(answers: dict[str, Any]) -> dict[str, triage.AnswerValue]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in answers.items()}


def checker_answers(run: CheckerRun) -> dict[str, triage.AnswerValue]:
    return _typed(run.answers)


def checker_outcome(run: CheckerRun) -> triage.Outcome:
    return triage.evaluate(checker_answers(run))


def save_response(runner: User, resource: object) -> tuple[CheckerRun, triage.Outcome]:
    """Accept a FHIR QuestionnaireResponse: check it, evaluate it and keep it as a finished run."""
    answers = triage_fhir.parse_response(resource)
    outcome = triage.evaluate(answers)
    run = CheckerRun.objects.create(
        runner=runner,
        answers={k: _jsonable(v) for k, v in answers.items()},
        level=outcome.level.value,
        completed_at=timezone.now(),
    )
    return run, outcome


# --- Pain diary --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recorded:
    entry: PainEntry
    created: bool


def _run_for(runner: User, at: datetime, when: str) -> Activity | None:
    """The run a pain entry belongs to: the latest run shortly before it (or the day before)."""
    if when not in {pain.PainWhen.DURING_RUN, pain.PainWhen.AFTER_RUN, pain.PainWhen.NEXT_MORNING}:
        return None
    window = RUN_LINK_WINDOW if when != pain.PainWhen.NEXT_MORNING else 2 * RUN_LINK_WINDOW
    return (
        Activity.objects.filter(runner=runner, start__lte=at, start__gte=at - window)
        .order_by("-start")
        .first()
    )


def record_pain(
    runner: User,
    *,
    pain_nrs: int,
    when: str,
    knee: str = "",
    spot: str = "",
    note: str = "",
    at: datetime | None = None,
    client_token: uuid.UUID | None = None,
    activity: Activity | None = None,
) -> Recorded:
    """Record a pain score. A future time is refused; a double tap is merged into one entry.

    The entry is linked to ``activity`` when given (it must be the runner's own), otherwise to
    the run it most likely belongs to.
    """
    if activity is not None and activity.runner_id != runner.pk:
        raise ValidationError("That run is not one of yours.")
    now = timezone.now()
    at = at or now
    if at > now + FUTURE_SLACK:
        raise ValidationError("A pain entry cannot be in the future.")
    try:
        pain.check_pain_nrs(pain_nrs)
        pain.PainWhen(when)
    except (pain.PainError, ValueError) as error:
        raise ValidationError(str(error)) from error
    if client_token is not None:
        existing = PainEntry.objects.filter(runner=runner, client_token=client_token).first()
        if existing is not None:
            return Recorded(existing, False)
    twin = PainEntry.objects.filter(
        runner=runner,
        pain_nrs=pain_nrs,
        when=when,
        knee=knee,
        spot=spot,
        at__gte=at - DOUBLE_TAP_WINDOW,
        at__lte=at + DOUBLE_TAP_WINDOW,
    ).first()
    if twin is not None:
        return Recorded(twin, False)
    try:
        with transaction.atomic():
            entry = PainEntry.objects.create(
                runner=runner,
                pain_nrs=pain_nrs,
                when=when,
                knee=knee,
                spot=spot,
                note=note.strip(),
                at=at,
                activity=activity or _run_for(runner, at, when),
                client_token=client_token,
            )
    except IntegrityError:  # the same token raced in from a second tap
        return Recorded(PainEntry.objects.get(runner=runner, client_token=client_token), False)
    return Recorded(entry, True)


def delete_pain(runner: User, code: uuid.UUID) -> bool:
    deleted, _ = PainEntry.objects.filter(runner=runner, code=code).delete()
    return deleted > 0


def record_advice(runner: User, on: date | None = None, note: str = "") -> AdviceRecord:
    """The runner has had advice from a physiotherapist: the niggle warning is cleared."""
    today = timezone.localdate(timezone=runner.tz)
    on = on or today
    if on > today:
        raise ValidationError("The date of the advice cannot be in the future.")
    return AdviceRecord.objects.create(runner=runner, on=on, note=note.strip())


# --- Self-help --------------------------------------------------------------------------------


def log_self_help(
    runner: User,
    measure: str,
    *,
    minutes: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> SelfHelpLog:
    now = timezone.now()
    at = at or now
    if at > now + FUTURE_SLACK:
        raise ValidationError("A self-help entry cannot be in the future.")
    try:
        chosen = Measure(measure).value
    except ValueError:
        raise ValidationError(f"'{measure}' is not a self-help measure.") from None
    if minutes is not None and not 0 < minutes <= 24 * 60:
        raise ValidationError("Minutes must be between 1 and 1440.")
    return SelfHelpLog.objects.create(
        runner=runner, measure=chosen, minutes=minutes, note=note.strip(), at=at
    )


# --- Kujala -----------------------------------------------------------------------------------


def submit_akps(runner: User, answers: Mapping[str, object]) -> AkpsResponse:
    score = proms.score_akps(answers)
    return AkpsResponse.objects.create(
        runner=runner,
        version=proms.AKPS_VERSION,
        answers=dict(answers),
        total=score.total,
    )
