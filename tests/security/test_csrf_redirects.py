"""Plan test T14: no cross-site writes, no state change through GET, no open redirects.

The URL patterns come from Django's resolver and the API's operations from its URL patterns, so
a new page or operation is covered without being listed here.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from kneeclinic.accounts import mfa
from kneeclinic.accounts.models import User
from tests.activities.helpers import fit_run
from tests.conftest import PASSWORD
from tests.reliability import record, scale

pytestmark = pytest.mark.django_db

UNSAFE = ("post", "put", "patch", "delete")
# Tables a GET may write: the audit trail (reads are audited) and the session store.
GET_MAY_WRITE = ("clinic_auditevent", "clinic_auditchainhead", "django_session")
EVIL = "https://evil.example/steal"
# 403 from the CSRF checks; 405 where the URL takes no such method at all (the API answers
# that before looking at the session). Anything else means the request reached the view.
REFUSED = {403, 405}
# Pages get POST and DELETE in ordinary runs, every unsafe method under make soak.
SOAK_ONLY_METHODS = scale({"put", "patch"}, set())


# --- the URLs ------------------------------------------------------------------------------------


def all_patterns() -> Iterator[tuple[str, str, URLPattern]]:
    """(namespace, route, pattern) for every URL pattern, the API's included."""

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Any]:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry, route, entry.namespace or namespace)
            else:
                yield namespace, route, entry

    yield from walk(get_resolver(), "", "")


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def concrete_urls(codes: dict[str, list[str]], per_pattern: int = 0) -> Iterator[tuple[str, str]]:
    """(namespace, url) for each pattern, with each real object code of its area in the slots."""
    for namespace, route, _ in all_patterns():
        route = route.lstrip("^").rstrip("$").replace("\\Z", "")
        if "<" not in route:
            yield namespace, "/" + route
            continue
        candidates = codes.get(namespace, []) + codes["accounts"]
        if namespace in {"api", ""}:
            candidates = [c for values in codes.values() for c in values]
        chosen = list(dict.fromkeys(candidates or [str(uuid.uuid4())]))
        for code in chosen[:per_pattern] if per_pattern else chosen:
            yield namespace, "/" + fill(route, code)


def fill(route: str, code: str) -> str:
    def slot(match: re.Match[str]) -> str:
        return code if match[1] in {None, "uuid", "str"} else "x"

    return PARAM.sub(slot, route)


def object_codes() -> dict[str, list[str]]:
    """Every object code in the database, by app (which is also the URL namespace)."""
    found: dict[str, list[str]] = {"accounts": []}
    for model in apps.get_models():
        if "code" in {f.name for f in model._meta.get_fields()}:
            values = model._default_manager.values_list("code", flat=True)[:20]
            found.setdefault(model._meta.app_label, []).extend(str(v) for v in values)
    return found


# --- the people and their things ---------------------------------------------------------------


def seed(alice: User, bob: User) -> dict[str, Client]:
    """alice with a run, a pain entry, an import, an export, a shoe and a checker result; bob,
    her physio, signed in with his second factor."""
    from kneeclinic.activities import services as activities
    from kneeclinic.plans.models import Shoe
    from kneeclinic.symptoms import services as symptoms

    start = datetime(2026, 5, 1, 7, 0, tzinfo=UTC)
    activities.create_manual_run(alice, start=start, distance_m=5000, duration_s=1800)
    symptoms.record_pain(alice, pain_nrs=3, when="after_run", note="stairs hurt")
    Shoe.objects.create(runner=alice, name="Blue trainers", start_date=start.date())
    # The crawls judge what the responses do, not whether each page works (other tests do), so
    # an error page counts as a response like any other.
    runner = Client(raise_request_exception=False)
    runner.force_login(alice)
    fit = SimpleUploadedFile("a.fit", fit_run(start=start + timedelta(days=1)))
    assert runner.post("/runs/import/", {"files": [fit]}).status_code == 302
    assert runner.post("/settings/data/export/").status_code == 302
    assert runner.post("/diary/check/").status_code == 302
    physio = Client(raise_request_exception=False)
    physio.force_login(bob)
    session = physio.session
    session[mfa.SESSION_KEY] = "verified in the test set-up"
    session.save()
    return {"alice": runner, "bob": physio, "anonymous": Client(raise_request_exception=False)}


