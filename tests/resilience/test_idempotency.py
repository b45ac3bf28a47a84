"""T29, idempotency and dedup: a retried or repeated write never makes a second record.

First the API's ``Idempotency-Key`` header itself, then the plan's randomised trials: the same
bytes twice, renamed, a FIT file and its GPX export, the same file twice in one ZIP, the same
file in 10 requests at once, and a retry with the same key after the client gave up waiting.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.api.idempotency import REPLAYED_HEADER
from kneeclinic.core import tokens
from kneeclinic.core.models import IdempotentRequest
from kneeclinic.symptoms.models import PainEntry
from tests.reliability import record, scale

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


def test_an_upload_retried_with_a_new_multipart_boundary_is_the_same_request(
    client: Client, alice: User, writer: str, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import encode_multipart

    from kneeclinic.activities.models import Import

    def send(boundary: str, data: bytes) -> Any:
        body = encode_multipart(boundary, {"files": [SimpleUploadedFile("run.gpx", data)]})
        with django_capture_on_commit_callbacks(execute=False):
            return client.post(
                "/api/v1/runs/imports",
                body,
                content_type=f"multipart/form-data; boundary={boundary}",
                **_headers(writer, "upload-1"),  # type: ignore[arg-type]
            )

    first, again = send("first-attempt", b"<gpx/>"), send("second-attempt", b"<gpx/>")
    assert first.status_code == again.status_code == 202
    assert again[REPLAYED_HEADER] == "true" and again.json() == first.json()
    assert send("third-attempt", b"<gpx></gpx>").status_code == 422  # other bytes, same key
    assert Import.objects.filter(runner=alice).count() == 1


def test_kept_answers_are_not_exported_and_go_with_the_account(
    client: Client, alice: User, writer: str
) -> None:
    from kneeclinic.core import privacy

    assert _pain(client, writer, "key-7", note="kept for a day").status_code == 201
    assert IdempotentRequest.objects.filter(user=alice).exists()
    assert IdempotentRequest not in privacy.owned_records(alice)
    alice.delete()
    assert not IdempotentRequest.objects.exists()


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


# --- T29: randomised trials --------------------------------------------------------------------

TRIAL_KINDS = (
    "the same bytes twice",
    "renamed",
    "a FIT file and its GPX export",
    "the same file twice in one ZIP",
    "a retry with the same Idempotency-Key after a client timeout",
)


@pytest.fixture
def inline_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    from kneeclinic.activities import importer
    from tests.activities.helpers import InlineSandbox

    monkeypatch.setattr(importer, "ParseSandbox", InlineSandbox)


def _upload(
    client: Client,
    token: str,
    files: list[tuple[str, bytes]],
    capture: Any,
    key: str | None = None,
) -> Any:
    """POST files as an import; the task runs (in this process) once the request commits."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    with capture(execute=True):
        response = client.post(
            "/api/v1/runs/imports",
            {"files": [SimpleUploadedFile(name, data) for name, data in files]},
            **_headers(token, key),  # type: ignore[arg-type]
        )
    assert response.status_code == 202, response.content
    return response


