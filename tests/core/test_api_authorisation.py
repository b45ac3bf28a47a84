"""The API's authorisation matrix: every operation x six kinds of person, from the OpenAPI document.

``test_every_api_operation_has_a_rule`` reads the served OpenAPI document, so a new operation
without a rule here fails. Refused reads of another person's data are 404 (existence does not
leak); refused writes leave the object as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity, Import
from kneeclinic.api import api
from kneeclinic.symptoms.models import PainEntry
from tests.clinic.conftest import logged_in
from tests.conftest import link, make_user

pytestmark = pytest.mark.django_db

ACTORS = ("runner", "linked_physio", "clinic_physio", "charlie", "clinic_admin", "anonymous")


@dataclass
class World:
    people: dict[str, User | None]
    run: Activity
    pain: PainEntry
    batch: Import

    @property
    def runner(self) -> User:
        runner = self.people["runner"]
        assert runner is not None
        return runner


@pytest.fixture
def world() -> World:
    runner = make_user("alice@example.com", name="Alice")
    linked = make_user("bob@example.com", role="physio", clinic="Riverside", name="Bob")
    link(runner, linked)
    people: dict[str, User | None] = {
        "runner": runner,
        "linked_physio": linked,
        "clinic_physio": make_user("dan@example.com", role="physio", clinic="Riverside"),
        "charlie": make_user("charlie@example.com", role="physio", clinic="Hilltop"),
        "clinic_admin": make_user("erin@example.com", role="admin", clinic="Riverside"),
        "anonymous": None,
    }
    run = Activity.objects.create(
        runner=runner, name="Parkrun", start=timezone.now(), elapsed_s=1500, distance_m=5000
    )
    when = PainEntry._meta.get_field("when").choices[0][0]  # type: ignore[index]
    pain = PainEntry.objects.create(runner=runner, pain_nrs=3, when=when)
    batch = Import.objects.create(runner=runner)
    return World(people, run, pain, batch)


# Expected status per actor. "own" operations act on the caller's own data, so every signed-in
# person may use them on themselves.
EVERYONE = {actor: 200 for actor in ACTORS[:-1]} | {"anonymous": 401}
RUNNER_DATA = {
    "runner": 200,
    "linked_physio": 200,
    "clinic_physio": 404,
    "charlie": 404,
    "clinic_admin": 404,
    "anonymous": 401,
}
RUNNER_WRITE = RUNNER_DATA | {"linked_physio": 403}


@dataclass(frozen=True)
class Rule:
    path: Callable[[World], str]
    expect: dict[str, int]
    body: dict[str, Any] | None = None
    snapshot: Callable[[World], object] | None = None
    # A multipart form instead of JSON (file uploads).
    multipart: Callable[[], dict[str, Any]] | None = None


def a_gpx_file() -> dict[str, Any]:
    gpx = (
        b'<?xml version="1.0"?><gpx version="1.1" creator="test" '
        b'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        b'<trkpt lat="51.5" lon="-0.1"><time>2026-11-20T07:00:00Z</time></trkpt>'
        b'<trkpt lat="51.51" lon="-0.1"><time>2026-11-20T07:05:00Z</time></trkpt>'
        b"</trkseg></trk></gpx>"
    )
    return {"files": SimpleUploadedFile("morning.gpx", gpx, "application/gpx+xml")}


def run_snapshot(world: World) -> object:
    return Activity.objects.filter(pk=world.run.pk).values_list("name", "sport").first()


def pain_snapshot(world: World) -> object:
    return PainEntry.objects.filter(pk=world.pain.pk).values_list("pain_nrs").first()


def of(world: World) -> str:
    return f"?runner={world.runner.code}"


WHEN = str(PainEntry._meta.get_field("when").choices[0][0])  # type: ignore[index]
RULES: dict[tuple[str, str], Rule] = {
    ("get", "/api/v1/health"): Rule(lambda w: "/api/v1/health", {a: 200 for a in ACTORS}),
    ("get", "/api/v1/me"): Rule(lambda w: "/api/v1/me", EVERYONE),
    ("patch", "/api/v1/me"): Rule(lambda w: "/api/v1/me", EVERYONE, {"units": "km"}),
    ("get", "/api/v1/runs"): Rule(lambda w: "/api/v1/runs" + of(w), RUNNER_DATA),
    ("post", "/api/v1/runs"): Rule(
        lambda w: "/api/v1/runs",
        {a: 201 for a in ACTORS[:-1]} | {"anonymous": 401},
        {"start": "2026-11-20T07:00:00+00:00", "distance_m": 5000.0, "duration_s": 1800.0},
    ),
    ("get", "/api/v1/runs/{code}"): Rule(lambda w: f"/api/v1/runs/{w.run.code}", RUNNER_DATA),
    ("patch", "/api/v1/runs/{code}"): Rule(
        lambda w: f"/api/v1/runs/{w.run.code}", RUNNER_WRITE, {"name": "Changed"}, run_snapshot
    ),
    ("delete", "/api/v1/runs/{code}"): Rule(
        lambda w: f"/api/v1/runs/{w.run.code}",
        RUNNER_WRITE | {"runner": 204},
        None,
        run_snapshot,
    ),
    # Anyone signed in may import their own files; nobody imports into another's record.
    ("post", "/api/v1/runs/imports"): Rule(
        lambda w: "/api/v1/runs/imports",
        {a: 202 for a in ACTORS[:-1]} | {"anonymous": 401},
        multipart=a_gpx_file,
    ),
    ("get", "/api/v1/runs/imports/{code}"): Rule(
        lambda w: f"/api/v1/runs/imports/{w.batch.code}", RUNNER_DATA
    ),
    ("get", "/api/v1/load"): Rule(lambda w: "/api/v1/load" + of(w), RUNNER_DATA),
    ("get", "/api/v1/diary/pain"): Rule(lambda w: "/api/v1/diary/pain" + of(w), RUNNER_DATA),
    ("post", "/api/v1/diary/pain"): Rule(
        lambda w: "/api/v1/diary/pain",
        {a: 201 for a in ACTORS[:-1]} | {"anonymous": 401},
        {"pain_nrs": 2, "when": WHEN},
    ),
    ("delete", "/api/v1/diary/pain/{code}"): Rule(
        lambda w: f"/api/v1/diary/pain/{w.pain.code}",
        RUNNER_WRITE | {"runner": 204},
        None,
        pain_snapshot,
    ),
    ("get", "/api/v1/diary/self-help"): Rule(
        lambda w: "/api/v1/diary/self-help" + of(w), RUNNER_DATA
    ),
    ("post", "/api/v1/diary/self-help"): Rule(
        lambda w: "/api/v1/diary/self-help",
        {a: 201 for a in ACTORS[:-1]} | {"anonymous": 401},
        {"measure": "ice", "minutes": 15},
    ),
    ("get", "/api/v1/diary/kujala"): Rule(lambda w: "/api/v1/diary/kujala" + of(w), RUNNER_DATA),
    ("get", "/api/v1/diary/checker"): Rule(lambda w: "/api/v1/diary/checker" + of(w), RUNNER_DATA),
    ("get", "/api/v1/exercises/programmes"): Rule(
        lambda w: "/api/v1/exercises/programmes" + of(w), RUNNER_DATA
    ),
    ("get", "/api/v1/exercises/sessions"): Rule(
        lambda w: "/api/v1/exercises/sessions" + of(w), RUNNER_DATA
    ),
    ("get", "/api/v1/plans"): Rule(lambda w: "/api/v1/plans" + of(w), RUNNER_DATA),
    ("get", "/api/v1/plans/shoes"): Rule(lambda w: "/api/v1/plans/shoes" + of(w), RUNNER_DATA),
    ("get", "/api/v1/clinic/caseload"): Rule(
        lambda w: "/api/v1/clinic/caseload", EVERYONE | {"runner": 403}
    ),
    ("get", "/api/v1/fhir/Patient/{code}/$everything"): Rule(
        lambda w: f"/api/v1/fhir/Patient/{w.runner.code}/$everything", RUNNER_DATA
    ),
}
# Uploads are multipart and exercised in the activities tests; the rule here is "signed in".
# Every operation has a rule.
UNLISTED: set[tuple[str, str]] = set()


def operations() -> set[tuple[str, str]]:
    document = api.get_openapi_schema()
    return {
        (method, "/api/v1" + path.removeprefix("/api/v1"))
        for path, item in document["paths"].items()
        for method in item
    }


def test_every_api_operation_has_a_rule() -> None:
    assert operations() - UNLISTED == set(RULES)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", sorted(RULES), ids=lambda op: f"{op[0]} {op[1]}")
def test_the_api_answers_each_person_as_the_rules_say(
    world: World, operation: tuple[str, str], actor: str
) -> None:
    method, _ = operation
    rule = RULES[operation]
    person = world.people[actor]
    client = logged_in(person) if person is not None else Client()  # clinicians passed MFA
    before = rule.snapshot(world) if rule.snapshot else None
    kwargs: dict[str, Any] = {}
    if rule.body is not None:
        kwargs = {"data": rule.body, "content_type": "application/json"}
    if rule.multipart is not None:
        kwargs = {"data": rule.multipart()}
    response = getattr(client, method)(rule.path(world), **kwargs)
    expected = rule.expect[actor]
    assert response.status_code == expected, response.content[:300]
    if expected >= 400 and rule.snapshot is not None:
        assert rule.snapshot(world) == before
    if expected == 404:
        assert b"alice@example.com" not in response.content
        assert b"Parkrun" not in response.content
