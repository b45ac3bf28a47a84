"""Every guarding test the hazard log names exists: a renamed test cannot leave a hazard bare."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOG = ROOT / "docs" / "clinical-safety.md"


def test_every_guarding_test_named_in_the_hazard_log_exists() -> None:
    named = set(re.findall(r"::(test_\w+)", LOG.read_text(encoding="utf-8")))
    defined = {
        match
        for path in (ROOT / "tests").rglob("test_*.py")
        for match in re.findall(r"^def (test_\w+)\(", path.read_text(encoding="utf-8"), re.M)
    }
    assert len(named) > 20
    assert sorted(named - defined) == []


def test_every_hazard_has_a_guard() -> None:
    rows = [line for line in LOG.read_text(encoding="utf-8").splitlines() if line.startswith("| H")]
    assert rows
    assert all("test_" in row for row in rows)
