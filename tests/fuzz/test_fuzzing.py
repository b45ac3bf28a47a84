"""Parser fuzzing (security plan T18): each atheris harness in fuzz/ runs, and finds nothing.

The five harnesses (FIT, GPX, TCX, gz, ZIP) run at the same time as subprocesses, each for
``scale(8, 1200)`` seconds: a short pass in the ordinary suite, 20 minutes each under
``make soak``. libFuzzer stops an input after 5 s (``-timeout``) and a run above 1 GB of memory
(``-rss_limit_mb``), so a slow input or a memory blow-up is a finding like an exception. Every
finding is kept in tests/fuzz/regressions/ (named ``<format>-<what>``) and replayed here in
process, so a fix cannot quietly come undone.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fuzz.common import FORMATS, REGRESSIONS, ROOT, TARGETS
from tests.reliability import record, scale

SECONDS = scale(8, 20 * 60)
TIMEOUT_S = 5
RSS_LIMIT_MB = 1024
MIN_RUNS = 20  # even the slowest harness (FIT, ~100 inputs a second here) does far more


@dataclass(frozen=True)
class Outcome:
    returncode: int
    output: str
    wall_s: float

    @property
    def runs(self) -> int:
        done = re.search(r"Done (\d+) runs in", self.output)
        return int(done.group(1)) if done else 0

    @property
    def peak_rss_mb(self) -> int:
        return max((int(m) for m in re.findall(r"rss: (\d+)Mb", self.output)), default=0)

    @property
    def findings(self) -> list[str]:
        return re.findall(
            r"(ERROR: libFuzzer: [^\n]*|Uncaught Python exception[^\n]*)", self.output
        )


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Outcome]]:
    """Start every harness at once (the machine's cores share them), then wait for all."""
    out = tmp_path_factory.mktemp("fuzz")
    env = {**os.environ, "KNEECLINIC_FUZZ_DIR": str(out)}
    started = time.monotonic()
    processes = {
        fmt: subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "fuzz" / f"fuzz_{fmt}.py"),
                f"-max_total_time={SECONDS}",
                f"-timeout={TIMEOUT_S}",
                f"-rss_limit_mb={RSS_LIMIT_MB}",
                "-print_final_stats=1",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            env=env,
            cwd=ROOT,
        )
        for fmt in FORMATS
    }
    results: dict[str, Outcome] = {}
    try:
        for fmt, process in processes.items():
            output, _ = process.communicate(timeout=SECONDS + 120)
            results[fmt] = Outcome(process.returncode, output, time.monotonic() - started)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    yield results


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_harness_finds_nothing(fmt: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[fmt]
    findings = outcome.findings
    slow = [f for f in findings if "timeout" in f]
    memory = [f for f in findings if "rss limit" in f or "out-of-memory" in f]
    tried = outcome.runs
    record("T18", f"{fmt}: inputs tried in {SECONDS} s", tried, f">= {MIN_RUNS}", tried >= MIN_RUNS)
    record("T18", f"{fmt}: findings", len(findings), "0", not findings)
    record("T18", f"{fmt}: inputs > {TIMEOUT_S} s", len(slow), "0", not slow)
    record(
        "T18",
        f"{fmt}: peak RSS",
        outcome.peak_rss_mb,
        "< 1024",
        outcome.peak_rss_mb < 1024,
        unit="MB",
    )
    assert not findings, outcome.output[-4000:]
    assert outcome.returncode == 0, outcome.output[-4000:]
    assert not slow and not memory
    assert outcome.runs >= MIN_RUNS, outcome.output[-2000:]
    assert 0 < outcome.peak_rss_mb < RSS_LIMIT_MB


def regression_files() -> list[Path]:
    return sorted(p for p in REGRESSIONS.iterdir() if p.is_file())


@pytest.mark.parametrize("path", regression_files(), ids=lambda p: p.name)
def test_each_past_finding_is_now_handled(path: Path) -> None:
    fmt = path.name.split("-", 1)[0]
    assert fmt in TARGETS, f"regression files are named <format>-<what>, one of {FORMATS}"
    started = time.monotonic()
    TARGETS[fmt](path.read_bytes())  # raises Finding (or anything but ParseError) if it regressed
    assert time.monotonic() - started < TIMEOUT_S


def test_the_harness_tells_our_own_bugs_from_refusals() -> None:
    """A ParseError that stands for an IndexError in our code is a finding, not a pass."""
    from fuzz.common import own_bug
    from kneeclinic.domain.activity import ParseError

    def ours() -> None:
        try:
            [][1]
        except IndexError as exc:
            raise ParseError("could not be read") from exc

    with pytest.raises(ParseError) as caught:
        ours()
    assert isinstance(own_bug(caught.value, package=ROOT / "tests"), IndexError)
    assert own_bug(caught.value) is None  # raised outside kneeclinic/: a library's own error
    assert own_bug(ParseError("a refusal on purpose"), package=ROOT / "tests") is None
