"""Sustained load on a real Knee Clinic server at a fixed request rate (plan tests T33-T35).

It starts ``kneeclinic serve`` (gunicorn, and the task worker when uploads are asked for) with its
own temporary data folder on SQLite (``synchronous=FULL``), or its own fresh PostgreSQL database
with ``--postgres URL``; it seeds runners with a year of history and physios linked to them (each
physio with an authenticator key, so the client signs in with a real code); it logs each persona
in once, then sends requests on a fixed schedule (an open model: a slow answer never delays the
next request, and latency counts from the moment a request was due, so a slow server cannot hide
its queue). The mix follows the plan:

* 60 % runner pages and API reads (Today, diary, runs, load; /api/v1/me, pain entries, runs),
* 20 % physio patient pages (the runner's timeline: each view writes an audit event),
* 15 % small writes (a pain entry, through the API or the diary's form),
* 5 % note saves (a physio's assessment note, through the form).

With ``--uploaders N`` that many extra runners upload a fresh GPX of ``--upload-mb`` MB every
``--upload-every`` seconds and follow each import until the worker has finished it (T34).

It prints p50/p95/p99, errors, throughput and the server's RSS (all its processes) once a
minute, and with ``--json FILE`` writes the whole result. ``run_load()`` is the same run for
tests. Example::

    .venv/bin/python scripts/loadtest.py --rate 100 --minutes 10
    .venv/bin/python scripts/loadtest.py --rate 200 --minutes 10 --postgres postgresql://postgres@127.0.0.1:5432
"""

from __future__ import annotations

import argparse
import asyncio
import json
import json as _json_module
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load test password 7d1c"  # noqa: S105 (throwaway accounts in a throwaway database)
MIX = {"runner_read": 0.60, "physio_page": 0.20, "small_write": 0.15, "note_save": 0.05}
REQUEST_TIMEOUT_S = 30.0
HISTORY_DAYS = 365


# ---------------------------------------------------------------------------------------------
# The server under test


@dataclass
class Server:
    url: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    data_dir: Path
    log: Path
    database_url: str = ""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _admin_url(server_url: str) -> str:
    """The maintenance database of a PostgreSQL server URL (its path replaced by /postgres)."""
    return urlparse(server_url)._replace(path="/postgres").geturl()


def _create_database(server_url: str) -> str:
    import psycopg

    name = f"kneeclinic_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_admin_url(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlparse(server_url)._replace(path=f"/{name}").geturl()