@contextmanager
def writes_seen() -> Iterator[list[str]]:
    """Every INSERT/UPDATE/DELETE the code under test sends, but for the tables a GET may write."""
    seen: list[str] = []

    def wrapper(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        head = sql.lstrip()[:6].upper()
        if head in {"INSERT", "UPDATE", "DELETE"} and not any(t in sql for t in GET_MAY_WRITE):
            seen.append(" ".join(sql.split()[:4]))
        return execute(sql, *args)

    with connection.execute_wrapper(wrapper):
        yield seen


def row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for model in apps.get_models():
            table = model._meta.db_table
            if model._meta.managed and not model._meta.proxy:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (model tables)
                counts[table] = cursor.fetchone()[0]
        return counts


# --- GET changes nothing, and no next= leaves the site -----------------------------------------


def is_off_site(location: str) -> bool:
    if location.startswith(("//", "/\\", "\\")):
        return True
    parts = urlsplit(location.strip())
    return bool(parts.netloc and parts.netloc != "testserver") or parts.scheme not in {
        "",
        "http",
        "https",
    }


def test_t14_a_crawl_of_every_get_changes_nothing_but_the_audit_trail(
    alice: User, bob: User
) -> None:
    clients = seed(alice, bob)
    codes = object_codes()
    # Up to 3 real codes per slot in ordinary runs, every one under make soak.
    urls = sorted(set(concrete_urls(codes, per_pattern=scale(3, 0))))
    # A visitor who is not logged in meets log-in redirects and 404s: one code per slot will do.
    one_each = sorted(set(concrete_urls(codes, per_pattern=1)))
    before = row_counts()
    changes: dict[str, list[str]] = {}
    redirects_off: list[str] = []
    requests = 0
    # Each person's own areas with every real code in the slots; elsewhere one code per slot.
    home = {
        "alice": {"activities", "symptoms", "plans", "core", "exercises", "api"},
        "bob": {"clinic", "api"},
        "anonymous": set(),
    }
    for who, client in clients.items():
        chosen = [(n, u) for n, u in urls if n in home[who]]
        chosen += [(n, u) for n, u in one_each if n not in home[who]]
        for _, url in chosen:
            with writes_seen() as seen:
                response = client.get(url, {"next": EVIL})
            requests += 1
            if seen:
                changes[f"{who} GET {url}"] = seen
            location = response.get("Location", "")
            if response.status_code in {301, 302, 303, 307, 308} and is_off_site(location):
                redirects_off.append(f"{who} GET {url} -> {location}")
    after = row_counts()
    changed_tables = {
        t: (before[t], after[t]) for t in before if before[t] != after[t] and t not in GET_MAY_WRITE
    }
    record(
        "T14",
        "state changes via GET",
        len(changes) + len(changed_tables),
        "0",
        not changes and not changed_tables,
    )
    record("T14", "GET requests crawled", requests, "all URL patterns", True)
    assert requests > 400
    assert changes == {}
    assert changed_tables == {}
    assert redirects_off == []


NEXT_VARIANTS = [
    "https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "https:/evil.example",
    " https://evil.example/",
    "\thttps://evil.example/",
    "http://testserver@evil.example/",
    "https://testserver.evil.example/",
    "https://evil.example%2F@testserver/",
    "javascript:alert(document.domain)",
    "data:text/html,<script>alert(1)</script>",
    "/%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "https://evil.example\x00.testserver/",
    "http://[::ffff:7f00:1]@evil.example/",
]


@pytest.mark.parametrize("target", NEXT_VARIANTS)
def test_t14_next_never_leads_off_site(target: str, alice: User, bob: User) -> None:
    bad: list[str] = []
    # The runner's log-in, with next in the query and in the form.
    for where in ("query", "form"):
        client = Client()
        data = {"email": alice.email, "password": PASSWORD}
        url = "/accounts/login/"
        if where == "query":
            response = client.post(url + "?next=" + target.replace("&", "%26"), data)
        else:
            response = client.post(url, {**data, "next": target})
        if response.status_code == 302 and is_off_site(response["Location"]):
            bad.append(f"log-in ({where}) -> {response['Location']}")
    # The clinician's log-in carries next through the second step.
    import pyotp
    from django.utils import timezone

    from kneeclinic.accounts.models import TotpDevice

    device = TotpDevice.objects.create(
        user=bob, secret=pyotp.random_base32(), confirmed_at=timezone.now()
    )
    client = Client()
    client.post("/accounts/login/", {"email": bob.email, "password": PASSWORD, "next": target})
    done = client.post("/accounts/two-factor/", {"code": pyotp.TOTP(device.secret).now()})
    if done.status_code == 302 and is_off_site(done["Location"]):
        bad.append(f"two-factor -> {done['Location']}")
    record("T14", f"open redirects for {target!r}", len(bad), "0", not bad)
    assert bad == []


# --- cross-site writes ---------------------------------------------------------------------------


def test_t14_every_unsafe_request_without_a_token_or_from_another_site_is_refused(
    alice: User, bob: User
) -> None:
    seed(alice, bob)
    codes = object_codes()
    urls = sorted(set(concrete_urls(codes, per_pattern=1)))
    before = row_counts()
    accepted: list[str] = []
    checked = 0
    for who, user in (("alice", alice), ("bob", bob)):
        # Without a token: a browser session, as a forged form on another site would use it.
        bare = Client(enforce_csrf_checks=True)
        bare.force_login(user)
        # With a valid token and cookie, but sent from another site's page.
        foreign = Client(enforce_csrf_checks=True)
        foreign.force_login(user)
        foreign.get("/accounts/login/")
        token = foreign.cookies["csrftoken"].value
        for namespace, url in urls:
            if who == "bob" and namespace not in {"clinic", "api"}:
                continue  # the physio's own pages; the runner covers the rest
            for method in UNSAFE:
                if method in SOAK_ONLY_METHODS and not url.startswith("/api/"):
                    continue  # Django's CSRF check is the same for every unsafe method
                checked += 1
                response = getattr(bare, method)(url)
                if response.status_code not in REFUSED:
                    accepted.append(
                        f"{who} {method.upper()} {url} without token: {response.status_code}"
                    )
                if method != "post" and not url.startswith("/api/"):
                    continue  # Django's origin check does not depend on the method
                checked += 1
                response = getattr(foreign, method)(
                    url,
                    {"csrfmiddlewaretoken": token} if method == "post" else None,
                    HTTP_X_CSRFTOKEN=token,
                    HTTP_ORIGIN="https://evil.example",
                    HTTP_REFERER="https://evil.example/page",
                    secure=True,
                )
                if response.status_code not in REFUSED:
                    accepted.append(
                        f"{who} {method.upper()} {url} from another site: {response.status_code}"
                    )
    after = row_counts()
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    changed.pop("django_session", None)
    record("T14", "accepted cross-site writes", len(accepted), "0", not accepted)
    assert checked > 300
    assert accepted == []
    assert changed == {}


def test_t14_the_same_write_with_a_token_from_our_own_page_is_accepted(alice: User) -> None:
    """The control for the test above: the refusals are about the token and the origin."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/diary/pain/new/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/diary/pain/new/",
        {"pain_nrs": "2", "when": "at_rest", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 302
