"""Browser tests: the real server (gunicorn + worker) and Debian's chromium via Playwright.

Fixtures:
- ``server``: a running Knee Clinic with its own data folder (or its own PostgreSQL database when
  KNEECLINIC_TEST_POSTGRES is set); ``server.url``, ``server.cli(*args)`` runs a `kneeclinic`
  command against it, ``server.create_user(email, role=..., clinic=...)``.
- ``page``: a fresh browser context and page at 1280x800; ``phone`` the same at 360x800.
  Content Security Policy violations and page errors fail the test.
- ``check_accessibility(page)``: runs axe-core and fails on serious or critical violations.
- ``log_in(page, server, email)``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "correct horse battery staple"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.path):
            item.add_marker(pytest.mark.browser)
    # The browser tests run last: once Playwright's sync API has started, this thread counts as
    # inside an event loop, and Django then refuses to open database connections
    # (SynchronousOnlyOperation) and asyncio.run() refuses to start, for every later test.
    items.sort(key=lambda item: "tests/browser" in str(item.path))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_database(base_url: str) -> str:
    """Create a fresh database for the server beside the test database; return its URL."""
    import psycopg

    parsed = urlparse(base_url)
    name = f"kneeclinic_browser_{os.getpid()}"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl()


def _drop_database(base_url: str, url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Server:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path
    users: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str, stdin: str = "") -> str:
        result = subprocess.run(
            [sys.executable, "-m", "kneeclinic.cli", *args],
            input=stdin.encode(),
            env=self.env,
            capture_output=True,
            check=False,
            timeout=300,
        )
        if result.returncode != 0:
            raise AssertionError(f"kneeclinic {' '.join(args)} failed: {result.stderr.decode()}")
        return result.stdout.decode()

    def create_user(self, email: str, role: str = "runner", clinic: str = "") -> str:
        args = ["createuser", email, "--role", role, "--password-stdin"]
        if clinic:
            args += ["--clinic", clinic]
        self.cli(*args, stdin=PASSWORD + "\n")
        self.users[email] = PASSWORD
        return email


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    data_dir = Path(tempfile.mkdtemp(prefix="kneeclinic-browser-"))
    port = _free_port()
    env = {
        **os.environ,
        "KNEECLINIC_DATA_DIR": str(data_dir),
        "KNEECLINIC_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KNEECLINIC_EMAIL_BACKEND": "file",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    if os.environ.get("KNEECLINIC_TEST_POSTGRES"):
        env["DATABASE_URL"] = _postgres_database(os.environ["KNEECLINIC_TEST_POSTGRES"])
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kneeclinic.cli", "serve", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--with-worker"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=data_dir,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310
                if json.load(response).get("worker") == "ok":
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the server did not start:\n" + log.read_text()[-3000:])
        time.sleep(0.3)
    yield Server(url=url, env=env, process=process, log=log)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    shutil.rmtree(data_dir, ignore_errors=True)
    if "DATABASE_URL" in env:
        _drop_database(os.environ["KNEECLINIC_TEST_POSTGRES"], env["DATABASE_URL"])


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def _page(browser: Any, width: int, height: int) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: (
            problems.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert problems == [], f"the page reported problems: {problems}"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    yield from _page(browser, 1280, 800)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    yield from _page(browser, 360, 800)


def check_accessibility(page: Any) -> None:
    """axe-core in the page: no serious or critical violations, and no sideways scrolling."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does)")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert bad == [], "accessibility violations:\n" + "\n".join(bad)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page scrolls sideways by {overflow}px"


def log_in(page: Any, server: Server, email: str, password: str = PASSWORD) -> None:
    page.goto(server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
