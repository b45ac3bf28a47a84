"""The authorisation matrix (security.md §8, T01/T22): every clinic URL x every kind of person.

The rules below are the policy. ``test_every_clinic_url_has_a_rule`` reads the URL configuration,
so a new clinic URL without a rule here fails. Refused reads of another person's record are 404
(existence does not leak); refused writes leave a snapshot of the object unchanged; refused
responses never contain the runner's email or note text; every request that touches a runner's
record by someone else writes exactly one audit event.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kneeclinic.accounts import invitations
from kneeclinic.accounts.models import CareInvitation, CareLink, User
from kneeclinic.clinic import notes, runner_invitations
from kneeclinic.clinic.models import AssessmentNote, AuditEvent, PhysioInvitation, RunningReview
from kneeclinic.exercises.models import Programme
from kneeclinic.plans.models import RunPlan
from tests.clinic.conftest import logged_in
from tests.conftest import link, make_user
from tests.reliability import record

pytestmark = pytest.mark.django_db

ACTORS = ("runner", "linked_physio", "clinic_physio", "charlie", "clinic_admin", "anonymous")
CANARY = "CANARY-NOTE-7f3a"
RUNNER_EMAIL = "alice@example.com"
NOTE_POST = {"seen_on": "2026-11-20", "history": "Changed by someone", "plan": "New plan"}
LOGIN = "login"  # a redirect to the login page
OK, REDIRECT, GONE, NOT_FOUND = 200, 302, 410, 404
# What the matrix's cases measured, gathered over all of them for the plan's figures (T01, T22).
MEASURED: Counter[str] = Counter()


@dataclass
class World:
    people: dict[str, User | None]
    note: AssessmentNote
    link: CareLink
    invitation: CareInvitation
    token: str
    physio_invitation: PhysioInvitation
    physio_token: str


@dataclass(frozen=True)
class Rule:
    method: str
    kwargs: Callable[[World], dict[str, Any]]
    expect: dict[str, int | str]
    data: dict[str, str] = field(default_factory=dict)
    snapshot: Callable[[World], object] | None = None
    # Who touches the runner's record here (one audit event each, allowed or refused).
    audited: frozenset[str] = frozenset()
    # Who may change data here, when a redirect alone does not say (the rest leave it unchanged).
    writers: frozenset[str] | None = None


def runner_code(world: World) -> dict[str, Any]:
    return {"code": world.people["runner"].code}  # type: ignore[union-attr]


def note_code(world: World) -> dict[str, Any]:
    return {"code": world.note.code}


def no_kwargs(world: World) -> dict[str, Any]:
    return {}


def note_snapshot(world: World) -> object:
    return list(world.note.versions.values_list("number", "history", "plan"))


def link_snapshot(world: World) -> object:
    return CareLink.objects.filter(pk=world.link.pk).values_list("status", "ended_at").get()


def invitation_snapshot(world: World) -> object:
    return (
        CareInvitation.objects.filter(pk=world.invitation.pk)
        .values_list("withdrawn_at", "used_at")
        .get()
    )


def links_snapshot(world: World) -> object:
    return sorted(CareLink.objects.values_list("runner_id", "physio_id", "status"))


def row(
    runner: int | str, linked: int | str, others: int | str, admin: int | str = ""
) -> dict[str, int | str]:
    """Expected results: the runner, the linked physio, unlinked physios (same clinic and
    charlie), the clinic admin (defaults to the unlinked physios'), and anonymous (login)."""
    return {
        "runner": runner,
        "linked_physio": linked,
        "clinic_physio": others,
        "charlie": others,
        "clinic_admin": admin or others,
        "anonymous": LOGIN,
    }


THIRD_PARTIES = frozenset({"linked_physio", "clinic_physio", "charlie", "clinic_admin"})
UNLINKED = frozenset({"clinic_physio", "charlie", "clinic_admin"})

POLICY: dict[str, Rule | tuple[Rule, ...]] = {
    "clinic:caseload": Rule("GET", no_kwargs, row(REDIRECT, OK, OK)),
    "clinic:invite": Rule("GET", no_kwargs, row(NOT_FOUND, OK, OK)),
    "clinic:withdraw-invitation": Rule(
        "POST",
        lambda w: {"code": w.invitation.code},
        row(NOT_FOUND, REDIRECT, NOT_FOUND),
        snapshot=invitation_snapshot,
    ),
    "clinic:runner": Rule("GET", runner_code, row(OK, OK, NOT_FOUND), audited=THIRD_PARTIES),
    "clinic:report": Rule("GET", runner_code, row(OK, OK, NOT_FOUND), audited=THIRD_PARTIES),
    "clinic:report-pdf": Rule("GET", runner_code, row(OK, OK, NOT_FOUND), audited=THIRD_PARTIES),
    "clinic:note-new": (
        Rule("GET", runner_code, row(NOT_FOUND, OK, NOT_FOUND), audited=UNLINKED),
        Rule(
            "POST",
            runner_code,
            row(NOT_FOUND, REDIRECT, NOT_FOUND),
            data=NOTE_POST,
            snapshot=lambda w: AssessmentNote.objects.count(),
            audited=THIRD_PARTIES,
        ),
    ),
    "clinic:review": Rule(
        "POST",
        runner_code,
        row(NOT_FOUND, REDIRECT, NOT_FOUND),
        data={"outcome": "hold_two_weeks", "note": "Hold"},
        snapshot=lambda w: RunningReview.objects.count(),
        audited=THIRD_PARTIES,
    ),
    "clinic:prescribe": (
        Rule("GET", runner_code, row(NOT_FOUND, OK, NOT_FOUND), audited=THIRD_PARTIES),
        Rule(
            "POST",
            runner_code,
            row(NOT_FOUND, REDIRECT, NOT_FOUND),
            data={"action": "start", "note": "Start gently"},
            snapshot=lambda w: list(Programme.objects.values_list("runner_id", "active")),
            audited=THIRD_PARTIES,
        ),
    ),
    "clinic:set-plan": (
        Rule("GET", runner_code, row(NOT_FOUND, OK, NOT_FOUND), audited=THIRD_PARTIES),
        Rule(
            "POST",
            runner_code,
            row(NOT_FOUND, REDIRECT, NOT_FOUND),
            data={
                "action": "set",
                "set-template_slug": "graded-running-time",
                "set-start_date": "2026-12-01",
                "set-weekdays": ["0", "2", "4"],  # type: ignore[dict-item]
            },
            snapshot=lambda w: list(RunPlan.objects.values_list("runner_id", "status")),
            audited=THIRD_PARTIES,
        ),
    ),
    "clinic:note": Rule("GET", note_code, row(NOT_FOUND, OK, NOT_FOUND), audited=THIRD_PARTIES),
    "clinic:note-edit": (
        Rule("GET", note_code, row(NOT_FOUND, OK, NOT_FOUND), audited=THIRD_PARTIES),
        Rule(
            "POST",
            note_code,
            row(NOT_FOUND, REDIRECT, NOT_FOUND),
            data=NOTE_POST,
            snapshot=note_snapshot,
            audited=THIRD_PARTIES,
        ),
    ),
    "clinic:end-link": Rule(
        "POST",
        lambda w: {"code": w.link.code},
        row(REDIRECT, REDIRECT, NOT_FOUND),
        snapshot=link_snapshot,
        audited=frozenset({"linked_physio"}),  # the revoke event
    ),
    "clinic:audit-export": Rule("GET", no_kwargs, row(NOT_FOUND, NOT_FOUND, NOT_FOUND, OK)),
    "clinic:staff": Rule("GET", no_kwargs, row(NOT_FOUND, NOT_FOUND, NOT_FOUND, OK)),
    # The admin removes bob (same clinic); nobody else may, and charlie's clinic is not theirs.
    "clinic:remove-staff": Rule(
        "POST",
        lambda w: {"code": w.people["linked_physio"].code},  # type: ignore[union-attr]
        row(NOT_FOUND, NOT_FOUND, NOT_FOUND, REDIRECT),
        snapshot=lambda w: (
            User.objects.filter(pk=w.people["linked_physio"].pk)  # type: ignore[union-attr]
            .values_list("clinic_id")
            .get()
        ),
    ),
    "clinic:sharing": Rule("GET", no_kwargs, row(OK, OK, OK)),
    "clinic:agree": Rule(
        "POST",
        no_kwargs,
        row(REDIRECT, REDIRECT, REDIRECT),
        data={"code": "NOPE0-NOPE0"},
        snapshot=links_snapshot,
    ),
    "clinic:access-log": Rule("GET", no_kwargs, row(OK, OK, OK)),
    "clinic:shared-notes": Rule("GET", no_kwargs, row(OK, OK, OK)),
    # Refused for the runner too: she already shares with bob (test_sharing covers acceptance).
    "clinic:join": Rule("GET", lambda w: {"token": w.token}, row(GONE, GONE, GONE)),
    # A runner invites her physio: alice's invitation names dana's address.
    "clinic:invite-physio": Rule("GET", no_kwargs, row(OK, NOT_FOUND, NOT_FOUND)),
    "clinic:withdraw-physio-invitation": Rule(
        "POST",
        lambda w: {"code": w.physio_invitation.code},
        row(REDIRECT, NOT_FOUND, NOT_FOUND),
        snapshot=lambda w: (
            PhysioInvitation.objects.filter(pk=w.physio_invitation.pk)
            .values_list("withdrawn_at", "used_at")
            .get()
        ),
    ),
    "clinic:runner-code": Rule(
        "POST",
        no_kwargs,
        row(NOT_FOUND, REDIRECT, REDIRECT),
        data={"code": "NOPE0-NOPE0"},
        snapshot=links_snapshot,
        writers=frozenset(),
    ),
    "clinic:from-runner": Rule(
        "GET",
        lambda w: {"token": w.physio_token},
        {
            "runner": NOT_FOUND,
            "linked_physio": GONE,
            "clinic_physio": OK,
            "charlie": GONE,
            "clinic_admin": GONE,
            "anonymous": LOGIN,
        },
    ),
    "clinic:accept-runner": Rule(
        "POST",
        no_kwargs,
        row(NOT_FOUND, REDIRECT, REDIRECT),
        data={},  # filled with the token by the test (see rule_data)
        snapshot=links_snapshot,
        audited=frozenset({"clinic_physio"}),  # the grant
        writers=frozenset({"clinic_physio"}),
    ),
}


def rule_data(name: str, rule: Rule, world: World) -> dict[str, str]:
    if name == "clinic:accept-runner":
        return {"token": world.physio_token}
    return rule.data


def url_names(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    """Every named URL in the project, as ``namespace:name``."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from url_names(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name


@pytest.fixture(scope="module", autouse=True)
def t01_t22_figures() -> Iterator[None]:
    """Record, once the whole matrix has run, what its cases measured (T01 and T22)."""
    started = time.perf_counter()
    yield
    took = round(time.perf_counter() - started, 1)
    if not MEASURED["cases"]:
        return
    cases, statuses, leaks = MEASURED["cases"], MEASURED["statuses"], MEASURED["leaks"]
    changed = MEASURED["changed"]
    record("T01", "cases (clinic URL x method x person)", cases, "", True)
    record("T01", "unexpected statuses", statuses, "0", statuses == 0)
    record("T01", "leaks of the runner's email or note text", leaks, "0", leaks == 0)
    record("T01", "refused writes that changed data", changed, "0", changed == 0)
    record("T01", "the matrix's file, start to end", took, "< 90 s", took < 90, unit="s")
    expected, written = MEASURED["events expected"], MEASURED["events written"]
    share = round(100 * written / expected, 1) if expected else 100.0
    duplicates, wrong = MEASURED["events duplicated"], MEASURED["events wrong"]
    unexpected = MEASURED["events unexpected"]
    record("T22", f"expected audit events written (of {expected})", share, "100 %",
           written == expected, unit="%")  # fmt: skip
    record("T22", "duplicate audit events", duplicates, "0", duplicates == 0)
    record("T22", "audit events with the wrong actor or outcome", wrong, "0", wrong == 0)
    record("T22", "audit events where none was expected", unexpected, "0", unexpected == 0)


def test_every_clinic_url_has_a_rule() -> None:
    clinic_urls = {name for name in url_names() if name.startswith("clinic:")}
    assert clinic_urls, "the clinic URLs were not found"
    missing = clinic_urls - set(POLICY)
    covered = round(100 * (len(clinic_urls) - len(missing)) / len(clinic_urls), 1)
    record("T01", f"clinic URLs with a rule (of {len(clinic_urls)})", covered, "100 %", not missing,
           unit="%")  # fmt: skip
    assert not missing, f"clinic URLs without an authorisation rule: {sorted(missing)}"
    stale = set(POLICY) - clinic_urls
    assert not stale, f"rules for URLs that no longer exist: {sorted(stale)}"


def rules() -> list[tuple[str, Rule]]:
    found = []
    for name, entry in POLICY.items():
        for rule in entry if isinstance(entry, tuple) else (entry,):
            found.append((name, rule))
    return found


CASES = [
    pytest.param(name, rule, actor, id=f"{name}-{rule.method}-{actor}")
    for name, rule in rules()
    for actor in ACTORS
]


def test_every_rule_names_every_actor() -> None:
    for name, rule in rules():
        assert set(rule.expect) == set(ACTORS), name


@pytest.fixture
def world(db: None) -> World:
    alice = make_user(RUNNER_EMAIL, name="Alice")
    bob = make_user("bob@example.com", role="physio", clinic="Riverside Physio", name="Bob")
    link(alice, bob)
    people: dict[str, User | None] = {
        "runner": alice,
        "linked_physio": bob,
        "clinic_physio": make_user("dana@example.com", role="physio", clinic="Riverside Physio"),
        "charlie": make_user("charlie@example.com", role="physio", clinic="Hilltop Clinic"),
        "clinic_admin": make_user("erin@example.com", role="admin", clinic="Riverside Physio"),
        "anonymous": None,
    }
    note = notes.create(alice, bob, {"history": CANARY, "working_diagnosis": CANARY})
    issued = invitations.create_invitation(bob)
    from_runner = runner_invitations.create(alice, "dana@example.com")
    return World(
        people=people,
        note=note,
        link=CareLink.objects.get(runner=alice, physio=bob),
        invitation=issued.invitation,
        token=issued.link_token,
        physio_invitation=from_runner.invitation,
        physio_token=from_runner.link_token,
    )


@pytest.mark.parametrize(("name", "rule", "actor"), CASES)
def test_authorisation_matrix(world: World, name: str, rule: Rule, actor: str) -> None:
    person = world.people[actor]
    client = logged_in(person) if person is not None else Client()
    url = reverse(name, kwargs=rule.kwargs(world))
    before = rule.snapshot(world) if rule.snapshot else None
    events_before = AuditEvent.objects.count()

    data = rule_data(name, rule, world)
    response = client.get(url) if rule.method == "GET" else client.post(url, data)

    expected = rule.expect[actor]
    MEASURED["cases"] += 1
    if expected == LOGIN:
        to_login = response.get("Location", "").startswith(reverse("accounts:login"))
        MEASURED["statuses"] += response.status_code != REDIRECT or not to_login
    else:
        MEASURED["statuses"] += response.status_code != expected
    if expected == LOGIN:
        assert response.status_code == REDIRECT, (name, actor)
        assert response["Location"].startswith(reverse("accounts:login")), (name, actor)
    else:
        assert response.status_code == expected, (name, actor, response.status_code)
    refused = expected in {NOT_FOUND, LOGIN, GONE} or (name == "clinic:agree")
    if rule.writers is not None:
        refused = actor not in rule.writers
    if refused and rule.snapshot is not None:
        after = rule.snapshot(world)
        MEASURED["changed"] += after != before
        assert after == before, f"a refused {name} changed data ({actor})"
    may_see_runner = actor in {"runner", "linked_physio"}
    if not may_see_runner and not getattr(response, "streaming", False):
        body = response.content.decode()
        MEASURED["leaks"] += RUNNER_EMAIL in body or CANARY in body
        assert RUNNER_EMAIL not in body, f"{name} leaked the runner's email to {actor}"
        assert CANARY not in body, f"{name} leaked note text to {actor}"
    new_events = AuditEvent.objects.count() - events_before
    if actor in rule.audited:
        MEASURED["events expected"] += 1
        MEASURED["events written"] += new_events >= 1
        MEASURED["events duplicated"] += max(new_events - 1, 0)
        if new_events >= 1:
            latest = AuditEvent.objects.latest("id")
            outcome = "denied" if expected == NOT_FOUND else "allowed"
            MEASURED["events wrong"] += (
                latest.actor_id != person.pk or latest.outcome != outcome  # type: ignore[union-attr]
            )
        assert new_events == 1, f"{name} by {actor} wrote {new_events} audit events"
        event = AuditEvent.objects.latest("id")
        assert event.actor_id == person.pk  # type: ignore[union-attr]
        assert event.outcome == ("denied" if expected == NOT_FOUND else "allowed")
    elif name not in {
        "clinic:audit-export",
        "clinic:end-link",
        "clinic:remove-staff",
    }:
        MEASURED["events unexpected"] += new_events
        assert new_events == 0, f"{name} by {actor} wrote unexpected audit events"
