"""Moving installs: an export comes back whole, once, or not at all."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import models

from kneeclinic.accounts.models import User
from kneeclinic.core import demo, privacy
from kneeclinic.core.transfer import TransferError, import_export
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def canonical(user: User) -> dict[str, list[str]]:
    """Every record of ``user`` without keys that differ between installs (pks and FK ids)."""
    dump: dict[str, list[str]] = {}
    for model, objects in privacy.owned_records(user).items():
        label = privacy.model_label(model)
        if label in {"accounts.user", "accounts.carelink"}:
            continue
        rows = []
        for obj in objects:
            row = {
                f.attname: str(getattr(obj, f.attname))
                for f in obj._meta.concrete_fields
                if not f.primary_key and not f.is_relation
            }
            rows.append(json.dumps(row, sort_keys=True))
        dump[label] = sorted(rows)
    return dump


def export_bytes(user: User, tmp_path: Path) -> bytes:
    path = tmp_path / "export.zip"
    privacy.write_export(user, path)
    return path.read_bytes()


def test_the_demo_runner_round_trips_to_a_new_install_exactly_and_only_once(tmp_path: Path) -> None:
    demo.load_demo()
    maya = User.objects.get(email=demo.RUNNER_EMAIL)
    before = canonical(maya)
    data = export_bytes(maya, tmp_path)
    maya.delete()  # as if on another install: her codes are free again

    newcomer = make_user("maya.moved@example.com")
    first = import_export(newcomer, data)
    # A physio's own notes stay with the clinic's install; everything else moves.
    assert set(first.not_moved) <= {"clinic.assessmentnote", "clinic.assessmentnoteversion"}
    moved = {label: rows for label, rows in before.items() if label not in first.not_moved}
    after = canonical(newcomer)
    assert after == moved
    assert sum(first.created.values()) == sum(len(rows) for rows in moved.values())
    newcomer.refresh_from_db()
    assert newcomer.sore_knee == "right"

    second = import_export(newcomer, data)
    assert sum(second.created.values()) == 0
    assert canonical(newcomer) == moved


def test_an_import_into_the_same_install_gives_fresh_codes_and_leaves_the_original_alone(
    tmp_path: Path, alice: User
) -> None:
    from django.utils import timezone

    from kneeclinic.activities.models import Activity

    run = Activity.objects.create(runner=alice, name="Mine", start=timezone.now(), elapsed_s=60)
    data = export_bytes(alice, tmp_path)
    twin = make_user("twin@example.com")
    import_export(twin, data)
    copy = Activity.objects.get(runner=twin)
    assert copy.code != run.code
    assert Activity.objects.get(pk=run.pk).runner == alice


def rewrite(data: bytes, change: dict[str, bytes | None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename in change:
                replacement = change[info.filename]
                if replacement is not None:
                    target.writestr(info.filename, replacement)
            else:
                target.writestr(info, source.read(info.filename))
    return out.getvalue()


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda d: d[: len(d) // 2], "not a ZIP file"),
        (lambda d: rewrite(d, {"manifest.json": None}), "no manifest.json"),
        (lambda d: rewrite(d, {"manifest.json": b"{nope"}), "not valid JSON"),
        (
            lambda d: rewrite(
                d,
                {
                    "manifest.json": json.dumps(
                        {"app": "kneeclinic", "format": 99, "counts": {}}
                    ).encode()
                },
            ),
            "newer version",
        ),
        (lambda d: rewrite(d, {"records/activities.activity.json": b"[{broken"}), "damaged"),
        (lambda d: rewrite(d, {"manifest.json": b'{"app": "other"}'}), "not a Knee Clinic export"),
    ],
)
def test_a_tampered_truncated_or_newer_export_is_refused_and_nothing_is_imported(
    tmp_path: Path, alice: User, tamper: Any, message: str
) -> None:
    from django.utils import timezone

    from kneeclinic.activities.models import Activity

    Activity.objects.create(runner=alice, name="Mine", start=timezone.now(), elapsed_s=60)
    Activity.objects.create(runner=alice, name="Mine too", start=timezone.now(), elapsed_s=90)
    data = export_bytes(alice, tmp_path)
    newcomer = make_user("new@example.com")
    with pytest.raises(TransferError, match=message):
        import_export(newcomer, tamper(data))
    counts: dict[type[models.Model], list[models.Model]] = privacy.owned_records(newcomer)
    assert set(privacy.model_label(m) for m in counts) <= {"accounts.user"}
