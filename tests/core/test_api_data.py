"""The API's data: the same access rules as the pages, capped pages, FHIR that validates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.symptoms.models import AkpsResponse, PainEntry
from tests.clinic.conftest import logged_in

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    """A signed-in browser; a clinician's session has passed the second factor."""
    return logged_in(user)


def add_run(runner: User, days_ago: int = 1, distance_m: float = 5000) -> Activity:
    return Activity.objects.create(
        runner=runner,
        name=f"Run {days_ago}",
        start=timezone.now() - timedelta(days=days_ago),
        elapsed_s=1800,
        distance_m=distance_m,
    )


def test_a_runner_lists_their_runs_newest_first_with_a_count(alice: User) -> None:
    for days in (3, 1, 2):
        add_run(alice, days)
    body = client_for(alice).get("/api/v1/runs?limit=2").json()
    assert body["count"] == 3
    assert [item["name"] for item in body["items"]] == ["Run 1", "Run 2"]


def test_runs_filter_by_date_in_the_runners_own_days(alice: User) -> None:
    add_run(alice, 10)
    add_run(alice, 1)
    since = (timezone.localdate() - timedelta(days=3)).isoformat()
    body = client_for(alice).get(f"/api/v1/runs?since={since}").json()
    assert [item["name"] for item in body["items"]] == ["Run 1"]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "offset=100001", "offset=-1"])
def test_huge_pages_and_deep_offsets_are_refused(alice: User, query: str) -> None:
    response = client_for(alice).get(f"/api/v1/runs?{query}")
    assert response.status_code == 422


def test_a_linked_physio_reads_a_runners_runs_and_it_is_audited(alice: User, bob: User) -> None:
    from kneeclinic.clinic.models import AuditEvent

    add_run(alice)
    before = AuditEvent.objects.count()
    body = client_for(bob).get(f"/api/v1/runs?runner={alice.code}").json()
    assert body["count"] == 1
    assert AuditEvent.objects.count() == before + 1


def test_an_unlinked_physio_gets_404_and_learns_nothing(alice: User, charlie: User) -> None:
    run = add_run(alice)
    client = client_for(charlie)
    assert client.get(f"/api/v1/runs?runner={alice.code}").status_code == 404
    assert client.get(f"/api/v1/runs/{run.code}").status_code == 404
    assert client.get(f"/api/v1/load?runner={alice.code}").status_code == 404
    assert client.get(f"/api/v1/fhir/Patient/{alice.code}/$everything").status_code == 404


def test_a_physio_cannot_change_or_delete_a_runners_run(alice: User, bob: User) -> None:
    run = add_run(alice)
    client = client_for(bob)
    response = client.patch(
        f"/api/v1/runs/{run.code}", {"name": "Hacked"}, content_type="application/json"
    )
    assert response.status_code in {403, 401}
    assert client.delete(f"/api/v1/runs/{run.code}").status_code in {403, 401}
    run.refresh_from_db()
    assert run.name == "Run 1"


def test_the_runner_edits_and_deletes_a_run(alice: User) -> None:
    from kneeclinic.core import tokens

    run = add_run(alice)
    _, token = tokens.create_token(alice, "w", scope="write")
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    changed = client.patch(
        f"/api/v1/runs/{run.code}",
        {"name": "Parkrun", "excluded_from_load": True},
        content_type="application/json",
        **auth,
    ).json()
    assert (changed["name"], changed["excluded_from_load"]) == ("Parkrun", True)
    assert client.delete(f"/api/v1/runs/{run.code}", **auth).status_code == 204
    assert not Activity.objects.filter(pk=run.pk).exists()


