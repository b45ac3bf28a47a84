"""Authorisation mutation check (security plan T02): switch off each check, the matrix must fail.

Each mutant in ``authz_mutants.MUTANTS`` replaces one check of the access layer
(``visible_to``, ``visible_runner_ids``, ``can_see_runner``, the care link's status, the clinic
filter, the second-factor gate, the clinic admin check) with one that lets too much through. The
authorisation matrices (clinic pages and API) run against each mutant in a subprocess; a mutant
is killed when they fail. The pass figure is 100 % killed, and the matrices must pass unmutated
(otherwise a "kill" would prove nothing): the ordinary suite runs them anyway, and under
``make soak`` this file runs them once more unmutated next to the mutants.

Each mutant run stops at its first failure (``-x``). Every mutant needs its own pytest process
(with its own test database), so this runs under ``make soak`` only, as the plan's cadence
says. The extra actors the matrices lacked (an ended link, a physio who left their clinic, a
session without the second factor) are in test_authz_actors.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.reliability import SOAK, record
from tests.security.authz_mutants import ENV, MUTANTS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not SOAK,
        reason="nightly (make soak): each mutant needs its own pytest run, about 30 s in all here",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
# The extra actors first: with -x, a mutant they kill stops the run early.
MATRIX = (
    "tests/security/test_authz_actors.py",
    "tests/clinic/test_authorisation_matrix.py",
    "tests/core/test_api_authorisation.py",
)
UNMUTATED = ""
TESTS_FAILED = 1  # pytest's exit code when tests ran and some failed


def run_matrix(mutant: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, ENV: mutant}
    env.pop("KNEECLINIC_RELIABILITY_LOG", None)  # the matrices' own figures are not ours
    stop_early = ["-x"] if mutant else []
    return subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            "-p", "tests.security.authz_mutants", *stop_early, *MATRIX,
        ],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=900,
    )  # fmt: skip


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, subprocess.CompletedProcess[str]]]:
    # The matrices run unmutated in every suite anyway; here only under soak (about a minute).
    names = [*([UNMUTATED] if SOAK else []), *MUTANTS]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(names, pool.map(run_matrix, names), strict=True))
    killed = sum(results[name].returncode == TESTS_FAILED for name in MUTANTS)
    share = round(100 * killed / len(MUTANTS))
    record("T02", "mutants killed", share, "100", killed == len(MUTANTS), unit="%")
    yield results


@pytest.mark.skipif(not SOAK, reason="the ordinary suite runs the matrices unmutated itself")
def test_the_matrices_pass_unmutated(outcomes: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = outcomes[UNMUTATED]
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_the_matrices_kill_the_mutant(
    mutant: str, outcomes: dict[str, subprocess.CompletedProcess[str]]
) -> None:
    result = outcomes[mutant]
    assert result.returncode == TESTS_FAILED, (
        f"the matrices still pass with '{mutant}': {result.stdout[-2000:]}{result.stderr[-2000:]}"
    )
