"""Figures of the security and reliability plan (docs/reliability.md), shared by its tests.

Each test of the plan runs a short version in ``make test`` (and so in CI) and the full version
under ``make soak``, which sets ``KNEECLINIC_SOAK=1``. ``scale(short, full)`` picks the count or
duration for the mode in force. ``record()`` writes one measured figure with its pass figure; under
``make soak`` the figures are gathered from ``KNEECLINIC_RELIABILITY_LOG`` (JSON lines) into
docs/reliability.md, so a figure a test asserts is also a figure the report shows.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

SOAK = os.environ.get("KNEECLINIC_SOAK") == "1"


def scale[T](short: T, full: T) -> T:
    """The short figure in ordinary runs, the full one under ``make soak``."""
    return full if SOAK else short


def record(
    test_id: str,
    figure: str,
    measured: float | int | str,
    target: str,
    passed: bool,
    *,
    unit: str = "",
) -> None:
    """Note one measured figure of the plan, for the soak report (a no-op otherwise).

    ``test_id`` is the plan's id ("T28"), ``figure`` says what was measured ("lost activities"),
    ``target`` is the pass figure as the plan states it ("0", "< 150 ms").
    """
    log = os.environ.get("KNEECLINIC_RELIABILITY_LOG")
    if not log:
        return
    line = {
        "test": test_id,
        "figure": figure,
        "measured": measured,
        "unit": unit,
        "target": target,
        "passed": passed,
        "mode": "full" if SOAK else "short",
        "at": time.time(),
    }
    with Path(log).open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
