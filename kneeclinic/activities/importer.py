"""Imports: resumable, a batch of files per transaction, parse workers reading ahead.

An import is a status row listing its uploads (kept by SHA-256). The worker claims it with a
conditional UPDATE and walks every file of every upload in a fixed order. Parse workers
(``sandbox``, two on a machine with two cores or more) read the files ahead of the writing:
a ZIP's files are read, inflated and hashed there, from where they lie in the stored upload
(the importer walks only the archives' directories, with every check of ``archive``), and
each file comes back hashed and parsed, its streams already packed and its cadence worked out
(``prepare``), and the files are written in batches (up to ``BATCH_FILES`` files or
``BATCH_SECONDS`` of work), each batch in one transaction: every file's outcome row, its
activities with their streams, laps, cadence and shoe, and the import's counts together. The
outcome row marks the file done, so a crash loses at most the batch under way, never part of
an activity, and a restarted import carries on after the last batch it finished. The same
bytes twice are a duplicate; the same run from another device or app (start within a minute,
distance within 3 %) becomes a visible, undoable merge into the run already there.
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import hashlib
import itertools
import logging
import time
import uuid
import zipfile
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.activities import prepare, storage
from kneeclinic.activities.models import (
    Activity,
    ActivityFile,
    ActivityStreams,
    Import,
    ImportFile,
    Merge,
    StoredFile,
)
from kneeclinic.activities.prepare import Cadence, Prepared, prepared
from kneeclinic.activities.rows import insert
from kneeclinic.activities.sandbox import (
    IMPORT_ENTRY,
    IMPORT_WORKERS,
    ParseSandbox,
    take_early_workers,
)
from kneeclinic.domain import activity as domain
from kneeclinic.domain.parsers import ParseError, archive

log = logging.getLogger(__name__)

MERGE_WINDOW_S = 60
"""Two files whose runs start within this many seconds may be the same run."""
MERGE_DISTANCE_FRACTION = 0.03
"""...and are, when their distances differ by no more than this fraction."""
STALE_AFTER_S = 120
"""A running import with no progress for this long lost its worker and may be claimed again."""
PARSE_WORKERS = IMPORT_WORKERS
"""Parse workers per import (defined beside the sandbox: the command starts them early)."""
READ_AHEAD = 32
"""Files handed to each parse worker before their results are asked for."""
BATCH_FILES = 100
BATCH_SECONDS = 0.5
"""A batch is written (and the progress shown) after this many files or seconds of work."""
Progress = Callable[[Import], None]


# --- creating and running imports ---------------------------------------------------------


def create_import(runner: User, uploads: Iterable[tuple[str, Iterable[bytes] | Path]]) -> Import:
    """Keep each uploaded file by content and create the import's status row (not started).

    An upload is its chunks, or the path of a file on this machine (copied by the kernel).
    """
    items = []
    for name, content in uploads:
        if isinstance(content, Path):
            stored = storage.store_path(content)
        else:
            stored = storage.store_chunks(content)
        items.append({"name": archive.display_name(name)[:300], "sha256": stored.sha256})
    return Import.objects.create(runner=runner, uploads=items)


def upload_of(file: UploadedFile[bytes]) -> tuple[str, Iterable[bytes] | Path]:
    """An uploaded file as ``create_import`` takes it: one Django spooled to disk (a large
    one) by its path, to be copied by the kernel, and a small one by its chunks."""
    spooled = getattr(file, "temporary_file_path", None)
    return file.name or "upload", Path(spooled()) if spooled is not None else file.chunks()


def enqueue(batch: Import) -> None:
    """Start the import in the background worker once the current transaction commits."""
    from kneeclinic.activities.tasks import run_import_task

    transaction.on_commit(lambda: run_import_task.enqueue(batch.pk))


def claim(batch_id: int, token: str) -> bool:
    """Take the import for this worker, unless another live worker has it (conditional UPDATE)."""
    now = timezone.now()
    stale = now - timedelta(seconds=STALE_AFTER_S)
    waiting = Q(status=Import.Status.QUEUED) | Q(
        status=Import.Status.RUNNING, heartbeat_at__lt=stale
    )
    taken = Import.objects.filter(waiting, pk=batch_id).update(
        status=Import.Status.RUNNING, claimed_by=token, heartbeat_at=now
    )
    return taken == 1


def needs_restart(batch: Import) -> bool:
    """True when an unfinished import has no live worker (killed, or its task was lost)."""
    if not batch.is_active:
        return False
    last = batch.heartbeat_at or batch.created_at
    return (timezone.now() - last).total_seconds() > STALE_AFTER_S


def start_workers() -> list[ParseSandbox]:
    """An import's parse workers, started: they load while the caller gets the import ready.

    Give them to ``run_import``, which closes them; a caller that does not get that far
    closes them itself (closing twice is harmless).
    """
    boxes = take_early_workers()  # started by the command before Django was set up
    boxes += [
        ParseSandbox(entry=IMPORT_ENTRY, setup=b"") for _ in range(PARSE_WORKERS - len(boxes))
    ]
    for box in boxes:
        box.start(wait=False)  # (a running worker is left as it is)
    return boxes


def run_import(
    batch_id: int, progress: Progress | None = None, workers: list[ParseSandbox] | None = None
) -> Import | None:
    """Import every file not yet done; the finished row, or None if another worker has it.

    ``workers`` are parse workers from ``start_workers`` (else they are started here).
    """
    token = uuid.uuid4().hex
    if not claim(batch_id, token):
        return None
    batch = Import.objects.select_related("runner").get(pk=batch_id)

    try:
        with contextlib.ExitStack() as stack, _commit_without_fsync():
            # the workers last the whole import, and load while we count and read what the
            # runner has: each hashes the files it reads, and skips those the runner has
            boxes = [stack.enter_context(box) for box in workers or start_workers()]
            if batch.total_files is None:
                batch.total_files = count_files(batch)
                Import.objects.filter(pk=batch.pk).update(total_files=batch.total_files)
            known = _Known.of(batch.runner)
            for box in boxes:
                box.setup = "\n".join(sorted(known.shas)).encode("ascii")
            _import_uploads(batch, progress, boxes, known)
    except Exception as exc:
        log.exception("import %s stopped", batch.code)
        Import.objects.filter(pk=batch.pk).update(
            status=Import.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:500],
            finished_at=timezone.now(),
        )
        raise
    Import.objects.filter(pk=batch.pk, claimed_by=token).update(
        status=Import.Status.DONE, finished_at=timezone.now(), current_file=""
    )
    batch.refresh_from_db()
    if progress is not None:
        progress(batch)
    return batch


@contextlib.contextmanager
def _commit_without_fsync() -> Iterator[None]:
    """On SQLite, commit each file without waiting for the disk (WAL, synchronous=NORMAL).

    A killed process loses nothing committed; a power cut may lose the last few files, which
    the import then reads again when it resumes, because their outcome rows went with them.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield  # PostgreSQL, or inside a caller's transaction (where SQLite cannot change it)
        return
    with connection.cursor() as cursor:
        previous = cursor.execute("PRAGMA synchronous").fetchone()[0]
        cursor.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={int(previous)}")


