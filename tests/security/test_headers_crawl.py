"""T13, headers and configuration: every page reached by following links, as a visitor, a runner
and her physio, carries the security headers; and Django's deployment checks pass with the
production settings.

The crawl starts from each person's home pages and follows the links of every page it gets
(same site, GET only, as a browser would), up to ``scale(60, 400)`` pages a person.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import deque
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from kneeclinic.accounts import mfa
from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.symptoms.models import PainEntry
from tests.reliability import record, scale

ROOT = Path(__file__).resolve().parents[2]
PAGES_A_PERSON = scale(60, 400)
LINK = re.compile(r'href="(/[^"#]*)"')
# Links a crawler must not follow: signing out ends the crawl's own session; files and the API
# are not pages (T20 covers downloads).
SKIP = re.compile(r"^/(static/|accounts/logout|api/)|/(download|original|export|pdf|ics)\b")
CLINIC_PAGES = re.compile(r"^/clinic/")


def _problems(path: str, response: object) -> list[str]:
    headers = response.headers  # type: ignore[attr-defined]
    found = []
    policy = headers.get("Content-Security-Policy", "")
    if "script-src 'self' 'nonce-" not in policy:
        found.append("script-src without a nonce")
    if "object-src 'none'" not in policy:
        found.append("object-src is not 'none'")
    if "'unsafe-inline'" in policy or "'unsafe-eval'" in policy:
        found.append("unsafe-inline or unsafe-eval allowed")
    if headers.get("X-Frame-Options") != "DENY":
        found.append("X-Frame-Options is not DENY")
    if headers.get("X-Content-Type-Options") != "nosniff":
        found.append("no nosniff")
    if headers.get("Referrer-Policy") not in ("same-origin", "no-referrer", "strict-origin"):
        found.append(f"Referrer-Policy {headers.get('Referrer-Policy')!r}")
    if headers.get("Cross-Origin-Opener-Policy") != "same-origin":
        found.append("no same-origin opener policy")
    if CLINIC_PAGES.match(path) and "no-store" not in headers.get("Cache-Control", ""):
        found.append("a clinic page without Cache-Control: no-store")
    return found


def _crawl(client: Client, starts: list[str]) -> tuple[int, dict[str, list[str]]]:
    """(pages checked, {path: problems}) following links from ``starts``."""
    queue, seen, checked = deque(starts), set(starts), 0
    failures: dict[str, list[str]] = {}
    while queue and checked < PAGES_A_PERSON:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code in (301, 302, 303) and response.get("Location", "").startswith("/"):
            target = response["Location"]
            if target not in seen and not SKIP.search(target):
                seen.add(target)
                queue.append(target)
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        problems = _problems(path, response)
        if problems:
            failures[path] = problems
        for link in LINK.findall(response.content.decode("utf-8", errors="replace")):
            link = link.replace("&amp;", "&")
            if link not in seen and not SKIP.search(link):
                seen.add(link)
                queue.append(link)
    return checked, failures


@pytest.mark.django_db
def test_t13_every_page_reached_carries_the_security_headers(alice: User, bob: User) -> None:
    now = timezone.now()
    Activity.objects.create(
        runner=alice, name="Easy run", start=now, elapsed_s=1800, distance_m=5000
    )
    PainEntry.objects.create(runner=alice, at=now, pain_nrs=2, when="after_run")
    runner = Client(raise_request_exception=False)
    runner.force_login(alice)
    physio = Client(raise_request_exception=False)
    physio.force_login(bob)
    session = physio.session
    session[mfa.SESSION_KEY] = "verified in the test set-up"
    session.save()
    people = {
        "visitor": (Client(raise_request_exception=False), ["/", "/accounts/login/", "/learn/"]),
        "runner": (runner, ["/today/", "/runs/", "/diary/", "/load/", "/plan/", "/exercises/"]),
        "physio": (physio, ["/clinic/", f"/clinic/runners/{alice.code}/"]),
    }
    checked, failures = 0, {}
    for who, (client, starts) in people.items():
        pages, found = _crawl(client, starts)
        assert pages >= 5, f"the crawl as the {who} reached only {pages} pages"
        checked += pages
        failures.update({f"{who} {path}": problems for path, problems in found.items()})
    compliant = 100 * (checked - len(failures)) / checked
    record("T13", "pages reached by following links (visitor, runner, physio)", checked, "", True)
    record("T13", "pages with every security header", round(compliant, 1), "100 %",
           not failures, unit="%")  # fmt: skip
    assert not failures, failures


def test_t13_the_deployment_checks_pass_with_production_settings(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KNEECLINIC_HTTPS": "1",
        "KNEECLINIC_SECRET_KEY": "a production key for the check, long and random " * 2,
        "KNEECLINIC_DATA_DIR": str(tmp_path),
        "KNEECLINIC_ALLOWED_HOSTS": "clinic.example.org",
        "KNEECLINIC_EMAIL_BACKEND": "smtp",
        "KNEECLINIC_TESTING": "0",
    }
    for name in ("PYTEST_CURRENT_TEST", "KNEECLINIC_TEST_POSTGRES", "DATABASE_URL"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "kneeclinic.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    record("T13", "check --deploy exit status", result.returncode, "0", result.returncode == 0)
    assert result.returncode == 0, result.stdout + result.stderr
