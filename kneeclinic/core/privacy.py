"""Your data is yours: everything about a runner, exported as one ZIP, and erased on request.

"Everything about a runner" is defined once, by the database itself: the rows that deleting the
account would delete (Django's deletion collector follows every foreign key), so a new model that
belongs to a runner is exported and erased without anyone remembering to add it here.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, models, transaction
from django.db.models.deletion import Collector
from django.utils import timezone

from kneeclinic import __version__
from kneeclinic.accounts.models import User
from kneeclinic.core.models import DataExport, ErasureRequest

logger = logging.getLogger(__name__)
EXPORT_FORMAT = 1
EXPORT_LINK_LIFETIME = timedelta(days=7)
ERASURE_GRACE = timedelta(days=7)
# Never exported: secrets and internal bookkeeping.
EXCLUDED_MODELS = frozenset(
    {
        "core.apitoken",
        "core.calendarfeed",
        "core.dataexport",
        "core.erasurerequest",
        "core.idempotentrequest",  # the API's kept answers to retried writes, gone within a day
        # Sign-in secrets, not the person's data: an export must not carry a second factor.
        "accounts.totpdevice",
        "accounts.recoverycode",
    }
)
EXCLUDED_USER_FIELDS = ("password", "is_superuser", "is_staff", "groups", "user_permissions")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The runner's own words in rows that would otherwise outlive the account with the link to it
# merely cleared (SET_NULL): deleted with the account. (A request for an assessment sent to a
# clinic is the clinic's correspondence and stays with it: docs/privacy.md.)
ERASED_WITH_ACCOUNT = (("knowledge.TopicSuggestion", "suggested_by"),)

README = """Your Knee Clinic data
=====================

This archive holds everything Knee Clinic keeps about you, as it was on {created}.

records/   One JSON file per kind of record (for example activities.activity.json for your runs,
           symptoms.painentry.json for your pain diary). Each record has its fields as stored,
           with distances in metres, durations in seconds and times in UTC.
tables/    The same records as CSV files that a spreadsheet opens. Cells that begin with = + - @
           are prefixed with a ' so that a spreadsheet shows them as text, never runs them.
files/     The original activity files you imported (FIT, GPX, TCX), named by their SHA-256
           checksum followed by their original name.
manifest.json  The export's version, when it was made, and a count of each kind of record.

To move to another Knee Clinic install, upload this ZIP on its "Your data" page: everything comes
back, and uploading it twice adds nothing twice.
"""


def model_label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def owned_records(user: User) -> dict[type[models.Model], list[models.Model]]:
    """Every row that belongs to ``user``: what deleting the account would delete."""
    collector = Collector(using=DEFAULT_DB_ALIAS, force_collection=True)
    collector.collect([user])
    found: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    for model, instances in collector.data.items():
        if model_label(model) in EXCLUDED_MODELS:
            continue
        found[model].extend(sorted(instances, key=lambda obj: obj.pk))
    return dict(found)


class FullPrecisionEncoder(DjangoJSONEncoder):
    """Django's encoder drops microseconds from times; an export must keep them exactly."""

    def default(self, o: object) -> Any:
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def _serialize(objects: list[models.Model]) -> list[dict[str, Any]]:
    return list(json.loads(serializers.serialize("json", objects, cls=FullPrecisionEncoder)))


def _user_record(user: User) -> dict[str, Any]:
    data = _serialize([user])[0]
    for name in EXCLUDED_USER_FIELDS:
        data["fields"].pop(name, None)
    return dict(data)


