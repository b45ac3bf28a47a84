"""Plan test T16: logs cannot be forged through what people type, and carry no secrets or health
notes.

The log output is captured as the server writes it: every record through the project's JSON
formatter into one stream, one line per record, exactly as the console handler does in
production.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kneeclinic.accounts.models import TotpDevice, User
from kneeclinic.core.logging import JsonFormatter
from tests.activities.helpers import START, fit_run
from tests.reliability import record

pytestmark = pytest.mark.django_db

# Things a log line must never be tricked into, and things that must never be in a log line.
FORGED = '"}\n{"time": "2026-01-01T00:00:00Z", "level": "ERROR", "message": "forged'
ANSI = "\x1b[2J\x1b[31mFAKE ALERT\x1b[0m"
CANARIES = {
    "password": "canary-password-Zx81 long enough",
    "wrong password": "canary-wrong-password-Qp27",
    "pain note": "canary-pain-note-knee-gave-way-Hh53",
    "run name": "canary-run-name-Mm06",
    "profile name": "Canary-Name-Kk19",
    "topic request": "canary topic request about stairs Tt44",
}


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Everything logged during the test, as the production handler would write it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def lines_of(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().split("\n") if line]


def forged_lines(lines: list[str]) -> list[str]:
    """Lines that are not one whole JSON record, or that a terminal would act on."""
    bad = []
    for line in lines:
        try:
            record_ = json.loads(line)
        except ValueError:
            bad.append(line)
            continue
        raw_control = "\x1b" in line or "\r" in line
        if not isinstance(record_, dict) or raw_control or record_.get("message") == "forged":
            bad.append(line)
    return bad


def test_t16_typed_text_cannot_forge_log_lines(
    alice: User, log_stream: io.StringIO, django_capture_on_commit_callbacks: Any
) -> None:
    hostile = f"x{FORGED}{ANSI}\r\n"
    client = Client(raise_request_exception=False)
    # An email and a password full of line breaks and escapes, at the log-in.
    for _ in range(7):  # past the throttle, which logs too
        client.post("/accounts/login/", {"email": f"a{hostile}@example.com", "password": hostile})
        client.post("/accounts/login/", {"email": alice.email, "password": hostile})
    # Paths, headers and a request id from the client.
    client.get("/no-such-page/" + hostile.replace("\n", "%0a").replace("\r", "%0d"))
    client.get("/", HTTP_USER_AGENT=hostile, HTTP_REFERER=hostile, HTTP_X_REQUEST_ID=hostile)
    client.post("/accounts/logout/", HTTP_ORIGIN="https://evil.example" + hostile)
    # Uploaded file names, good and bad files.
    runner = Client(raise_request_exception=False)
    runner.force_login(alice)
    files = [
        SimpleUploadedFile(f"run{hostile}.fit", fit_run(start=START)),
        SimpleUploadedFile(f"bad{hostile}.gpx", b"<gpx>" + hostile.encode()),
        SimpleUploadedFile(f"junk{hostile}.zip", b"PK\x03\x04" + hostile.encode()),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        runner.post("/runs/import/", {"files": files})
    lines = lines_of(log_stream)
    bad = forged_lines(lines)
    record("T16", "forged log lines", len(bad), "0", not bad)
    assert len(lines) >= 10, "the requests above were logged"
    assert bad == []
    assert "FAKE ALERT" in "".join(lines), "the hostile text did reach the log, escaped"
    assert "\x1b" not in log_stream.getvalue()


def test_t16_no_password_token_code_or_health_note_reaches_the_logs(
    alice: User, bob: User, log_stream: io.StringIO
) -> None:
    from kneeclinic.core import tokens

    canaries = dict(CANARIES)
    client = Client(raise_request_exception=False)
    client.post(
        "/accounts/signup/",
        {
            "name": canaries["profile name"],
            "email": "carol@example.com",
            "password": canaries["password"],
        },
    )
    client.post(
        "/diary/pain/new/", {"pain_nrs": "4", "when": "stairs", "note": canaries["pain note"]}
    )
    client.post(
        "/runs/new/",
        {
            "day": "2026-05-02",
            "at": "18:30",
            "distance": "5.2",
            "duration": "28:30",
            "sport": "running",
            "name": canaries["run name"],
        },
    )
    client.post("/learn/suggest/", {"text": canaries["topic request"]})
    client.post("/accounts/logout/")
    for _ in range(7):
        client.post(
            "/accounts/login/",
            {"email": "carol@example.com", "password": canaries["wrong password"]},
        )
    # A token used well and badly, and refused in the query string.
    _, token = tokens.create_token(alice, "script", scope="write")
    canaries["token"] = token
    api = Client(raise_request_exception=False)
    api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}x")
    api.get(f"/api/v1/me?token={token}")
    api.post(
        "/api/v1/diary/pain",
        {"pain_nrs": 11, "when": "stairs", "note": canaries["pain note"]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    # A clinician's second factor: a wrong code and the right one, and his session cookie.
    device = TotpDevice.objects.create(
        user=bob, secret=pyotp.random_base32(), confirmed_at=timezone.now() - timedelta(days=1)
    )
    canaries["totp secret"] = device.secret
    physio = Client(raise_request_exception=False)
    physio.post(
        "/accounts/login/", {"email": bob.email, "password": "correct horse battery staple"}
    )
    physio.post("/accounts/two-factor/", {"code": "000000"})
    code = pyotp.TOTP(device.secret).now()
    physio.post("/accounts/two-factor/", {"code": code})
    canaries["session id"] = physio.cookies["sessionid"].value
    physio.get("/clinic/")
    output = log_stream.getvalue()
    found = sorted(name for name, value in canaries.items() if value in output)
    record("T16", "canaries in log output", len(found), "0", not found)
    assert output.count("\n") >= 10, "the requests above were logged"
    assert found == []
