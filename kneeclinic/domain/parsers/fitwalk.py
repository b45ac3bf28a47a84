"""A small, fast FIT reader: walk the message headers once, then read each field for all messages.

The FIT format (a public protocol) is a header, a stream of definition and data messages, and a
CRC; several such files may be chained back to back. Walking the headers is the only per-message
Python work; each field is then gathered for every message of a kind with one numpy index, which
is what makes this reader tens of times faster than a general decoder. It keeps only what the
importer needs and no component expansion beyond ``compressed_speed_distance`` (done by the caller).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

FIT_EPOCH_UNIX_S = 631065600
"""Seconds between 1970-01-01 and the FIT epoch, 1989-12-31T00:00:00Z."""

RELATIVE_TIME_LIMIT = 0x10000000
"""Timestamps below this are seconds since the device was switched on, not dates (FIT spec)."""

TIMESTAMP_FIELD = 253

# Base type number (low five bits of the base type byte) -> (numpy dtype code, invalid raw value).
_BASE_TYPES: dict[int, tuple[str, int]] = {
    0: ("u1", 0xFF),  # enum
    1: ("i1", 0x7F),  # sint8
    2: ("u1", 0xFF),  # uint8
    3: ("i2", 0x7FFF),  # sint16
    4: ("u2", 0xFFFF),  # uint16
    5: ("i4", 0x7FFFFFFF),  # sint32
    6: ("u4", 0xFFFFFFFF),  # uint32
    8: ("f4", 0xFFFFFFFF),  # float32 (invalid compared on the bit pattern)
    9: ("f8", 0xFFFFFFFFFFFFFFFF),  # float64
    10: ("u1", 0),  # uint8z
    11: ("u2", 0),  # uint16z
    12: ("u4", 0),  # uint32z
    13: ("u1", 0xFF),  # byte
    14: ("i8", 0x7FFFFFFFFFFFFFFF),  # sint64
    15: ("u8", 0xFFFFFFFFFFFFFFFF),  # uint64
    16: ("u8", 0),  # uint64z
}


TRUNCATED = "this file ends part-way through a record: it may be truncated"


RUN = 16
"""Messages checked at once when skipping through a run of one layout."""
_PROBES = [bytes((header,)) * RUN for header in range(256)]


class FitStructureError(Exception):
    """The bytes do not follow the FIT layout; the message says how, for a runner.

    ``certain`` marks damage no decoder could read past (an empty or foreign file, or one
    shorter than its own header says), so there is no point in trying another decoder.
    """

    def __init__(self, message: str, *, certain: bool = False) -> None:
        super().__init__(message)
        self.certain = certain


@dataclass(slots=True, eq=False)
class Definition:
    """One definition message and the start offsets of the data messages that use it."""

    global_num: int
    big_endian: bool
    fields: dict[int, tuple[int, int, int]]
    """field number -> (offset inside the message, size in bytes, base type number)"""
    size: int
    offsets: list[int] = field(default_factory=list)
    times: list[int] = field(default_factory=list)
    """Each message's timestamp, only filled when the file uses compressed timestamp headers."""
    _block: npt.NDArray[np.uint8] | None = None

    def block(self, buffer: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """All messages' bytes as one (messages, size) array, made once.

        Messages recorded back to back (the usual one-a-second records) are a strided view of
        the file with no copy; others are gathered with one index.
        """
        if self._block is None:
            offsets = np.asarray(self.offsets, dtype=np.int64)
            step = 1 + self.size
            count = offsets.shape[0]
            if count > 1 and offsets[-1] - offsets[0] == step * (count - 1):
                self._block = np.lib.stride_tricks.as_strided(
                    buffer[offsets[0] :],
                    shape=(count, self.size),
                    strides=(step, 1),
                    writeable=False,
                )
            else:
                self._block = buffer[offsets[:, None] + np.arange(self.size)]
        return self._block


@dataclass(slots=True)
class FitFile:
    """The walked file: every definition that has messages, grouped by global message number."""

    buffer: npt.NDArray[np.uint8]
    by_global: dict[int, list[Definition]]
    timed: bool = False
    """True when timestamps were tracked per message (compressed timestamp headers)."""

    def definitions(self, global_num: int) -> list[Definition]:
        return self.by_global.get(global_num, [])


def walk(data: bytes, *, track_time: bool = False) -> FitFile:
    """Walk every FIT file chained in ``data``.

    A damaged later part is dropped (the complete ones before it are kept); a damaged first part
    raises :class:`FitStructureError`.
    """
    if len(data) == 0:
        raise FitStructureError("this file is empty", certain=True)
    if len(data) < 12 or data[8:12] != b".FIT":
        raise FitStructureError("this is not a FIT file", certain=True)
    parts: list[list[Definition]] = []
    timed = False
    untimed = False
    start = 0
    while start < len(data):
        if len(data) - start < 12 or data[start + 8 : start + 12] != b".FIT":
            if not parts:  # pragma: no cover - the first header was checked above
                raise FitStructureError("this is not a FIT file")
            break  # trailing bytes after a complete file: ignore them
        try:
            definitions, start, part_timed = _walk_part(data, start, track_time)
        except FitStructureError:
            if not parts:
                raise
            break  # keep the complete files before a damaged chained one
        parts.append(definitions)
        timed = timed or part_timed
        untimed = untimed or not part_timed
    if timed and untimed:
        # Chained files where only some use compressed timestamps: every message needs its
        # tracked time, so walk them all again tracking it (found by fuzzing).
        return walk(data, track_time=True)
    by_global: dict[int, list[Definition]] = {}
    for definitions in parts:
        for definition in definitions:
            if definition.offsets:
                by_global.setdefault(definition.global_num, []).append(definition)
    return FitFile(np.frombuffer(data, dtype=np.uint8), by_global, timed)


def _walk_part(data: bytes, start: int, track_time: bool) -> tuple[list[Definition], int, bool]:
    header_size = data[start]
    if header_size < 12:
        raise FitStructureError("the FIT file header is damaged")
    data_size = int.from_bytes(data[start + 4 : start + 8], "little")
    pos = start + header_size
    end = pos + data_size
    walk_end = min(end, len(data))  # walk what is there first: damage inside is the better reason
    short = end > len(data)
    try:
        try:
            definitions = _walk_messages(data, pos, walk_end, track_time=track_time)
            timed = track_time
        except _CompressedTimestampSeen:
            definitions = _walk_messages(data, pos, walk_end, track_time=True)
            timed = True
    except FitStructureError as error:
        raise FitStructureError(str(error), certain=short and str(error) == TRUNCATED) from None
    if short:
        raise FitStructureError(TRUNCATED, certain=True)
    return definitions, end + 2, timed


class _CompressedTimestampSeen(Exception):
    """Raised by the fast walk to restart in the slower walk that tracks every timestamp."""


def _walk_messages(data: bytes, pos: int, end: int, *, track_time: bool) -> list[Definition]:
    local: list[Definition | None] = [None] * 16
    every: list[Definition] = []
    last_time = 0
    while pos < end:
        header = data[pos]
        if header & 0x80:  # compressed timestamp header: local types 0-3, 5-bit time offset
            if not track_time:
                raise _CompressedTimestampSeen
            definition = local[(header >> 5) & 0x03]
            if definition is None:
                raise FitStructureError(_undefined(pos))
            offset = header & 0x1F
            time = (last_time & ~0x1F) + offset
            if offset < (last_time & 0x1F):
                time += 0x20
            last_time = time
            definition.offsets.append(pos + 1)
            definition.times.append(time)
            pos += 1 + definition.size
        elif header & 0x40:
            definition, pos = _read_definition(data, pos, end, header)
            local[header & 0x0F] = definition
            every.append(definition)
        else:
            definition = local[header & 0x0F]
            if definition is None:
                raise FitStructureError(_undefined(pos))
            if not track_time:
                # A run of messages with this header: the byte every `step` after this one is the
                # same header, so each of those is a message of this layout too. Skip them at once.
                step = 1 + definition.size
                probe = _PROBES[header]
                while pos + RUN * step <= end and data[pos : pos + RUN * step : step] == probe:
                    definition.offsets.extend(range(pos + 1, pos + RUN * step, step))
                    pos += RUN * step
                if pos >= end or data[pos] != header:
                    continue  # the run ended the file, or another message follows it
            definition.offsets.append(pos + 1)
            if track_time:
                spec = definition.fields.get(TIMESTAMP_FIELD)
                if spec is not None and spec[1] == 4:
                    at = pos + 1 + spec[0]
                    raw = int.from_bytes(
                        data[at : at + 4], "big" if definition.big_endian else "little"
                    )
                    last_time = raw if raw != 0xFFFFFFFF else last_time
                definition.times.append(last_time)
            pos += 1 + definition.size
    if pos != end:
        raise FitStructureError(TRUNCATED)
    return every


def _undefined(pos: int) -> str:
    return f"this file is damaged: a message at byte {pos} uses a layout the file never defined"


def _read_definition(data: bytes, pos: int, end: int, header: int) -> tuple[Definition, int]:
    if pos + 6 > end:
        raise FitStructureError(TRUNCATED)
    big_endian = data[pos + 2] == 1
    global_num = int.from_bytes(data[pos + 3 : pos + 5], "big" if big_endian else "little")
    count = data[pos + 5]
    pos += 6
    if pos + 3 * count > end:
        raise FitStructureError(TRUNCATED)
    fields: dict[int, tuple[int, int, int]] = {}
    size = 0
    for i in range(count):
        number, field_size, base = data[pos + 3 * i], data[pos + 3 * i + 1], data[pos + 3 * i + 2]
        fields.setdefault(number, (size, field_size, base & 0x1F))
        size += field_size
    pos += 3 * count
    if header & 0x20:  # developer fields: we skip their bytes
        if pos + 1 > end:
            raise FitStructureError(TRUNCATED)
        dev_count = data[pos]
        pos += 1
        if pos + 3 * dev_count > end:
            raise FitStructureError(TRUNCATED)
        size += sum(data[pos + 3 * i + 1] for i in range(dev_count))
        pos += 3 * dev_count
    return Definition(global_num, big_endian, fields, size), pos


def offsets_of(definitions: list[Definition]) -> IntArray:
    """Start offsets of every message of these definitions, in file order."""
    if not definitions:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate([np.asarray(d.offsets, dtype=np.int64) for d in definitions])


def file_order(definitions: list[Definition]) -> IntArray:
    """The permutation that puts the concatenated messages of ``definitions`` in file order."""
    offsets = offsets_of(definitions)
    if len(definitions) < 2:
        return np.arange(offsets.shape[0], dtype=np.int64)
    return np.argsort(offsets, kind="stable")


def column(fit: FitFile, definitions: list[Definition], number: int) -> FloatArray:
    """Field ``number`` of every message (concatenated per definition, not yet in file order).

    Raw values without scale; the format's "invalid" value and absent fields become ``nan``.
    """
    return np.concatenate([_gather(fit.buffer, d, number) for d in definitions] or [np.zeros(0)])


def has_field(definitions: list[Definition], number: int) -> bool:
    return any(number in d.fields for d in definitions)


def byte_columns(
    fit: FitFile, definitions: list[Definition], number: int, width: int
) -> npt.NDArray[np.uint8] | None:
    """The first ``width`` raw bytes of field ``number`` as an (n, width) array; None if absent."""
    if not any(number in d.fields and d.fields[number][1] >= width for d in definitions):
        return None
    parts = []
    for d in definitions:
        spec = d.fields.get(number)
        if spec is None or spec[1] < width:
            parts.append(np.full((len(d.offsets), width), 0xFF, dtype=np.uint8))
        else:
            parts.append(d.block(fit.buffer)[:, spec[0] : spec[0] + width])
    return np.concatenate(parts)


def times(definitions: list[Definition]) -> FloatArray:
    """Per-message timestamps tracked during the walk (files with compressed timestamp headers)."""
    return np.concatenate(
        [np.asarray(d.times, dtype=np.float64) for d in definitions] or [np.zeros(0)]
    )


def _gather(buffer: npt.NDArray[np.uint8], definition: Definition, number: int) -> FloatArray:
    count = len(definition.offsets)
    spec = definition.fields.get(number)
    kind = _BASE_TYPES.get(spec[2]) if spec is not None else None
    if spec is None or kind is None:
        return np.full(count, np.nan)
    dtype_code, invalid = kind
    width = int(dtype_code[1])
    if spec[1] < width:
        return np.full(count, np.nan)
    raw_bytes = np.ascontiguousarray(definition.block(buffer)[:, spec[0] : spec[0] + width])
    order = ">" if definition.big_endian else "<"
    unsigned = raw_bytes.view(f"{order}u{width}").reshape(count)
    values: FloatArray = raw_bytes.view(f"{order}{dtype_code}").reshape(count).astype(np.float64)
    values[unsigned == invalid] = np.nan  # signed invalids share the unsigned bit pattern
    return values