def _drop_database(database_url: str) -> None:
    import psycopg

    name = urlparse(database_url).path.lstrip("/")
    with psycopg.connect(_admin_url(database_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def serving(
    *,
    postgres: str = "",
    workers: int = 0,
    threads: int = 0,
    with_worker: bool = False,
    keep: bool = False,
) -> Iterator[Server]:
    """A running server with its own data folder (and database); everything removed after."""
    data_dir = Path(tempfile.mkdtemp(prefix="kneeclinic-load-"))
    port = _free_port()
    env = {
        **os.environ,
        "KNEECLINIC_DATA_DIR": str(data_dir),
        "KNEECLINIC_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KNEECLINIC_EMAIL_BACKEND": "file",
        "KNEECLINIC_SQLITE_SYNCHRONOUS": "FULL",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("DJANGO_SETTINGS_MODULE", "KNEECLINIC_TEST_POSTGRES", "KNEECLINIC_TESTING"):
        env.pop(name, None)
    env.pop("DATABASE_URL", None)
    database_url = _create_database(postgres) if postgres else ""
    if database_url:
        env["DATABASE_URL"] = database_url
    log = data_dir / "server.log"
    command = [sys.executable, "-m", "kneeclinic.cli", "serve", "--bind", f"127.0.0.1:{port}"]
    # By default the server runs as `kneeclinic serve` would in production.
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    if with_worker:
        command.append("--with-worker")
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and command)
            command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=data_dir
        )
    server = Server(f"http://127.0.0.1:{port}", env, process, data_dir, log, database_url)
    try:
        _wait_until_up(server, with_worker)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
        if database_url:
            _drop_database(database_url)


def _wait_until_up(server: Server, with_worker: bool) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:  # noqa: S310
                status = json.load(response)
                if not with_worker or status.get("worker") == "ok":
                    return
        except OSError:
            pass
        if server.process.poll() is not None or time.monotonic() > deadline:
            server.process.kill()
            raise RuntimeError("the server did not start:\n" + server.log.read_text()[-3000:])
        time.sleep(0.3)


def machine_load() -> float:
    """The machine's 1-minute load average (above the core count, others compete for the CPU)."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


def _process_tree(root_pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def server_rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants (gunicorn, its workers, the worker)."""
    total_kb = 0
    for pid in _process_tree(root_pid):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def access_log_lines(log: Path) -> int:
    """Requests the server has finished so far: its access log's lines (one a request)."""
    try:
        data = log.read_bytes()
    except OSError:
        return 0
    return data.count(b"\n127.0.0.1 - ") + data.startswith(b"127.0.0.1 - ")


def server_cpu_s(root_pid: int) -> float:
    """CPU seconds used so far by a process and its living descendants (not PostgreSQL's)."""
    ticks = 0
    for pid in _process_tree(root_pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------
# Seeding (runs in a child process with the server's environment)


def seed(runners: int, physios: int, uploaders: int) -> dict[str, Any]:
    """Runners with a year of runs and pain entries, physios linked to them; returns the logins."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeclinic.settings")
    import django

    django.setup()
    import pyotp
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from kneeclinic.accounts.models import CareLink, Clinic, Role, TotpDevice, User
    from kneeclinic.activities.models import Activity
    from kneeclinic.clinic import notes
    from kneeclinic.symptoms.models import PainEntry

    rng = random.Random(33)  # noqa: S311 (load-test data, not security)
    now = timezone.now()
    hashed = make_password(PASSWORD)  # one Argon2 hash shared by every load-test account
    out: dict[str, Any] = {"password": PASSWORD, "runners": [], "physios": [], "uploaders": []}
    with transaction.atomic():
        clinic = Clinic.objects.create(name="Load Test Clinic")
        staff = []
        for i in range(physios):
            physio = User.objects.create(
                email=f"physio{i}@load.example", password=hashed, role=Role.PHYSIO,
                clinic=clinic, name=f"Physio {i}",
            )  # fmt: skip
            secret = pyotp.random_base32()
            TotpDevice.objects.create(user=physio, secret=secret, confirmed_at=now)
            staff.append(physio)
            out["physios"].append(
                {"email": physio.email, "secret": secret, "runners": [], "notes": {}}
            )
        for i in range(runners + uploaders):
            uploader = i >= runners
            email = f"{'uploader' if uploader else 'runner'}{i}@load.example"
            runner = User.objects.create(email=email, password=hashed, name=f"Runner {i}")
            if uploader:
                out["uploaders"].append({"email": email})
                continue
            runs, pains = [], []
            for day in range(HISTORY_DAYS, 0, -1):
                when = now - timedelta(days=day, hours=rng.uniform(0, 6))
                if rng.random() < 4 / 7:
                    km = rng.uniform(4, 14)
                    runs.append(
                        Activity(runner=runner, start=when, elapsed_s=km * 345,
                                 moving_s=km * 335, distance_m=km * 1000, sport="running",
                                 name=rng.choice(["Easy run", "Long run", "Tempo run"]))
                    )  # fmt: skip
                if rng.random() < 3 / 7:
                    pains.append(
                        PainEntry(runner=runner, at=when + timedelta(hours=2),
                                  pain_nrs=rng.randint(0, 6), when="after_run")
                    )  # fmt: skip
            Activity.objects.bulk_create(runs)
            PainEntry.objects.bulk_create(pains)
            physio = staff[i % len(staff)]
            CareLink.objects.create(
                runner=runner, physio=physio, status=CareLink.Status.ACTIVE, agreed_at=now
            )
            written = [
                notes.create(runner, physio, {"seen_on": (now - timedelta(days=days)).date(),
                                              "history": "Anterior knee pain on long runs.",
                                              "plan": "Strength work; shorter long runs."})
                for days in (60, 20)
            ]  # fmt: skip
            out["runners"].append({"email": email, "code": str(runner.code)})
            out["physios"][i % len(staff)]["runners"].append(str(runner.code))
            out["physios"][i % len(staff)]["notes"][str(runner.code)] = [
                str(note.code) for note in written
            ]
    return out


def seed_server(server: Server, runners: int, physios: int, uploaders: int) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(Path(__file__).resolve()), "seed", "--runners", str(runners),
         "--physios", str(physios), "--uploaders", str(uploaders)],
        env=server.env, capture_output=True, check=False, timeout=600, cwd=server.data_dir,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"seeding failed: {result.stderr.decode()[-3000:]}")
    seeded: dict[str, Any] = json.loads(result.stdout.decode().strip().splitlines()[-1])
    return seeded


# ---------------------------------------------------------------------------------------------
# The client


@dataclass
class Sample:
    kind: str
    due: float  # seconds from the start of the run, when the request was due
    latency_ms: float  # from due to the end of the answer
    status: int  # 0 = no answer (timeout or connection error)
    error: str = ""


@dataclass
class Result:
    rate: float
    seconds: float
    database: str
    samples: list[Sample] = field(default_factory=list)
    rss_mb: list[tuple[float, float]] = field(default_factory=list)  # (minute, MB)
    load_average: list[float] = field(default_factory=list)  # the machine's, at each RSS sample
    imports: list[dict[str, Any]] = field(default_factory=list)
    upload_samples: list[Sample] = field(default_factory=list)
    late_starts: int = 0  # requests the client itself sent > 50 ms after they were due
    login_s: float = 0.0
    seed_s: float = 0.0
    start_s: float = 0.0
    client_cpu_pct: float = 0.0  # the load client's own CPU use during the run, % of one core
    server_cpu_s: float = 0.0  # CPU the server's processes used during the run
    served: int = 0  # requests the server finished during the run (its access log), answered or not
    client_cpu_s: float = 0.0
    server_log_tail: str = ""

    def summary(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "rate_per_s": self.rate,
            "seconds": self.seconds,
            "requests": len(self.samples),
            "throughput_per_s": self.throughput(),
            "errors": len(self.errors()),
            "error_kinds": sorted({e.error for e in self.errors()}),
            "latency_ms": latency_summary(self.samples),
            "by_kind": {
                kind: latency_summary([s for s in self.samples if s.kind == kind])
                for kind in sorted({s.kind for s in self.samples})
            },
            "rss_mb": self.rss_mb,
            "rss_growth_pct": self.rss_growth_pct(),
            "late_starts": self.late_starts,
            "load_average": round(max(self.load_average, default=0.0), 1),
            "cores": os.cpu_count() or 0,
            "imports": len(self.imports),
            "import_failures": sum(1 for i in self.imports if not i["ok"]),
            "import_max_s": max((i["seconds"] for i in self.imports), default=0.0),
            "upload_latency_ms": latency_summary(self.upload_samples),
            "login_s": round(self.login_s, 1),
            "seed_s": round(self.seed_s, 1),
            "start_s": round(self.start_s, 1),
            "client_cpu_pct": round(self.client_cpu_pct),
            "cpu_ms_per_request": self.cpu_ms_per_request(),
        }

    def throughput(self) -> float:
        """Requests answered without error a second, up to the last answer."""
        ok = [s for s in self.samples if not s.error]
        end = max((s.due + s.latency_ms / 1000 for s in ok), default=0.0)
        return round(len(ok) / max(end, self.seconds), 1) if ok else 0.0

    def cpu_ms_per_request(self) -> dict[str, float]:
        """CPU time per request, of the server and of the client: a figure a busy machine does
        not distort much, and the capacity it implies for a machine given to the server.

        The server's is per request it finished (its access log), answered in time or not: an
        overloaded server also works on requests whose client has given up waiting.
        """
        answered = len([s for s in self.samples if not s.error]) or 1
        server = 1000 * self.server_cpu_s / (self.served or answered)
        client = 1000 * self.client_cpu_s / (len(self.samples) or 1)  # per request it sent
        cores = os.cpu_count() or 1
        return {
            "server": round(server, 1),
            "client": round(client, 1),
            "capacity_per_s": round(cores * 1000 / (server + client)) if server + client else 0,
        }

    def errors(self) -> list[Sample]:
        return [s for s in self.samples if s.error]

    def rss_growth_pct(self) -> float | None:
        """RSS growth from minute 2 to the last sample (the plan's leak check), if long enough."""
        later = [(m, mb) for m, mb in self.rss_mb if m >= 2]
        if len(later) < 2:
            return None
        first, last = later[0][1], later[-1][1]
        return round(100 * (last - first) / first, 1) if first else None


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (the value below which pct % of the samples lie)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def latency_summary(samples: list[Sample]) -> dict[str, float]:
    values = [s.latency_ms for s in samples if not s.error]
    return {
        "count": len(samples),
        "p50": round(percentile(values, 50), 1),
        "p95": round(percentile(values, 95), 1),
        "p99": round(percentile(values, 99), 1),
        "max": round(max(values, default=0.0), 1),
    }


class Answer:
    """One HTTP response: status, headers (lower-case names) and body."""

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}")


class LeanClient:
    """A small HTTP/1.1 client over asyncio streams: keep-alive connections and a cookie jar.

    The load client shares the machine with the server, so it must cost little: a general
    client (cookie policy, URL objects, content decoding) used about 4.5 ms of CPU a request,
    a quarter of a core at 60 requests a second taken from the server under test. This one
    speaks only what the mix needs (GET and POST with a form, JSON or one file; Content-Length
    or chunked answers) to one server.
    """

    def __init__(self, base: str, timeout: float, keepalive_s: float = 1.0) -> None:
        parsed = urlparse(base)
        self.base_url = base
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or 80
        self.timeout = timeout
        self.keepalive_s = keepalive_s
        self.cookies: dict[str, str] = {}
        self._idle: list[tuple[float, asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return await self.request("GET", path, b"", "", headers)

    async def post(
        self,
        path: str,
        *,
        data: dict[str, str] | None = None,
        json: Any = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        if files is not None:
            body, kind = _multipart(data or {}, files)
        elif json is not None:
            body, kind = _json_module.dumps(json).encode(), "application/json"
        else:
            body = urlencode(data or {}).encode()
            kind = "application/x-www-form-urlencoded"
        return await self.request("POST", path, body, kind, headers)

    async def request(
        self, method: str, path: str, body: bytes, kind: str, headers: dict[str, str] | None
    ) -> Answer:
        return await asyncio.wait_for(
            self._request(method, path, body, kind, headers or {}), self.timeout
        )

    async def _request(
        self, method: str, path: str, body: bytes, kind: str, headers: dict[str, str]
    ) -> Answer:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if method == "POST":
            lines += [f"Content-Type: {kind}", f"Content-Length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        for attempt in (1, 2):
            reused, reader, writer = await self._connection()
            try:
                writer.write(head + body)
                answer, keep = await self._read(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                if reused and attempt == 1:
                    continue  # the server had closed the idle connection: send it again
                raise
            except BaseException:  # a timeout cancels the read: the connection is half-used
                writer.close()
                raise
            if keep:
                self._idle.append((time.monotonic(), reader, writer))
            else:
                writer.close()
            return answer
        raise ConnectionError("no connection")  # pragma: no cover (the loop returns or raises)

    async def _connection(self) -> tuple[bool, asyncio.StreamReader, asyncio.StreamWriter]:
        now = time.monotonic()
        while self._idle:
            since, reader, writer = self._idle.pop()
            if now - since < self.keepalive_s and not reader.at_eof():
                return True, reader, writer
            writer.close()
        reader, writer = await asyncio.open_connection(self.host, self.port)
        return False, reader, writer

    async def _read(self, reader: asyncio.StreamReader) -> tuple[Answer, bool]:
        status_line = await reader.readuntil(b"\r\n")
        if not status_line.strip():
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while True:
            line = (await reader.readuntil(b"\r\n")).decode("latin-1")
            if line == "\r\n":
                break
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                self._keep_cookie(value)
            headers[name] = value
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")
            content = b"".join(parts)
        else:
            content = await reader.readexactly(int(headers.get("content-length", "0")))
        keep = headers.get("connection", "").lower() != "close"
        return Answer(status, headers, content), keep

    def _keep_cookie(self, header: str) -> None:
        pair, *attributes = header.split(";")
        name, _, value = pair.partition("=")
        gone = any(
            a.strip().lower().startswith(("max-age=0", "expires=thu, 01 jan 1970"))
            for a in attributes
        )
        if gone:
            self.cookies.pop(name.strip(), None)
        else:
            self.cookies[name.strip()] = value.strip()

    async def aclose(self) -> None:
        for _, _, writer in self._idle:
            writer.close()
        self._idle.clear()


def _multipart(
    fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, (filename, content, kind) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Persona:
    """One logged-in account: its own cookies (session and CSRF token)."""

    def __init__(self, base: str, email: str) -> None:
        self.email = email
        # gunicorn closes idle connections after 2 s; one idle for at most 1 s is reused.
        self.client = LeanClient(base, REQUEST_TIMEOUT_S, keepalive_s=1.0)

    @property
    def csrf(self) -> str:
        return str(self.client.cookies.get("csrftoken", ""))

    async def log_in(self, secret: str = "") -> None:
        page = await self.client.get("/accounts/login/")
        page.raise_for_status()
        answer = await self.client.post(
            "/accounts/login/",
            data={"email": self.email, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf},
            headers={"Referer": str(self.client.base_url) + "/accounts/login/"},
        )
        if answer.status_code != 302:
            raise RuntimeError(f"{self.email} could not log in: HTTP {answer.status_code}")
        if secret:
            import pyotp

            if not answer.headers["location"].startswith("/accounts/two-factor/"):
                raise RuntimeError(f"{self.email}: no second-factor step")
            answer = await self.client.post(
                "/accounts/two-factor/",
                data={"code": pyotp.TOTP(secret).now(), "csrfmiddlewaretoken": self.csrf},
                headers={"Referer": str(self.client.base_url) + "/accounts/two-factor/"},
            )
            if answer.status_code != 302:
                raise RuntimeError(f"{self.email}: the code was refused ({answer.status_code})")
        check = await self.client.get("/api/v1/me")
        if check.status_code != 200:
            raise RuntimeError(f"{self.email} is not logged in after the log-in")

    async def close(self) -> None:
        await self.client.aclose()


@dataclass
class Cast:
    runners: list[Persona]
    physios: list[tuple[Persona, list[str]]]
    uploaders: list[Persona]
    notes: dict[str, dict[str, list[str]]]  # physio's email -> runner's code -> note codes


RUNNER_READS = [
    ("page", "/today/"),
    ("page", "/diary/"),
    ("page", "/runs/"),
    ("page", "/load/"),
    ("api", "/api/v1/me"),
    ("api", "/api/v1/diary/pain?limit=20"),
    ("api", "/api/v1/runs?limit=20"),
]


async def one_request(cast: Cast, rng: random.Random, kind: str, referer: str) -> tuple[int, str]:
    """Send one request of the mix; returns (status, error or '')."""
    if kind == "runner_read":
        persona = rng.choice(cast.runners)
        path = rng.choice(RUNNER_READS)[1]
        answer = await persona.client.get(path)
        return answer.status_code, "" if answer.status_code == 200 else f"HTTP {answer.status_code}"
    if kind == "physio_page":
        physio, codes = rng.choice(cast.physios)
        answer = await physio.client.get(f"/clinic/runners/{rng.choice(codes)}/")
        return answer.status_code, "" if answer.status_code == 200 else f"HTTP {answer.status_code}"
    if kind == "small_write":
        persona = rng.choice(cast.runners)
        if rng.random() < 0.5:
            answer = await persona.client.post(
                "/api/v1/diary/pain",
                json={"pain_nrs": rng.randint(0, 5), "when": "at_rest",
                      "client_token": str(uuid.uuid4())},
                headers={"X-CSRFToken": persona.csrf, "Referer": referer},
            )  # fmt: skip
            # 200: a twin within the double-tap window was merged into one entry (by design).
            ok = answer.status_code in (200, 201)
        else:
            answer = await persona.client.post(
                "/diary/pain/new/",
                data={"pain_nrs": str(rng.randint(0, 5)), "when": "at_rest",
                      "csrfmiddlewaretoken": persona.csrf},
                headers={"Referer": referer},
            )  # fmt: skip
            ok = answer.status_code in (302, 303)
        return answer.status_code, "" if ok else f"HTTP {answer.status_code} on a pain entry"
    # A note save: mostly a new version of one of the runner's notes (after a session), now and
    # then a new note, so a runner's notes grow as a clinic's would rather than by thousands.
    physio, codes = rng.choice(cast.physios)
    runner_code = rng.choice(codes)
    content = {
        "seen_on": datetime.now(UTC).date().isoformat(),
        "history": "Anterior knee pain after a long run; better with rest.",
        "plan": "Hip and quadriceps strength twice a week; hold the long run.",
        "csrfmiddlewaretoken": physio.csrf,
    }
    if rng.random() < 0.8:
        note = rng.choice(cast.notes[physio.email][runner_code])
        path = f"/clinic/notes/{note}/edit/"
        content["change_reason"] = "Reviewed at today's session"
    else:
        path = f"/clinic/runners/{runner_code}/notes/new/"
    answer = await physio.client.post(path, data=content, headers={"Referer": referer})
    ok = answer.status_code in (302, 303)
    return answer.status_code, "" if ok else f"HTTP {answer.status_code} on a note save"


def make_gpx(size_mb: float, start: datetime, seed_value: int) -> bytes:
    """A running GPX of about ``size_mb`` MB: one point a second with heart rate and cadence."""
    rng = random.Random(seed_value)  # noqa: S311 (test data)
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="loadtest" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">\n'
        f"<trk><name>Load test {seed_value}</name><type>running</type><trkseg>\n"
    )
    tail = "</trkseg></trk></gpx>\n"
    parts = [head]
    size = len(head) + len(tail)
    lat, lon, ele, second = 51.5 + rng.uniform(-0.05, 0.05), -0.12, 20.0, 0
    target = int(size_mb * 1024 * 1024)
    while size < target:
        lat += 0.000025
        lon += 0.00001 * math.sin(second / 300)
        ele += rng.uniform(-0.2, 0.2)
        at = (start + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")
        point = (
            f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><ele>{ele:.1f}</ele><time>{at}</time>'
            "<extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:hr>{140 + second % 20}</gpxtpx:hr><gpxtpx:cad>{85 + second % 4}</gpxtpx:cad>"
            "</gpxtpx:TrackPointExtension></extensions></trkpt>\n"
        )
        parts.append(point)
        size += len(point)
        second += 1
    parts.append(tail)
    return "".join(parts).encode()


async def uploader_loop(
    persona: Persona,
    index: int,
    every_s: float,
    size_mb: float,
    stop_at: float,
    t0: float,
    result: Result,
    pending: list[asyncio.Task[None]],
) -> None:
    """Upload a fresh GPX every ``every_s`` seconds; follow each import until it ends."""
    loop = asyncio.get_running_loop()
    n = 0
    # Each uploader's runs are a day apart, in the past, and never on another uploader's days.
    start_day = datetime(2024, 1, 1, 7, tzinfo=UTC) + timedelta(days=400 * index)
    while True:
        due = t0 + n * every_s + index * every_s / 2
        if due >= stop_at:
            return
        await asyncio.sleep(max(0.0, due - loop.time()))
        body = await asyncio.to_thread(make_gpx, size_mb, start_day + timedelta(days=n), n)
        began = loop.time()
        try:
            answer = await persona.client.post(
                "/api/v1/runs/imports",
                files={"files": (f"load-{index}-{n}.gpx", body, "application/gpx+xml")},
                headers={"X-CSRFToken": persona.csrf, "Referer": str(persona.client.base_url)},
            )
            status, error = answer.status_code, "" if answer.status_code == 202 else "upload"
        except Exception as exc:  # any transport failure counts as an error
            answer, status, error = None, 0, type(exc).__name__
        result.upload_samples.append(
            Sample("upload", began - t0, (loop.time() - began) * 1000, status, error)
        )
        if answer is not None and not error:
            code = answer.json()["code"]
            pending.append(asyncio.create_task(follow_import(persona, code, began, result)))
        else:  # an upload the server did not take is an import that failed
            result.imports.append({"code": "", "ok": False, "seconds": 0.0, "status": error})
        n += 1


async def follow_import(persona: Persona, code: str, began: float, result: Result) -> None:
    loop = asyncio.get_running_loop()
    deadline = began + 180
    detail: dict[str, Any] = {}
    while loop.time() < deadline:
        await asyncio.sleep(0.5)
        try:
            answer = await persona.client.get(f"/api/v1/runs/imports/{code}")
        except Exception:  # noqa: S112 (a poll may fail under load; the deadline decides)
            continue
        if answer.status_code != 200:
            continue
        detail = answer.json()
        if detail["status"] in ("done", "failed"):
            break
    seconds = loop.time() - began
    ok = detail.get("status") == "done" and detail.get("imported") == 1 and not detail["failed"]
    result.imports.append(
        {"code": code, "ok": ok, "seconds": round(seconds, 2), "status": detail.get("status")}
    )


async def _drive(
    server: Server,
    seeded: dict[str, Any],
    rate: float,
    seconds: float,
    result: Result,
    *,
    upload_every: float,
    upload_mb: float,
    rss_every: float,
    progress: bool,
) -> None:
    loop = asyncio.get_running_loop()
    began = loop.time()
    runners = [Persona(server.url, r["email"]) for r in seeded["runners"]]
    physios = [(Persona(server.url, p["email"]), p["runners"]) for p in seeded["physios"]]
    uploaders = [Persona(server.url, u["email"]) for u in seeded["uploaders"]]
    gate = asyncio.Semaphore(4)

    async def log_in(persona: Persona, secret: str = "") -> None:
        async with gate:
            await persona.log_in(secret)

    await asyncio.gather(
        *(log_in(p) for p in runners + uploaders),
        *(log_in(p, s["secret"]) for (p, _), s in zip(physios, seeded["physios"], strict=True)),
    )
    result.login_s = loop.time() - began
    cast = Cast(runners, physios, uploaders, {p["email"]: p["notes"] for p in seeded["physios"]})
    rng = random.Random(34)  # noqa: S311 (the mix of requests, not security)
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    referer = server.url + "/"
    t0 = loop.time()
    stop_at = t0 + seconds
    tasks: list[asyncio.Task[None]] = []
    pending_imports: list[asyncio.Task[None]] = []

    async def fire(kind: str, due: float) -> None:
        try:
            status, error = await one_request(cast, rng, kind, referer)
        except Exception as exc:  # a timeout or a refused connection is an error, not a crash
            status, error = 0, type(exc).__name__
        result.samples.append(Sample(kind, due - t0, (loop.time() - due) * 1000, status, error))

    async def sample_rss() -> None:
        n = 0
        while True:
            at = t0 + n * rss_every
            if at > stop_at:
                return
            await asyncio.sleep(max(0.0, at - loop.time()))
            mb = server_rss_mb(server.process.pid)
            result.load_average.append(machine_load())
            result.rss_mb.append((round((loop.time() - t0) / 60, 2), round(mb, 1)))
            if progress:
                done = result.samples
                recent = [s for s in done if s.due >= (loop.time() - t0) - rss_every]
                lat = latency_summary(recent)
                print(
                    f"  {(loop.time() - t0) / 60:5.1f} min  RSS {mb:7.1f} MB  requests "
                    f"{len(done):6d}  errors {len(result.errors()):4d}  last interval p95 "
                    f"{lat['p95']:.0f} ms p99 {lat['p99']:.0f} ms  imports {len(result.imports)}",
                    flush=True,
                )
            n += 1

    rss_task = asyncio.create_task(sample_rss())
    upload_tasks = [
        asyncio.create_task(
            uploader_loop(p, i, upload_every, upload_mb, stop_at, t0, result, pending_imports)
        )
        for i, p in enumerate(uploaders)
    ]
    n = 0
    interval = 1.0 / rate
    cpu_began = time.process_time()
    server_cpu_began = server_cpu_s(server.process.pid)
    served_began = access_log_lines(server.log)
    while True:
        due = t0 + n * interval
        if due >= stop_at:
            break
        now = loop.time()
        if due > now:
            await asyncio.sleep(due - now)
        elif now - due > 0.05:
            result.late_starts += 1
        kind = rng.choices(kinds, weights)[0]
        tasks.append(asyncio.create_task(fire(kind, due)))
        n += 1
        if len(tasks) > 5000:
            tasks = [t for t in tasks if not t.done()]
    await asyncio.gather(*tasks)
    result.client_cpu_s = time.process_time() - cpu_began
    result.client_cpu_pct = 100 * result.client_cpu_s / (loop.time() - t0)
    result.server_cpu_s = server_cpu_s(server.process.pid) - server_cpu_began
    result.served = access_log_lines(server.log) - served_began
    await asyncio.gather(*upload_tasks)
    await asyncio.gather(*pending_imports)
    await rss_task
    result.rss_mb.append(
        (round((loop.time() - t0) / 60, 2), round(server_rss_mb(server.process.pid), 1))
    )
    for persona in runners + uploaders + [p for p, _ in physios]:
        await persona.close()


def run_load(
    *,
    rate: float,
    seconds: float,
    postgres: str = "",
    runners: int = 0,
    uploaders: int = 0,
    upload_every: float = 10.0,
    upload_mb: float = 10.0,
    workers: int = 0,
    threads: int = 0,
    rss_every: float = 60.0,
    progress: bool = False,
) -> Result:
    """Start a server, seed it, drive it at ``rate`` requests a second for ``seconds``."""
    import resource

    # A slow server leaves many requests open at once: let the client hold that many sockets.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        wanted = hard if hard != resource.RLIM_INFINITY else 65536
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    # A runner for every 4 requests a second: none comes near the API's per-user throttle
    # (600 a minute), and no one's diary or notes grow faster than a busy clinic's would.
    runners = runners or max(8, math.ceil(rate / 4))
    physios = max(2, runners // 6)
    result = Result(rate=rate, seconds=seconds, database="postgresql" if postgres else "sqlite")
    began = time.monotonic()
    with serving(
        postgres=postgres, workers=workers, threads=threads, with_worker=uploaders > 0
    ) as server:
        result.start_s = time.monotonic() - began
        began = time.monotonic()
        seeded = seed_server(server, runners, physios, uploaders)
        result.seed_s = time.monotonic() - began
        asyncio.run(
            _drive(
                server, seeded, rate, seconds, result, upload_every=upload_every,
                upload_mb=upload_mb, rss_every=rss_every, progress=progress,
            )
        )  # fmt: skip
        if result.errors():
            # The server's own messages (tracebacks, warnings), without the access log.
            lines = server.log.read_text(errors="replace").splitlines()
            kept = [line for line in lines if not line.startswith("127.0.0.1 - ")]
            result.server_log_tail = "\n".join(kept)[-4000:]
    return result


def describe(summary: dict[str, Any]) -> str:
    lat = summary["latency_ms"]
    lines = [
        f"{summary['database']}: {summary['requests']} requests in {summary['seconds']:.0f} s at "
        f"{summary['rate_per_s']:.0f}/s (achieved {summary['throughput_per_s']}/s), "
        f"{summary['errors']} errors {summary['error_kinds'] or ''}",
        f"  latency from due time: p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms,"
        f" max {lat['max']} ms; late starts by the client: {summary['late_starts']}",
    ]
    for kind, part in summary["by_kind"].items():
        lines.append(
            f"  {kind:<12} {part['count']:6d}  p50 {part['p50']:6.1f}  p95 {part['p95']:6.1f}  "
            f"p99 {part['p99']:6.1f} ms"
        )
    lines.append(
        "  server RSS (minute, MB): "
        + ", ".join(f"{m:g}: {mb:.0f}" for m, mb in summary["rss_mb"])
        + (f"; growth from minute 2: {summary['rss_growth_pct']} %"
           if summary["rss_growth_pct"] is not None else "")
    )  # fmt: skip
    if summary["imports"]:
        lines.append(
            f"  imports: {summary['imports']}, failures {summary['import_failures']}, slowest "
            f"{summary['import_max_s']} s; upload requests {summary['upload_latency_ms']}"
        )
    cpu = summary["cpu_ms_per_request"]
    lines.append(
        f"  CPU per request: server {cpu['server']} ms, client {cpu['client']} ms; "
        f"a machine given to them alone would answer about {cpu['capacity_per_s']}/s"
    )
    lines.append(
        f"  the machine's highest 1-minute load average: {summary['load_average']} on "
        f"{summary['cores']} cores"
    )
    lines.append(
        f"  server start {summary['start_s']} s, seeding {summary['seed_s']} s, "
        f"log-ins {summary['login_s']} s; the client used {summary['client_cpu_pct']} % of a core"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    seeding = sub.add_parser("seed", help="(internal) seed the database in the environment")
    seeding.add_argument("--runners", type=int, required=True)
    seeding.add_argument("--physios", type=int, required=True)
    seeding.add_argument("--uploaders", type=int, default=0)
    parser.add_argument("--rate", type=float, default=100, help="requests a second (default 100)")
    parser.add_argument("--minutes", type=float, default=10, help="duration (default 10)")
    parser.add_argument("--postgres", default="", help="a PostgreSQL server URL: use a fresh DB")
    parser.add_argument("--runners", type=int, default=0, help="runners (default: rate / 4)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (serve's own)")
    parser.add_argument("--threads", type=int, default=0, help="threads a worker (serve's own)")
    parser.add_argument("--uploaders", type=int, default=0, help="runners uploading GPX files")
    parser.add_argument("--upload-every", type=float, default=10, help="seconds between uploads")
    parser.add_argument("--upload-mb", type=float, default=10, help="size of each GPX")
    parser.add_argument("--json", type=Path, help="write the result here")
    args = parser.parse_args()
    if args.command == "seed":
        print(json.dumps(seed(args.runners, args.physios, args.uploaders)))
        return 0
    seconds = args.minutes * 60
    result = run_load(
        rate=args.rate, seconds=seconds, postgres=args.postgres, runners=args.runners,
        uploaders=args.uploaders, upload_every=args.upload_every, upload_mb=args.upload_mb,
        workers=args.workers, threads=args.threads, progress=True,
        rss_every=60.0 if seconds >= 180 else 10.0,
    )  # fmt: skip
    summary = result.summary()
    print(describe(summary))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 1 if result.errors() else 0


if __name__ == "__main__":
    sys.exit(main())
