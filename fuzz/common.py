"""What the parser fuzz harnesses share: seed inputs, the one allowed failure, and the runner.

Each harness (``fuzz/fuzz_<format>.py``) feeds bytes to our own entry point,
``kneeclinic.domain.parsers.parse(name, data)`` or, for archives, ``archive.expand``. The only
failure allowed is ``ParseError``. Because ``parse`` turns every decoder's own exception into a
``ParseError``, that alone would hide a bug in *our* code, so a ``ParseError`` whose cause is a
programming error (``IndexError``, ``TypeError``, ...) raised inside the ``kneeclinic`` package is
a finding too: our parsers must refuse bad input on purpose, not by tripping over it.

Seeds are built here from code, never copied from anybody's activity files: runs written by our
own FIT encoder (``kneeclinic.domain.fitwrite``), small GPX/TCX/ZIP documents from the tests'
builders, the hostile upload corpus (``scripts/make_hostile_corpus.py``, small files only), and
every regression file in ``tests/fuzz/regressions/``.

A harness runs as ``python fuzz/fuzz_fit.py -max_total_time=60`` with any libFuzzer flag. Unless
told otherwise it uses ``build/fuzz/<format>/corpus`` as its working corpus, writes findings to
``build/fuzz/<format>/``, stops any input after 5 s (``-timeout``) and any run above 1 GB of
memory (``-rss_limit_mb``).
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import re
import sys
import traceback
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make the project importable
    sys.path.insert(0, str(ROOT))

REGRESSIONS = ROOT / "tests" / "fuzz" / "regressions"
BUILD = Path(os.environ.get("KNEECLINIC_FUZZ_DIR") or ROOT / "build" / "fuzz")
MAX_SEED_BYTES = 64 * 1024
MAX_LEN = 128 * 1024
DEFAULT_FLAGS = ("-timeout=5", "-rss_limit_mb=1024", f"-max_len={MAX_LEN}")
FORMATS = ("fit", "gpx", "tcx", "gz", "zip")

# Exceptions that, raised by our own code, mean a bug rather than a refusal.
PROGRAMMING_ERRORS = (
    AssertionError,
    AttributeError,
    IndexError,
    KeyError,
    NameError,
    TypeError,
    ZeroDivisionError,
)


class Finding(Exception):
    """An input our parsers fail on in a way other than a ParseError of their own."""


def own_bug(exc: BaseException, package: Path = ROOT / "kneeclinic") -> BaseException | None:
    """The programming error raised inside ``package`` that a ParseError stands for, if any."""
    cause = exc.__cause__
    if cause is None or not isinstance(cause, PROGRAMMING_ERRORS):
        return None
    frames = traceback.extract_tb(cause.__traceback__)
    if frames and Path(frames[-1].filename).resolve().is_relative_to(package):
        return cause
    return None


def check_parse(name: str, data: bytes) -> None:
    """Parse ``data`` as ``name``; raise Finding for anything but a deliberate ParseError."""
    from kneeclinic.domain.parsers import ParseError, parse

    try:
        parse(name, data)
    except ParseError as exc:
        bug = own_bug(exc)
        if bug is not None:
            raise Finding(f"{name}: our code raised {type(bug).__name__}: {bug}") from bug


def fit_input(data: bytes) -> None:
    check_parse("run.fit", data)


def gpx_input(data: bytes) -> None:
    check_parse("run.gpx", data)


def tcx_input(data: bytes) -> None:
    check_parse("run.tcx", data)


def gz_input(data: bytes) -> None:
    """The first byte picks the name (``.fit.gz``, ``.gpx.gz``, ``.tcx.gz``), the rest is data."""
    if not data:
        return
    inner = GZ_INNER[data[0] % len(GZ_INNER)]
    check_parse(f"run.{inner}.gz", data[1:])


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def zip_input(data: bytes) -> None:
    """Open ``data`` as an uploaded archive and parse each member it hands back as ready.

    Besides ParseError only, each member must come back with a safe display name, a reason
    when it is refused or skipped, and bytes exactly when it is ready.
    """
    from kneeclinic.domain.parsers import ParseError
    from kneeclinic.domain.parsers.archive import MAX_DISPLAY_CHARS, MemberStatus, expand

    try:
        members = expand("export.zip", data)
    except ParseError as exc:
        bug = own_bug(exc)
        if bug is not None:
            raise Finding(f"archive: our code raised {type(bug).__name__}: {bug}") from bug
        return
    for member in members:
        if _CONTROL.search(member.name) or len(member.name) > 2 * MAX_DISPLAY_CHARS + 1:
            raise Finding(f"unsafe display name {member.name!r}")
        if (member.data is not None) != (member.status is MemberStatus.READY):
            raise Finding(f"member {member.name!r} is {member.status} with data={member.data!r}")
        if member.status is not MemberStatus.READY and not member.error:
            raise Finding(f"member {member.name!r} is {member.status} without a reason")
        if member.data is not None:
            check_parse(member.name, member.data)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "fit": fit_input,
    "gpx": gpx_input,
    "tcx": tcx_input,
    "gz": gz_input,
    "zip": zip_input,
}
GZ_INNER = ("fit", "gpx", "tcx")


# --- seeds -----------------------------------------------------------------------------


def _load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    if spec is None or spec.loader is None:  # pragma: no cover - the script is in the tree
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def hostile(suffixes: tuple[str, ...]) -> Iterator[tuple[str, bytes]]:
    """The small files of the hostile upload corpus whose names end with one of ``suffixes``."""
    corpus: Any = _load_script("make_hostile_corpus")
    files: list[tuple[str, bytes]] = []

    def add(name: str, data: bytes, category: str, expect: str, note: str) -> None:
        if name.endswith(suffixes) and len(data) <= MAX_SEED_BYTES:
            files.append((name, data))

    for part in (corpus._xml, corpus._content, corpus._fit, corpus._types):
        part(add)
    if ".zip" in suffixes or ".gz" in suffixes:
        corpus._zip(add, 2 * 1024 * 1024)
    yield from files


def fit_runs() -> Iterator[bytes]:
    """Short runs from our own FIT encoder, one per option it has."""
    import numpy as np

    from kneeclinic.domain.activity import Sport, SubSport
    from kneeclinic.domain.fitwrite import encode_run

    start = datetime(2024, 6, 1, 7, 0, tzinfo=UTC)
    seconds = np.arange(40, dtype=np.float64)
    base: dict[str, Any] = {
        "heart_rate_bpm": np.full(40, 140.0),
        "cadence_spm": np.full(40, 170.0),
        "lap_distance_m": 50.0,
    }
    variants: list[dict[str, Any]] = [
        {},
        {"latitude_deg": 50 + seconds * 1e-5, "longitude_deg": np.full(40, 0.1)},
        {"altitude_m": 10 + seconds * 0.1, "speed_mps": np.full(40, 3.0)},
        {"compressed_timestamps": True},
        {"developer_field": True},
        {"session": False},
        {"relative_time": True},
        {"time_correlation": True},
        {"sub_sport": SubSport.TREADMILL, "sport": Sport.RUNNING},
        {"sport": Sport.CYCLING, "utc_offset_s": 3600},
    ]
    for options in variants:
        yield encode_run(start, seconds, seconds * 3.0, **{**base, **options})
    # A pause (a gap in the records) and a stretch without heart rate.
    paused = np.concatenate([seconds[:20], seconds[20:] + 60])
    yield encode_run(start, paused, paused * 3.0)


def gpx_docs() -> Iterator[bytes]:
    from tests.domain.parsers.parser_builders import Point, gpx, minute_points

    yield gpx([minute_points(5)])
    yield gpx([minute_points(3), minute_points(3, start_minute=10)], version="1.0")
    yield gpx([[Point(lat=50.0, time=None), Point(lat=50.001, ele=12.0, hr=150, cad=85)]])
    yield gpx([minute_points(4)], sport=None, extension="cluetrust")


def tcx_docs() -> Iterator[bytes]:
    from tests.domain.parsers.parser_builders import TcxLap, Trackpoint, tcx, tcx_activity

    points = [
        Trackpoint(
            time=f"2024-06-01T07:00:{i:02d}Z",
            lat=50 + i * 1e-4,
            lon=0.1,
            distance=i * 3.0,
            hr=140,
            run_cadence=85,
            speed=3.0,
        )
        for i in range(6)
    ]
    lap = TcxLap(start="2024-06-01T07:00:00Z", total_time_s=5.0, distance_m=15.0, points=points)
    yield tcx(tcx_activity([lap]))
    yield tcx(tcx_activity([lap], sport="Biking", notes="easy"), tcx_activity([lap]))
    yield tcx(tcx_activity([lap]), multisport=True)
    yield tcx(tcx_activity([TcxLap(start=None, total_time_s=600.0, distance_m=2000.0)]))


def zip_archives() -> Iterator[bytes]:
    from tests.domain.parsers.parser_builders import gz, zip_bytes

    fit = next(fit_runs())
    gpx = next(gpx_docs())
    tcx = next(tcx_docs())
    yield zip_bytes([("run.fit", fit), ("run.gpx", gpx), ("run.tcx", tcx)])
    yield zip_bytes([("a/run.gpx.gz", gz(gpx)), ("photo.jpg", b"\xff\xd8"), ("a/", b"")])
    strava_csv = (
        b"Activity ID,Activity Name,Activity Type,Filename,Activity Gear\n"
        b"1,Morning run,Run,activities/1.fit,Shoes\n"
    )
    yield zip_bytes([("activities.csv", strava_csv), ("activities/1.fit", fit)])
    inner = zip_bytes([("1.fit", fit)])
    yield zip_bytes([("DI_CONNECT/DI-Connect-Uploaded-Files/part1.zip", inner)])
    yield zip_bytes([("run.gpx", gpx)], compression=zipfile.ZIP_STORED)


def regressions(fmt: str) -> Iterator[bytes]:
    for path in sorted(REGRESSIONS.glob(f"{fmt}-*")):
        yield path.read_bytes()


def write_seeds(fmt: str, seeds: Callable[[], Iterator[bytes]], directory: Path) -> int:
    """Write the seed inputs for ``fmt`` into ``directory``; return how many there are."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("seed-*"):
        old.unlink()
    count = 0
    for data in [*seeds(), *regressions(fmt)]:
        count += 1
        (directory / f"seed-{count:04d}").write_bytes(data)
    return count


