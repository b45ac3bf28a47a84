"""Open ZIP archives and gzip files safely, and name every member with what became of it.

An upload is either one activity file or a ZIP archive: a Garmin Connect full export,
a Strava bulk export, or any ZIP of activity files. ``expand`` (or the lazy
``iter_members``) gives one ``Member`` per file in it: ready to parse, failed with a reason,
or skipped as not an activity file. The rules are those of the upload policy (security
design, section 3.3) with their numbers in ``limits``:

* member count, declared total size and overlapping entries are checked for the whole
  archive before any member is read; a failure refuses the archive;
* names that are absolute, climb out (``..``), use backslashes, NUL, control characters or
  drive letters, duplicated names, encrypted members and symbolic links are refused one by one;
* each member is read through ``zipfile`` (bounded by its declared size and CRC) only
  after its declared size and compression ratio pass;
* gzip data is inflated with a hard cap on the output.

Nested archives: the policy allows one level of ZIP and only ``.gz`` inside. Garmin
Connect's real export, however, keeps the original uploads as ZIP parts of about a
thousand files each under ``DI_CONNECT/DI-Connect-Uploaded-Files/``. We therefore open
exactly one nested level of ZIP, and only in that folder, with the same guards (its
members count towards the same 2 GB budget). Elsewhere a ZIP inside a ZIP is refused.

Read lazily (``iter_members(..., lazy=True)``), members come without their bytes: each ready
one names where it lies (``MemberRef``), every check above made, and a ``MemberReader`` on the
same upload reads it later, in a parse worker, through the same bounded ``zipfile`` read. A
stored nested part is then opened where it lies in the upload instead of being read through.
"""

from __future__ import annotations

import csv
import dataclasses
import enum
import io
import re
import stat
import struct
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

from isal import isal_zlib

from kneeclinic.domain.activity import ParseError, Sport
from kneeclinic.domain.parsers.limits import (
    MAX_ACTIVITY_BYTES,
    MAX_ARCHIVE_MEMBERS,
    MAX_ARCHIVE_TOTAL_BYTES,
    MAX_CSV_BYTES,
    MAX_FIT_BYTES,
    MAX_MEMBER_NAME_CHARS,
    MAX_MEMBER_RATIO,
    MAX_NESTED_ZIP_BYTES,
    MAX_NESTED_ZIP_DEPTH,
    MAX_XML_BYTES,
    MB,
    MIN_RATIO_CHECK_BYTES,
)
from kneeclinic.domain.parsers.sniff import Kind, kind_from_name, sniff
from kneeclinic.domain.parsers.track import sport_from_label

GARMIN_UPLOADS_FOLDER = "di-connect-uploaded-files"
STRAVA_INDEX = "activities.csv"
MAX_DISPLAY_CHARS = 200

