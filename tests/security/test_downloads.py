"""Plan test T20: files are handed over as downloads that cannot run in our origin, and no path
trick on a file URL reaches anything but a 404.

The file URLs are found by crawling every GET pattern as a runner and as her physio, and keeping
the responses that hand over a file, so a new download is covered without being listed here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kneeclinic.accounts.models import User
from tests.activities.helpers import fit_run, gpx_copy, zip_of
from tests.reliability import record
from tests.security.test_csrf_redirects import all_patterns, concrete_urls, object_codes, seed

pytestmark = pytest.mark.django_db

START = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
# A GPX that is also an XHTML page with a script (silverstripe#10395), under a hostile name.
POLYGLOT = gpx_copy(START).replace(
    b"<trk>",
    b'<html:html xmlns:html="http://www.w3.org/1999/xhtml"><html:script>alert(1)</html:script>'
    b"</html:html><trk>",
)
NAMES = {
    "polyglot": 'Morning "run" <b>ni\u00f1o\u00e9.gpx',
    "fit": "r\u00e9cup\u00e9ration & co.fit",
    "zipped": "export.zip",
}
SAFE_TYPES = {
    "application/octet-stream",
    "application/zip",
    "text/csv",
    "text/calendar",
    "audio/wav",
    "audio/x-wav",
    "application/pdf",
}
# Types that carry a person's data as a file (pages, scripts and our own images aside).
FILE_TYPES = SAFE_TYPES | {
    "application/gpx+xml",
    "application/xml",
    "text/xml",
    "text/plain",
    "application/vnd.ant.fit",
    "application/vnd.garmin.tcx+xml",
}
TRAVERSALS = [
    "../../settings.py",
    "..%2f..%2fsettings.py",
    "%2e%2e%2f%2e%2e%2fsettings.py",
    "%252e%252e%252fsettings.py",
    "..%c0%af..%c0%afsettings.py",
    "..\\..\\settings.py",
    "..%5c..%5csettings.py",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "settings.py%00.gpx",
    "....//....//settings.py",
]


def upload_hostile_files(client: Client, capture: Any) -> None:
    files = [
        SimpleUploadedFile(NAMES["polyglot"], POLYGLOT),
        SimpleUploadedFile(NAMES["fit"], fit_run(start=START + timedelta(days=2))),
        SimpleUploadedFile(
            NAMES["zipped"], zip_of({"inner/a.gpx": gpx_copy(START + timedelta(days=4))})
        ),
    ]
    with capture(execute=True):  # the import starts when the upload's transaction commits
        assert client.post("/runs/import/", {"files": files}).status_code == 302


def build_export(alice: User) -> None:
    from kneeclinic.core import privacy

    export = privacy.start_export(alice)
    privacy.build_export(export.pk)


def file_responses(clients: dict[str, Client]) -> Iterator[tuple[str, str, Any]]:
    """(who, url, response) for every GET that hands over a file."""
    urls = sorted({url for _, url in concrete_urls(object_codes())})
    for who in ("alice", "bob"):
        for url in urls:
            if url.startswith("/api/") or (who == "bob" and not url.startswith("/clinic/")):
                continue  # the physio's files are the clinic's; the runner's are everywhere
            response = clients[who].get(url)
            if response.status_code != 200:
                continue
            kind = response.get("Content-Type", "").split(";")[0]
            if "attachment" in response.get("Content-Disposition", "") or kind in FILE_TYPES:
                yield who, url, response
            drain(response)


def drain(response: Any) -> bytes:
    """The body, read to the end: that closes a file response's file the way the test client
    expects (calling close() would also end the test's database connection)."""
    if not response.streaming:
        return bytes(response.content)
    if getattr(response, "_drained", None) is None:
        response._drained = b"".join(response.streaming_content)
    return bytes(response._drained)


def disposition_problems(response: Any) -> list[str]:
    problems = []
    disposition = response.get("Content-Disposition", "")
    if not disposition.startswith("attachment"):
        problems.append(f"not an attachment: {disposition!r}")
    star = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition, re.I)
    if not star:
        problems.append(f"no RFC 6266 filename*: {disposition!r}")
    else:
        name = unquote(star[1])
        if "/" in name or "\\" in name or any(ord(c) < 32 for c in name):
            problems.append(f"unsafe file name {name!r}")
    if "\r" in disposition or "\n" in disposition:
        problems.append("line break in the header")
    kind = response.get("Content-Type", "").split(";")[0].strip()
    if kind not in SAFE_TYPES:
        problems.append(f"type {kind!r}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    csp = response.get("Content-Security-Policy", "")
    if "sandbox" not in csp.split(";")[0] and "sandbox" not in csp:
        problems.append(f"no CSP sandbox: {csp!r}")
    return problems


def test_t20_every_file_is_a_sandboxed_attachment_and_no_path_trick_reaches_one(
    alice: User, bob: User, django_capture_on_commit_callbacks: Any
) -> None:
    clients = seed(alice, bob)
    upload_hostile_files(clients["alice"], django_capture_on_commit_callbacks)
    build_export(alice)
    found: dict[str, list[str]] = {}
    polyglots = 0
    for who, url, response in file_responses(clients):
        body = drain(response)
        found[f"{who} {url}"] = disposition_problems(response)
        if body == POLYGLOT:
            # The polyglot comes back byte for byte, but only ever as a download.
            polyglots += 1
            assert response.get("Content-Type", "").startswith("application/octet-stream")
    originals = [u for u in found if u.endswith("/original/")]
    exports = [u for u in found if "/download/" in u]
    bad = {url: problems for url, problems in found.items() if problems}
    record("T20", "files served inline or without safe headers", len(bad), "0", not bad)
    assert len(originals) >= 3, sorted(found)
    assert exports, sorted(found)
    assert polyglots >= 1
    assert bad == {}

    # Path tricks on every file URL found above, and on the static files, give a plain 404.
    file_urls = {url.split(" ", 1)[1] for url in found}
    routes = []
    for _, route, _ in all_patterns():
        route = "/" + route.lstrip("^").rstrip("$")
        pattern = re.sub(r"<(?:\w+:)?\w+>", "[^/]+", route)
        if any(re.fullmatch(pattern, url) for url in file_urls):
            routes.append(route)
    routes.append("/static/<path>")
    tried, leaks = 0, []
    for route in routes:
        for trick in TRAVERSALS:
            pieces = re.split(r"<(?:\w+:)?\w+>", route)
            url = trick.join(pieces) if len(pieces) > 1 else route + trick
            for who in ("alice", "bob"):
                response = clients[who].get(url)
                tried += 1
                if response.status_code != 404:
                    leaks.append(f"{who} {url}: {response.status_code}")
    record("T20", "path tricks not answered 404", len(leaks), "0", not leaks)
    assert tried >= 40
    assert leaks == []


def test_t20_the_original_keeps_its_name_for_the_person_but_not_its_tricks(
    alice: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(alice)
    upload_hostile_files(client, django_capture_on_commit_callbacks)
    from kneeclinic.activities.models import Activity

    names = {}
    for run in Activity.objects.filter(runner=alice):
        response = client.get(f"/runs/{run.code}/original/")
        if response.status_code == 200:
            disposition = response["Content-Disposition"]
            star = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition, re.I)
            assert star, disposition
            names[unquote(star[1])] = disposition
        drain(response)
    assert NAMES["polyglot"] in names, names
    assert NAMES["fit"] in names, names
    assert "a.gpx" in names, names  # a member of the ZIP: its folder is not part of the name