def test_a_run_entered_by_hand_through_the_api(alice: User) -> None:
    from kneeclinic.core import tokens

    _, token = tokens.create_token(alice, "w", scope="write")
    response = Client().post(
        "/api/v1/runs",
        {"start": "2026-11-20T07:30:00+00:00", "distance_m": 5000, "duration_s": 1800},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201
    assert Activity.objects.get(runner=alice).source == "manual"


def test_pain_entries_are_checked_recorded_and_listed(alice: User) -> None:
    from kneeclinic.core import tokens

    _, token = tokens.create_token(alice, "w", scope="write")
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    bad = client.post(
        "/api/v1/diary/pain",
        {"pain_nrs": 11, "when": "morning"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 422
    when = PainEntry._meta.get_field("when").choices[0][0]  # type: ignore[index]
    good = client.post(
        "/api/v1/diary/pain", {"pain_nrs": 3, "when": when}, content_type="application/json", **auth
    )
    assert good.status_code == 201
    listed = client.get("/api/v1/diary/pain", **auth).json()
    assert listed["count"] == 1 and listed["items"][0]["pain_nrs"] == 3


def test_the_load_summary_matches_the_load_page_figures(alice: User) -> None:
    add_run(alice, 5, 10_000)
    body = client_for(alice).get("/api/v1/load").json()
    assert body["longest_30d_m"] == 10_000
    assert body["guardrails"]["next_run"]["max_distance_m"] == pytest.approx(11_000)


def test_the_caseload_is_for_physios_only(alice: User, bob: User) -> None:
    assert client_for(alice).get("/api/v1/clinic/caseload").status_code == 403
    rows = client_for(bob).get("/api/v1/clinic/caseload").json()
    assert [row["email"] for row in rows] == ["alice@example.com"]


def test_the_fhir_bundle_validates_as_fhir_r4(alice: User, bob: User) -> None:
    from fhir.resources.R4B.bundle import Bundle

    add_run(alice, 2, 8000)
    PainEntry.objects.create(
        runner=alice,
        pain_nrs=4,
        when=PainEntry._meta.get_field("when").choices[0][0],  # type: ignore[index]
    )
    AkpsResponse.objects.create(runner=alice, version="1", answers={"limp": "none"}, total=82)
    body = client_for(bob).get(f"/api/v1/fhir/Patient/{alice.code}/$everything").json()
    bundle = Bundle.model_validate(body)
    kinds = [entry.resource.__resource_type__ for entry in bundle.entry]  # type: ignore[union-attr]
    assert kinds[0] == "Patient"
    assert kinds.count("Observation") == 3  # pain, run duration, run distance
    assert "QuestionnaireResponse" in kinds
    loinc = {
        coding["code"]
        for entry in body["entry"]
        if entry["resource"]["resourceType"] == "Observation"
        for coding in entry["resource"]["code"]["coding"]
    }
    assert {"72514-3", "55411-3"} <= loinc


def test_a_pain_entry_sent_twice_with_one_client_token_is_recorded_once(alice: User) -> None:
    import uuid

    from kneeclinic.core import tokens

    _, token = tokens.create_token(alice, "w", scope="write")
    auth: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    when = PainEntry._meta.get_field("when").choices[0][0]  # type: ignore[index]
    body = {"pain_nrs": 2, "when": when, "client_token": str(uuid.uuid4())}
    first = Client().post("/api/v1/diary/pain", body, content_type="application/json", **auth)
    again = Client().post("/api/v1/diary/pain", body, content_type="application/json", **auth)
    assert (first.status_code, again.status_code) == (201, 200)
    assert PainEntry.objects.filter(runner=alice).count() == 1


def test_a_pain_entry_in_the_future_is_refused(alice: User) -> None:
    from kneeclinic.core import tokens

    _, token = tokens.create_token(alice, "w", scope="write")
    when = PainEntry._meta.get_field("when").choices[0][0]  # type: ignore[index]
    future = (timezone.now() + timedelta(days=2)).isoformat()
    response = Client().post(
        "/api/v1/diary/pain",
        {"pain_nrs": 2, "when": when, "at": future},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 422
    assert "future" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/runs", {"start": 1764000000, "distance_m": 5000.0, "duration_s": 1800.0}),
        ("/api/v1/diary/pain", {"pain_nrs": 2, "when": "after_run", "at": 1764000000}),
    ],
)
def test_a_number_is_not_taken_for_a_date_and_time(
    alice: User, path: str, body: dict[str, Any]
) -> None:
    response = client_for(alice).post(path, body, content_type="application/json")
    assert response.status_code == 422
    assert "ISO 8601" in response.content.decode()
    assert not Activity.objects.filter(runner=alice).exists()
    assert not PainEntry.objects.filter(runner=alice).exists()


def test_a_nul_character_in_text_is_refused_not_stored(alice: User) -> None:
    body = {"pain_nrs": 2, "when": "after_run", "note": "sore\x00knee"}
    response = client_for(alice).post("/api/v1/diary/pain", body, content_type="application/json")
    assert response.status_code == 422
    assert "NUL" in response.content.decode()
    assert not PainEntry.objects.filter(runner=alice).exists()