_LOCAL_HEADER_BYTES = 30
_INFLATE_ERROR = cast(type[Exception], isal_zlib.error)  # its stub says an instance
_DRIVE_LETTER = re.compile(r"\A[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ACTIVITY_KINDS = {Kind.FIT: MAX_FIT_BYTES, Kind.GPX: MAX_XML_BYTES, Kind.TCX: MAX_XML_BYTES}
_JUNK_PREFIXES = ("__MACOSX/", ".")


class MemberStatus(enum.StrEnum):
    """What the importer should do with a member."""

    READY = "ready"  # bytes to parse
    FAILED = "failed"  # refused, with the reason
    SKIPPED = "skipped"  # not an activity file (photos, JSON, CSV), with the reason


@dataclass(frozen=True, slots=True)
class ExportMetadata:
    """What an export's index (Strava's activities.csv) says about one activity file."""

    name: str = ""
    sport_label: str = ""
    sport: Sport | None = None
    gear: str = ""
    description: str = ""
    activity_id: str = ""


@dataclass(frozen=True, slots=True)
class MemberRef:
    """Where a ready member lies in its upload: the position of each archive entry on the way
    (in its archive's directory, outermost first), and the most it may unpack to."""

    path: tuple[int, ...]
    limit: int


@dataclass(frozen=True, slots=True, eq=False)
class Member:
    """One file of an upload: its display name, and its bytes (or where they lie) or why it
    has none."""

    name: str
    status: MemberStatus
    data: bytes | None = None
    error: str = ""
    metadata: ExportMetadata | None = None
    ref: MemberRef | None = None  # a ZIP's member read lazily: data is None


def gunzip(data: bytes, limit: int) -> bytes:
    """The content of gzip ``data``, refusing more than ``limit`` bytes of output."""
    out = bytearray()
    rest = data
    try:
        while rest[:2] == b"\x1f\x8b":
            inflater = isal_zlib.decompressobj(wbits=31)
            out += inflater.decompress(rest, limit + 1 - len(out))
            if len(out) > limit:
                raise ParseError(
                    f"this compressed file unpacks to more than {limit // MB} MB, "
                    "more than any activity file we accept"
                )
            if not inflater.eof:
                raise ParseError("this compressed file ends part-way: it may be truncated")
            rest = inflater.unused_data
    except _INFLATE_ERROR as exc:
        raise ParseError(f"this compressed file is damaged ({exc})") from None
    return bytes(out)


def expand(name: str, data: bytes | IO[bytes]) -> list[Member]:
    """Every member of an upload (one file gives one member), as a list."""
    return list(iter_members(name, data))


def iter_members(name: str, data: bytes | IO[bytes], *, lazy: bool = False) -> Iterator[Member]:
    """Every member of an upload, one at a time (so a big export is never all in memory).

    ``lazy``: a ZIP's ready members come with a ``ref`` instead of their bytes, for a
    ``MemberReader`` on the same upload (a single file still comes with its bytes).
    """
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    head = stream.read(SNIFF_HEAD)
    stream.seek(0)
    claimed, _ = kind_from_name(name)
    if sniff(head) is not Kind.ZIP:
        if claimed is Kind.ZIP:
            raise ParseError("this file is named .zip but is not a ZIP archive")
        payload = data if isinstance(data, bytes) else stream.read(MAX_ACTIVITY_BYTES + 1)
        if len(payload) > MAX_ACTIVITY_BYTES:
            yield Member(
                name=display_name(name),
                status=MemberStatus.FAILED,
                error=(
                    f"refused: this file is larger than the {MAX_ACTIVITY_BYTES // MB} MB "
                    "we accept for one activity"
                ),
            )
            return
        yield Member(name=display_name(name), status=MemberStatus.READY, data=payload)
        return
    yield from _zip_members(stream, _Walk("", 0, _Budget(), lazy, ()))


SNIFF_HEAD = 64 * 1024


class _Budget:
    """Declared uncompressed bytes still allowed in this upload, nested archives included."""

    def __init__(self) -> None:
        self.remaining = MAX_ARCHIVE_TOTAL_BYTES

    def spend(self, declared: int) -> None:
        self.remaining -= declared
        if self.remaining < 0:
            raise ParseError(
                f"this archive declares more than {MAX_ARCHIVE_TOTAL_BYTES // MB // 1024} GB "
                "of content once unpacked; split it into smaller archives"
            )


def _open_zip(stream: IO[bytes]) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(stream)
    except NotImplementedError as exc:  # e.g. a ZIP version zipfile does not read (fuzzing)
        raise ParseError(f"this ZIP archive uses a feature we cannot read ({exc})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise ParseError(f"this ZIP archive is damaged or incomplete ({exc})") from None


@dataclass(frozen=True, slots=True)
class _Walk:
    """Where the walk through an upload's archives is: the shown prefix, the depth, the
    budget they share, whether members are read now or later, and the path of entries."""

    prefix: str
    depth: int
    budget: _Budget
    lazy: bool
    path: tuple[int, ...]


def _zip_members(stream: IO[bytes], walk: _Walk) -> Iterator[Member]:
    archive = _open_zip(stream)
    with archive:
        infos = archive.infolist()
        if not infos:
            raise ParseError("this ZIP archive is empty")
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise ParseError(
                f"this archive holds {len(infos):,} files; we accept at most "
                f"{MAX_ARCHIVE_MEMBERS:,} in one archive"
            )
        walk.budget.spend(sum(info.file_size for info in infos))
        _refuse_overlaps(infos, getattr(archive, "start_dir", None))
        names = Counter(info.orig_filename for info in infos)
        index = _strava_index(archive, infos)
        for position, info in enumerate(infos):
            if info.orig_filename.endswith("/") and not _unsafe_name(info.orig_filename):
                continue  # a folder
            yield from _member(archive, info, position, walk, names, index)


def _member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    position: int,
    walk: _Walk,
    names: Counter[str],
    index: dict[str, ExportMetadata],
) -> Iterator[Member]:
    raw = info.orig_filename
    shown = walk.prefix + display_name(raw)

    def failed(reason: str) -> Member:
        return Member(name=shown, status=MemberStatus.FAILED, error=reason)

    def skipped(reason: str) -> Member:
        return Member(name=shown, status=MemberStatus.SKIPPED, error=reason)

    unsafe = _unsafe_name(raw)
    if unsafe:
        yield failed(f"refused for safety: its name {unsafe}")
        return
    if names[raw] > 1:
        yield failed("refused: this name appears more than once in the archive")
        return
    if info.flag_bits & 0x1:
        yield failed("refused: this file is encrypted (password-protected)")
        return
    if stat.S_ISLNK(info.external_attr >> 16):
        yield failed("refused for safety: this is a symbolic link, not a file")
        return
    base = raw.rsplit("/", 1)[-1]
    if raw.startswith(_JUNK_PREFIXES) or base.startswith("."):
        yield skipped("skipped: system file (not an activity)")
        return
    kind, inner = kind_from_name(raw)
    if kind is Kind.ZIP:
        yield from _nested(
            archive, info, shown, dataclasses.replace(walk, path=(*walk.path, position))
        )
        return
    if kind is Kind.GZIP:
        inner_kind, _ = kind_from_name(inner)
        if inner_kind not in _ACTIVITY_KINDS:
            yield skipped("skipped: not an activity file")
            return
        limit = MAX_ACTIVITY_BYTES
    elif kind in _ACTIVITY_KINDS:
        limit = _ACTIVITY_KINDS[kind]
    else:
        if base.lower() == STRAVA_INDEX and index:
            yield skipped("skipped: the export's index (its names and sports were used)")
        else:
            yield skipped("skipped: not an activity file")
        return
    problem = _size_problem(info, limit)
    if problem:
        yield failed(problem)
        return
    if walk.lazy:
        ref = MemberRef((*walk.path, position), limit)
        yield Member(name=shown, status=MemberStatus.READY, metadata=index.get(raw), ref=ref)
        return
    try:
        data = _read(archive, info, limit)
    except ParseError as exc:
        yield failed(str(exc))
        return
    yield Member(name=shown, status=MemberStatus.READY, data=data, metadata=index.get(raw))


def _nested(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str, walk: _Walk
) -> Iterator[Member]:
    """The members of a ZIP inside the ZIP (``walk.path`` ends with the nested ZIP's entry)."""
    folders = [part.lower() for part in info.orig_filename.split("/")[:-1]]
    if walk.depth >= MAX_NESTED_ZIP_DEPTH or GARMIN_UPLOADS_FOLDER not in folders:
        yield Member(
            name=shown,
            status=MemberStatus.FAILED,
            error=(
                "refused: archives inside archives are only opened in a Garmin Connect "
                "export; upload this archive on its own"
            ),
        )
        return
    problem = _size_problem(info, MAX_NESTED_ZIP_BYTES)
    try:
        if problem:
            raise ParseError(problem)
        part = open_part(archive, info, walk.lazy)
        head = part.read(SNIFF_HEAD)
        part.seek(0)
        if sniff(head) is not Kind.ZIP:
            raise ParseError("this file is named .zip but is not a ZIP archive")
        # Members are yielded as they are read; an archive-wide refusal comes first.
        inner = dataclasses.replace(walk, prefix=shown + "/", depth=walk.depth + 1)
        yield from _zip_members(part, inner)
    except ParseError as exc:
        yield Member(name=shown, status=MemberStatus.FAILED, error=str(exc))


def open_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, lazy: bool) -> IO[bytes]:
    """A nested ZIP to open: read through (its CRC checked), or, lazily and when it is stored
    uncompressed (as a Garmin export's parts are), its bytes where they lie in the upload.
    Each of its own members is still read with its CRC checked (``_read``)."""
    if not lazy or info.compress_type != zipfile.ZIP_STORED or archive.fp is None:
        return io.BytesIO(_read(archive, info, MAX_NESTED_ZIP_BYTES))
    start = _data_start(archive.fp, info)
    return io.BufferedReader(_Window(archive.fp, start, info.compress_size))


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
_UTF8_NAME = 0x800
_LEFT_TO_ZIPFILE = 0x1 | 0x20 | 0x40  # encrypted, patched, strongly encrypted


