"""Assessment notes: every save adds a version; nothing is edited in place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, OuterRef, Subquery

from kneeclinic.accounts.models import User
from kneeclinic.clinic.models import AssessmentNote, AssessmentNoteVersion

CONTENT_FIELDS = (
    "history",
    "examination",
    "imaging",
    "imaging_status",
    "imaging_result",
    "working_diagnosis",
    "plan",
    "free_text",
    "shared_with_runner",
)


@dataclass(frozen=True, slots=True)
class NoteView:
    note: AssessmentNote
    current: AssessmentNoteVersion
    version_count: int


def _content(data: dict[str, Any]) -> dict[str, Any]:
    return {
        name: data.get(name, "") or ("" if name != "shared_with_runner" else False)
        for name in CONTENT_FIELDS
    }


def create(runner: User, author: User, data: dict[str, Any]) -> AssessmentNote:
    with transaction.atomic():
        note = AssessmentNote.objects.create(
            runner=runner,
            author=author,
            **({"seen_on": data["seen_on"]} if data.get("seen_on") else {}),
        )
        AssessmentNoteVersion.objects.create(note=note, number=1, saved_by=author, **_content(data))
    return note


def revise(note: AssessmentNote, by: User, data: dict[str, Any]) -> AssessmentNoteVersion:
    with transaction.atomic():
        AssessmentNote.objects.select_for_update().filter(pk=note.pk).first()
        latest = note.versions.aggregate(n=Max("number"))["n"] or 0
        if data.get("seen_on") and data["seen_on"] != note.seen_on:
            AssessmentNote.objects.filter(pk=note.pk).update(seen_on=data["seen_on"])
        return AssessmentNoteVersion.objects.create(
            note=note,
            number=latest + 1,
            saved_by=by,
            change_reason=(data.get("change_reason") or "")[:200],
            **_content(data),
        )


def initial_from(version: AssessmentNoteVersion) -> dict[str, Any]:
    initial = {name: getattr(version, name) for name in CONTENT_FIELDS}
    initial["seen_on"] = version.note.seen_on
    return initial


def for_reader(reader: User, runner: User) -> list[NoteView]:
    """All notes for a clinician; for the runner themself, only those shared with them.

    Each note comes with its current version and its number of versions, in two queries
    however long the notes' histories grow (every save adds a version).
    """
    notes = list(
        AssessmentNote.objects.filter(runner=runner)
        .select_related("author")
        .annotate(version_count=Count("versions"))
    )
    newest = AssessmentNoteVersion.objects.filter(note=OuterRef("note")).order_by("-number")
    current = {
        version.note_id: version
        for version in AssessmentNoteVersion.objects.filter(
            note__runner=runner, number=Subquery(newest.values("number")[:1])
        )
    }
    views = [
        NoteView(note, current[note.pk], note.version_count) for note in notes if note.pk in current
    ]
    if reader.pk == runner.pk:
        return [view for view in views if view.current.shared_with_runner]
    return views


def shared_with(runner: User) -> list[NoteView]:
    return for_reader(runner, runner)
