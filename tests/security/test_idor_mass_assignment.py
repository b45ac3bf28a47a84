"""IDOR in payloads and mass assignment (security plan T03), for every writable API operation.

The writable operations are read from the API's own OpenAPI document: a new POST, PUT, PATCH or
DELETE without an example body here fails ``test_every_writable_operation_is_covered``. For each
one, Alice (a runner) tries:

* **foreign references**: every path parameter and every FK-like body field (a UUID, a code, a
  token) set to the matching object of Holly, another runner; and ``?runner=`` naming Holly;
* **mass assignment**: her valid body plus fields she must not set (``owner``, ``user``,
  ``runner``, ``patient``, ``clinic``, ``role``, ``is_staff``, ``is_superuser``, ``created_at``,
  ``code``, ``id``), each naming Holly or a privilege.

Pass figures: 0 accepted foreign references (Holly's rows unchanged and never returned, every
new row Alice's) and 0 extra fields changed (a snapshot of every user's privileges and every
row's owner, code and creation time, compared before and after).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.api import api
from kneeclinic.symptoms.models import PainEntry, SelfHelpLog
from tests.conftest import make_user
from tests.reliability import record

pytestmark = pytest.mark.django_db

WRITES = {"post", "put", "patch", "delete"}
HOLLY_RUN = "Holly's long run"
EXTRA_FIELDS = (
    "owner",
    "user",
    "runner",
    "patient",
    "clinic",
    "role",
    "is_staff",
    "is_superuser",
    "created_at",
    "code",
    "id",
)


@dataclass
class World:
    alice: User
    holly: User
    alice_run: Activity
    holly_run: Activity
    alice_pain: PainEntry
    holly_pain: PainEntry


@pytest.fixture
def world() -> World:
    alice = make_user("alice@example.com", name="Alice")
    holly = make_user("holly@example.com", name="Holly")
    make_user("bob@example.com", role="physio", clinic="Riverside Physio")
    now = timezone.now()

    def run(runner: User, name: str) -> Activity:
        return Activity.objects.create(
            runner=runner, name=name, start=now, elapsed_s=1800, distance_m=5000
        )

    def pain(runner: User) -> PainEntry:
        return PainEntry.objects.create(
            runner=runner, pain_nrs=4, when=WHEN, client_token=uuid.uuid4()
        )

    return World(
        alice=alice,
        holly=holly,
        alice_run=run(alice, "Alice's run"),
        holly_run=run(holly, HOLLY_RUN),
        alice_pain=pain(alice),
        holly_pain=pain(holly),
    )


WHEN = str(PainEntry._meta.get_field("when").choices[0][0])  # type: ignore[index]
MEASURE = str(SelfHelpLog._meta.get_field("measure").choices[0][0])  # type: ignore[index]


@dataclass(frozen=True)
class Operation:
    """A valid request of Alice's own, and the object of Holly's its path can name."""

    body: Callable[[World], dict[str, Any] | None]
    own: Callable[[World], dict[str, str]] = lambda w: {}
    foreign: Callable[[World], dict[str, str]] = lambda w: {}


def run_codes(owner: str) -> Callable[[World], dict[str, str]]:
    return lambda w: {"code": str((w.alice_run if owner == "alice" else w.holly_run).code)}


def pain_codes(owner: str) -> Callable[[World], dict[str, str]]:
    return lambda w: {"code": str((w.alice_pain if owner == "alice" else w.holly_pain).code)}


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("patch", "/api/v1/me"): Operation(lambda w: {"name": "Alice A", "units": "mi"}),
    ("post", "/api/v1/runs"): Operation(
        lambda w: {"start": "2026-11-20T07:00:00+00:00", "distance_m": 5000.0, "duration_s": 1800}
    ),
    ("patch", "/api/v1/runs/{code}"): Operation(
        lambda w: {"name": "Renamed"}, run_codes("alice"), run_codes("holly")
    ),
    ("delete", "/api/v1/runs/{code}"): Operation(
        lambda w: None, run_codes("alice"), run_codes("holly")
    ),
    ("post", "/api/v1/diary/pain"): Operation(
        lambda w: {"pain_nrs": 2, "when": WHEN, "client_token": str(uuid.uuid4())}
    ),
    ("delete", "/api/v1/diary/pain/{code}"): Operation(
        lambda w: None, pain_codes("alice"), pain_codes("holly")
    ),
    ("post", "/api/v1/diary/self-help"): Operation(lambda w: {"measure": MEASURE, "minutes": 10}),
}
# Uploads are multipart: the file's owner is tested in the activities tests; the form's extra
# fields are tried below all the same.
MULTIPART = {("post", "/api/v1/runs/imports")}


@cache
def document() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix="/api/v1/")


def writable_operations() -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, item in document()["paths"].items()
        for method in item
        if method in WRITES
    }


def body_fields(method: str, path: str) -> dict[str, dict[str, Any]]:
    """The JSON body's properties for an operation, from its schema."""
    operation = document()["paths"][path][method]
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return {}
    name = schema["$ref"].rsplit("/", 1)[-1]
    properties: dict[str, dict[str, Any]] = document()["components"]["schemas"][name]["properties"]
    return properties