def _data_start(handle: IO[bytes], info: zipfile.ZipInfo) -> int:
    """Where ``info``'s data starts, after its local header (checked as ``zipfile`` does)."""
    handle.seek(info.header_offset)
    local = handle.read(_LOCAL_HEADER.size)
    if len(local) < _LOCAL_HEADER.size or local[:4] != b"PK\x03\x04":
        raise ParseError("this file is damaged inside the archive (bad local file header)")
    fields = _LOCAL_HEADER.unpack(local)
    flags, name_length, extra_length = fields[2], fields[-2], fields[-1]
    name = handle.read(name_length).decode(
        "utf-8" if flags & _UTF8_NAME else "cp437", errors="replace"
    )
    if name != info.orig_filename:
        raise ParseError(
            "this file is damaged inside the archive (its name differs from the archive's index)"
        )
    start = int(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    end = getattr(info, "_end_offset", None)  # where zipfile found the next entry starts
    if end is not None and start + info.compress_size > end:
        raise ParseError(
            "this archive's entries overlap one another, a trick used by zip bombs; we refused it"
        )
    return start


class _Window(io.RawIOBase):
    """Bytes ``start`` to ``start + size`` of a stream shared with others, as a file."""

    def __init__(self, handle: IO[bytes], start: int, size: int) -> None:
        self.handle, self.start, self.size, self.position = handle, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, min(self.size, base + offset))
        return self.position

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), self.size - self.position)
        self.handle.seek(self.start + self.position)
        data = self.handle.read(max(wanted, 0))
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


