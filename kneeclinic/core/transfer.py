"""Bring an export from another Knee Clinic install back in: everything, once, or nothing.

The records are read with Django's own deserialiser, then saved model by model in dependency order,
with every foreign key remapped to the rows of this install. The whole import is one transaction: a
tampered, truncated or too-new file leaves nothing behind. Records that carry a ``code`` (UUID) and
already exist are recognised and skipped, and so are their children: importing twice adds nothing.
"""

from __future__ import annotations

import enum
import io
import json
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.serializers.base import DeserializationError
from django.db import models, transaction

from kneeclinic.accounts.models import User
from kneeclinic.core.privacy import EXPORT_FORMAT

MAX_MEMBERS = 100_000
MAX_TOTAL_BYTES = 2 * 1024**3
MAX_RATIO = 200
USER_FIELDS_TAKEN = ("name", "units", "time_zone", "date_style", "sore_knee")
# Rows that only make sense on the install that wrote them.
SKIPPED_MODELS = frozenset({"accounts.carelink", "accounts.user"})


class _Skip(enum.Enum):
    NOT_MOVED = "not moved"
    ALREADY_HERE = "already here"


class TransferError(Exception):
    """An export we cannot import, with the reason in words."""


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    existing: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Records another person wrote (a physio's notes) stay with the install that holds them.
    not_moved: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    files: int = 0


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise TransferError("This is not a ZIP file, or it is damaged or cut short.") from None
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise TransferError("This archive holds too many files to be a Knee Clinic export.")
    if sum(i.file_size for i in infos) > MAX_TOTAL_BYTES:
        raise TransferError("This archive unpacks to more than 2 GB; it is not an export we made.")
    for info in infos:
        if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > 10**6:
            raise TransferError(f"{info.filename} is compressed suspiciously well; refused.")
        if info.filename.startswith("/") or ".." in info.filename.split("/"):
            raise TransferError(f"{info.filename} has an unsafe name; refused.")
    return archive


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError:
        raise TransferError(f"The export has no {name}; it may be incomplete.") from None
    except (zipfile.BadZipFile, EOFError, OSError):
        raise TransferError(f"{name} in the export is damaged or cut short.") from None


def _manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(_read(archive, "manifest.json"))
    except ValueError:
        raise TransferError("The export's manifest is not valid JSON.") from None
    if not isinstance(manifest, dict) or manifest.get("app") != "kneeclinic":
        raise TransferError("This ZIP is not a Knee Clinic export.")
    version = manifest.get("format")
    if not isinstance(version, int):
        raise TransferError("The export's manifest has no format version.")
    if version > EXPORT_FORMAT:
        raise TransferError(
            "This export comes from a newer version of Knee Clinic. Update this install first."
        )
    return manifest


def _ordered_labels(labels: Iterable[str]) -> list[str]:
    """Models ordered so that each comes after the models its foreign keys point to."""
    remaining = {label: apps.get_model(label) for label in labels}
    ordered: list[str] = []
    while remaining:
        ready = sorted(
            label
            for label, model in remaining.items()
            if not any(
                f"{f.related_model._meta.app_label}.{f.related_model._meta.model_name}" in remaining
                and f.related_model is not model
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model is not None
            )
        )
        if not ready:
            raise TransferError("The export's records refer to each other in a loop.")
        for label in ready:
            ordered.append(label)
            del remaining[label]
    return ordered


def import_export(user: User, data: bytes) -> ImportResult:
    """Import an export ZIP into ``user``'s account, atomically and idempotently."""
    archive = _open(data)
    manifest = _manifest(archive)
    labels = [label for label in manifest.get("counts", {}) if label not in {"accounts.user"}]
    for label in labels:
        try:
            apps.get_model(label)
        except (LookupError, ValueError):
            raise TransferError(
                f"The export holds records this install does not know ({label})."
            ) from None
    importer = _Importer(user, archive, manifest)
    with transaction.atomic():
        importer.take_user_preferences()
        for label in _ordered_labels(labels):
            if label not in SKIPPED_MODELS:
                importer.import_model(label)
    return importer.result


class _Importer:
    def __init__(self, user: User, archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
        self.user = user
        self.archive = archive
        self.manifest = manifest
        self.result = ImportResult()
        self.old_user_pk: Any = None
        # model -> old pk -> (new pk, created now?)
        self.mapping: dict[type[models.Model], dict[Any, tuple[Any, bool]]] = defaultdict(dict)
        self.files_by_sha = {
            name.split("/", 1)[1].split("-", 1)[0]: name
            for name in archive.namelist()
            if name.startswith("files/")
        }

    def _records(self, label: str) -> list[Any]:
        raw = _read(self.archive, f"records/{label}.json")
        try:
            return list(serializers.deserialize("json", raw, ignorenonexistent=True))
        except DeserializationError as exc:
            raise TransferError(f"The records in {label} are damaged: {exc}") from None

    def take_user_preferences(self) -> None:
        records = json.loads(_read(self.archive, "records/accounts.user.json"))
        if len(records) != 1:
            raise TransferError("The export should hold exactly one account.")
        self.old_user_pk = records[0]["pk"]
        fields = records[0]["fields"]
        for name in USER_FIELDS_TAKEN:
            if name in fields:
                setattr(self.user, name, fields[name])
        self.user.full_clean(exclude=["password", "email"])
        self.user.save(update_fields=list(USER_FIELDS_TAKEN))

    def import_model(self, label: str) -> None:
        model = apps.get_model(label)
        for record in self._records(label):
            obj = record.object
            old_pk = obj.pk
            outcome = self._remap_relations(obj)
            if outcome is _Skip.NOT_MOVED:
                self.result.not_moved[label] += 1
                continue
            if outcome is _Skip.ALREADY_HERE:
                self.result.existing[label] += 1
                continue
            existing = self._existing(model, obj)
            if existing is not None:
                self.mapping[model][old_pk] = (existing, False)
                self.result.existing[label] += 1
                continue
            obj.pk = None
            if hasattr(obj, "id"):
                obj.id = None
            obj.save(force_insert=True)
            self.mapping[model][old_pk] = (obj.pk, True)
            self.result.created[label] += 1

    def _remap_relations(self, obj: models.Model) -> _Skip | None:
        """Point foreign keys at this install's rows; say why not when the record is skipped."""
        any_parent_existing = False
        for f in obj._meta.concrete_fields:
            if not f.is_relation or f.related_model is None:
                continue
            old = getattr(obj, f.attname)
            if old is None:
                continue
            related = f.related_model
            if related is User:
                if old != self.old_user_pk:
                    if not f.null:
                        return _Skip.NOT_MOVED
                    setattr(obj, f.attname, None)
                    continue
                setattr(obj, f.attname, self.user.pk)
            elif related._meta.label_lower == "activities.storedfile":
                setattr(obj, f.attname, self._stored_file(obj).pk)
            elif old in self.mapping[related]:
                new_pk, created = self.mapping[related][old]
                any_parent_existing = any_parent_existing or not created
                setattr(obj, f.attname, new_pk)
            elif f.null:
                setattr(obj, f.attname, None)
            else:
                return _Skip.NOT_MOVED  # its parent was not moved either
        # A child of a record that was already here is already here too, unless it has its own code.
        if any_parent_existing and not _has_code(obj):
            return _Skip.ALREADY_HERE
        return None

    def _stored_file(self, obj: models.Model) -> Any:
        from kneeclinic.activities import storage

        sha256 = str(getattr(obj, "sha256", ""))
        name = self.files_by_sha.get(sha256)
        if name is None:
            raise TransferError(f"The export lacks the original file {sha256[:12]}…; incomplete.")
        stored = storage.store_bytes(_read(self.archive, name))
        if stored.sha256 != sha256:
            raise TransferError("An original file in the export does not match its checksum.")
        self.result.files += 1
        return stored

    def _existing(self, model: type[models.Model], obj: models.Model) -> Any:
        """The pk of this record if it is already in the user's data, else None."""
        manager = model._default_manager
        if _has_code(obj):
            code = obj.code  # type: ignore[attr-defined]
            row = manager.filter(code=code).values_list("pk", flat=True).first()
            if row is None:
                return None
            if self._owned(model, row):
                return row
            obj.code = uuid.uuid4()  # type: ignore[attr-defined]  # someone else's code here
            return None
        one_to_one = [f for f in obj._meta.concrete_fields if f.one_to_one]
        for f in one_to_one:
            row = (
                manager.filter(**{f.attname: getattr(obj, f.attname)})
                .values_list("pk", flat=True)
                .first()
            )
            if row is not None:
                return row
        if one_to_one:
            return None
        same = {
            f.attname: getattr(obj, f.attname)
            for f in obj._meta.concrete_fields
            if not f.primary_key and not isinstance(f, models.BinaryField | models.JSONField)
        }
        return manager.filter(**same).values_list("pk", flat=True).first()

    def _owned(self, model: type[models.Model], pk: Any) -> bool:
        user_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is User
        ]
        if not user_fields:
            return True  # a child row: its parent's mapping already decided
        values = model._default_manager.filter(pk=pk).values(*user_fields).first() or {}
        return self.user.pk in values.values()


def _has_code(obj: models.Model) -> bool:
    return any(f.name == "code" for f in obj._meta.concrete_fields)