def _records_json(model: type[models.Model], objects: list[models.Model]) -> list[dict[str, Any]]:
    if model is User:
        return [_user_record(obj) for obj in objects]  # type: ignore[arg-type]
    return _serialize(objects)


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text: formulas are neutralised with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _records_csv(records: list[dict[str, Any]]) -> str:
    columns: list[str] = ["pk"]
    for record in records:
        for name in record["fields"]:
            if name not in columns:
                columns.append(name)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for record in records:
        row = [record["pk"]] + [
            json.dumps(v) if isinstance(v, dict | list) else v
            for v in (record["fields"].get(name) for name in columns[1:])
        ]
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def _original_files(records: dict[type[models.Model], list[models.Model]]) -> dict[str, Path]:
    """The stored originals referenced by the runner's records, by archive name."""
    from kneeclinic.activities import storage

    files: dict[str, Path] = {}
    for objects in records.values():
        for obj in objects:
            stored = getattr(obj, "stored", None)
            sha256 = getattr(stored, "sha256", None)
            if isinstance(sha256, str):
                name = Path(str(getattr(obj, "name", "") or "file")).name
                files[f"files/{sha256}-{name}"] = storage.path_of(sha256)
    return files


def write_export(
    user: User, destination: Path, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Write the user's ZIP to ``destination``; returns the count of each kind of record."""
    records = owned_records(user)
    originals = _original_files(records)
    total = len(records) + len(originals)
    done = 0
    counts: dict[str, int] = {}
    created = timezone.now()
    tmp = destination.with_suffix(".partial")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for model, objects in sorted(records.items(), key=lambda item: model_label(item[0])):
            label = model_label(model)
            as_json = _records_json(model, objects)
            counts[label] = len(as_json)
            archive.writestr(f"records/{label}.json", json.dumps(as_json, indent=1))
            archive.writestr(f"tables/{label}.csv", _records_csv(as_json))
            done += 1
            if progress:
                progress(done, total)
        for arcname, path in sorted(originals.items()):
            if path.exists():
                archive.write(path, arcname)
            done += 1
            if progress:
                progress(done, total)
        manifest = {
            "format": EXPORT_FORMAT,
            "app": "kneeclinic",
            "version": __version__,
            "created": created.isoformat(),
            "user": str(user.code),
            "counts": counts,
            "files": len(originals),
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr(
            "README.txt", README.format(created=created.strftime("%d %B %Y %H:%M UTC"))
        )
    tmp.replace(destination)
    destination.chmod(0o600)
    return counts


def exports_dir() -> Path:
    path = Path(settings.DATA_DIR) / "exports"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def start_export(user: User) -> DataExport:
    return DataExport.objects.create(runner=user, expires_at=timezone.now() + EXPORT_LINK_LIFETIME)


def build_export(export_id: int) -> None:
    """Build one export (the background task's body). Running it twice is harmless."""
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.QUEUED).update(
        status=DataExport.Status.RUNNING
    )
    if not claimed:
        return
    export = DataExport.objects.select_related("runner").get(pk=export_id)
    destination = exports_dir() / f"{export.code}.zip"

    def progress(done: int, total: int) -> None:
        DataExport.objects.filter(pk=export_id).update(done=done, total=total)

    try:
        write_export(export.runner, destination, progress)
    except Exception as exc:
        DataExport.objects.filter(pk=export_id).update(
            status=DataExport.Status.FAILED, error=str(exc)[:500]
        )
        raise
    DataExport.objects.filter(pk=export_id).update(
        status=DataExport.Status.READY, size=destination.stat().st_size, finished_at=timezone.now()
    )


def export_file(export: DataExport) -> Path | None:
    """The export's file while its link is valid, else None (and an expired file is removed)."""
    path = exports_dir() / f"{export.code}.zip"
    if export.expires_at <= timezone.now():
        path.unlink(missing_ok=True)
        return None
    return path if export.status == DataExport.Status.READY and path.exists() else None


def remove_expired_exports() -> int:
    expired = DataExport.objects.filter(expires_at__lte=timezone.now())
    for export in expired:
        (exports_dir() / f"{export.code}.zip").unlink(missing_ok=True)
    return int(expired.delete()[0])


# ---------- erasure ----------


def request_erasure(user: User) -> ErasureRequest:
    """Schedule the account's erasure after the grace period; cancellable until then."""
    pending = ErasureRequest.objects.filter(user=user, cancelled_at=None, completed_at=None).first()
    if pending is not None:
        return pending
    now = timezone.now()
    return ErasureRequest.objects.create(user=user, requested_at=now, due_at=now + ERASURE_GRACE)


def cancel_erasure(user: User) -> bool:
    return bool(
        ErasureRequest.objects.filter(user=user, cancelled_at=None, completed_at=None).update(
            cancelled_at=timezone.now()
        )
    )


def pending_erasure(user: User) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(user=user, cancelled_at=None, completed_at=None).first()


def erase_due(now: datetime | None = None) -> int:
    """Erase every account whose grace period has ended. Returns how many were erased."""
    now = now or timezone.now()
    due = ErasureRequest.objects.filter(cancelled_at=None, completed_at=None, due_at__lte=now)
    erased = 0
    for request in due.select_related("user"):
        if request.user is not None:
            erase_account(request.user)
            erased += 1
    return erased


def erase_account(user: User) -> None:
    """Delete the account and every record that belongs to it, then files nobody else uses.

    Kept: the erasure request itself (who, when requested, when done), with no personal data
    beyond the fact that an erasure happened. See docs/privacy.md.
    """
    from kneeclinic.activities import storage
    from kneeclinic.activities.models import StoredFile

    records = owned_records(user)
    shas = {
        str(getattr(getattr(obj, "stored", None), "sha256", ""))
        for objects in records.values()
        for obj in objects
    } - {""}
    exports = list(DataExport.objects.filter(runner=user).values_list("code", flat=True))
    with transaction.atomic():
        ErasureRequest.objects.filter(user=user, completed_at=None, cancelled_at=None).update(
            completed_at=timezone.now(), user_code=user.code
        )
        _record_erasure_in_audit(user)
        for label, field in ERASED_WITH_ACCOUNT:
            apps.get_model(label).objects.filter(**{field: user}).delete()
        user.delete()
        orphan_shas = [f.sha256 for f in _unreferenced(StoredFile.objects.filter(sha256__in=shas))]
        StoredFile.objects.filter(sha256__in=orphan_shas).delete()
    for sha in orphan_shas:
        storage.path_of(sha).unlink(missing_ok=True)
    for code in exports:
        (exports_dir() / f"{code}.zip").unlink(missing_ok=True)
    # Once committed (at once, unless a caller's transaction is still open).
    transaction.on_commit(_flush_sqlite_wal)


def _flush_sqlite_wal() -> None:
    """Move SQLite's write-ahead log into the database file and empty it.

    ``secure_delete`` overwrites the deleted rows in the database's pages, but the WAL still
    holds earlier copies of those pages (with the erased text) until a checkpoint resets it;
    a running server, whose connections stay open, may never truncate it by itself.
    """
    if connection.vendor != "sqlite":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = cursor.fetchone()[0]
    except DatabaseError as exc:
        busy = str(exc)
    if busy:
        logger.warning(
            "erasure: open readers kept the WAL from being emptied; a later checkpoint will"
        )


def _unreferenced(files: models.QuerySet[Any]) -> list[Any]:
    """Stored files that no remaining row points at (another runner may share a file)."""
    keep: list[Any] = []
    for stored in files:
        referenced = any(
            relation.related_model.objects.filter(**{relation.field.name: stored}).exists()
            for relation in stored._meta.related_objects
        )
        if not referenced:
            keep.append(stored)
    return keep


def _record_erasure_in_audit(user: User) -> None:
    try:
        from kneeclinic.clinic import audit
    except ImportError:
        return
    recorder = getattr(audit, "record_erasure", None)
    if recorder is not None:
        recorder(user)


def erasure_summary() -> Iterable[str]:
    """What is kept after an erasure, in words (shown on the page)."""
    return (
        "A record that an account was erased, and when: not your name, email or any health data.",
        "Audit entries saying that a physio viewed your record, without the record itself.",
        "Backups made before the erasure, until they expire under the server's backup rotation.",
    )
