"""Write the hostile upload corpus: files an attacker (or an unlucky runner) might upload.

Run with ``python scripts/make_hostile_corpus.py OUT_DIR``. It writes at least 120 files in the
categories of the security plan's hostile-upload test (XML bombs and entities, odd GPX and
TCX content, damaged FIT files, ZIP bombs and hostile member names, type confusion) and a
``MANIFEST.tsv`` naming each file's category and what the importer must do with it:

* ``refused``: no activity comes out; the file (or every member) is refused with a reason;
* ``accepted``: at least one activity comes out (e.g. a treadmill run without positions);
* ``either``: a damaged file that may be partly readable; it must not crash or hang.

Everything is generated here from code (nothing is downloaded), deterministically. The
transport cases of the plan (101 files in one request, a body over the limit, a slow upload)
are requests, not files: they belong to the web layer's tests.
"""

from __future__ import annotations

import argparse
import gzip
import io
import random
import stat
import struct
import sys
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kneeclinic.domain.fitwrite import encode_run, fit_crc

REFUSED, ACCEPTED, EITHER = "refused", "accepted", "either"
DEFAULT_BOMB_BYTES = 1024 * 1024 * 1024
MIB = 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One file of the corpus and what the importer must do with it."""

    name: str
    category: str
    expect: str
    note: str


# --- building blocks ------------------------------------------------------------------


def _gpx_points(count: int, *, time: Callable[[int], str] | None = None) -> str:
    def stamp(i: int) -> str:
        return f"2024-06-01T07:{i // 60 % 60:02d}:{i % 60:02d}Z"

    clock = time or stamp
    return "".join(
        f'<trkpt lat="{50 + i * 1e-4:.6f}" lon="0.1"><ele>12</ele><time>{clock(i)}</time></trkpt>'
        for i in range(count)
    )


def gpx(body: str, *, prolog: str = "", name: str = "Run", extra_ns: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        f'<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"{extra_ns}>'
        f"<trk><name>{name}</name><type>running</type><trkseg>{body}</trkseg></trk></gpx>"
    ).encode()


def tcx(activity_body: str, *, prolog: str = "", sport: str = "Running") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        f'<Activities><Activity Sport="{sport}"><Id>2024-06-01T07:00:00Z</Id>{activity_body}'
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def tcx_lap(points: str, *, total: float = 120.0, distance: float = 400.0) -> str:
    return (
        f'<Lap StartTime="2024-06-01T07:00:00Z"><TotalTimeSeconds>{total}</TotalTimeSeconds>'
        f"<DistanceMeters>{distance}</DistanceMeters><Track>{points}</Track></Lap>"
    )


def tcx_point(second: int, *, extra: str = "", position: bool = True) -> str:
    where = (
        f"<Position><LatitudeDegrees>{50 + second * 1e-4:.6f}</LatitudeDegrees>"
        "<LongitudeDegrees>0.1</LongitudeDegrees></Position>"
        if position
        else ""
    )
    return (
        f"<Trackpoint><Time>2024-06-01T07:{second // 60:02d}:{second % 60:02d}Z</Time>{where}"
        f"<DistanceMeters>{second * 3.3:.1f}</DistanceMeters>{extra}</Trackpoint>"
    )


def zip_of(members: list[tuple[str, bytes]], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression) as archive:
        warnings.simplefilter("ignore")  # duplicate names are written on purpose
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, (2024, 6, 1, 7, 0, 0)), data, compression)
    return buffer.getvalue()


def patch_central(archive: bytes, index: int, **fields: int) -> bytes:
    """Rewrite fields of the ``index``-th central directory entry (and its local header)."""
    offsets = {
        "flags": (8, "<H", 6),
        "crc": (16, "<I", None),
        "compress_size": (20, "<I", None),
        "file_size": (24, "<I", None),
        "external_attr": (38, "<I", None),
        "header_offset": (42, "<I", None),
    }
    data = bytearray(archive)
    position = -1
    for _ in range(index + 1):
        position = data.index(b"PK\x01\x02", position + 1)
    local = struct.unpack_from("<I", data, position + 42)[0]
    for name, value in fields.items():
        offset, fmt, local_offset = offsets[name]
        struct.pack_into(fmt, data, position + offset, value)
        if local_offset is not None:
            struct.pack_into(fmt, data, local + local_offset, value)
    return bytes(data)


def fit_run(seconds: int = 600, **options: object) -> bytes:
    times = np.arange(seconds, dtype=np.float64)
    return encode_run(
        datetime(2024, 6, 1, 7, 0, tzinfo=UTC),
        times,
        times * 3.0,
        heart_rate_bpm=np.full(seconds, 140.0),
        cadence_spm=np.full(seconds, 170.0),
        **options,  # type: ignore[arg-type]
    )


def fit_with(data: bytes, *, body: bytes | None = None, declared: int | None = None) -> bytes:
    """A FIT file with its body replaced and/or a different declared data size, CRCs redone."""
    header_size = data[0]
    content = body if body is not None else data[header_size:-2]
    size = declared if declared is not None else len(content)
    header = bytes([14]) + data[1:4] + struct.pack("<I", size) + b".FIT"
    header += struct.pack("<H", fit_crc(header))
    return header + content + struct.pack("<H", fit_crc(content, fit_crc(header)))


def fit_body(data: bytes) -> bytes:
    return data[data[0] : -2]


# --- the corpus -------------------------------------------------------------------------


def build(directory: Path, *, bomb_bytes: int = DEFAULT_BOMB_BYTES) -> list[Entry]:
    """Write every file of the corpus into ``directory``; return what each one is."""
    directory.mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []

    def add(name: str, data: bytes, category: str, expect: str, note: str) -> None:
        (directory / name).write_bytes(data)
        entries.append(Entry(name, category, expect, note))

    _xml(add)
    _content(add)
    _fit(add)
    _zip(add, bomb_bytes)
    _types(add)
    with (directory / "MANIFEST.tsv").open("w", encoding="utf-8") as manifest:
        manifest.write("file\tcategory\texpect\tnote\n")
        for entry in entries:
            manifest.write(f"{entry.name}\t{entry.category}\t{entry.expect}\t{entry.note}\n")
    return entries


Add = Callable[[str, bytes, str, str, str], None]

LAUGHS = (
    '<!DOCTYPE x [<!ENTITY a "lollollollol">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + "]>"
)
QUADRATIC = '<!DOCTYPE x [<!ENTITY big "' + "A" * 100_000 + '">]>'
XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
    "{{7*7}}${7*7}<%= 7*7 %>",
    "'; DROP TABLE activities; --",
]


def _xml(add: Add) -> None:
    run = _gpx_points(30)
    lap = tcx_lap("".join(tcx_point(s) for s in range(30)))

    def gpx_doc(prolog: str, name: str) -> bytes:
        return gpx(run, prolog=prolog, name=name)

    def tcx_doc(prolog: str, name: str) -> bytes:
        return tcx(lap, prolog=prolog)

    documents: tuple[tuple[str, Callable[[str, str], bytes]], ...] = (
        ("gpx", gpx_doc),
        ("tcx", tcx_doc),
    )
    for fmt, build_doc in documents:
        add(f"xml-billion-laughs.{fmt}", build_doc(LAUGHS, "&j;"), "xml", REFUSED, "billion laughs")
        add(
            f"xml-quadratic.{fmt}",
            build_doc(QUADRATIC, "&big;" * 1000),
            "xml",
            REFUSED,
            "quadratic blowup",
        )
        add(
            f"xml-xxe-file.{fmt}",
            build_doc('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;"),
            "xml",
            REFUSED,
            "external entity, file:",
        )
        add(
            f"xml-xxe-http.{fmt}",
            build_doc('<!DOCTYPE x [<!ENTITY e SYSTEM "http://127.0.0.1:9/x">]>', "&e;"),
            "xml",
            REFUSED,
            "external entity, http:",
        )
        add(
            f"xml-parameter-entity.{fmt}",
            build_doc('<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>', "x"),
            "xml",
            REFUSED,
            "parameter entity",
        )
        add(
            f"xml-external-dtd.{fmt}",
            build_doc('<!DOCTYPE gpx SYSTEM "http://127.0.0.1:9/gpx.dtd">', "x"),
            "xml",
            REFUSED,
            "external DTD",
        )
    add(
        "xml-xinclude.gpx",
        gpx(
            run,
            name='<xi:include href="/etc/passwd" parse="text"/>',
            extra_ns=' xmlns:xi="http://www.w3.org/2001/XInclude"',
        ),
        "xml",
        ACCEPTED,
        "XInclude is never processed",
    )
    deep = "<extensions>" * 100_000 + "</extensions>" * 100_000
    add(
        "xml-deep-nesting.gpx",
        gpx(run + f'<trkpt lat="1" lon="1">{deep}</trkpt>'),
        "xml",
        REFUSED,
        "100,000-deep nesting",
    )
    add(
        "xml-deep-nesting.tcx",
        tcx("<Lap>" + "<Track>" * 100_000 + "</Track>" * 100_000 + "</Lap>"),
        "xml",
        REFUSED,
        "100,000-deep nesting",
    )
    add(
        "xml-huge-text-node.gpx",
        gpx(run, name="A" * (50 * MIB)),
        "xml",
        REFUSED,
        "a 50 MB single text node",
    )
    add(
        "xml-invalid-utf8.gpx",
        gpx(run).replace(b"Run", b"R\xff\xfen"),
        "xml",
        REFUSED,
        "invalid UTF-8",
    )
    add(
        "xml-invalid-utf8.tcx",
        tcx(lap).replace(b"Running", b"Runn\xc3\x28ng"),
        "xml",
        REFUSED,
        "invalid UTF-8",
    )
    text16 = gpx(run).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    add("xml-utf16-bom.gpx", text16.encode("utf-16"), "xml", ACCEPTED, "UTF-16 with BOM")
    tcx16 = tcx(lap).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    add("xml-utf16-bom.tcx", tcx16.encode("utf-16"), "xml", ACCEPTED, "UTF-16 with BOM")
    add(
        "xml-wrong-encoding-latin1.gpx",
        gpx(run, name="Café ☕").replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
        "xml",
        ACCEPTED,
        "declared Latin-1, written in UTF-8",
    )
    add(
        "xml-wrong-encoding-utf16.gpx",
        gpx(run).replace(b'encoding="UTF-8"', b'encoding="UTF-16"'),
        "xml",
        EITHER,
        "declared UTF-16, written in UTF-8",
    )
    add(
        "xml-unknown-encoding.gpx",
        gpx(run).replace(b'encoding="UTF-8"', b'encoding="x-klingon"'),
        "xml",
        REFUSED,
        "an encoding that does not exist",
    )
    for i, payload in enumerate(XSS):
        escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        add(f"xss-name-{i}.gpx", gpx(run, name=escaped), "xss", ACCEPTED, "XSS payload in <name>")
    add(
        "xss-cdata.gpx",
        gpx(run, name="<![CDATA[<script>alert(1)</script>]]>"),
        "xss",
        ACCEPTED,
        "XSS payload in CDATA",
    )
    add(
        "xss-polyglot.gpx",
        gpx(
            run,
            name='<html:script xmlns:html="http://www.w3.org/1999/xhtml">alert(1)</html:script>',
        ),
        "xss",
        ACCEPTED,
        "GPX/XHTML polyglot (html:script)",
    )
    add(
        "xss-link-href.gpx",
        gpx(run).replace(
            b"<trk>",
            b'<metadata><link href="javascript:alert(1)"><text>x</text></link></metadata><trk>',
        ),
        "xss",
        ACCEPTED,
        "javascript: link",
    )
    add(
        "xss-tcx-notes.tcx",
        tcx(lap + "<Notes>&lt;script&gt;alert(1)&lt;/script&gt;</Notes>"),
        "xss",
        ACCEPTED,
        "XSS payload in TCX Notes",
    )


def _content(add: Add) -> None:
    add("gpx-no-points.gpx", gpx(""), "content", REFUSED, "0 points")
    add("gpx-one-point.gpx", gpx(_gpx_points(1)), "content", REFUSED, "1 point")
    one_time = '<trkpt lat="50" lon="0"><time>2024-06-01T07:00:00Z</time></trkpt>'
    add(
        "gpx-100k-points-one-time.gpx",
        gpx(one_time * 100_000),
        "content",
        REFUSED,
        "100,000 points at one timestamp (read, then refused: no duration)",
    )
    add(
        "gpx-1m-points-one-time.gpx",
        gpx(one_time * 1_000_000),
        "content",
        REFUSED,
        "1,000,000 points at one timestamp (refused by size)",
    )
    add(
        "gpx-year-1900.gpx",
        gpx(_gpx_points(5, time=lambda i: f"1900-01-01T00:00:0{i}Z")),
        "content",
        REFUSED,
        "timestamps in 1900",
    )
    add(
        "gpx-year-2100.gpx",
        gpx(_gpx_points(5, time=lambda i: f"2100-01-01T00:00:0{i}Z")),
        "content",
        REFUSED,
        "timestamps in 2100",
    )
    add(
        "gpx-unsorted-times.gpx",
        gpx(_gpx_points(10, time=lambda i: f"2024-06-01T07:00:{(i * 7) % 10:02d}Z")),
        "content",
        ACCEPTED,
        "unsorted timestamps",
    )
    add(
        "gpx-duplicate-times.gpx",
        gpx(_gpx_points(10, time=lambda i: f"2024-06-01T07:00:{i // 2:02d}Z")),
        "content",
        ACCEPTED,
        "duplicated timestamps",
    )
    add(
        "gpx-mixed-naive-aware.gpx",
        gpx(_gpx_points(10, time=lambda i: f"2024-06-01T07:00:{i:02d}" + ("Z" if i % 2 else ""))),
        "content",
        ACCEPTED,
        "timezone-aware and naive times mixed",
    )
    add(
        "gpx-mixed-offsets.gpx",
        gpx(
            _gpx_points(
                10,
                time=lambda i: f"2024-06-01T0{7 + i % 2}:00:{i:02d}" + ("+01:00" if i % 2 else "Z"),
            )
        ),
        "content",
        ACCEPTED,
        "different UTC offsets",
    )
    add(
        "gpx-not-a-time.gpx",
        gpx(_gpx_points(5, time=lambda i: "yesterday")),
        "content",
        REFUSED,
        "text where a time should be",
    )
    add(
        "gpx-ten-days.gpx",
        gpx(_gpx_points(2, time=lambda i: f"2024-06-{1 + 10 * i:02d}T07:00:00Z")),
        "content",
        REFUSED,
        "one run spanning ten days",
    )
    base = _gpx_points(20)
    for label, old, new in [
        ("nan-lat", 'lat="50.000100"', 'lat="NaN"'),
        ("inf-lon", 'lon="0.1"', 'lon="Infinity"'),
        ("lat-out-of-range", 'lat="50.000200"', 'lat="123.0"'),
        ("lon-out-of-range", 'lon="0.1"', 'lon="-999"'),
        ("nan-ele", "<ele>12</ele>", "<ele>nan</ele>"),
        ("huge-ele", "<ele>12</ele>", "<ele>1e308</ele>"),
        ("missing-lat", 'lat="50.000300" ', ""),
    ]:
        add(
            f"gpx-{label}.gpx",
            gpx(base.replace(old, new, 3)),
            "content",
            ACCEPTED,
            f"{label} on some points",
        )
    hr = _gpx_points(20).replace(
        "</time>", "</time><extensions><hr>-5</hr><cad>NaN</cad><hr>1e9</hr></extensions>"
    )
    add("gpx-bad-hr-cadence.gpx", gpx(hr), "content", ACCEPTED, "negative / NaN / huge HR, cadence")
    treadmill = tcx_lap(
        "".join(tcx_point(s, position=False) for s in range(60)), total=60, distance=200
    )
    add(
        "tcx-treadmill-no-gps.tcx",
        tcx(treadmill),
        "content",
        ACCEPTED,
        "treadmill run without GPS (must be accepted)",
    )
    add(
        "tcx-laps-no-trackpoints.tcx",
        tcx(
            '<Lap StartTime="2024-06-01T07:00:00Z"><TotalTimeSeconds>1800</TotalTimeSeconds>'
            "<DistanceMeters>5000</DistanceMeters></Lap>"
        ),
        "content",
        ACCEPTED,
        "laps but no trackpoints",
    )
    add(
        "tcx-no-activities.tcx",
        tcx("").replace(b'<Activity Sport="Running"><Id>2024-06-01T07:00:00Z</Id></Activity>', b""),
        "content",
        REFUSED,
        "no activity",
    )
    add(
        "tcx-year-1900.tcx",
        tcx(tcx_lap(tcx_point(1)).replace("2024", "1900")),
        "content",
        REFUSED,
        "timestamps in 1900",
    )
    bad = tcx_lap(
        "".join(
            tcx_point(
                s,
                extra="<HeartRateBpm><Value>NaN</Value></HeartRateBpm>"
                "<Extensions><TPX><Speed>-1</Speed><RunCadence>999</RunCadence></TPX></Extensions>",
            )
            for s in range(20)
        )
    )
    add("tcx-bad-values.tcx", tcx(bad), "content", ACCEPTED, "NaN HR, negative speed, huge cadence")
    add(
        "tcx-bad-lap-values.tcx",
        tcx(tcx_lap(tcx_point(0) + tcx_point(5), total=float("nan"), distance=-1.0)),
        "content",
        ACCEPTED,
        "NaN and negative lap totals",
    )


def _fit(add: Add) -> None:
    good = fit_run()
    add("fit-valid-control.fit", good, "fit", ACCEPTED, "a valid file, for comparison")
    broken = bytearray(good)
    broken[0] = 20
    add("fit-bad-header-size.fit", bytes(broken), "fit", EITHER, "header size 20")
    broken = bytearray(good)
    broken[12] ^= 0xFF
    add("fit-bad-header-crc.fit", bytes(broken), "fit", EITHER, "header CRC wrong")
    broken = bytearray(good)
    broken[-1] ^= 0xFF
    add("fit-bad-file-crc.fit", bytes(broken), "fit", EITHER, "file CRC wrong")
    add(
        "fit-size-beyond-end.fit",
        fit_with(good, declared=len(fit_body(good)) + 5000),
        "fit",
        EITHER,
        "declared data size beyond the end",
    )
    add(
        "fit-size-4gb.fit",
        fit_with(good, declared=0xFFFFFFFF),
        "fit",
        EITHER,
        "declared data size 4 GB",
    )
    add("fit-size-zero.fit", fit_with(good, declared=0), "fit", EITHER, "declared data size 0")
    add(
        "fit-undefined-local.fit",
        fit_with(good, body=b"\x0f\x00\x00\x00" + fit_body(good)),
        "fit",
        EITHER,
        "data message with an undefined local number",
    )
    dev_definition = (
        b"\x60\x00\x00"
        + struct.pack("<H", 20)
        + b"\x01"
        + bytes([253, 4, 0x86])
        + b"\x03"
        + bytes([0, 255, 0]) * 3
    )
    dev_data = b"\x00" + struct.pack("<I", 1) + bytes(765)
    add(
        "fit-huge-developer-fields.fit",
        fit_with(good, body=dev_definition + dev_data + fit_body(good)),
        "fit",
        EITHER,
        "developer fields of 3 x 255 bytes without their description",
    )
    compressed = (
        b"\x41\x00\x00" + struct.pack("<H", 20) + b"\x01" + bytes([3, 1, 0x02]) + b"\xa5\x8c" * 50
    )
    add(
        "fit-compressed-time-no-reference.fit",
        fit_with(good, body=compressed + fit_body(good)),
        "fit",
        EITHER,
        "compressed-timestamp headers before any full timestamp",
    )
    redefine = b"\x40\x00\x00" + struct.pack("<H", 20) + b"\x01" + bytes([3, 1, 0x02])
    body = fit_body(good)
    add(
        "fit-redefined-mid-stream.fit",
        fit_with(good, body=body[: len(body) // 2] + redefine + body[len(body) // 2 :]),
        "fit",
        EITHER,
        "a definition message redefined mid-stream",
    )
    times = np.array([0.0, 10.0, 5.0, 20.0, 2_600_000.0])
    add(
        "fit-time-backwards-and-month.fit",
        encode_run(datetime(2024, 6, 1, tzinfo=UTC), times, np.arange(5, dtype=np.float64) * 100.0),
        "fit",
        EITHER,
        "time going backwards, then a month-long gap (invalid duration)",
    )
    add("fit-one-record.fit", fit_run(1), "fit", EITHER, "a single record")
    add("fit-no-session.fit", fit_run(session=False), "fit", EITHER, "records only, no session")
    add("fit-chained.fit", good + good, "fit", EITHER, "two files chained")
    add(
        "fit-chained-damaged.fit",
        good + good[: len(good) // 2],
        "fit",
        EITHER,
        "two files chained, the second cut short",
    )
    add("fit-header-only.fit", good[:14], "fit", EITHER, "a header and nothing else")
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9, 0.99):
        add(
            f"fit-truncated-{int(fraction * 100)}.fit",
            good[: int(len(good) * fraction)],
            "fit",
            EITHER,
            f"cut at {fraction:.0%}",
        )
    rng = random.Random(17)  # noqa: S311 - reproducible damage, not secrets
    for i in range(12):
        mutated = bytearray(good)
        for _ in range(1 + i * 3):
            position = rng.randrange(14, len(mutated) - 2)
            mutated[position] = rng.randrange(256)
        add(f"fit-mutated-{i:02d}.fit", bytes(mutated), "fit", EITHER, f"{1 + i * 3} random bytes")
    add(
        "fit-gz-bomb.fit.gz",
        gzip.compress(bytes(64 * MIB), 1, mtime=0),
        "fit",
        REFUSED,
        "a gzip bomb named .fit.gz",
    )
    add(
        "fit-gz-truncated.fit.gz",
        gzip.compress(good, mtime=0)[:-100],
        "fit",
        REFUSED,
        "a gzip file cut short",
    )


def _zip(add: Add, bomb_bytes: int) -> None:
    run = gpx(_gpx_points(30))
    flat = io.BytesIO()
    with (
        zipfile.ZipFile(flat, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("zeros.gpx", "w", force_zip64=True) as member,
    ):
        chunk = bytes(16 * MIB)
        for _ in range(max(1, bomb_bytes // len(chunk))):
            member.write(chunk)
    add("zip-flat-bomb.zip", flat.getvalue(), "zip", REFUSED, "one member of zeros, >100:1")
    inner = zip_of([(f"zeros{i}.gpx", bytes(8 * MIB)) for i in range(4)])
    add(
        "zip-nested-bomb.zip",
        zip_of([(f"layer{i}.zip", inner) for i in range(8)]),
        "zip",
        REFUSED,
        "ZIPs of zero-filled ZIPs",
    )
    garmin = "DI_CONNECT/DI-Connect-Uploaded-Files/"
    add(
        "zip-nested-bomb-garmin.zip",
        zip_of([(f"{garmin}part{i}.zip", inner) for i in range(4)]),
        "zip",
        REFUSED,
        "zero-filled ZIPs where Garmin keeps its parts",
    )
    three = zip_of([("a.gpx", run), ("b.gpx", run), ("c.gpx", run)], compression=zipfile.ZIP_STORED)
    add(
        "zip-overlap-unquoted.zip",
        patch_central(patch_central(three, 1, header_offset=0), 2, header_offset=0),
        "zip",
        REFUSED,
        "overlapping entries (all at one offset)",
    )
    first_size = len(run) + 30 + 5
    add(
        "zip-overlap-quoted.zip",
        patch_central(three, 0, compress_size=first_size * 2, file_size=first_size * 2),
        "zip",
        REFUSED,
        "an entry whose data covers the next entry's header",
    )
    one = zip_of([("a.gpx", run)])
    add(
        "zip-lying-small.zip",
        patch_central(one, 0, file_size=100),
        "zip",
        REFUSED,
        "member declares 100 bytes",
    )
    add("zip-lying-crc.zip", patch_central(one, 0, crc=0), "zip", REFUSED, "member CRC wrong")
    add(
        "zip-declared-2gb.zip",
        patch_central(zip_of([("a.gpx", run), ("b.gpx", run)]), 0, file_size=0xF0000000),
        "zip",
        REFUSED,
        "declares 4 GB in total",
    )
    add(
        "zip-declared-fit-11mb.zip",
        patch_central(zip_of([("a.fit", b"x")]), 0, file_size=11 * MIB),
        "zip",
        REFUSED,
        "a FIT member declaring 11 MB",
    )
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w", zipfile.ZIP_STORED) as archive:
        for i in range(100_001):
            archive.writestr(zipfile.ZipInfo(f"{i}.gpx", (2024, 6, 1, 7, 0, 0)), b"")
    add("zip-100001-members.zip", many.getvalue(), "zip", REFUSED, "100,001 tiny members")
    for label, name in [
        ("dotdot", "../x.gpx"),
        ("dotdot-deep", "ok/../../../x.gpx"),
        ("absolute", "/etc/x.gpx"),
        ("drive-letter", "C:/x.gpx"),
        ("backslash", "..\\x.gpx"),
        ("control", "x\r\n.gpx"),
        ("overlong", "x" * 2000 + ".gpx"),
    ]:
        add(
            f"zip-name-{label}.zip",
            zip_of([(name, run)]),
            "zip",
            REFUSED,
            f"member named {name[:30]!r}",
        )
    add(
        "zip-name-nul.zip",
        zip_of([("aXb.gpx", run)]).replace(b"aXb.gpx", b"a\x00b.gpx"),
        "zip",
        REFUSED,
        "member name with NUL",
    )
    add(
        "zip-name-lookalike.zip",
        zip_of([("\u0430\u0441\u0456vity.gpx", run)]),
        "zip",
        ACCEPTED,
        "Cyrillic look-alike letters (harmless, shown as text)",
    )
    add(
        "zip-duplicate-names.zip",
        zip_of([("a.gpx", run), ("a.gpx", run)]),
        "zip",
        REFUSED,
        "two members with one name",
    )
    add(
        "zip-symlink.zip",
        patch_central(
            zip_of([("a.gpx", b"/etc/passwd")]), 0, external_attr=(stat.S_IFLNK | 0o777) << 16
        ),
        "zip",
        REFUSED,
        "a symbolic link member",
    )
    add(
        "zip-encrypted.zip", patch_central(one, 0, flags=0x1), "zip", REFUSED, "an encrypted member"
    )
    z64 = io.BytesIO()
    with (
        zipfile.ZipFile(z64, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("a.gpx", "w", force_zip64=True) as member,
    ):
        member.write(run)
    add("zip-zip64.zip", z64.getvalue(), "zip", ACCEPTED, "a ZIP64 member")
    add(
        "zip-in-zip.zip",
        zip_of([("inner.zip", one)]),
        "zip",
        REFUSED,
        "a ZIP inside a ZIP outside Garmin's folder",
    )
    add(
        "zip-gz-bomb.zip",
        zip_of([("a.gpx.gz", gzip.compress(bytes(64 * MIB), 1, mtime=0))]),
        "zip",
        REFUSED,
        "a .gz member that is a bomb",
    )
    add(
        "zip-gz-not-gzip.zip",
        zip_of([("a.gpx.gz", b"plain text, not gzip")]),
        "zip",
        REFUSED,
        "a .gz member that is not gzip",
    )
    add(
        "zip-garbage-before-pk.zip",
        b"GIF89a polyglot " + one,
        "zip",
        REFUSED,
        "garbage before PK (polyglot)",
    )
    add("zip-truncated-directory.zip", one[:-30], "zip", REFUSED, "central directory cut short")
    add("zip-empty.zip", zip_of([]), "zip", REFUSED, "an empty archive")
    add(
        "zip-only-junk.zip",
        zip_of([("__MACOSX/._a.gpx", b"x"), ("photo.jpg", b"\xff\xd8\xff")]),
        "zip",
        REFUSED,
        "no activity file at all",
    )
    add(
        "zip-png-named-fit.zip",
        zip_of([("a.fit", b"\x89PNG\r\n\x1a\n" + bytes(64))]),
        "zip",
        REFUSED,
        "a PNG named .fit inside a ZIP",
    )


def _types(add: Add) -> None:
    samples = {
        "png": b"\x89PNG\r\n\x1a\n" + bytes(200),
        "pe": b"MZ\x90\x00" + bytes(200),
        "html": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        "empty": b"",
    }
    for kind, data in samples.items():
        for extension in ("fit", "gpx", "zip"):
            add(f"type-{kind}-as.{extension}", data, "type", REFUSED, f"{kind} named .{extension}")
    add("type-gpx-as.fit", gpx(_gpx_points(10)), "type", REFUSED, "a valid GPX named .fit")
    add("type-fit-as.gpx", fit_run(30), "type", REFUSED, "a valid FIT named .gpx")
    add(
        "type-tcx-as.gpx",
        tcx(tcx_lap(tcx_point(0) + tcx_point(1))),
        "type",
        REFUSED,
        "a valid TCX named .gpx",
    )
    add("type-no-extension", gpx(_gpx_points(10)), "type", REFUSED, "a GPX without an extension")
    add(
        "type-kml.gpx",
        b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"/>',
        "type",
        REFUSED,
        "a KML file named .gpx",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory to write the corpus into")
    parser.add_argument(
        "--bomb-mb",
        type=int,
        default=DEFAULT_BOMB_BYTES // MIB,
        help="size of the flat ZIP bomb's content in MB (default 1024)",
    )
    args = parser.parse_args()
    entries = build(args.out, bomb_bytes=args.bomb_mb * MIB)
    print(f"wrote {len(entries)} files to {args.out}")


if __name__ == "__main__":
    main()