def count_files(batch: Import) -> int:
    """About how many files the uploads hold, from the ZIP directories only (for progress)."""
    return sum(_count(storage.path_of(upload["sha256"])) for upload in batch.uploads)


def _count(path: Any, depth: int = 0) -> int:
    try:
        with zipfile.ZipFile(path) as outer:
            total = 0
            for info in outer.infolist():
                if info.is_dir():
                    continue
                if depth == 0 and info.filename.lower().endswith(".zip"):
                    total += _count_part(outer, info)
                else:
                    total += 1
            return total
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return 1  # one activity file (or an archive we will refuse with a reason)


def _count_part(outer: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """The files of a ZIP inside the upload; a stored one (as a Garmin export's parts are)
    is read where it lies. A part we cannot open counts as the one failure it will be."""
    try:
        with archive.open_part(outer, info, lazy=True) as inner:
            return _count(inner, 1)
    except ParseError:
        return 1


def _members(upload: dict[str, Any]) -> Iterator[archive.Member]:
    """The upload's files; a ZIP's named where they lie, for the parse workers to read."""
    with storage.path_of(upload["sha256"]).open("rb") as stream:
        try:
            yield from archive.iter_members(upload["name"], stream, lazy=True)
        except ParseError as exc:
            yield archive.Member(upload["name"], archive.MemberStatus.FAILED, error=str(exc))


def _import_uploads(
    batch: Import, progress: Progress | None, boxes: list[ParseSandbox], known: _Known
) -> None:
    """Import every file not yet done, the workers reading ahead while we store."""
    done = set(ImportFile.objects.filter(batch=batch).values_list("upload_index", "member_index"))
    queue: deque[_Pending] = deque()
    writer = _Writer(batch, known, progress)

    def to_parse() -> Iterator[tuple[str, bytes]]:
        for upload_index, upload in enumerate(batch.uploads):
            stored = StoredFile.objects.get(sha256=upload["sha256"])
            source = _Source(stored, storage.is_zip(stored))
            path = str(storage.path_of(stored.sha256).resolve())
            for member_index, member in enumerate(_members(upload)):
                if (upload_index, member_index) in done:
                    continue  # finished before a restart
                pending = _prepare(known, member_index, member, upload_index, source)
                queue.append(pending)
                if pending.outcome is None:
                    if member.ref is not None:
                        yield member.name, prepare.member_request(path, member.ref)
                    else:
                        assert member.data is not None  # noqa: S101 - a file to parse has bytes
                        yield member.name, prepare.file_request(member.data)

    # The k-th file to parse goes to worker k % n, and its result is taken from there.
    feeds = _deal(to_parse(), len(boxes))
    results = [
        box.parse_many(feed, ahead=READ_AHEAD) for box, feed in zip(boxes, feeds, strict=True)
    ]
    for turn in itertools.count():
        reply = next(results[turn % len(results)], None)
        if reply is None:
            break
        while queue[0].outcome is not None:  # files that needed no parsing come first
            writer.add(queue.popleft(), None)
        writer.add(*_received(queue.popleft(), reply))
    while queue:
        writer.add(queue.popleft(), None)
    writer.flush()


def _deal(items: Iterator[tuple[str, bytes]], hands: int) -> list[Iterator[tuple[str, bytes]]]:
    """Deal ``items`` round-robin into ``hands`` iterators, each drawing only when asked."""
    held: list[deque[tuple[str, bytes]]] = [deque() for _ in range(hands)]
    dealt = itertools.count()

    def hand(index: int) -> Iterator[tuple[str, bytes]]:
        while True:
            if held[index]:
                yield held[index].popleft()
                continue
            item = next(items, None)
            if item is None:
                return
            owner = next(dealt) % hands
            if owner == index:
                yield item
            else:
                held[owner].append(item)

    return [hand(index) for index in range(hands)]


Parsed = list[Prepared] | ParseError | None


def _received(
    pending: _Pending, reply: prepare.Read | list[domain.Activity] | ParseError
) -> tuple[_Pending, Parsed]:
    """A file with the worker's answer: its hash, and its activities, its failure or that the
    runner has it already."""
    if not isinstance(reply, prepare.Read):
        return pending, _as_prepared(reply)
    pending = dataclasses.replace(pending, sha256=reply.sha256)
    if reply.known:
        return dataclasses.replace(pending, outcome=_ALREADY), None
    if reply.error:
        return pending, ParseError(reply.error)
    return pending, reply.activities


def _as_prepared(parsed: list[domain.Activity] | list[Prepared] | ParseError) -> Parsed:
    """A worker's answer as prepared activities (a bare parser's activities are prepared here)."""
    if isinstance(parsed, ParseError):
        return parsed
    return [item if isinstance(item, Prepared) else prepared(item) for item in parsed]


class _Writer:
    """Collects files with their results and writes them a batch per transaction."""

    def __init__(self, batch: Import, known: _Known, progress: Progress | None) -> None:
        self.batch = batch
        self.known = known
        self.progress = progress
        self.items: list[tuple[_Pending, Parsed]] = []
        self.began = 0.0

    def add(self, pending: _Pending, parsed: Parsed) -> None:
        if not self.items:
            self.began = time.monotonic()
        self.items.append((pending, parsed))
        if len(self.items) >= BATCH_FILES or time.monotonic() - self.began >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> list[Outcome]:
        if not self.items:
            return []
        outcomes = _write(self.batch, self.items, self.known)
        self.items = []
        if self.progress is not None:
            self.batch.refresh_from_db()
            self.progress(self.batch)
        return outcomes


# --- one file -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str
    error: str = ""


@dataclass(frozen=True, slots=True)
class _Source:
    """The stored upload a file came from, and whether it is a ZIP holding it."""

    stored: StoredFile
    archive: bool


@dataclass(frozen=True, slots=True)
class _Pending:
    member_index: int
    member: archive.Member
    sha256: str
    outcome: Outcome | None  # known without parsing (skipped, refused, already imported)
    upload_index: int
    source: _Source | None  # None: a file of its own, stored when it imports


def _prepare(
    known: _Known,
    member_index: int,
    member: archive.Member,
    upload_index: int,
    source: _Source | None,
) -> _Pending:
    sha256 = hashlib.sha256(member.data).hexdigest() if member.data is not None else ""
    outcome = None
    if member.status is archive.MemberStatus.SKIPPED:
        outcome = Outcome(ImportFile.Status.SKIPPED, member.error)
    elif member.status is archive.MemberStatus.FAILED or (
        member.data is None and member.ref is None
    ):
        outcome = Outcome(ImportFile.Status.FAILED, member.error or "this file could not be read")
    elif sha256 in known.shas:
        outcome = _ALREADY
    return _Pending(member_index, member, sha256, outcome, upload_index, source)


_ALREADY = Outcome("duplicate", "this file was imported before")


@dataclass(slots=True)
class _Known:
    """What the runner has already, read once per import and kept up to date as files land.

    The hashes of every file imported (or merged) and the start and distance of every run,
    so that duplicates and merges cost no query per file. A run is its id, or the row itself
    while its batch is being written. (A run entered by hand while an import is under way is
    not seen by that import.)
    """

    shas: set[str]
    starts: list[float]  # unix seconds, sorted
    runs: list[tuple[float, float | None, int | Activity]]  # (start, distance, run), same order

    @classmethod
    def of(cls, runner: User) -> _Known:
        shas = set(
            ActivityFile.objects.filter(activity__runner=runner).values_list("sha256", flat=True)
        )
        shas.update(Merge.objects.filter(kept__runner=runner).values_list("sha256", flat=True))
        rows = Activity.objects.filter(runner=runner).values_list("start", "distance_m", "pk")
        runs: list[tuple[float, float | None, int | Activity]] = sorted(
            (start.timestamp(), distance, pk) for start, distance, pk in rows
        )
        return cls(shas, [run[0] for run in runs], runs)

    def add(self, activity: Activity) -> None:
        start = activity.start.timestamp()
        at = bisect.bisect(self.starts, start)
        self.starts.insert(at, start)
        self.runs.insert(at, (start, activity.distance_m, activity))

    def settle(self) -> None:
        """Keep the ids of runs just written, not the rows (they hold streams and cadence)."""
        self.runs = [
            (start, distance, run.pk if isinstance(run, Activity) else run)
            for start, distance, run in self.runs
        ]

    def same_run(self, item: domain.Activity) -> int | Activity | None:
        """The run that starts within a minute and has the same distance (3 %), if any."""
        start = item.start.timestamp()
        first = bisect.bisect_left(self.starts, start - MERGE_WINDOW_S)
        last = bisect.bisect_right(self.starts, start + MERGE_WINDOW_S)
        for _, distance, run in self.runs[first:last]:
            if same_distance(item.distance_m, distance):
                return run
        return None


def same_distance(one: float | None, other: float | None) -> bool:
    """Within 3 % of each other; two runs without a distance count as the same."""
    if one is None or other is None:
        return one is None and other is None
    return abs(one - other) <= MERGE_DISTANCE_FRACTION * max(one, other, 1.0)


def import_member(
    batch: Import,
    upload_index: int,
    member_index: int,
    member: archive.Member,
    parser: Parser | None = None,
) -> Outcome:
    """Read one file and write its outcome and activities in one transaction."""
    known = _Known.of(batch.runner)
    pending = _prepare(known, member_index, member, upload_index, None)
    parsed: Parsed = None
    if pending.outcome is None:
        assert member.data is not None  # noqa: S101 - a file to parse has bytes
        try:
            parsed = _as_prepared((parser or parse_file)(member.name, member.data))
        except ParseError as exc:
            parsed = exc
    [outcome] = _write(batch, [(pending, parsed)], known)
    return outcome


@dataclass(slots=True)
class _Rows:
    """The rows of one batch, made in memory and then written a table at a time."""

    outcomes: list[ImportFile]
    activities: list[Activity]
    streams: list[ActivityStreams]
    files: list[ActivityFile]
    merges: list[Merge]
    analysed: list[tuple[Activity, Cadence | None]]
    gear: list[tuple[Activity, str]]


def _write(batch: Import, items: list[tuple[_Pending, Parsed]], known: _Known) -> list[Outcome]:
    """Write a batch of files in one transaction: outcomes, activities, the import's counts.

    ``known`` is checked again here: the workers read ahead, so a second copy of a file may
    be parsed before the first is stored, and both may be in this batch.
    """
    rows = _Rows([], [], [], [], [], [], [])
    outcomes: list[Outcome] = []
    with transaction.atomic():
        for pending, parsed in items:
            member = pending.member
            outcome = pending.outcome or Outcome(ImportFile.Status.IMPORTED)
            if isinstance(parsed, ParseError):
                outcome = Outcome(ImportFile.Status.FAILED, str(parsed))
            if outcome.status == ImportFile.Status.IMPORTED and pending.sha256 in known.shas:
                outcome = _ALREADY  # the same file earlier in this very import
            record = ImportFile(
                batch=batch,
                upload_index=pending.upload_index,
                member_index=pending.member_index,
                name=member.name[:300],
                sha256=pending.sha256,
            )
            if outcome.status == ImportFile.Status.IMPORTED and isinstance(parsed, list):
                source = pending.source
                if source is None:  # a file of its own, parsed here from its bytes
                    assert member.data is not None  # noqa: S101 - parsed implies bytes
                    source = _Source(storage.store_bytes(member.data), False)
                where = (source.stored, pending.member_index if source.archive else None)
                outcome = _plan(batch.runner, parsed, record, where, member, known, rows)
                known.shas.add(pending.sha256)
            record.status, record.error = outcome.status, outcome.error
            rows.outcomes.append(record)
            outcomes.append(outcome)
        insert(rows.outcomes, returning=True)
        insert(rows.activities, returning=True)
        insert(rows.streams)
        insert(rows.files)
        Merge.objects.bulk_create(rows.merges)  # few
        known.settle()
        gear = {activity.pk: name for activity, name in rows.gear}
        services.after_import_many(rows.analysed, gear or None)
        counts = Counter(_COUNTERS[ImportFile.Status(o.status)] for o in outcomes)
        Import.objects.filter(pk=batch.pk).update(
            done_files=F("done_files") + len(items),
            current_file=items[-1][0].member.name[:300],
            heartbeat_at=timezone.now(),
            **{counter: F(counter) + n for counter, n in counts.items()},
        )
    return outcomes


_COUNTERS = {
    ImportFile.Status.IMPORTED: "imported",
    ImportFile.Status.DUPLICATE: "duplicates",
    ImportFile.Status.FAILED: "failed",
    ImportFile.Status.SKIPPED: "skipped",
}


Parser = Callable[[str, bytes], list[domain.Activity]]


def parse_file(name: str, data: bytes) -> list[domain.Activity]:
    """One file parsed in the shared sandbox worker (a child process with limits)."""
    from kneeclinic.activities.sandbox import parse_in_sandbox

    return parse_in_sandbox(name, data)


def _plan(
    runner: User,
    parsed: list[Prepared],
    record: ImportFile,
    where: tuple[StoredFile, int | None],
    member: archive.Member,
    known: _Known,
    rows: _Rows,
) -> Outcome:
    """Add one file's runs (or its merges into runs already there) to the batch's rows."""
    stored, member_index = where
    created = 0
    merged: list[Activity] = []
    for index, ready in enumerate(parsed):
        item = ready.activity
        same = known.same_run(item)
        if same is not None:
            kept = same if isinstance(same, Activity) else Activity.objects.get(pk=same)
            rows.merges.append(
                Merge(
                    kept=kept,
                    name=member.name[:300],
                    sha256=record.sha256,
                    stored=stored,
                    member_index=member_index,
                    session_index=index,
                    source_format=item.source_format,
                    start=item.start,
                    distance_m=item.distance_m,
                    device=item.device[:120],
                    import_file=record,
                )
            )
            merged.append(kept)
            continue
        activity = services.new_activity(runner, item, member.metadata)
        known.add(activity)
        rows.activities.append(activity)
        if ready.points or ready.laps:  # as services.streams_row
            rows.streams.append(
                ActivityStreams(
                    activity=activity, blob=ready.blob, points=ready.points, laps=ready.laps
                )
            )
        rows.files.append(
            ActivityFile(
                activity=activity,
                sha256=record.sha256,
                name=member.name[:300],
                stored=stored,
                member_index=member_index,
                session_index=index,
                source_format=item.source_format,
                import_file=record,
            )
        )
        rows.analysed.append((activity, ready.cadence))
        if member.metadata is not None and member.metadata.gear:
            rows.gear.append((activity, member.metadata.gear))
        created += 1
    if created:
        return Outcome(ImportFile.Status.IMPORTED)
    kept = merged[0]
    return Outcome(
        ImportFile.Status.DUPLICATE,
        f"the same run as one already there ({kept.name or 'a run'} on {kept.start:%Y-%m-%d})",
    )


# --- merges -----------------------------------------------------------------------------------


def undo_merge(merge: Merge) -> Activity | None:
    """Import the merged file as a run of its own. Returns it (None if the file no longer reads)."""
    data = storage.read_original(merge.stored, merge.member_index)
    parsed = parse_file(merge.name, data)
    if merge.session_index >= len(parsed):
        return None
    item = parsed[merge.session_index]
    runner = merge.kept.runner
    with transaction.atomic():
        activity = services.create_activity(runner, item)
        ActivityFile.objects.create(
            activity=activity,
            sha256=merge.sha256,
            name=merge.name,
            stored=merge.stored,
            member_index=merge.member_index,
            session_index=merge.session_index,
            source_format=merge.source_format,
            import_file=merge.import_file,
        )
        merge.delete()
        services.after_import([(activity, item)], None)
    return activity


# At the end: services re-exports the import verbs, and each module needs the other's names
# only when called.
from kneeclinic.activities import services  # noqa: E402