def _report(client: Client, token: str, code: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/runs/imports/{code}", **_headers(token))  # type: ignore[arg-type]
    assert response.status_code == 200
    report: dict[str, Any] = response.json()
    assert report["status"] == "done", report
    return report


def _one_run(kind: str, day: int) -> tuple[str, bytes]:
    from tests.resilience import durability_helpers as h

    if kind == "fit":
        return f"run-{day}.fit", h.fit_file(day, seconds=180)
    if kind == "tcx":
        return f"run-{day}.tcx", h.tcx_file(day, seconds=180)
    if kind == "gpx.gz":
        return f"run-{day}.gpx.gz", gzip.compress(h.gpx_file(day, seconds=180), mtime=0)
    return f"run-{day}.gpx", h.gpx_file(day, seconds=180)


def test_t29_repeated_uploads_never_make_a_second_run_and_name_the_first(
    client: Client,
    alice: User,
    writer: str,
    inline_parsing: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from tests.resilience import durability_helpers as h

    trials = scale(100, 1000)
    rng = random.Random(29)
    duplicates = not_named = 0
    counts = dict.fromkeys(TRIAL_KINDS, 0)
    for trial in range(trials):
        cache.clear()  # the API's rate limit (600 a minute) is not what these trials measure
        kind = rng.choice(TRIAL_KINDS)
        counts[kind] += 1
        day = 2000 + 3 * trial
        name, data = _one_run(rng.choice(["fit", "gpx", "tcx", "gpx.gz"]), day)
        before = Activity.objects.filter(runner=alice).count()
        if kind == "the same file twice in one ZIP":
            archive = h.zip_of({f"a/{name}": data, f"b/copy-of-{name}": data})
            first = _upload(
                client, writer, [("export.zip", archive)], django_capture_on_commit_callbacks
            )
            files = _report(client, writer, first.json()["code"])["files"]
            original, second = files[0], files[1]
        else:
            if kind == "a FIT file and its GPX export":
                name, data = f"watch-{day}.fit", h.fit_file(day, seconds=180)
                again = [(f"export-{day}.gpx", h.gpx_file(day, seconds=180))]
            elif kind == "renamed":
                again = [(f"renamed-{trial}-{name}", data)]
            else:
                again = [(name, data)]
            key = str(uuid.uuid4()) if kind.startswith("a retry") else None
            first = _upload(client, writer, [(name, data)], django_capture_on_commit_callbacks, key)
            if key is not None:  # the client timed out: it never saw ``first`` and sends again
                retry = _upload(
                    client, writer, [(name, data)], django_capture_on_commit_callbacks, key
                )
                assert retry[REPLAYED_HEADER] == "true" and retry.json() == first.json()
                repeated = retry.json()["code"]
            else:
                repeated = _upload(
                    client, writer, again, django_capture_on_commit_callbacks
                ).json()["code"]
            original = _report(client, writer, first.json()["code"])["files"][0]
            second = _report(client, writer, repeated)["files"][0]
        made = Activity.objects.filter(runner=alice).count() - before
        duplicates += max(made - 1, 0)
        assert made == 1, (kind, made)
        assert original["status"] == "imported"
        [run] = original["activities"]
        if kind.startswith("a retry"):
            continue  # one import only: the retry was the same request, not a second upload
        assert second["status"] == "duplicate", (kind, second)
        named = [a["code"] for a in second["activities"]]
        not_named += named != [run["code"]]
        assert named == [run["code"]], (kind, second)

    record("T29", "trials", trials, f"{scale(100, 1000)}", True)
    record("T29", "duplicate runs", duplicates, "0", duplicates == 0)
    record("T29", "repeats not naming the run already there", not_named, "0", not_named == 0)
    assert all(counts.values()), counts
    assert Activity.objects.filter(runner=alice).count() == trials


def test_t29_on_the_real_server_concurrent_copies_and_a_timed_out_upload_make_one_run_each(
    db: None,
) -> None:
    """The same file in 10 requests at once, and an upload retried after the client gave up."""
    import threading

    import httpx

    from tests.resilience import durability_helpers as h

    trials = scale(2, 20)
    install = h.new_install(h.migrated_template())
    try:
        server, url = h.start_web(install)
        worker = install.start(h.HARNESS_WORKER, "worker.log")
        token = install.script(
            """
            from kneeclinic.accounts import services
            from kneeclinic.core import tokens
            runner = services.create_user("runner@example.com", None)
            result = tokens.create_token(runner, "t29", scope="write")[1]
            """
        )
        h.wait_until_serving(install, server, url)
        auth = {"Authorization": f"Bearer {token}"}
        imports: dict[str, list[str]] = {}  # file sha256 -> import codes that carried it
        for trial in range(trials):
            same = h.fit_file(5000 + 3 * trial, seconds=180)
            late = h.gpx_file(5001 + 3 * trial, seconds=180)
            codes: list[str] = []
            barrier = threading.Barrier(10)

            def send(
                copy: int, data: bytes = same, into: list[str] = codes, start: Any = barrier
            ) -> None:
                start.wait()
                answer = httpx.post(
                    f"{url}/api/v1/runs/imports",
                    files={"files": (f"copy-{copy}.fit", data)},
                    headers=auth,
                    timeout=60,
                )
                assert answer.status_code == 202, answer.text
                into.append(answer.json()["code"])

            senders = [threading.Thread(target=send, args=(n,)) for n in range(10)]
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join(timeout=90)
            assert len(codes) == 10
            imports[hashlib.sha256(same).hexdigest()] = codes

            key = {"Idempotency-Key": str(uuid.uuid4()), **auth}
            upload = {"files": ("late.gpx", late)}
            with contextlib.suppress(httpx.TimeoutException):
                httpx.post(f"{url}/api/v1/runs/imports", files=upload, headers=key, timeout=0.02)
            answer = httpx.post(f"{url}/api/v1/runs/imports", files=upload, headers=key, timeout=60)
            assert answer.status_code == 202, answer.text
            imports[hashlib.sha256(late).hexdigest()] = [answer.json()["code"]]

        def finished(code: str) -> dict[str, Any] | None:
            report: dict[str, Any] = httpx.get(
                f"{url}/api/v1/runs/imports/{code}", headers=auth, timeout=30
            ).json()
            return report if report["status"] == "done" else None

        duplicates = not_named = 0
        for sha256, codes in imports.items():
            reports = [h.wait_for(lambda c=c: finished(c), 180, "the imports") for c in codes]
            files = [r["files"][0] for r in reports]
            made = [f for f in files if f["status"] == "imported"]
            assert len(made) == 1, files
            [run] = made[0]["activities"]
            for f in files:
                not_named += [a["code"] for a in f["activities"]] != [run["code"]]
            runs = install.sql(
                "SELECT COUNT(*) FROM activities_activityfile WHERE sha256 = ?", (sha256,)
            )[0][0]
            carried = install.sql(
                "SELECT COUNT(*) FROM activities_import WHERE uploads LIKE ?", (f"%{sha256}%",)
            )[0][0]
            duplicates += runs - 1
            assert runs == 1
            assert carried == len(codes)  # the timed-out upload and its retry made one import
        record("T29", "10 concurrent copies and timed-out uploads: trials", trials, "", True)
        record("T29", "duplicate runs on the real server", duplicates, "0", duplicates == 0)
        record("T29", "repeats not naming the run on the real server", not_named, "0", True)
        assert not_named == 0
        assert worker.poll() is None, install.log("worker.log")
        assert install.integrity() == "ok"
    finally:
        h.remove_install(install)