class MemberReader:
    """Reads the members ``iter_members(..., lazy=True)`` named, from the same upload.

    The archives on the way are opened once and kept (a worker reads many members of one
    nested part in turn); ``ref`` comes from our own walk, so a wrong one is only a failure.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self._archives: dict[tuple[int, ...], zipfile.ZipFile] = {}

    def read(self, ref: MemberRef) -> bytes:
        try:
            archive = self._archive(ref.path[:-1])
            info = archive.infolist()[ref.path[-1]]
        except IndexError:
            raise ParseError("this file is not where its archive said it was") from None
        return _read(archive, info, ref.limit)

    def _archive(self, path: tuple[int, ...]) -> zipfile.ZipFile:
        archive = self._archives.get(path)
        if archive is None:
            if path:
                outer = self._archive(path[:-1])
                stream = open_part(outer, outer.infolist()[path[-1]], lazy=True)
            else:
                stream = self.stream
            archive = self._archives[path] = _open_zip(stream)
        return archive

    def close(self) -> None:
        for archive in self._archives.values():
            archive.close()
        self._archives.clear()


def _size_problem(info: zipfile.ZipInfo, limit: int) -> str:
    if info.file_size > limit:
        return (
            f"refused: it unpacks to {info.file_size / MB:.0f} MB, more than the "
            f"{limit // MB} MB we accept for one file"
        )
    if info.file_size > MIN_RATIO_CHECK_BYTES and info.file_size > MAX_MEMBER_RATIO * max(
        info.compress_size, 1
    ):
        return (
            "refused for safety: it is compressed more than "
            f"{MAX_MEMBER_RATIO}:1, the mark of a zip bomb"
        )
    return ""


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    if (
        info.compress_type == zipfile.ZIP_DEFLATED
        and not info.flag_bits & _LEFT_TO_ZIPFILE
        and archive.fp is not None
    ):
        return _inflate(archive.fp, info, limit)
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except NotImplementedError as exc:
        raise ParseError(f"this file uses a compression we cannot read ({exc})") from None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError) as exc:
        raise ParseError(f"this file is damaged inside the archive ({exc})") from None
    if len(data) > limit:  # pragma: no cover - zipfile stops at the declared size
        raise ParseError(f"refused: it unpacks to more than {limit // MB} MB")
    return data


def _inflate(handle: IO[bytes], info: zipfile.ZipInfo, limit: int) -> bytes:
    """A deflated member, inflated by ISA-L (about twice as fast as zlib, which ``zipfile``
    uses), with ``zipfile``'s checks: the local header, the name, the size and the CRC."""
    try:
        handle.seek(_data_start(handle, info))
        raw = handle.read(info.compress_size)
        inflater = isal_zlib.decompressobj(-15)
        data = inflater.decompress(raw, limit + 1)
    except (_INFLATE_ERROR, OSError, ValueError) as exc:
        raise ParseError(f"this file is damaged inside the archive ({exc})") from None
    if len(data) > limit:
        raise ParseError(f"refused: it unpacks to more than {limit // MB} MB")
    if len(raw) < info.compress_size or not inflater.eof:
        raise ParseError("this file is damaged inside the archive (it ends part-way)")
    if len(data) != info.file_size or isal_zlib.crc32(data) != info.CRC:
        raise ParseError("this file is damaged inside the archive (its checksum does not match)")
    return data


