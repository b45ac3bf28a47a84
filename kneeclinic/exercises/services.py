"""Verbs that write: start a programme, record a session from the player, decide on a suggestion."""

from __future__ import annotations

import uuid
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.domain import programmes as domain
from kneeclinic.exercises import queries
from kneeclinic.exercises.models import (
    Decision,
    ExerciseLog,
    ExerciseSession,
    Programme,
    ProgrammeItem,
    SessionStatus,
)
from kneeclinic.exercises.schemas import ExerciseLogIn, SessionIn


class SessionRejected(Exception):
    """A session the server will not store, with a reason for the player to show."""


def _item_fields(item: domain.ProgrammeItem) -> dict[str, object]:
    dose = item.dose
    return {
        "slug": item.slug,
        "sets": dose.sets,
        "reps": dose.reps,
        "hold_s": dose.hold_s,
        "each_side": dose.each_side,
        "load": dose.load,
        "rest_s": dose.rest_s,
        "from_week": item.from_week,
        "until_week": item.until_week,
        "note": item.note,
    }


@transaction.atomic
def start_default_programme(runner: User, today: date) -> Programme:
    """Start the §15 phased programme today; any earlier programme stops being the active one."""
    Programme.objects.filter(runner=runner, active=True).update(active=False)
    template = domain.default_programme()
    programme = Programme.objects.create(
        runner=runner,
        name=template.name,
        started_on=today,
        days_per_week=template.days_per_week,
        weeks=template.weeks,
    )
    ProgrammeItem.objects.bulk_create(
        ProgrammeItem(programme=programme, order=n, **_item_fields(item))
        for n, item in enumerate(template.items)
    )
    return programme


@transaction.atomic
def stop_programme(runner: User) -> int:
    """Stop the active programme; its sessions stay in the history."""
    return Programme.objects.filter(runner=runner, active=True).update(active=False)


def record_session(runner: User, data: SessionIn) -> tuple[ExerciseSession, bool]:
    """Store what the player sent; sending the same session again never makes a second one.

    The phone's own times and day are kept as sent. A finished session stays finished even if an
    older, partial copy arrives late, and a log only ever grows (sets done never go down).
    """
    programme = None
    if data.programme is not None:
        programme = Programme.objects.filter(runner=runner, code=data.programme).first()
        if programme is None:
            raise SessionRejected("That programme is not yours or no longer exists.")
    try:
        with transaction.atomic():
            session, created = _upsert_session(runner, programme, data)
            for log in data.logs:
                _upsert_log(session, log)
    except IntegrityError:
        # Two copies of a brand-new session raced each other; the other one won: merge into it.
        with transaction.atomic():
            session, created = _upsert_session(runner, programme, data)
            for log in data.logs:
                _upsert_log(session, log)
    return session, created


def _upsert_session(
    runner: User, programme: Programme | None, data: SessionIn
) -> tuple[ExerciseSession, bool]:
    session = ExerciseSession.objects.select_for_update().filter(code=data.code).first()
    if session is None:
        session = ExerciseSession.objects.create(
            code=data.code,
            runner=runner,
            programme=programme,
            warm_up=data.warm_up,
            local_date=data.local_date,
            started_at=data.started_at,
            finished_at=data.finished_at,
            status=data.status,
            effort=data.effort,
        )
        return session, True
    if session.runner_id != runner.pk:
        raise SessionRejected("That session belongs to someone else.")
    if data.status == SessionStatus.COMPLETE:
        session.status = SessionStatus.COMPLETE
    if data.finished_at is not None:
        session.finished_at = data.finished_at
    if data.effort is not None:
        session.effort = data.effort
    session.updated_at = timezone.now()
    session.save(update_fields=["status", "finished_at", "effort", "updated_at"])
    return session, False


def _upsert_log(session: ExerciseSession, log: ExerciseLogIn) -> None:
    existing = ExerciseLog.objects.filter(session=session, slug=log.slug).first()
    if existing is not None and existing.sets_done > log.sets_done:
        return
    ExerciseLog.objects.update_or_create(
        session=session,
        slug=log.slug,
        defaults={
            "order": log.order,
            "sets_target": log.sets_target,
            "sets_done": log.sets_done,
            "reps": log.reps,
            "hold_s": log.hold_s,
            "pain_nrs": log.pain_nrs if log.pain_nrs is not None else _pain(existing),
            "skipped": log.skipped,
        },
    )


def _pain(log: ExerciseLog | None) -> int | None:
    return None if log is None else log.pain_nrs


class StaleSuggestion(Exception):
    """The suggestion changed since the page was shown (for example a new session came in)."""


@transaction.atomic
def decide(runner: User, item_code: uuid.UUID, kind: str, accepted: bool) -> Decision:
    """Accept or decline the current suggestion for one programme item, keeping the reason."""
    item = (
        ProgrammeItem.objects.select_for_update()
        .filter(code=item_code, programme__runner=runner, programme__active=True)
        .first()
    )
    if item is None:
        raise StaleSuggestion("That exercise is no longer in your programme.")
    suggestion = queries.suggestion_for(item)
    if suggestion.kind.value != kind or suggestion.kind is domain.SuggestionKind.HOLD:
        raise StaleSuggestion("The suggestion has changed; have another look.")
    summary = ""
    if accepted:
        in_programme = frozenset(item.programme.items.values_list("slug", flat=True))
        change = domain.apply_suggestion(item.as_domain(), suggestion.kind, in_programme)
        for field, value in _item_fields(change.item).items():
            setattr(item, field, value)
        item.save()
        summary = change.summary
    return Decision.objects.create(
        item=item,
        kind=suggestion.kind.value,
        accepted=accepted,
        reason=suggestion.reason[:300],
        summary=summary[:300],
        from_slug=suggestion.slug,
    )