def fk_like(name: str, spec: dict[str, Any]) -> bool:
    """A body field that refers to an object: a UUID, or named like a code, id or token."""
    formats = {spec.get("format")} | {s.get("format") for s in spec.get("anyOf", [])}
    return "uuid" in formats or name in {"code", "id"} or name.endswith(("_code", "_id", "_token"))


def snapshot() -> dict[str, Any]:
    """Who owns what, and every user's privileges: what no write of Alice's may change."""
    return {
        "users": sorted(
            User.objects.values_list(
                "pk", "email", "role", "is_staff", "is_superuser", "clinic_id", "is_active"
            )
        ),
        "runs": sorted(
            (str(code), runner, name, str(created))
            for code, runner, name, created in Activity.objects.values_list(
                "code", "runner_id", "name", "created_at"
            )
        ),
        "pain": sorted(
            (str(code), runner, nrs, str(token))
            for code, runner, nrs, token in PainEntry.objects.values_list(
                "code", "runner_id", "pain_nrs", "client_token"
            )
        ),
        "self_help": sorted(SelfHelpLog.objects.values_list("pk", "runner_id")),
    }


def holly_rows(state: dict[str, Any], holly: User) -> dict[str, list[Any]]:
    return {
        "runs": [r for r in state["runs"] if r[1] == holly.pk],
        "pain": [r for r in state["pain"] if r[1] == holly.pk],
        "self_help": [r for r in state["self_help"] if r[1] == holly.pk],
        "user": [u for u in state["users"] if u[0] == holly.pk],
    }


def new_rows_not_alices(before: dict[str, Any], after: dict[str, Any], alice: User) -> list[Any]:
    strays = []
    for table, owner_at in (("runs", 1), ("pain", 1), ("self_help", 1)):
        for row in set(after[table]) - set(before[table]):
            if row[owner_at] != alice.pk:
                strays.append((table, row))
    return strays


def call(client: Client, method: str, url: str, body: dict[str, Any] | None) -> Any:
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def alice_client(world: World) -> Client:
    client = Client()
    client.force_login(world.alice)
    return client


def test_every_writable_operation_is_covered() -> None:
    assert writable_operations() - MULTIPART == set(OPERATIONS)