def gz_seed(data: bytes, inner: str) -> bytes:
    """A gz harness input: one byte choosing the inner format, then the gzip stream."""
    return bytes([GZ_INNER.index(inner)]) + gzip.compress(data, mtime=0)


# --- the runner --------------------------------------------------------------------------


def run(
    fmt: str, test_one_input: Callable[[bytes], None], seeds: Callable[[], Iterator[bytes]]
) -> None:
    """Start libFuzzer on ``test_one_input`` with our defaults and seeds (``argv`` may override)."""
    import atheris  # type: ignore[import-untyped]

    args = sys.argv[1:]
    flags = [a for a in args if a.startswith("-")]
    paths = [a for a in args if not a.startswith("-")]
    out = BUILD / fmt
    out.mkdir(parents=True, exist_ok=True)
    extra = [f for f in DEFAULT_FLAGS if f.split("=")[0] not in {g.split("=")[0] for g in flags}]
    if not any(f.startswith("-artifact_prefix=") for f in flags):
        extra.append(f"-artifact_prefix={out}/")
    if not paths:
        corpus = out / "corpus"
        seeded = out / "seeds"
        write_seeds(fmt, seeds, seeded)
        corpus.mkdir(exist_ok=True)
        paths = [str(corpus), str(seeded)]
    argv = [sys.argv[0], *flags, *extra, *paths]
    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()
