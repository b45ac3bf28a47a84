"""T27, minimum necessary data (security.md section 8 and 4.6): what a physio's API answers hold.

A physio linked to Alice calls every API read the OpenAPI schema lists, for Alice's data. Each
answer's fields (as dotted paths, lists collapsed to ``[]``) must be within POLICY below, the one
written statement of what a physio may receive. A field the API starts sending that the policy
does not name fails the test, and so does a read the policy does not know: adding either is a
decision to write down here. Whatever the policy says, no answer may carry a secret, a contact
detail of anyone else, a device serial number or the bytes of an original file, and the original
file itself is not theirs to download (the consent page promises "no original files").
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client

from kneeclinic.accounts.models import User
from kneeclinic.activities import services, storage
from kneeclinic.activities.models import ActivityFile
from kneeclinic.api import api
from kneeclinic.domain.parsers import parse
from kneeclinic.symptoms import services as symptoms
from tests.activities.helpers import fit_run
from tests.clinic.conftest import logged_in
from tests.reliability import record

pytestmark = pytest.mark.django_db

RUN = {
    "code", "name", "sport", "sub_sport", "start", "elapsed_s", "moving_s", "distance_m",
    "ascent_m", "avg_heart_rate_bpm", "max_heart_rate_bpm", "avg_cadence_spm", "device",
    "source", "excluded_from_load", "how_it_felt",
}  # fmt: skip
PAGE = {"count", "items"}

# Operation (path template) -> the fields a physio linked to the runner may receive.
POLICY: dict[str, set[str]] = {
    "/api/v1/runs": PAGE | {f"items[].{f}" for f in RUN},
    "/api/v1/runs/{code}": RUN
    | {"laps", "streams"}
    | {f"laps[].{f}" for f in ("start", "elapsed_s", "distance_m", "moving_s")}
    | {f"laps[].{f}" for f in ("avg_heart_rate_bpm", "avg_cadence_spm")}
    # The route's shape and the run's curves (the consent page names them); not the file.
    | {f"streams.{s}" for s in ("time_s", "distance_m", "speed_mps", "heart_rate_bpm")}
    | {f"streams.{s}" for s in ("cadence_spm", "altitude_m", "latitude_deg", "longitude_deg")},
    "/api/v1/diary/pain": PAGE
    | {f"items[].{f}" for f in ("code", "at", "pain_nrs", "when", "knee", "spot", "note", "zone")},
    "/api/v1/diary/self-help": PAGE
    | {f"items[].{f}" for f in ("code", "measure", "at", "minutes", "note")},
    "/api/v1/diary/kujala": set(),
    "/api/v1/diary/checker": set(),
    "/api/v1/exercises/programmes": set(),
    "/api/v1/exercises/sessions": PAGE,
    "/api/v1/plans": set(),
    "/api/v1/plans/shoes": set(),
    # The load page's figures: weekly and per-run distances, ratios, guardrails.
    "/api/v1/load": {
        "history_days",
        "longest_30d_m",
        "pain_light",
        "summary",
        "today",
        "unit",
        "acute_chronic",
        "guardrails",
        "progression",
        "runs",
        "weeks",
    }
    | {f"acute_chronic.{f}" for f in ("acute_7d_m", "chronic_weekly_m", "ewma", "note")}
    | {"acute_chronic.rolling_uncoupled", "guardrails.next_run", "guardrails.week"}
    | {f"guardrails.next_run.{f}" for f in ("basis_m", "factor", "max_distance_m", "reason")}
    | {f"guardrails.week.{f}" for f in ("last_week_m", "max_distance_m", "reason")}
    | {"guardrails.week.remaining_m", "guardrails.week.this_week_m"}
    | {f"progression.{f}" for f in ("category", "change", "last_7d_m", "previous_7d_m")}
    | {f"runs[].{f}" for f in ("activity", "distance_m", "duration_s", "indoor", "local_date")}
    | {f"runs[].{f}" for f in ("ratio", "reference_m", "spike", "start", "status")}
    | {f"weeks[].{f}" for f in ("distance_m", "duration_s", "progression", "week_start")}
    | {"weeks[].progression_class", "weeks[].runs"},
    "/api/v1/clinic/caseload": {"[].runner", "[].name", "[].email", "[].reasons"}
    | {"[].reasons[].key", "[].reasons[].text", "[].reasons[].badge"},
}
# Reads that are not about a runner's record, or that answer only the caller about themselves.
NOT_RUNNER_DATA = {"/api/v1/health", "/api/v1/me", "/api/v1/runs/imports/{code}"}
# FHIR is a standard's resources, checked for what must never be in them instead of field by field.
STANDARD_FORMAT = {"/api/v1/fhir/Patient/{code}/$everything"}
NEVER = re.compile(
    r"password|secret|token|digest|serial|totp|recovery|sha256|stored|blob|original", re.I
)


def paths_of(value: Any, prefix: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found.add(path)
            found |= paths_of(item, path)
    elif isinstance(value, list):
        for item in value:
            found |= paths_of(item, f"{prefix}[]")
    return found


def _alice_world(alice: User) -> dict[str, str]:
    """A run from a FIT file (kept as its original) and a pain entry. Built without the import
    pipeline, whose parsing sandbox is not what this test is about."""
    data = fit_run()
    item = parse("morning.fit", data)[0]
    run = services.create_activity(alice, item)
    stored = storage.store_bytes(data)
    ActivityFile.objects.create(
        activity=run, sha256=stored.sha256, name="morning.fit", stored=stored, source_format="fit"
    )
    symptoms.record_pain(alice, pain_nrs=3, when="after_run", note="sore on stairs")
    return {"run": str(run.code)}


def _get_paths() -> list[str]:
    schema = api.get_openapi_schema()
    return sorted(path for path, ops in schema["paths"].items() if "get" in ops)


def test_a_physio_receives_no_field_beyond_the_policy(alice: User, bob: User) -> None:
    world = _alice_world(alice)
    physio = logged_in(bob)
    extra: dict[str, set[str]] = {}
    forbidden: dict[str, set[str]] = {}
    unknown = [p for p in _get_paths() if p not in POLICY | dict.fromkeys(NOT_RUNNER_DATA)]
    unknown = [p for p in unknown if p not in STANDARD_FORMAT]
    assert unknown == [], f"reads without a line in the policy: {unknown}"
    checked = 0
    for template, allowed in POLICY.items():
        url = template.replace("{code}", world["run"])
        query = {"streams": "true"} if template == "/api/v1/runs/{code}" else {}
        if "{" not in template and template != "/api/v1/clinic/caseload":
            query["runner"] = str(alice.code)
        response = physio.get(url, query)
        assert response.status_code == 200, (template, response.status_code, response.content)
        fields = paths_of(response.json())
        checked += 1
        if fields - allowed:
            extra[template] = fields - allowed
        if bad := {f for f in fields if NEVER.search(f)}:
            forbidden[template] = bad
    for template in STANDARD_FORMAT:
        response = physio.get(template.replace("{code}", str(alice.code)))
        assert response.status_code == 200
        checked += 1
        text = response.content.decode()
        if bad := {f for f in paths_of(response.json()) if NEVER.search(f)}:
            forbidden[template] = bad
        assert bob.email not in text and "password" not in text
    record("T27", "fields beyond the policy", sum(map(len, extra.values())), "0", not extra)
    record("T27", "physio reads checked", checked, "", True)
    assert extra == {}, extra
    assert forbidden == {}, forbidden


def test_a_physio_cannot_download_the_original_file(alice: User, bob: User) -> None:
    world = _alice_world(alice)
    physio = logged_in(bob)
    assert physio.get(f"/runs/{world['run']}/original/").status_code == 404
    owner = Client()
    owner.force_login(alice)
    download = owner.get(f"/runs/{world['run']}/original/")
    assert download.status_code == 200
    # Close the file; as the test client does, without letting the end-of-request signal close
    # the test's database connection.
    request_finished.disconnect(close_old_connections)
    try:
        download.close()
    finally:
        request_finished.connect(close_old_connections)
    # And the run's page says where it came from without offering the file.
    page = physio.get(f"/runs/{world['run']}/").content.decode()
    assert "/original/" not in page
    record("T27", "original files downloadable by a physio", 0, "0", True)


def test_the_caseload_tells_a_physio_only_about_linked_runners(
    alice: User, bob: User, charlie: User
) -> None:
    from tests.conftest import make_user

    make_user("stranger@example.com", name="Stranger")  # a runner linked to nobody
    rows = logged_in(bob).get("/api/v1/clinic/caseload").json()
    assert [row["email"] for row in rows] == [alice.email]
    assert logged_in(charlie).get("/api/v1/clinic/caseload").json() == []
