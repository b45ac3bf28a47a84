"""What the parse worker hands back for one file: summaries, packed streams, cadence figures.

An import runs ``prepare`` in the sandbox worker (``kneeclinic.activities.sandbox``) instead of
the bare parser, so that the work that needs the per-second streams is done there, beside the
parsing, and only small results come back over the pipe: the activity's summary, its streams
already compressed for storage, and the cadence figures of the back-to-running area. The
import's own process then only writes rows. Nothing here touches the database or Django, so the
worker can load it under its limits.

A file of a ZIP upload comes as where it lies (``archive.MemberRef``), not as its bytes: the
worker reads it from the stored upload itself (inflating it, checking its CRC), hashes it, and
parses it only when its hash is not among the runner's files the import started with.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from dataclasses import dataclass
from typing import IO, Any

import numpy as np

from kneeclinic.activities import streams
from kneeclinic.domain import technique
from kneeclinic.domain.activity import Activity, FloatArray, Samples
from kneeclinic.domain.parsers import archive


class JSONText(str):
    """A JSON field's value already encoded, as the field would encode it (``json.dumps``).

    The import's workers send laps and cadence histograms so: one string is far quicker to
    pass back than hundreds of small values, and the import writes it as it is
    (``rows.insert``). Only for rows written that way.
    """

    __slots__ = ()


CADENCE_GRID = 64
"""FIT cadence is strides plus 1/128 strides a minute: steps a minute in 64ths (TCX, GPX: whole)."""


@dataclass(frozen=True, slots=True)
class Cadence:
    """A run's cadence over its running part, as the back-to-running area stores it."""

    avg_spm: float
    median_spm: float
    running_s: float
    median_speed_mps: float | None
    histogram: dict[str, float] | JSONText
    ground_contact_ms: float | None
    vertical_oscillation_mm: float | None
    step_length_mm: float | None

    def fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


@dataclass(frozen=True, slots=True)
class Prepared:
    """One activity of a file, ready to store.

    ``activity`` comes without its samples and laps: they are in ``blob`` and ``laps``, in
    the form they are stored in (plain values are also quicker to send back than objects).
    """

    activity: Activity
    points: int
    blob: bytes  # streams.pack of the samples; empty without samples
    laps: list[dict[str, Any]] | JSONText  # streams.laps_to_json
    cadence: Cadence | None  # from the streams, whatever the sport (the import may change it)


@dataclass(frozen=True, slots=True)
class Read:
    """The import worker's answer for one file: its hash, and its activities or why none."""

    sha256: str
    activities: list[Prepared]
    error: str = ""  # the reason it could not be parsed
    known: bool = False  # one of the runner's files already: not parsed


def prepare(name: str, data: bytes) -> list[Prepared]:
    """A worker's entry: parse one file and prepare each of its activities."""
    from kneeclinic.domain.parsers import parse

    return [prepared(item) for item in parse(name, data)]


_BYTES, _REF = b"B", b"R"


def file_request(data: bytes) -> bytes:
    """A request for ``prepare_member``: this file's bytes."""
    return _BYTES + data


def member_request(upload: str, ref: archive.MemberRef) -> bytes:
    """A request for ``prepare_member``: the file at ``ref`` in the stored upload ``upload``."""
    return _REF + json.dumps({"upload": upload, "path": ref.path, "limit": ref.limit}).encode()


@dataclass(slots=True)
class _State:
    known: frozenset[str] = frozenset()
    upload: str = ""
    handle: IO[bytes] | None = None
    reader: archive.MemberReader | None = None


_state = _State()


def setup(data: bytes) -> None:
    """The import worker's setup: the hashes (hex, one a line) of the files not to parse."""
    _state.known = frozenset(data.decode("ascii").split())


def prepare_member(name: str, request: bytes) -> Read:
    """The import worker's entry: read one file (bytes, or a ZIP member), hash it, prepare it."""
    from kneeclinic.domain.parsers import ParseError

    kind, body = request[:1], request[1:]
    if kind == _REF:
        where = json.loads(body)
        data = _reader(where["upload"]).read(
            archive.MemberRef(tuple(where["path"]), where["limit"])
        )
    elif kind == _BYTES:
        data = body
    else:
        raise ParseError("the file reader was asked something it does not know")
    sha256 = hashlib.sha256(data).hexdigest()
    if sha256 in _state.known:
        return Read(sha256, [], known=True)
    try:
        return Read(sha256, [encoded(item) for item in prepare(name, data)])
    except ParseError as exc:
        return Read(sha256, [], error=str(exc))


def encoded(item: Prepared) -> Prepared:
    """``item`` with its laps and cadence histogram as JSON text (no laps stay no laps)."""
    laps = JSONText(json.dumps(item.laps)) if item.laps else item.laps
    cadence = item.cadence
    if cadence is not None:
        cadence = dataclasses.replace(cadence, histogram=JSONText(json.dumps(cadence.histogram)))
    return dataclasses.replace(item, laps=laps, cadence=cadence)


