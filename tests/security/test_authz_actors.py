"""The people the authorisation matrices leave out (security plan T01, T04, T10), for T02's mutants.

The clinic and API matrices cover the runner, her linked physio, other physios, the clinic admin
and anonymous visitors. The mutation check (test_authz_mutations.py) showed that switching off
three checks went unnoticed there, because nobody in those matrices depends on them:

* a physio whose care link the runner **ended** (the link's status);
* a physio who **left their clinic** but still has an active link (the clinic filter);
* a physio whose session has **not passed the second factor** (the MFA gate).

Here each of them meets every clinic URL of the clinic matrix's policy that touches the
runner's record, and every API operation on the runner's data: each must be refused exactly
as an unlinked physio is, with nothing of the runner's in the response and nothing changed.
The direct contract of ``can_see_runner`` is pinned too: its only caller sits behind
``visible_runner_ids``, so no page can tell it apart from a check that always says yes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kneeclinic.accounts import invitations
from kneeclinic.accounts.access import can_see_runner, visible_runner_ids
from kneeclinic.accounts.models import CareLink, User
from kneeclinic.plans.clinic import review_card
from tests.clinic import test_authorisation_matrix as clinic_matrix
from tests.clinic.conftest import logged_in
from tests.conftest import link, make_user
from tests.core import test_api_authorisation as api_matrix
from tests.reliability import record

pytestmark = pytest.mark.django_db

EXTRA = ("ended_link", "left_clinic", "no_second_factor")
RUNNER_EMAIL = clinic_matrix.RUNNER_EMAIL
CANARY = clinic_matrix.CANARY
# What the cases measured, by person, gathered over all of them for the plan's figures.
MEASURED: dict[str, Counter[str]] = {}


def measure(actor: str, refused: bool, leaked: bool, changed: bool) -> None:
    """Note one request: refused as it should be or not, the runner's data shown, data changed."""
    seen = MEASURED.setdefault(actor, Counter())
    seen["requests"] += 1
    seen["not refused"] += not refused
    seen["leaks"] += leaked
    seen["changed"] += changed


@pytest.fixture(scope="module", autouse=True)
def t01_t04_figures() -> Iterator[None]:
    """Record, once every case has run: the ended link is T04, the other two people are T01."""
    yield
    ended = MEASURED.get("ended_link", Counter())
    if ended["requests"]:
        accesses = ended["not refused"] + ended["leaks"] + ended["changed"]
        record("T04", "requests after the runner ended the link (pages and API)",
               ended["requests"], "", True)  # fmt: skip
        record("T04", "accesses after the link ended (not refused, data shown or changed)",
               accesses, "0", accesses == 0)  # fmt: skip
    others = Counter[str]()
    for actor in ("left_clinic", "no_second_factor"):
        others.update(MEASURED.get(actor, Counter()))
    if others["requests"]:
        statuses, leaks, changed = others["not refused"], others["leaks"], others["changed"]
        record("T01", "cases for a physio who left the clinic or lacks the second factor",
               others["requests"], "", True)  # fmt: skip
        record("T01", "unexpected statuses (those two people)", statuses, "0", statuses == 0)
        record("T01", "leaks of the runner's data (those two people)", leaks, "0", leaks == 0)
        record("T01", "refused writes that changed data (those two people)", changed, "0",
               changed == 0)  # fmt: skip


@dataclass
class Extra:
    people: dict[str, User]
    runner: User


def add_extra_people(runner: User) -> dict[str, User]:
    """The three physios, each once linked to ``runner``."""
    ended = make_user("frank@example.com", role="physio", clinic="Riverside Physio")
    link(runner, ended)
    invitations.end_link(CareLink.objects.get(runner=runner, physio=ended), by=runner)
    left = make_user("gina@example.com", role="physio", clinic="Riverside Physio")
    link(runner, left)
    left.clinic = None
    left.save(update_fields=["clinic"])
    return {"ended_link": ended, "left_clinic": left}


def client_for(actor: str, people: dict[str, User], linked_physio: User) -> Client:
    if actor == "no_second_factor":
        client = Client()
        client.force_login(linked_physio)  # a session that never gave the second factor
        return client
    return logged_in(people[actor])


# --- the clinic pages ---------------------------------------------------------------------


