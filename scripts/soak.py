"""``make soak``: the security and reliability plan in full; its figures go to docs/reliability.md.

It runs, with ``KNEECLINIC_SOAK=1`` (full counts and durations) and ``KNEECLINIC_RELIABILITY_LOG``
pointing at a fresh JSON-lines file, every test file of the plan: everything under
tests/security, tests/resilience and tests/fuzz, and any other test file that records a plan
figure through ``tests.reliability.record`` or names a test of the plan in its docstring's
first line. The load tests (T33-T35) run last, on their own, so nothing else competes with them
for the machine. Then it writes docs/reliability.md: the machine, the date, and for each test
T01-T40 every figure measured with its pass figure and result, or the reason it was not measured.

Options::

    --only T33,T35      run only the files that record these tests (the load tests honour it
                        within their file too)
    --minutes N         length of each full load test (default 10)
    --postgres URL      PostgreSQL server for T35 (default: $PG_URL, else the local server)
    --from-log FILE     write the report from a log (one run or many), running nothing
    --history FILE      the kept runs (default docs/reliability-runs.jsonl): each run is added
                        to it, and the page shows, for each test, its latest run's figures
    --fresh             write the page from this run alone (the history is left unchanged)
    --log FILE          keep the log here (default: a temporary file, printed at the end)
    --out FILE          the report (default docs/reliability.md)
    --list              list the plan's test files and the test ids each mentions, run nothing
    --note TEXT         a remark printed with the run (for example, what else the machine ran)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
PLAN_FOLDERS = ("security", "resilience", "fuzz")
LOAD_TESTS = {"T33", "T34", "T35"}
LOAD_FILE = TESTS / "resilience" / "test_load.py"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
HISTORY = ROOT / "docs" / "reliability-runs.jsonl"

# The plan (security.md section 8): id, what the test does, its pass figure in short.
PLAN: list[tuple[str, str, str]] = [
    ("T01", "Authorisation matrix", "0 leaks, 0 unexpected statuses; < 90 s"),
    ("T02", "Authorisation mutation check", "100 % of mutants killed"),
    ("T03", "IDOR in payloads and mass assignment", "0 foreign references, 0 extra fields"),
    ("T04", "Consent and revocation", "0 accesses after revoke"),
    ("T05", "API fuzz and contract (schemathesis)", "0 failures, >= 100 examples an operation"),
    ("T06", "Brute force and lockout", "<= 5 checks per (user, IP) per 15 min; 0 bypasses"),
    ("T07", "Password rules", "all assertions"),
    ("T08", "Password storage", "100 % argon2id; verify <= 500 ms"),
    ("T09", "Sessions and tokens", "0 accepted stale sessions or tokens"),
    ("T10", "MFA for clinicians", "0 bypasses"),
    ("T11", "No user enumeration", "identical responses; median difference < 10 %"),
    ("T12", "XSS corpus", "0 executions, 0 CSP violations, 0 unescaped payloads"),
    ("T13", "Headers and configuration crawler", "100 % compliant; check --deploy exits 0"),
    ("T14", "CSRF and safe methods", "0 GET state changes, 0 cross-site writes, 0 redirects"),
    ("T15", "Export injection", "0 formula cells"),
    ("T16", "Logs: injection and PHI", "0 forged lines, 0 canaries in logs"),
    ("T17", "Hostile upload corpus", ">= 120 files; 0 500s, crashes, partial imports"),
    ("T18", "Parser fuzzing", "0 uncaught exceptions, 0 inputs > 5 s, 0 RSS > 1 GB"),
    ("T19", "Importer properties", "exact duration and samples; distance within 0.1 %"),
    ("T20", "File serving and traversal", "0 traversal, 0 inline rendering, 0 scripts"),
    ("T21", "Upload quotas and DoS", "reject < 2 s; RSS < 1.5 GB; others' p99 < 1 s"),
    ("T22", "Audit completeness", "100 % of expected events, 0 duplicates, 0 PHI"),
    ("T23", "Audit tamper evidence", "100/100 detected; verify 1 M rows < 60 s"),
    ("T24", "Patient access report", "exact match"),
    ("T25", "Export completeness", "100 % own canaries, 0 foreign; 1,000 runs < 5 min"),
    ("T26", "Erasure", "0 unexpected canary hits"),
    ("T27", "Minimum necessary data", "0 extra fields"),
    ("T28", "Import crash and resume", "50/50 runs: 0 lost, duplicated or partial"),
    ("T29", "Idempotency and dedup", "1,000 trials: 0 duplicates"),
    ("T30", "Acknowledged-write durability", "0 lost acknowledgements, 0 duplicates"),
    ("T31", "Power-loss simulation (LazyFS)", "synchronous=FULL: 0 lost acknowledgements"),
    ("T32", "SQLite lock regression", "0 'database is locked', 0 5xx"),
    ("T33", "Sustained load, SQLite, 100 req/s for 10 min", "p95 < 150 ms, p99 < 300 ms, 0 errors"),
    ("T34", "Uploads while serving, 50 req/s", "p99 < 500 ms; 0 import failures; < 30 s each"),
    ("T35", "PostgreSQL parity, 200 req/s", "same pass figures as T33"),
    ("T36", "Backup and restore drill", "10/10 drills; 1 GB restore < 5 min"),
    ("T37", "Migration safety", "0 data difference; migration < 60 s"),
    ("T38", "Supply chain and static checks", "0 known vulnerabilities, 0 high findings"),
    ("T39", "Error handling", "0 leaks of internals, 0 partial writes"),
    ("T40", "Resource failures", "0 500s with tracebacks, 0 corruption, full recovery"),
]
PLAN_IDS = [test_id for test_id, _, _ in PLAN]
ID_LITERAL = re.compile(r"""["'](T[0-4]\d)["']""")
ID_WORD = re.compile(r"\b(T[0-4]\d)\b")

OPERATOR_VIEW = """\
## Load and reliability: how to run it

`make soak` runs the whole plan in its full form and rewrites this page. It takes a long time
(hours with the fuzzing and the crash loops), loads the machine fully and needs the local
PostgreSQL server for T35; run it on a quiet machine, not beside other work. It can be run in
parts (`--only`): every run is kept in docs/reliability-runs.jsonl, and each test below shows
the figures of the latest run that measured it. `make test` runs the short form of the same
tests (a few seconds each) on every change.

    make soak                                        # everything
    make soak SOAK_ARGS="--only T33,T35"             # only some tests of the plan
    make soak SOAK_ARGS="--minutes 2"                # shorter load tests
    make soak SOAK_ARGS="--postgres postgresql://postgres@db-host:5432/postgres"
    .venv/bin/python scripts/soak.py --from-log docs/reliability-runs.jsonl  # no run, only the page

What each part does:

- **tests/security**: attacks on the running code, one file per area of the plan's first half
  (T01-T24): signing in, sessions, passwords and second factors, permissions, error pages and the
  other checks, each at its full count of trials.
- **tests/resilience**: the server under stress: imports killed half-way and resumed, repeated
  uploads, SQLite's locking, upload limits, and the load tests below.
- **tests/fuzz**: each parser (FIT, GPX, TCX, ZIP, gzip) fed generated and mutated files for
  its full time (T18).
- Any other test file that records a figure of the plan (through `tests/reliability.py`) runs
  too, for example the authorisation matrix and the audit tests.
- **The load tests** (T33-T35, `tests/resilience/test_load.py`, driven by
  `scripts/loadtest.py`) start a real server (`kneeclinic serve`: gunicorn and, for uploads, the
  worker) with its own data: runners with a year of runs and pain entries, physios linked to
  them who sign in with an authenticator code. A fixed number of requests a second is sent,
  whether or not the server keeps up, and each request's time counts from when it was due, so
  a queue shows. The mix: 60 % runner pages and API reads, 20 % physio patient pages (each one
  writes an audit event), 15 % pain entries, 5 % clinical notes saved. The server's memory is
  sampled once a minute, and the server's CPU time per answered request is measured: unlike
  latency, it changes little when other work shares the machine, and the capacity it implies
  (cores divided by CPU per request) says what the same machine would carry on its own.
  `scripts/loadtest.py --rate 100 --minutes 10` runs the same load by hand and prints latency
  percentiles, errors, throughput, memory and CPU.

Every figure below comes from a test's own measurement, with the pass figure that test
asserts. A test that did not run, or ran without measuring, says why.
"""


# ---------------------------------------------------------------------------------------------
# Finding the plan's test files


def _ids_in(path: Path) -> set[str]:
    """The ids a test file records (string literals) or names in its docstring's first line."""
    text = path.read_text(encoding="utf-8", errors="replace")
    first = (
        text.lstrip().removeprefix('"""').split("\n", 1)[0] if text.lstrip()[:3] == '"""' else ""
    )
    return set(ID_LITERAL.findall(text)) | set(ID_WORD.findall(first))


def _names_an_id_first(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith('"""') and bool(ID_WORD.search(stripped[3:].split("\n", 1)[0]))


def plan_files() -> dict[Path, set[str]]:
    """Each test file of the plan, with the test ids it mentions."""
    found: dict[Path, set[str]] = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        in_folder = path.relative_to(TESTS).parts[0] in PLAN_FOLDERS
        records = "tests.reliability import" in text and "record" in text
        ids = _ids_in(path)
        # A file elsewhere belongs to the plan when it records a figure, or names a test of
        # the plan in its docstring's first line ("The authorisation matrix (... T01/T22)").
        if in_folder or records or (ids and _names_an_id_first(text)):
            found[path] = ids
    return found


# ---------------------------------------------------------------------------------------------
# The machine


def _first_line(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
    except OSError:
        return ""
    return result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""


def postgres_version(url: str) -> str:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0]}" if row else "unknown"
    except Exception as exc:  # any failure means "not reachable"; say why
        return f"not reachable ({type(exc).__name__})"


def machine(postgres: str) -> dict[str, str]:
    cpu, memory, system = "unknown CPU", "unknown", platform.platform()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    os_release = Path("/etc/os-release")
    if os_release.exists():
        for line in os_release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                system = f"{line.split('=', 1)[1].strip('"')}, kernel {platform.release()}"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count() or "unknown"),
        "memory": memory,
        "os": system,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(postgres),
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# ---------------------------------------------------------------------------------------------
# Running


def _outcomes(junit: Path) -> list[dict[str, str]]:
    """Each test case of a JUnit file: file, name, outcome and the message of a skip or failure."""
    if not junit.exists():
        return []
    cases = []
    for case in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 (our own pytest's file)
        module = case.get("classname", "")
        outcome, message = "passed", ""
        for child in case:
            if child.tag in {"failure", "error", "skipped"}:
                outcome = "skipped" if child.tag == "skipped" else "failed"
                message = next(iter((child.get("message") or "").strip().splitlines()), "")
                break
        cases.append(
            {"module": module, "name": case.get("name", ""), "outcome": outcome, "message": message}
        )
    return cases


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def run_pytest(files: list[Path], env: dict[str, str], label: str) -> list[dict[str, str]]:
    if not files:
        return []
    junit = Path(tempfile.mkstemp(prefix=f"soak-{label}-", suffix=".xml")[1])
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs",
               f"--junitxml={junit}", *(str(f.relative_to(ROOT)) for f in files)]  # fmt: skip
    print(f"\n== {label}: pytest {len(files)} files", flush=True)
    subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603 (our own pytest)
    cases = _outcomes(junit)
    junit.unlink(missing_ok=True)
    return cases


def append(log: Path, line: dict[str, Any]) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def soak(args: argparse.Namespace, log: Path) -> None:
    only = {part.strip().upper() for part in args.only.split(",") if part.strip()}
    files = plan_files()
    if only:
        files = {path: ids for path, ids in files.items() if ids & only}
    env = {
        **os.environ,
        "KNEECLINIC_SOAK": "1",
        "KNEECLINIC_RELIABILITY_LOG": str(log),
        "KNEECLINIC_LOAD_MINUTES": str(args.minutes),
        "KNEECLINIC_LOAD_POSTGRES": args.postgres,
    }
    if only:
        env["KNEECLINIC_SOAK_ONLY"] = ",".join(sorted(only))
    started = datetime.now(UTC)
    append(
        log,
        {
            "soak": "start",
            "at": started.isoformat(timespec="seconds"),
            "machine": machine(args.postgres),
            "load_average": load_average(),
            "only": sorted(only),
            "minutes": args.minutes,
            "note": args.note,
            "files": {_module_of(p): sorted(ids) for p, ids in files.items()},
            "make_targets": make_targets(),
        },
    )
    others = [p for p in files if p != LOAD_FILE]
    cases = run_pytest(others, env, "the plan's tests")
    load_average_before_load = load_average()
    if LOAD_FILE in files:
        cases += run_pytest([LOAD_FILE], env, "the load tests (T33-T35)")
    append(
        log,
        {
            "soak": "end",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "load_average": load_average(),
            "load_average_before_load_tests": load_average_before_load,
            "cases": cases,
        },
    )


# ---------------------------------------------------------------------------------------------
# The report


def _format(value: Any, unit: str) -> str:
    if isinstance(value, float):
        value = f"{value:,.1f}" if abs(value) >= 10 or value == int(value) else f"{value:.3g}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value} {unit}".strip()


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def read_runs(log: Path) -> list[dict[str, Any]]:
    """Every run in ``log`` (one or many), oldest first: {"start", "end", "figures"}."""
    runs: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for line in log.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        entry = json.loads(line)
        if entry.get("soak") == "start" or current is None:
            current = {"start": {}, "end": {}, "figures": []}
            runs.append(current)
        if entry.get("soak") == "start":
            current["start"] = entry
        elif entry.get("soak") == "end":
            current["end"] = entry
        elif "test" in entry:
            current["figures"].append(entry)
    return runs


# A file system path (URL paths such as /api/v1/runs stay: they name the product's own pages).
PATH_LIKE = re.compile(
    r"(?<![\w.:/])/(?:tmp|home|root|work|var|srv|usr|opt|mnt|run|private|Users)(?:/[\w.@+-]+)+/?"
)


def _without_paths(value: Any) -> Any:
    """Log text with file system paths replaced, so the kept history names no machine's files."""
    if isinstance(value, str):
        return PATH_LIKE.sub("<path>", value)
    if isinstance(value, list):
        return [_without_paths(item) for item in value]
    if isinstance(value, dict):
        return {key: _without_paths(item) for key, item in value.items()}
    return value


def keep_in_history(log: Path, history: Path) -> None:
    """Add this run's log to the history the page is written from (paths taken out)."""
    lines = [
        json.dumps(_without_paths(json.loads(line)))
        for line in log.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    with history.open("a", encoding="utf-8") as out:
        out.write("".join(line + "\n" for line in lines))


def make_targets() -> dict[str, str]:
    """Test id -> the other `make` target whose help names it (e.g. `make audit` for T38)."""
    found: dict[str, str] = {}
    makefile = ROOT / "Makefile"
    if not makefile.exists():
        return found
    for line in makefile.read_text().splitlines():
        target = re.match(r"^([a-z][a-z-]*):.*## (.*)$", line)
        if target and target.group(1) != "soak":
            for test_id in ID_WORD.findall(target.group(2)):
                found.setdefault(test_id, target.group(1))
    return found


def failed_case(
    test_id: str, start: dict[str, Any], cases_by_module: dict[str, list[dict[str, str]]]
) -> str:
    """The first failure among the tests named for ``test_id`` (by their function name)."""
    modules = [m for m, ids in (start.get("files") or {}).items() if test_id in ids]
    for module in modules:
        for case in cases_by_module.get(module, []):
            if test_id.lower() in case["name"].lower() and case["outcome"] == "failed":
                return f"{case['name']}: {case['message']}"
    return ""


def reason_not_measured(
    test_id: str, start: dict[str, Any], cases_by_module: dict[str, list[dict[str, str]]]
) -> str:
    if not start:
        return "no figure for it in this log"
    only = start.get("only") or []
    if only and test_id not in only:
        return f"not run this time (--only {','.join(only)})"
    modules = [m for m, ids in (start.get("files") or {}).items() if test_id in ids]
    if not modules:
        target = (start.get("make_targets") or {}).get(test_id)
        if target:
            return f"checked by `make {target}`, which this soak does not run"
        return "no test in the suite measures it yet"
    if not cases_by_module:
        return "not finished when this page was written"
    cases = [c for m in modules for c in cases_by_module.get(m, [])]
    name_hint = test_id.lower()
    named = [c for c in cases if name_hint in c["name"].lower()]
    cases = named or cases
    if not cases:
        return f"its tests ({', '.join(modules)}) did not run"
    skipped = [c for c in cases if c["outcome"] == "skipped"]
    failed = [c for c in cases if c["outcome"] == "failed"]
    if failed:
        return f"failed before recording a figure: {failed[0]['name']}: {failed[0]['message']}"
    if skipped and len(skipped) == len(cases):
        return f"skipped: {skipped[0]['message'].removeprefix('Skipped: ')}"
    return f"its tests pass ({len(cases) - len(skipped)} passed) but record no figure"


def _describe_run(number: int, run: dict[str, Any]) -> list[str]:
    start, end = run["start"], run["end"]
    info = start.get("machine") or {}
    lines = [
        f"### Run {number}: {start.get('at', 'unknown')} to {end.get('at', 'unfinished')} (UTC)",
        "",
        f"- CPU: {info.get('cpu', 'unknown')}, {info.get('cores', '?')} cores; "
        f"memory {info.get('memory', 'unknown')}",
        f"- System: {info.get('os', 'unknown')}",
        f"- Python {info.get('python', '?')}, SQLite {info.get('sqlite', '?')}, "
        f"PostgreSQL: {info.get('postgresql', '?')}",
        f"- Load average (1, 5, 15 min) at the start {start.get('load_average', '?')}, before "
        f"the load tests {end.get('load_average_before_load_tests', '?')}, at the end "
        f"{end.get('load_average', '?')}. A load average above the core count means other work "
        "shared the machine and the latencies are pessimistic.",
    ]
    if start.get("only"):
        lines.append(f"- Only: {', '.join(start['only'])}; load tests {start.get('minutes')} min")
    elif start.get("minutes") is not None:
        lines.append(f"- Everything; load tests {start['minutes']} min each")
    if start.get("note"):
        lines.append(f"- Note: {start['note']}")
    return [*lines, ""]


def _cases_by_module(run: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = defaultdict(list)
    for case in run["end"].get("cases", []):
        found[case["module"]].append(case)
    return found


def _attempted(test_id: str, run: dict[str, Any]) -> bool:
    only = run["start"].get("only") or []
    return not only or test_id in only


def render(runs: list[dict[str, Any]], note: str = "", kept: str = "") -> str:
    """The page: for each test of the plan, the figures of the latest run that measured it.

    ``runs`` oldest first; a ``note`` replaces the last run's own; ``kept`` is text written by
    hand that follows the generated part unchanged.
    """
    if note and runs:
        runs[-1]["start"]["note"] = note
    counts = {"passed": 0, "failed": 0, "not measured": 0}
    rows: list[str] = []
    used: set[int] = set()
    for test_id, name, plan_figure in PLAN:
        measured_in = [i for i, run in enumerate(runs) if any(
            f["test"] == test_id for f in run["figures"])]  # fmt: skip
        if not measured_in:
            counts["not measured"] += 1
            tried = [run for run in runs if _attempted(test_id, run)]
            if tried:
                run = tried[-1]
                reason = reason_not_measured(test_id, run["start"], _cases_by_module(run))
            elif runs:
                reason = "no kept run has included it yet (each ran only some tests: --only)"
            else:
                reason = reason_not_measured(test_id, {}, {})
            rows.append(f"| {test_id} | {_cell(name)} | — | — | — | {_cell(plan_figure)} | "
                        f"not measured: {_cell(reason)} |")  # fmt: skip
            continue
        index = measured_in[-1]
        used.add(index)
        run = runs[index]
        measured = [f for f in run["figures"] if f["test"] == test_id]
        failure = failed_case(test_id, run["start"], _cases_by_module(run))
        if failure and all(f["passed"] for f in measured):
            # Every figure met its pass figure, yet the test failed on something else.
            extra = {"figure": "the test failed", "measured": failure, "unit": "",
                     "target": "passes", "passed": False, "mode": "full"}  # fmt: skip
            measured = [*measured, extra]
        passed = all(f["passed"] for f in measured)
        counts["passed" if passed else "failed"] += 1
        for i, figure in enumerate(measured):
            label = f"{test_id} | {_cell(name)} | {index + 1}" if i == 0 else " | | "
            mode = "" if figure.get("mode") == "full" else " (short run)"
            target = figure["target"] or "—"
            verdict = ("pass" if figure["passed"] else "**fail**") if figure["target"] else "—"
            rows.append(
                f"| {label} | {_cell(figure['figure'])}{mode} | "
                f"{_cell(_format(figure['measured'], figure.get('unit', '')))} | "
                f"{_cell(target)} | {verdict} |"
            )
    lines = [
        "# Reliability and security: measured figures",
        "",
        "The figures of the security and reliability plan (tests T01-T40), as measured by "
        "`make soak` (scripts/soak.py). Regenerate this page with `make soak`.",
        "",
        OPERATOR_VIEW,
        "## The runs",
        "",
        "The whole plan takes hours, so it may be measured in several runs (`--only`). Each run "
        "is kept in docs/reliability-runs.jsonl; each test below shows the figures of the latest "
        "run that measured it, and the run's number.",
        "",
    ]
    for index, run in enumerate(runs):
        if index in used or index == len(runs) - 1:
            lines += _describe_run(index + 1, run)
    lines += [
        "## Results",
        "",
        f"{_tests(counts['passed'])} met every pass figure, {_tests(counts['failed'])} missed "
        f"at least one, {_tests(counts['not measured'])} not measured (the reason is on their "
        "row).",
        "",
        "| Test | What | Run | Figure | Measured | Pass figure | Result |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]
    if kept:
        lines += [KEPT_MARK, kept.strip(), ""]
    return "\n".join(lines)


def _tests(count: int) -> str:
    return f"{count} test" if count == 1 else f"{count} tests"


KEPT_MARK = "<!-- Written by hand below this line; make soak keeps it. -->"


def kept_text(page: Path) -> str:
    """What follows the hand-written mark on the current page, if any."""
    if not page.exists():
        return ""
    text = page.read_text(encoding="utf-8")
    return text.split(KEPT_MARK, 1)[1] if KEPT_MARK in text else ""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="test ids, e.g. T33,T35")
    parser.add_argument("--minutes", type=float, default=10, help="each full load test")
    parser.add_argument(
        "--postgres", default=os.environ.get("PG_URL", DEFAULT_POSTGRES), help="for T35"
    )
    parser.add_argument("--from-log", type=Path, help="render from this log; run nothing")
    parser.add_argument("--log", type=Path, help="keep the log here")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reliability.md")
    parser.add_argument("--list", action="store_true", help="list the plan's test files")
    parser.add_argument("--note", default="", help="a remark for the report (e.g. a busy machine)")
    parser.add_argument(
        "--history", type=Path, default=HISTORY, help="the kept runs the page is written from"
    )
    parser.add_argument("--fresh", action="store_true", help="write the page from this run alone")
    args = parser.parse_args()
    if args.list:
        for path, ids in plan_files().items():
            print(f"{path.relative_to(ROOT)}: {', '.join(sorted(ids)) or '(no test id)'}")
        return 0
    kept = kept_text(args.out)
    if args.from_log:
        runs = read_runs(args.from_log)
    else:
        log = args.log or Path(tempfile.mkstemp(prefix="kneeclinic-soak-", suffix=".jsonl")[1])
        log.write_text("")
        began = time.monotonic()
        soak(args, log)
        print(f"\nThe soak took {(time.monotonic() - began) / 60:.0f} min; its log: {log}")
        if args.fresh:
            runs = read_runs(log)
        else:
            keep_in_history(log, args.history)
            runs = read_runs(args.history)
    # A note given with --from-log replaces the run's own.
    args.out.write_text(render(runs, args.note if args.from_log else "", kept), encoding="utf-8")
    print(f"Wrote {args.out}")
    return 1 if runs and any(not f["passed"] for f in runs[-1]["figures"]) else 0


if __name__ == "__main__":
    sys.exit(main())