def _reader(upload: str) -> archive.MemberReader:
    """A reader of the stored upload at path ``upload``, kept while its members come."""
    if _state.upload != upload or _state.reader is None:
        close()
        _state.handle = open(upload, "rb")  # noqa: SIM115, PTH123 - kept open across calls
        _state.reader = archive.MemberReader(_state.handle)
        _state.upload = upload
    return _state.reader


def close() -> None:
    """Forget the upload being read (the worker's files are closed when it ends)."""
    if _state.reader is not None:
        _state.reader.close()
    if _state.handle is not None:
        _state.handle.close()
    _state.upload, _state.handle, _state.reader = "", None, None


def prepared(item: Activity) -> Prepared:
    samples = item.samples
    bare = dataclasses.replace(item, samples=None, laps=())
    laps = streams.laps_to_json(item.laps)
    if samples is None or len(samples) == 0:
        return Prepared(bare, 0, b"", laps, None)
    return Prepared(bare, len(samples), streams.pack(samples), laps, cadence_of(samples))


def cadence_of(samples: Samples | None) -> Cadence | None:
    """Cadence, its time per value and the running dynamics; None without running cadence.

    The figures of ``technique.summarise`` (time-weighted over the running samples), from the
    running time per cadence value, counted on the grid cadence comes on (or from one sort),
    and that time per whole step rate and gap between two (``_histogram``).
    """
    if samples is None or samples.cadence_spm is None:
        return None
    mask = technique.running_mask(samples)
    weights = technique.sample_durations_s(samples.time_s)
    run_w = weights[mask]
    running_s = float(run_w.sum())
    if not mask.any() or running_s <= 0:
        return None
    values = samples.cadence_spm[mask]
    speed_median: float | None = None
    if samples.speed_mps is not None:
        speed = samples.speed_mps[mask]
        known = np.isfinite(speed)
        if known.any() and float(run_w[known].sum()) > 0:
            speed_median = _weighted_median(speed[known], run_w[known])
    uniques, seconds = _time_per_value(values, run_w)
    cumulative = np.cumsum(seconds)
    median = float(uniques[int(np.searchsorted(cumulative, cumulative[-1] / 2.0))])
    histogram = _histogram(uniques, seconds)
    dynamics = technique.running_dynamics(samples, mask)
    return Cadence(
        avg_spm=float((values * run_w).sum() / running_s),  # as np.average works it out
        median_spm=median,
        running_s=running_s,
        median_speed_mps=speed_median,
        histogram=histogram,
        ground_contact_ms=dynamics.ground_contact_ms,
        vertical_oscillation_mm=dynamics.vertical_oscillation_mm,
        step_length_mm=dynamics.step_length_mm,
    )


def _histogram(uniques: FloatArray, seconds: FloatArray) -> dict[str, float]:
    """Running time per whole step rate, and per gap between two whole rates.

    ``uniques`` are the distinct cadence values in order, ``seconds`` the time at each. The
    time at exactly k steps/min goes under "k", the time strictly between k and k + 1 under
    "k.5". A target is a whole number of steps a minute, so the time within +/- 3 steps of
    it is the sum of the entries within 3 of it (``plans.services.share_on_target``): the
    same share as from every value, in about a tenth of the entries (a FIT file's cadence
    comes in 64ths, some 600 values a run). Times are to the millisecond.
    """
    whole = np.floor(uniques)
    bins = 2.0 * whole + (uniques != whole)  # 2k at k, 2k + 1 between k and k + 1
    starts = np.flatnonzero(np.concatenate(([True], bins[1:] != bins[:-1])))
    totals = np.add.reduceat(seconds, starts)
    times = totals.tolist()
    if not np.array_equal(totals, np.rint(totals)):  # whole seconds round to themselves
        times = [round(t, 3) for t in times]
    return dict(zip(map(_label, (bins[starts] / 2.0).tolist()), times, strict=True))


def _time_per_value(values: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each distinct value, in order, and its total weight (summed in the samples' order)."""
    grid = values * CADENCE_GRID
    steps = np.rint(grid)
    if np.array_equal(grid, steps):  # every value on the grid: counted, without a sort
        offset = steps.min()
        keys = (steps - offset).astype(np.intp)
        present = np.flatnonzero(np.bincount(keys))
        return (present + offset) / CADENCE_GRID, np.bincount(keys, weights=weights)[present]
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[starts], np.add.reduceat(weights[order], starts)


def _weighted_median(values: FloatArray, weights: FloatArray) -> float:
    if bool(np.all(weights == 1.0)):  # the running sums are exact: the middle, without a sort
        middle = (values.size + 1) // 2 - 1
        return float(np.partition(values, middle)[middle])
    order = np.argsort(values, kind="stable")
    return _median_of_sorted(values[order], weights[order])


def _median_of_sorted(values: FloatArray, weights: FloatArray) -> float:
    """The value at half the total weight (as ``technique.summarise`` takes it)."""
    cumulative = np.cumsum(weights)
    return float(values[int(np.searchsorted(cumulative, cumulative[-1] / 2.0))])


@functools.lru_cache(maxsize=65536)
def _label(value: float) -> str:
    """A cadence value as the histogram's key (values recur from run to run)."""
    return f"{value:g}"
