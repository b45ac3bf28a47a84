"""The soak page (docs/reliability.md) is written from every kept run: each test shows the
figures of the latest run that measured it, the history names no file of the machine, and the
part written by hand survives a new run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.scripts import load_script

soak = load_script("soak")


def _run(at: str, only: list[str], figures: list[dict[str, Any]], cases: list[Any]) -> list[str]:
    files = {"tests.resilience.test_load": ["T33", "T34", "T35"],
             "tests.security.test_auth_sessions": ["T06", "T07"]}  # fmt: skip
    lines: list[dict[str, Any]] = [
        {
            "soak": "start",
            "at": at,
            "machine": {"cpu": "Test CPU", "cores": "2"},
            "load_average": "0.1 0.1 0.1",
            "only": only,
            "minutes": 10,
            "note": "",
            "files": files,
            "make_targets": {"T38": "audit"},
        },
        *figures,
        {"soak": "end", "at": at, "load_average": "1 1 1", "cases": cases},
    ]
    return [json.dumps(line) for line in lines]


def _figure(test: str, measured: float, passed: bool) -> dict[str, Any]:
    return {"test": test, "figure": "p95 latency", "measured": measured, "unit": "ms",
            "target": "< 150", "passed": passed, "mode": "full"}  # fmt: skip


def test_each_test_shows_its_latest_measurement_and_its_run(tmp_path: Path) -> None:
    history = tmp_path / "runs.jsonl"
    first = _run("2026-11-01T00:00:00", [], [_figure("T33", 900.0, False), _figure("T06", 1, True)],
                 [{"module": "tests.security.test_auth_sessions", "name": "test_t07_rules",
                   "outcome": "skipped", "message": "Skipped: needs a mail server"}])  # fmt: skip
    second = _run("2026-11-02T00:00:00", ["T33"], [_figure("T33", 120.0, True)], [])
    history.write_text("\n".join(first + second) + "\n")
    page = soak.render(soak.read_runs(history))
    t33 = next(line for line in page.splitlines() if line.startswith("| T33 "))
    assert "| 2 |" in t33 and "120.0 ms" in t33 and t33.endswith("| pass |")
    t06 = next(line for line in page.splitlines() if line.startswith("| T06 "))
    assert "| 1 |" in t06  # measured only by the first run, which the page still shows
    t07 = next(line for line in page.splitlines() if line.startswith("| T07 "))
    assert "skipped: needs a mail server" in t07
    t38 = next(line for line in page.splitlines() if line.startswith("| T38 "))
    assert "`make audit`" in t38
    t18 = next(line for line in page.splitlines() if line.startswith("| T18 "))
    assert "no test in the suite measures it yet" in t18  # the first run ran everything
    assert "### Run 1: 2026-11-01" in page and "### Run 2: 2026-11-02" in page
    assert "2 tests met every pass figure, 0 tests missed" in page


def test_a_test_no_kept_run_included_says_so(tmp_path: Path) -> None:
    only = _run("2026-11-04T00:00:00", ["T33"], [_figure("T33", 120.0, True)], [])
    (tmp_path / "runs.jsonl").write_text("\n".join(only) + "\n")
    page = soak.render(soak.read_runs(tmp_path / "runs.jsonl"))
    t01 = next(line for line in page.splitlines() if line.startswith("| T01 "))
    assert "no kept run has included it yet" in t01
    assert "1 test met every pass figure" in page  # one test, not "1 tests"


def test_the_kept_history_names_no_path_and_the_hand_written_part_survives(
    tmp_path: Path,
) -> None:
    log = tmp_path / "log.jsonl"
    message = "AssertionError in /srv/kneeclinic/server.log on /api/v1/runs"
    failure = [{"module": "tests.resilience.test_load", "name": "test_t33_load",
                "outcome": "failed", "message": message}]  # fmt: skip
    log.write_text("\n".join(_run("2026-11-03T00:00:00", [], [], failure)) + "\n")
    history = tmp_path / "history.jsonl"
    soak.keep_in_history(log, history)
    kept = history.read_text()
    assert "/srv/" not in kept and "<path>" in kept
    page_file = tmp_path / "reliability.md"
    page_file.write_text(f"old page\n{soak.KEPT_MARK}\nA drill done by hand.\n")
    page = soak.render(soak.read_runs(history), kept=soak.kept_text(page_file))
    assert page.endswith(f"{soak.KEPT_MARK}\nA drill done by hand.\n")
    assert (
        "failed before recording a figure: test_t33_load: AssertionError in <path> on /api/v1/runs"
    ) in page
