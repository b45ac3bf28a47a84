"""The resilience tests (security.md section 8: T21, T25-T27, T32, T36, T37, T40) and their helpers.

``start_server(data_dir)`` runs the real ``kneeclinic serve`` (gunicorn, and the worker when asked)
on a free loopback port with its own data folder, or its own PostgreSQL database when
KNEECLINIC_TEST_POSTGRES is set. ``LiveServer.django(code)`` runs a snippet of Python with Django
set up against the server's data (to create people, tokens and seed data without the web), and
``LiveServer.cli(...)`` a ``kneeclinic`` command. ``real_server`` is one such server shared by the
session.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_database(base_url: str, name: str) -> str:
    """A fresh database beside the test database; its URL."""
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlparse(base_url)._replace(path=f"/{name}").geturl()


def drop_postgres_database(url: str) -> None:
    import psycopg

    base = os.environ["KNEECLINIC_TEST_POSTGRES"]
    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "KNEECLINIC_DATA_DIR": str(data_dir),
        "KNEECLINIC_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KNEECLINIC_EMAIL_BACKEND": "file",
        "KNEECLINIC_TESTING": "0",
        "KNEECLINIC_TASKS_IMMEDIATE": "0",
        "DJANGO_SETTINGS_MODULE": "kneeclinic.settings",
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    # The server and its commands are not "tests": no fast hasher, a real task queue.
    for name in ("PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER", "KNEECLINIC_TEST_POSTGRES"):
        env.pop(name, None)
    return env


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def database_file(self) -> Path:
        return self.data_dir / "kneeclinic.sqlite3"

    @property
    def is_sqlite(self) -> bool:
        return "DATABASE_URL" not in self.env

    def cli(
        self, *args: str, stdin: str = "", check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "kneeclinic.cli", *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            cwd=self.data_dir,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kneeclinic {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result

    def django(self, code: str, timeout: float = 600) -> object:
        """Run ``code`` with Django set up; it sets ``result``, returned here through JSON."""
        script = (
            "import django, json, sys\n"
            "django.setup()\n"
            "result = None\n" + textwrap.dedent(code) + "\n"
            "sys.stdout.write('\\n@@RESULT@@' + json.dumps(result, default=str))\n"
        )
        run = subprocess.run(
            [sys.executable, "-c", script],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            cwd=self.data_dir,
        )
        if run.returncode != 0 or "@@RESULT@@" not in run.stdout:
            raise AssertionError(f"the snippet failed:\n{run.stderr[-4000:]}")
        return json.loads(run.stdout.rsplit("@@RESULT@@", 1)[1])

    def client(self, token: str = "", timeout: float = 30) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def pids(self) -> list[int]:
        """The server and every process under it."""
        if self.process is None:
            return []
        children: dict[int, list[int]] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def rss_bytes(self) -> int:
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
            except OSError:
                continue
        return total

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


_TEMPLATE: dict[str, Path] = {}


def _template_data_dir() -> Path:
    """A data folder migrated and with static files collected once per session; copied for
    each SQLite server, which saves a migration (many seconds on a busy machine) each time."""
    if "dir" not in _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="kneeclinic-template-"))
        env = server_env(template)
        for args in (["migrate", "--verbosity", "0"], ["collectstatic", "--noinput", "-v", "0"]):
            subprocess.run(
                [sys.executable, "-m", "kneeclinic.cli", *args],
                env=env, check=True, capture_output=True, timeout=600, cwd=template,
            )  # fmt: skip
        with closing(sqlite3.connect(template / "kneeclinic.sqlite3")) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        (template / "secret_key").unlink()
        _TEMPLATE["dir"] = template
    return _TEMPLATE["dir"]


def prepare(data_dir: Path, postgres_name: str = "", **extra: str) -> LiveServer:
    """A data folder (or PostgreSQL database) with the schema applied, not yet served."""
    env = server_env(data_dir, **extra)
    if postgres_name and os.environ.get("KNEECLINIC_TEST_POSTGRES"):
        data_dir.mkdir(parents=True, exist_ok=True)
        env["DATABASE_URL"] = postgres_database(
            os.environ["KNEECLINIC_TEST_POSTGRES"], postgres_name
        )
        server = LiveServer(url="", env=env, data_dir=data_dir)
        server.cli("migrate", "--verbosity", "0")
        return server
    shutil.copytree(_template_data_dir(), data_dir, dirs_exist_ok=True)
    return LiveServer(url="", env=env, data_dir=data_dir)


def serve(
    server: LiveServer, *, workers: int = 2, with_worker: bool = True, wait_worker: bool = True
) -> LiveServer:
    port = free_port()
    server.url = f"http://127.0.0.1:{port}"
    server.log = server.data_dir / "server.log"
    args = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--no-migrate"]
    if with_worker:
        args.append("--with-worker")
    with server.log.open("ab") as out:
        server.process = subprocess.Popen(
            [sys.executable, "-m", "kneeclinic.cli", *args],
            env=server.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=server.data_dir,
            start_new_session=True,
        )
    deadline = time.monotonic() + 90
    while True:
        try:
            answer = httpx.get(server.url + "/healthz", timeout=2).json()
            if not (with_worker and wait_worker) or answer.get("worker") == "ok":
                return server
        except (httpx.HTTPError, ValueError):
            pass
        if server.process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise AssertionError("the server did not start:\n" + server.log_text()[-3000:])
        time.sleep(0.25)


PEOPLE_SNIPPET = """
from django.utils import timezone
from kneeclinic.accounts import services
from kneeclinic.accounts.models import CareLink, Role, User
from kneeclinic.core import tokens
made = {}
for email, role, clinic, runner in PEOPLE:
    user = User.objects.filter(email=email).first() or services.create_user(
        email, PASSWORD, role=Role(role), clinic_name=clinic, name=email.split("@")[0].title()
    )
    if runner:
        CareLink.objects.get_or_create(
            runner=User.objects.get(email=runner), physio=user,
            defaults={"status": CareLink.Status.ACTIVE, "agreed_at": timezone.now()},
        )
    made[email] = tokens.create_token(user, "tests", scope="write", days=None)[1]
result = made
"""


def add_people(server: LiveServer, people: list[tuple[str, str, str, str]]) -> dict[str, str]:
    """Create (email, role, clinic, linked runner's email) people; their write API tokens."""
    code = f"PEOPLE = {people!r}\nPASSWORD = {PASSWORD!r}\n" + PEOPLE_SNIPPET
    made = server.django(code)
    assert isinstance(made, dict)
    server.tokens.update({str(k): str(v) for k, v in made.items()})
    return server.tokens


@pytest.fixture(scope="session")
def real_server() -> Iterator[LiveServer]:
    """One real server (2 gunicorn workers and the task worker) for the session's tests."""
    data_dir = Path(tempfile.mkdtemp(prefix="kneeclinic-resilience-"))
    server = prepare(data_dir, postgres_name=f"kneeclinic_resilience_{os.getpid()}")
    serve(server)
    try:
        yield server
    finally:
        server.stop()
        if "DATABASE_URL" in server.env:
            drop_postgres_database(server.env["DATABASE_URL"])
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _remove_template() -> Iterator[None]:
    yield
    if "dir" in _TEMPLATE:
        shutil.rmtree(_TEMPLATE.pop("dir"), ignore_errors=True)