def attempts(world: World, method: str, path: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(what, url, body) for every foreign reference and extra field of one operation."""
    operation = OPERATIONS[(method, path)]
    own_url = path.format(**operation.own(world))
    body = operation.body(world)
    tries: list[tuple[str, str, dict[str, Any] | None]] = []
    foreign = operation.foreign(world)
    if foreign:
        tries.append(("path names Holly's object", path.format(**foreign), body))
    tries.append(("?runner= names Holly", f"{own_url}?runner={world.holly.code}", body))
    holly_values = {
        "code": str(world.holly_run.code),
        "client_token": str(world.holly_pain.client_token),
    }
    for name, spec in body_fields(method, path).items():
        if body is not None and fk_like(name, spec):
            value = holly_values.get(name, str(world.holly_pain.code))
            tries.append((f"body {name} names Holly's", own_url, {**body, name: value}))
    extras: dict[str, Any] = {
        "owner": world.holly.pk,
        "user": str(world.holly.code),
        "runner": str(world.holly.code),
        "patient": str(world.holly.code),
        "clinic": 1,
        "role": "admin",
        "is_staff": True,
        "is_superuser": True,
        "created_at": "2001-01-01T00:00:00+00:00",
        "code": str(world.holly_run.code),
        "id": world.holly_run.pk,
    }
    if body is not None:
        for name in EXTRA_FIELDS:
            if name not in body_fields(method, path):
                tries.append((f"extra field {name}", own_url, {**body, name: extras[name]}))
        tries.append(("every extra field at once", own_url, {**body, **extras}))
    return tries


@pytest.mark.parametrize("operation", sorted(OPERATIONS), ids=lambda op: f"{op[0]} {op[1]}")
def test_no_foreign_reference_or_extra_field_is_accepted(
    world: World, operation: tuple[str, str]
) -> None:
    method, path = operation
    foreign_accepted: list[str] = []
    extra_changed: list[str] = []
    tried = 0
    client = alice_client(world)
    for what, url, body in attempts(world, method, path):
        before = snapshot()
        response = call(client, method, url, body)
        after = snapshot()
        text = response.content.decode(errors="replace")
        touched_holly = holly_rows(before, world.holly) != holly_rows(after, world.holly)
        leaked = (
            str(world.holly_run.code) in text
            or str(world.holly_pain.code) in text
            or HOLLY_RUN in text
            or "holly@example.com" in text
        )
        strays = new_rows_not_alices(before, after, world.alice)
        if touched_holly or leaked or strays:
            foreign_accepted.append(f"{what}: {response.status_code} {text[:200]}")
        if what.startswith(("extra", "every extra")):
            alice_before = [u[2:] for u in before["users"] if u[0] == world.alice.pk]
            alice_after = [u[2:] for u in after["users"] if u[0] == world.alice.pk]
            runs_before = {(r[0], r[3]) for r in before["runs"] if r[1] == world.alice.pk}
            runs_after = {(r[0], r[3]) for r in after["runs"] if r[1] == world.alice.pk}
            injected = [
                r
                for r in runs_after - runs_before
                if r[1].startswith("2001-") or r[0] == str(world.holly_run.code)
            ]
            rewritten = runs_before - runs_after  # an existing run's code or creation time
            if alice_before != alice_after or injected or rewritten:
                extra_changed.append(f"{what}: {response.status_code} {text[:200]}")
        if response.status_code >= 500:
            foreign_accepted.append(f"{what}: server error {response.status_code}")
        if what == "path names Holly's object" and response.status_code != 404:
            foreign_accepted.append(f"{what}: {response.status_code}, not 404")
        tried += 1
        # Put Alice's own objects back for the next attempt (a delete may have succeeded).
        _restore(world)
    label = f"{method.upper()} {path}"
    record("T03", f"{label}: foreign references accepted", len(foreign_accepted), "0",
           not foreign_accepted)  # fmt: skip
    record("T03", f"{label}: extra fields changed", len(extra_changed), "0", not extra_changed)
    assert tried >= len(EXTRA_FIELDS) or OPERATIONS[operation].body(world) is None
    assert foreign_accepted == []
    assert extra_changed == []


def _restore(world: World) -> None:
    now = datetime(2026, 11, 20, 7, tzinfo=UTC)
    if not Activity.objects.filter(pk=world.alice_run.pk).exists():
        world.alice_run = Activity.objects.create(
            runner=world.alice, name="Alice's run", start=now, elapsed_s=1800, distance_m=5000
        )
    if not PainEntry.objects.filter(pk=world.alice_pain.pk).exists():
        world.alice_pain = PainEntry.objects.create(
            runner=world.alice, pain_nrs=4, when=WHEN, client_token=uuid.uuid4()
        )


def test_an_upload_form_cannot_name_another_owner(world: World) -> None:
    """The multipart upload takes its owner from the session, whatever the form says."""
    client = alice_client(world)
    before = snapshot()
    gpx = (
        b'<?xml version="1.0"?><gpx version="1.1" creator="t" '
        b'xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>'
        b'<trkpt lat="50.0" lon="0.1"><time>2024-06-01T07:00:00Z</time></trkpt>'
        b'<trkpt lat="50.001" lon="0.1"><time>2024-06-01T07:01:00Z</time></trkpt>'
        b"</trkseg></trk></gpx>"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/api/v1/runs/imports",
        {
            "files": SimpleUploadedFile("run.gpx", gpx, content_type="application/gpx+xml"),
            "runner": str(world.holly.code),
            "owner": world.holly.pk,
            "is_staff": "true",
        },
    )
    after = snapshot()
    assert response.status_code < 500
    assert holly_rows(before, world.holly) == holly_rows(after, world.holly)
    assert new_rows_not_alices(before, after, world.alice) == []
    assert before["users"] == after["users"]
