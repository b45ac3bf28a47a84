"""Plan test T39: an unexpected error anywhere gives a plain 500 with a request id, is logged, and
leaves no half-written rows.

A fault is injected into every page view (through the URL resolver) and every API operation
(inside django-ninja, so its own error handling runs). A second fault is injected into the
database itself: the k-th write of a multi-write operation fails, and the tables must then look
as if the request never happened.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kneeclinic.accounts.models import User
from kneeclinic.core.logging import JsonFormatter
from tests.activities.helpers import START, fit_run
from tests.conftest import sign_up as two_step_sign_up
from tests.reliability import record, scale

pytestmark = pytest.mark.django_db

CANARY = "kc-fault-canary-7d1f"
# What must never reach the person who met the error.
LEAKS = re.compile(
    r"Traceback|File \"|line \d+, in|RuntimeError|kc-fault-canary|SECRET_KEY|DATABASES|"
    r"site-packages|/kneeclinic/|settings\.py|DEBUG",
)


class InjectedFault(RuntimeError):
    pass


def explode(*args: Any, **kwargs: Any) -> Any:
    raise InjectedFault(f"{CANARY}: injected by the test")


def page_patterns() -> Iterator[tuple[str, URLPattern]]:
    """Every page URL pattern with a concrete path (the API is covered operation by operation)."""

    def walk(resolver: URLResolver, prefix: str) -> Iterator[tuple[str, URLPattern]]:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route.startswith("api/"):
                    continue
                yield from walk(entry, route)
            else:
                yield route, entry

    for route, pattern in walk(get_resolver(), ""):
        yield "/" + fill(route), pattern


def fill(route: str) -> str:
    route = route.lstrip("^").rstrip("$").replace("\\Z", "")

    def value(match: re.Match[str]) -> str:
        converter = match[1] or "str"
        return {"uuid": str(uuid.uuid4()), "int": "1", "slug": "x", "path": "x"}.get(converter, "x")

    return re.sub(r"<(?:(\w+):)?\w+>", value, route)


def api_operations() -> Iterator[tuple[str, str, Any]]:
    """(method, path, operation) for every API operation, as the URL resolver serves them."""
    for entry in get_resolver().url_patterns:
        if not (isinstance(entry, URLResolver) and str(entry.pattern).startswith("api/")):
            continue
        for pattern in entry.url_patterns:
            closure = getattr(pattern.callback, "__closure__", None) or ()
            views = [c.cell_contents for c in closure if hasattr(c.cell_contents, "operations")]
            for path_view in views:
                for operation in path_view.operations:
                    for method in operation.methods:
                        route = str(entry.pattern) + str(pattern.pattern)
                        yield method, "/" + fill(route), operation


def check_500(response: Any, caplog: pytest.LogCaptureFixture, *, json_body: bool) -> list[str]:
    """Problems with one 500 response (an empty list when it is as it should be)."""
    problems = []
    body = response.content.decode(errors="replace")
    rid = response.get("X-Request-ID", "")
    if response.status_code != 500:
        problems.append(f"status {response.status_code}")
    if not rid or rid not in body:
        problems.append("no request id in the body")
    if LEAKS.search(body):
        problems.append(f"leaks internals: {LEAKS.search(body)[0]!r}")  # type: ignore[index]
    if json_body:
        try:
            payload = json.loads(body)
            if payload["error"]["code"] != "server_error":
                problems.append("not the common error body")
        except (ValueError, KeyError, TypeError):
            problems.append("not JSON")
    elif "text/html" not in response.get("Content-Type", ""):
        problems.append("not an HTML page")
    logged = [
        json.loads(JsonFormatter().format(r))
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.exc_info
    ]
    if not any(
        line.get("request_id") == rid and CANARY in line.get("exception", "") for line in logged
    ):
        problems.append("the error was not logged with its request id")
    caplog.clear()
    return problems


def test_t39_a_fault_in_any_page_view_gives_the_plain_error_page(
    alice: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    caplog.set_level(logging.ERROR)
    failures: dict[str, list[str]] = {}
    count = 0
    for url, pattern in page_patterns():
        monkeypatch.setattr(pattern, "callback", explode)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            count += 1
            problems = check_500(response, caplog, json_body=False)
            if problems:
                failures[f"{method.upper()} {url}"] = problems
    record(
        "T39",
        "page responses leaking internals or without request id",
        len(failures),
        "0",
        not failures,
    )
    assert count > 60
    assert failures == {}


def test_t39_a_fault_in_any_api_operation_gives_the_common_json_error(
    alice: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from kneeclinic.core import tokens

    _, token = tokens.create_token(alice, "script", scope="write")
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {token}")
    caplog.set_level(logging.ERROR)
    failures: dict[str, list[str]] = {}
    operations = list(api_operations())
    for method, url, operation in operations:
        # Inside ninja's own try/except, where the operation's input would be read and its
        # function called, so ninja's error handling runs as it would for a real fault.
        monkeypatch.setattr(operation, "_get_values", explode)
        response = client.generic(method, url, "{}", content_type="application/json")
        problems = check_500(response, caplog, json_body=True)
        if problems:
            failures[f"{method} {url}"] = problems
    record(
        "T39",
        "API responses leaking internals or without request id",
        len(failures),
        "0",
        not failures,
    )
    assert len(operations) > 20
    assert failures == {}


def test_t39_the_error_page_does_not_need_the_database(
    alice: User, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Even when the failure is the database itself, the page renders (no context processors)."""
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    caplog.set_level(logging.ERROR)

    def broken_database(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if "kneeclinic" in sql or "accounts_" in sql:
            raise InjectedFault(f"{CANARY}: the database went away")
        return execute(sql, *args)

    with connection.execute_wrapper(broken_database):
        response = client.get("/today/")
    assert check_500(response, caplog, json_body=False) == []


# --- no partial rows ----------------------------------------------------------------------------

IGNORED_TABLES = {"django_session"}


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for model in apps.get_models():
            table = model._meta.db_table
            if table in IGNORED_TABLES or model._meta.proxy or not model._meta.managed:
                continue
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (table names only)
            counts[table] = cursor.fetchone()[0]
    return counts


WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@contextmanager
def failing_write(number: int) -> Iterator[list[str]]:
    """Make the ``number``-th write (INSERT/UPDATE/DELETE, sessions aside) raise."""
    seen: list[str] = []

    def wrapper(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        if WRITE.match(sql) and "django_session" not in sql:
            seen.append(sql.split("(")[0][:80])
            if len(seen) == number:
                raise InjectedFault(f"{CANARY}: write {number} failed")
        return execute(sql, *args)

    with connection.execute_wrapper(wrapper):
        yield seen


def sign_up(client: Client, i: int) -> Any:
    """Both steps: the form, then the emailed link's button, which creates the account."""
    return two_step_sign_up(client, f"sam{i}@example.com", "a long enough passphrase", "Sam")


def run_by_hand(client: Client, i: int) -> Any:
    return client.post(
        "/runs/new/",
        {
            "day": f"2026-05-{i + 1:02d}",
            "at": "18:30",
            "distance": "5.2",
            "duration": "28:30",
            "sport": "running",
        },
    )


def pain_entry(client: Client, i: int) -> Any:
    return client.post(
        "/diary/pain/new/",
        {"pain_nrs": str(i % 11), "when": "after_run", "knee": "right", "note": f"sore {i}"},
    )


def upload(client: Client, i: int) -> Any:
    data = fit_run(start=START + timedelta(days=i))
    return client.post("/runs/import/", {"files": [SimpleUploadedFile(f"a{i}.fit", data)]})


def api_pain_entry(client: Client, i: int) -> Any:
    body = {"pain_nrs": i % 11, "when": "after_run", "note": f"api note {i}"}
    return client.post("/api/v1/diary/pain", body, content_type="application/json")


WRITES = {
    "sign-up": (sign_up, False),
    "run by hand": (run_by_hand, True),
    "pain entry": (pain_entry, True),
    "upload and import": (upload, True),
    "API pain entry": (api_pain_entry, True),
}


# Not inside the test's own transaction: the product's writes must commit or roll back as they
# do in production (autocommit), or a failed save would poison the test's transaction instead.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", list(WRITES))
def test_t39_a_failed_write_leaves_no_partial_rows(
    name: str, alice: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL)
    action, logged_in = WRITES[name]

    def fresh_client() -> Client:
        client = Client(raise_request_exception=False)
        if logged_in:
            client.force_login(alice)
        return client

    # How many writes does the operation make when nothing fails?
    with failing_write(10**6) as writes:
        ok = action(fresh_client(), 0)
    assert ok.status_code in {201, 302}, (name, ok.status_code, ok.content[:500])
    total = len(writes)
    partial: list[str] = []
    failed = 0
    # Every write position under make soak; an even spread of at most 6 in ordinary runs.
    limit = min(total, scale(6, total))
    positions = sorted({1 + (k * total) // limit for k in range(limit)} | {total})
    for number in positions:
        client = fresh_client()
        before = row_counts()
        with failing_write(number):
            response = action(client, number)
        after = row_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        if response.status_code >= 500:
            failed += 1
            if changed:
                partial.append(f"write {number}/{total} ({writes[number - 1]}): {changed}")
    record("T39", f"partial writes ({name})", len(partial), "0", not partial)
    assert failed >= 1
    assert partial == []
