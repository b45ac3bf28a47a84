"""Audit tamper evidence at scale (security plan T23).

tests/clinic/test_audit.py proves the database refuses UPDATE and DELETE on events, and that
``audit verify`` notices four hand-picked kinds of tampering on a six-event trail. This test
asks the same of a long trail and random tampering, as an attacker with raw SQL access (the
append-only triggers switched off) would do it: flip one character or a microsecond of a random
event, delete a random event, swap two events, or cut events off the end. Each trial runs in a
savepoint that is rolled back afterwards, so every trial starts from the intact trail.

Short version: 3,000 events and 20 trials. Under ``make soak``: 1,000,000 events and 100 trials.
Pass figures: every trial detected by the ``audit verify`` command; verifying the intact 1M-event
trail takes under 60 s.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from kneeclinic.accounts.models import User
from kneeclinic.clinic import audit
from kneeclinic.clinic.models import AuditAction, AuditChainHead, AuditEvent, AuditOutcome
from tests.clinic.test_audit import allow_tampering
from tests.conftest import make_user
from tests.reliability import SOAK, record, scale

pytestmark = pytest.mark.django_db

EVENTS = scale(3_000, 1_000_000)
TRIALS = scale(20, 100)
VERIFY_LIMIT_S = 60.0
CHUNK = 10_000
START = datetime(2026, 1, 1, tzinfo=UTC)


class Rollback(Exception):
    """Raised to undo one trial's tampering."""


def write_trail(actor: User, runner: User, count: int) -> str:
    """``count`` chained events written in bulk (as ``audit.append`` would chain them)."""
    previous = audit.GENESIS
    for first in range(0, count, CHUNK):
        chunk = []
        for i in range(first, min(first + CHUNK, count)):
            event = AuditEvent(
                at=START + timedelta(seconds=i),
                actor_id=actor.pk,
                actor_role=actor.role,
                actor_clinic_id=actor.clinic_id,
                runner_id=runner.pk,
                action=AuditAction.READ,
                verb="view",
                object_type="timeline",
                object_code=f"{i:08d}",
                outcome=AuditOutcome.ALLOWED,
                request_id=f"req{i}",
                ip="127.0.0.1",
                user_agent_hash="",
            )
            event.prev_hash = previous
            event.hash = audit.event_hash(previous, audit._fields(event))
            previous = event.hash
            chunk.append(event)
        AuditEvent.objects.bulk_create(chunk, batch_size=2_000)
    AuditChainHead.objects.update_or_create(
        key="head", defaults={"last_hash": previous, "count": count}
    )
    return previous


def flip(text: str, rng: random.Random) -> str:
    position = rng.randrange(len(text))
    replacement = "0" if text[position] != "0" else "1"
    return text[:position] + replacement + text[position + 1 :]


def flip_a_character(ids: list[int], rng: random.Random) -> str:
    pk = rng.choice(ids)
    field = rng.choice(("object_code", "verb", "object_type", "request_id", "hash", "prev_hash"))
    value = AuditEvent.objects.values_list(field, flat=True).get(pk=pk)
    AuditEvent.objects.filter(pk=pk).update(**{field: flip(value, rng)})
    return f"flip a character of {field} in event {pk}"


def shift_the_time(ids: list[int], rng: random.Random) -> str:
    pk = rng.choice(ids)
    at = AuditEvent.objects.values_list("at", flat=True).get(pk=pk)
    AuditEvent.objects.filter(pk=pk).update(at=at + timedelta(microseconds=1))
    return f"move event {pk} by a microsecond"


def delete_one(ids: list[int], rng: random.Random) -> str:
    pk = rng.choice(ids)
    AuditEvent.objects.filter(pk=pk).delete()
    return f"delete event {pk}"


SWAPPED = (
    "at",
    "actor_id",
    "runner_id",
    "verb",
    "object_type",
    "object_code",
    "request_id",
    "prev_hash",
    "hash",
)


def swap_two(ids: list[int], rng: random.Random) -> str:
    first, second = rng.sample(ids, 2)
    rows = {
        row["id"]: row
        for row in AuditEvent.objects.filter(pk__in=[first, second]).values("id", *SWAPPED)
    }
    # The hash column is unique: park the first row's hash while the rows trade places.
    AuditEvent.objects.filter(pk=first).update(hash="swapping")
    for target, source in ((second, first), (first, second)):
        AuditEvent.objects.filter(pk=target).update(**{f: rows[source][f] for f in SWAPPED})
    return f"swap events {first} and {second}"


def truncate_the_tail(ids: list[int], rng: random.Random) -> str:
    cut = rng.randint(1, 10)
    AuditEvent.objects.filter(pk__in=ids[-cut:]).delete()
    return f"cut the newest {cut} events"


TAMPERS: tuple[Callable[[list[int], random.Random], str], ...] = (
    flip_a_character,
    shift_the_time,
    delete_one,
    swap_two,
    truncate_the_tail,
)


def verify_command() -> bool:
    """True when ``kneeclinic audit verify`` finds the trail intact."""
    try:
        call_command("audit", "verify", "--json", stdout=io.StringIO())
    except CommandError:
        return False
    return True


@pytest.mark.slow
def test_random_tampering_of_a_long_trail_is_always_detected() -> None:
    physio = make_user("bob@example.com", role="physio", clinic="Riverside Physio")
    runner = make_user("alice@example.com")
    write_trail(physio, runner, EVENTS)
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == EVENTS

    started = time.monotonic()
    intact = verify_command()
    verify_s = time.monotonic() - started
    assert intact, "the freshly written trail verifies"
    record("T23", f"verify {EVENTS:,} events", round(verify_s, 2), f"< {VERIFY_LIMIT_S:g}",
           verify_s < VERIFY_LIMIT_S, unit="s")  # fmt: skip
    if SOAK:
        assert verify_s < VERIFY_LIMIT_S

    allow_tampering()
    rng = random.Random(20261126)
    missed: list[str] = []
    kinds: dict[str, int] = {}
    for trial in range(TRIALS):
        tamper = TAMPERS[trial % len(TAMPERS)]
        kinds[tamper.__name__] = kinds.get(tamper.__name__, 0) + 1
        try:
            with transaction.atomic():
                what = tamper(ids, rng)
                if verify_command():
                    missed.append(what)
                raise Rollback
        except Rollback:
            pass
    assert verify_command(), "each trial was rolled back"
    detected = TRIALS - len(missed)
    record("T23", "tamper trials detected", f"{detected}/{TRIALS}", f"{TRIALS}/{TRIALS}",
           not missed)  # fmt: skip
    assert missed == []
    assert set(kinds) == {t.__name__ for t in TAMPERS}
