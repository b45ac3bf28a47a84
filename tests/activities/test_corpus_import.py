"""The whole shared corpus through the real import: every file imported or named with a reason."""

from __future__ import annotations

import json
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kneeclinic.accounts.models import User

CORPUS = Path(
    os.environ.get(
        "KNEECLINIC_CORPUS",
        Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "activities",
    )
)


@pytest.mark.corpus
@pytest.mark.slow
@pytest.mark.django_db
def test_every_corpus_file_is_imported_or_failed_with_a_reason(alice: User) -> None:
    if not (CORPUS / "fit").is_dir():
        pytest.skip(f"the shared activity corpus is not at {CORPUS}; set KNEECLINIC_CORPUS")
    folders = [str(CORPUS / name) for name in ("fit", "gpx", "tcx", "zip")]
    out = StringIO()
    call_command("import", *folders, user=alice.email, json=True, stdout=out)
    report = json.loads(out.getvalue())
    files = report["files"]
    assert len(files) >= 100
    for item in files:
        assert item["status"] in {"imported", "duplicate", "failed", "skipped"}, item
        if item["status"] == "failed":
            assert item["error"] and "Traceback" not in item["error"], item
        if item["status"] == "imported":
            assert item["activities"], item
    by_name = {item["file"]: item for item in files}
    assert by_name["sportslib__6860622783.fit"]["status"] == "imported"  # treadmill, no GPS
    assert "truncated" in by_name["corrupt/fitparse__nick.fit"]["error"]
    assert report["imported"] >= 60
