"""The hostile upload corpus (security plan T17, built by scripts/make_hostile_corpus.py): every
file is refused quickly with a reason, or imported when it is a legitimate oddity, and nothing
crashes.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from kneeclinic.domain.activity import ParseError
from kneeclinic.domain.parsers import parse
from kneeclinic.domain.parsers.archive import MemberStatus, expand
from tests.reliability import record

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "make_hostile_corpus.py"
MAX_SECONDS_PER_FILE = 10.0  # the security plan's bound for one hostile upload
BOMB_BYTES = 64 * 1024 * 1024  # the flat bomb's size here; the script's default is 1 GB
CATEGORIES = ("xml", "xss", "content", "fit", "zip", "type")
# What the category tests measured, gathered over all of them for the plan's figures (T17).
MEASURED: dict[str, float] = {"tried": 0, "finished": 0, "wrong": 0, "slowest": 0.0}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_hostile_corpus", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    directory = tmp_path_factory.mktemp("hostile")
    entries = _script().build(directory, bomb_bytes=BOMB_BYTES)
    return directory, entries


@pytest.fixture(scope="module", autouse=True)
def t17_figures() -> Iterator[None]:
    """Record, once every category has run, the figures the category tests assert."""
    yield
    if not MEASURED["tried"]:
        return
    crashed = int(MEASURED["tried"] - MEASURED["finished"])
    wrong = int(MEASURED["wrong"])
    slowest = round(MEASURED["slowest"], 2)
    tried = int(MEASURED["tried"])
    record("T17", "files read through the importer", tried, ">= 120", tried >= 120)
    record("T17", "files that crashed the importer", crashed, "0", crashed == 0)
    figure = "problems (a file over 10 s, refused without a reason, or not imported)"
    record("T17", figure, wrong, "0", wrong == 0)
    limit = MAX_SECONDS_PER_FILE
    record("T17", "slowest file", slowest, f"< {limit:.0f} s", slowest < limit, unit="s")


def _import(name: str, data: bytes) -> tuple[int, list[str]]:
    """Activities imported and reasons given, the way the importer will do it."""
    activities = 0
    reasons: list[str] = []
    try:
        for member in expand(name, data):
            if member.status is MemberStatus.READY and member.data is not None:
                try:
                    activities += len(parse(member.name, member.data))
                except ParseError as exc:
                    reasons.append(str(exc))
            else:
                reasons.append(member.error)
    except ParseError as exc:
        reasons.append(str(exc))
    return activities, reasons


def test_the_corpus_has_at_least_120_files_in_every_category(
    corpus: tuple[Path, list[Any]],
) -> None:
    directory, entries = corpus
    record("T17", "files in the corpus", len(entries), ">= 120", len(entries) >= 120)

    assert len(entries) >= 120
    assert set(Counter(e.category for e in entries)) == set(CATEGORIES)
    assert (directory / "MANIFEST.tsv").read_text().count("\n") == len(entries) + 1


@pytest.mark.parametrize("category", CATEGORIES)
def test_each_hostile_file_is_handled_quickly_with_a_reason(
    corpus: tuple[Path, list[Any]], category: str
) -> None:
    directory, entries = corpus
    wrong: list[str] = []
    for entry in (e for e in entries if e.category == category):
        started = time.perf_counter()
        MEASURED["tried"] += 1

        activities, reasons = _import(entry.name, (directory / entry.name).read_bytes())

        seconds = time.perf_counter() - started
        MEASURED["finished"] += 1
        MEASURED["slowest"] = max(MEASURED["slowest"], seconds)
        if seconds > MAX_SECONDS_PER_FILE:
            wrong.append(f"{entry.name}: took {seconds:.1f} s")
        if entry.expect == "refused" and (activities or not any(r.strip() for r in reasons)):
            wrong.append(f"{entry.name}: should be refused with a reason ({entry.note})")
        if entry.expect == "accepted" and not activities:
            wrong.append(f"{entry.name}: should be imported ({entry.note}): {reasons}")
        if entry.expect == "either" and not activities and not reasons:
            wrong.append(f"{entry.name}: gave neither an activity nor a reason")
    MEASURED["wrong"] += len(wrong)
    assert wrong == []


def test_payloads_in_names_come_back_as_plain_text(corpus: tuple[Path, list[Any]]) -> None:
    directory, _ = corpus

    [run] = parse("xss-name-0.gpx", (directory / "xss-name-0.gpx").read_bytes())

    assert run.name == "<script>alert(1)</script>"  # stored as text; templates escape it