def runner_rules() -> list[Any]:
    """The clinic matrix's rules that touch the runner's record (audited for outsiders)."""
    return [
        pytest.param(name, rule, actor, id=f"{name}-{rule.method}-{actor}")
        for name, rule in clinic_matrix.rules()
        if "charlie" in rule.audited and rule.expect["charlie"] == clinic_matrix.NOT_FOUND
        for actor in EXTRA
    ]


@pytest.fixture
def clinic_world(db: None) -> clinic_matrix.World:
    return clinic_matrix.world.__wrapped__(None)  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize(("name", "rule", "actor"), runner_rules())
def test_the_clinic_pages_refuse_them(
    clinic_world: clinic_matrix.World, name: str, rule: Any, actor: str
) -> None:
    runner = clinic_world.people["runner"]
    linked = clinic_world.people["linked_physio"]
    assert runner is not None and linked is not None
    people = add_extra_people(runner)
    client = client_for(actor, people, linked)
    url = reverse(name, kwargs=rule.kwargs(clinic_world))
    before = rule.snapshot(clinic_world) if rule.snapshot else None

    data = clinic_matrix.rule_data(name, rule, clinic_world)
    response = client.get(url) if rule.method == "GET" else client.post(url, data)

    body = response.content.decode()
    after = rule.snapshot(clinic_world) if rule.snapshot else None
    to_login = response.get("Location", "").startswith(reverse("accounts:login"))
    refused = (
        response.status_code == 302 and to_login
        if actor == "no_second_factor"
        else response.status_code == 404
    )
    measure(actor, refused, RUNNER_EMAIL in body or CANARY in body, after != before)
    if actor == "no_second_factor":
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == 404, (name, actor, response.status_code)
    assert RUNNER_EMAIL not in body and CANARY not in body
    if rule.snapshot is not None:
        assert after == before, f"a refused {name} changed data ({actor})"


# --- the API --------------------------------------------------------------------------------


def api_rules() -> list[Any]:
    return [
        pytest.param(operation, actor, id=f"{operation[0]} {operation[1]}-{actor}")
        for operation, rule in sorted(api_matrix.RULES.items())
        if rule.expect["charlie"] == 404
        for actor in EXTRA
    ]


@pytest.fixture
def api_world(db: None) -> api_matrix.World:
    return api_matrix.world.__wrapped__()  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize(("operation", "actor"), api_rules())
def test_the_api_refuses_them(
    api_world: api_matrix.World, operation: tuple[str, str], actor: str
) -> None:
    people = add_extra_people(api_world.runner)
    linked = api_world.people["linked_physio"]
    assert linked is not None
    rule = api_matrix.RULES[operation]
    client = client_for(actor, people, linked)
    before = rule.snapshot(api_world) if rule.snapshot else None
    kwargs: dict[str, Any] = {}
    if rule.body is not None:
        kwargs = {"data": rule.body, "content_type": "application/json"}
    response = getattr(client, operation[0])(rule.path(api_world), **kwargs)
    after = rule.snapshot(api_world) if rule.snapshot else None
    status = 401 if actor == "no_second_factor" else 404
    leaked = b"alice@example.com" in response.content or b"Parkrun" in response.content
    measure(actor, response.status_code == status, leaked, after != before)
    # Without the second factor the session does not count at all: 401, as for anonymous.
    assert response.status_code == (401 if actor == "no_second_factor" else 404), response.content[
        :300
    ]
    assert b"alice@example.com" not in response.content
    assert b"Parkrun" not in response.content
    if rule.snapshot is not None:
        assert after == before


# --- the access functions themselves ----------------------------------------------------------


def test_can_see_runner_says_no_to_everyone_without_a_live_link() -> None:
    runner = make_user("alice@example.com")
    linked = make_user("bob@example.com", role="physio", clinic="Riverside Physio")
    link(runner, linked)
    people = add_extra_people(runner)
    outsider = make_user("charlie@example.com", role="physio", clinic="Hilltop Clinic")
    other_runner = make_user("holly@example.com")

    assert can_see_runner(runner, runner)
    assert can_see_runner(linked, runner)
    for person in (people["ended_link"], people["left_clinic"], outsider, other_runner):
        assert not can_see_runner(person, runner), person.email
        assert not User.objects.filter(visible_runner_ids(person), pk=runner.pk).exists()
        assert review_card(person, runner) is None
    assert review_card(linked, runner) is not None