def _refuse_overlaps(infos: list[zipfile.ZipInfo], directory_start: int | None) -> None:
    """Refuse archives whose entries share bytes (the overlapping-entry zip bomb)."""
    spans = sorted(
        (
            info.header_offset,
            info.header_offset + _LOCAL_HEADER_BYTES + _raw_name_length(info) + info.compress_size,
        )
        for info in infos
    )
    previous_end = 0
    for start, end in spans:
        if start < previous_end:
            raise ParseError(
                "this archive's entries overlap one another, a trick used by zip bombs; "
                "we refused it"
            )
        previous_end = end
    if directory_start is not None and previous_end > directory_start:
        raise ParseError(
            "this archive's entries overlap its index, a trick used by zip bombs; we refused it"
        )


def _raw_name_length(info: zipfile.ZipInfo) -> int:
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    return len(info.orig_filename.encode(encoding, errors="replace"))


def _unsafe_name(raw: str) -> str:
    """What is unsafe about a member's name, or '' when it is safe to show and use."""
    if "\x00" in raw:
        return "contains a NUL character"
    if "\\" in raw:
        return "contains a backslash"
    if _CONTROL.search(raw):
        return "contains control characters"
    if raw.startswith("/"):
        return "is an absolute path"
    if _DRIVE_LETTER.match(raw):
        return "starts with a drive letter"
    if ".." in raw.split("/"):
        return "climbs out of the archive (..)"
    if len(raw) > MAX_MEMBER_NAME_CHARS:
        return f"is longer than {MAX_MEMBER_NAME_CHARS} characters"
    return ""


def display_name(raw: str) -> str:
    """A member or file name made safe to show: no control characters, bounded length."""
    text = unicodedata.normalize("NFC", raw)
    text = _CONTROL.sub("?", text).replace("\\", "/")
    if len(text) > MAX_DISPLAY_CHARS:
        text = text[: MAX_DISPLAY_CHARS - 1] + "…"
    return text or "(no name)"


def _strava_index(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]
) -> dict[str, ExportMetadata]:
    """Strava's activities.csv, by the archive path of each activity file it lists."""
    candidates = [
        info
        for info in infos
        if info.orig_filename.rsplit("/", 1)[-1].lower() == STRAVA_INDEX
        and not _unsafe_name(info.orig_filename)
        and not info.flag_bits & 0x1
    ]
    if not candidates:
        return {}
    info = min(candidates, key=lambda i: i.orig_filename.count("/"))
    if _size_problem(info, MAX_CSV_BYTES):
        return {}
    try:
        text = _read(archive, info, MAX_CSV_BYTES).decode("utf-8-sig", errors="replace")
    except ParseError:
        return {}
    folder = info.orig_filename[: len(info.orig_filename) - len(STRAVA_INDEX)]
    return read_strava_index(text, folder)


def read_strava_index(text: str, folder: str = "") -> dict[str, ExportMetadata]:
    """Parse the text of Strava's activities.csv into metadata keyed by archive path."""
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, [])
    columns: dict[str, int] = {}
    for position, title in enumerate(header):
        columns.setdefault(title.strip().lower(), position)
    if "filename" not in columns:
        return {}

    def cell(row: list[str], title: str) -> str:
        position = columns.get(title)
        if position is None or position >= len(row):
            return ""
        return row[position].strip()

    index: dict[str, ExportMetadata] = {}
    for row in rows:
        filename = cell(row, "filename")
        if not filename:
            continue
        label = cell(row, "activity type")
        sport = sport_from_label(label)[0] if label else None
        index[folder + filename] = ExportMetadata(
            name=cell(row, "activity name"),
            sport_label=label,
            sport=sport,
            gear=cell(row, "activity gear"),
            description=cell(row, "activity description"),
            activity_id=cell(row, "activity id"),
        )
    return index
