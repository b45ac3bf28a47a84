"""Small GPX, TCX, gzip and ZIP documents built in the tests, so each case shows its input."""

from __future__ import annotations

import gzip
import io
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

# 0.001 degree of latitude along a meridian, on a sphere of the mean Earth radius:
# pi * 6,371,008.8 m / 180 * 0.001 = 111.19508 m.
METRES_PER_MILLIDEGREE = 111.19508


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float = 0.0
    time: str | None = None
    ele: float | None = None
    hr: int | None = None
    cad: int | None = None


def minute_points(count: int, step_deg: float = 0.001, start_minute: int = 0) -> list[Point]:
    """Points northwards along the meridian, one a minute from 07:00 on 1 June 2024 (UTC)."""
    return [Point(lat=50.0 + i * step_deg, time=_minute(start_minute + i)) for i in range(count)]


def _minute(i: int) -> str:
    return f"2024-06-01T{7 + i // 60:02d}:{i % 60:02d}:00Z"


def gpx(
    segments: Sequence[Sequence[Point]],
    *,
    version: str = "1.1",
    sport: str | None = "running",
    name: str = "Morning run",
    extension: str = "garmin",
    creator: str = "Forerunner 945",
) -> bytes:
    """A GPX document with one track holding the given segments."""
    ns = f"http://www.topografix.com/GPX/{version.replace('.', '/')}"
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<gpx version="{version}" creator="{creator}" xmlns="{ns}"'
        ' xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1"'
        ' xmlns:gpxdata="http://www.cluetrust.com/XML/GPXDATA/1/0">',
        "<trk>",
        f"<name>{name}</name>",
    ]
    if sport is not None:
        parts.append(f"<type>{sport}</type>")
    for segment in segments:
        parts.append("<trkseg>")
        for p in segment:
            parts.append(f'<trkpt lat="{p.lat}" lon="{p.lon}">')
            if p.ele is not None:
                parts.append(f"<ele>{p.ele}</ele>")
            if p.time is not None:
                parts.append(f"<time>{p.time}</time>")
            parts.append(_gpx_extension(p, extension))
            parts.append("</trkpt>")
        parts.append("</trkseg>")
    parts.append("</trk></gpx>")
    return "\n".join(parts).encode()


def _gpx_extension(p: Point, extension: str) -> str:
    if p.hr is None and p.cad is None:
        return ""
    if extension == "garmin":
        inner = ""
        if p.hr is not None:
            inner += f"<gpxtpx:hr>{p.hr}</gpxtpx:hr>"
        if p.cad is not None:
            inner += f"<gpxtpx:cad>{p.cad}</gpxtpx:cad>"
        tag = "gpxtpx:TrackPointExtension"
        return f"<extensions><{tag}>{inner}</{tag}></extensions>"
    inner = ""
    if p.hr is not None:
        inner += f"<gpxdata:hr>{p.hr}</gpxdata:hr>"
    if p.cad is not None:
        inner += f"<gpxdata:cadence>{p.cad}</gpxdata:cadence>"
    return f"<extensions>{inner}</extensions>"


@dataclass(frozen=True)
class Trackpoint:
    time: str | None
    distance: float | None = None
    lat: float | None = None
    lon: float | None = None
    hr: int | None = None
    run_cadence: int | None = None
    cadence: int | None = None
    speed: float | None = None
    ele: float | None = None


@dataclass(frozen=True)
class TcxLap:
    start: str | None
    total_time_s: float | None
    distance_m: float | None
    points: Sequence[Trackpoint] = ()
    avg_hr: int | None = None
    max_hr: int | None = None
    avg_run_cadence: int | None = None
    cadence: int | None = None


def tcx_activity(
    laps: Sequence[TcxLap],
    *,
    sport: str = "Running",
    activity_id: str = "2024-06-01T07:00:00Z",
    device: str | None = "Forerunner 945",
    notes: str | None = None,
) -> str:
    """One ``<Activity>`` element as text."""
    parts = [f'<Activity Sport="{sport}">', f"<Id>{activity_id}</Id>"]
    for lap in laps:
        start = f' StartTime="{lap.start}"' if lap.start else ""
        parts.append(f"<Lap{start}>")
        if lap.total_time_s is not None:
            parts.append(f"<TotalTimeSeconds>{lap.total_time_s}</TotalTimeSeconds>")
        if lap.distance_m is not None:
            parts.append(f"<DistanceMeters>{lap.distance_m}</DistanceMeters>")
        if lap.avg_hr is not None:
            parts.append(f"<AverageHeartRateBpm><Value>{lap.avg_hr}</Value></AverageHeartRateBpm>")
        if lap.max_hr is not None:
            parts.append(f"<MaximumHeartRateBpm><Value>{lap.max_hr}</Value></MaximumHeartRateBpm>")
        if lap.cadence is not None:
            parts.append(f"<Cadence>{lap.cadence}</Cadence>")
        if lap.points:
            parts.append("<Track>")
            parts.extend(_trackpoint(p) for p in lap.points)
            parts.append("</Track>")
        if lap.avg_run_cadence is not None:
            parts.append(
                "<Extensions><ns3:LX><ns3:AvgRunCadence>"
                f"{lap.avg_run_cadence}</ns3:AvgRunCadence></ns3:LX></Extensions>"
            )
        parts.append("</Lap>")
    if notes is not None:
        parts.append(f"<Notes>{notes}</Notes>")
    if device is not None:
        parts.append(f'<Creator xsi:type="Device_t"><Name>{device}</Name></Creator>')
    parts.append("</Activity>")
    return "".join(parts)


def _trackpoint(p: Trackpoint) -> str:
    parts = ["<Trackpoint>"]
    if p.time is not None:
        parts.append(f"<Time>{p.time}</Time>")
    if p.lat is not None and p.lon is not None:
        parts.append(
            f"<Position><LatitudeDegrees>{p.lat}</LatitudeDegrees>"
            f"<LongitudeDegrees>{p.lon}</LongitudeDegrees></Position>"
        )
    if p.ele is not None:
        parts.append(f"<AltitudeMeters>{p.ele}</AltitudeMeters>")
    if p.distance is not None:
        parts.append(f"<DistanceMeters>{p.distance}</DistanceMeters>")
    if p.hr is not None:
        parts.append(f"<HeartRateBpm><Value>{p.hr}</Value></HeartRateBpm>")
    if p.cadence is not None:
        parts.append(f"<Cadence>{p.cadence}</Cadence>")
    ext = ""
    if p.speed is not None:
        ext += f"<ns3:Speed>{p.speed}</ns3:Speed>"
    if p.run_cadence is not None:
        ext += f"<ns3:RunCadence>{p.run_cadence}</ns3:RunCadence>"
    if ext:
        parts.append(f"<Extensions><ns3:TPX>{ext}</ns3:TPX></Extensions>")
    parts.append("</Trackpoint>")
    return "".join(parts)


def tcx(*activities: str, multisport: bool = False) -> bytes:
    """A TCX document holding the given ``<Activity>`` elements."""
    body = "".join(activities)
    if multisport:
        body = f"<MultiSportSession><Id>x</Id><FirstSport>{body}</FirstSport></MultiSportSession>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"'
        ' xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<Activities>{body}</Activities>"
        "<Author><Name>Garmin Connect</Name></Author>"
        "</TrainingCenterDatabase>"
    ).encode()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def zip_bytes(
    members: Sequence[tuple[str, bytes]], *, compression: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """A ZIP archive of ``(name, bytes)`` members, written with the standard library."""
    buffer = io.BytesIO()
    with (
        warnings.catch_warnings(),  # duplicate names are written on purpose by some tests
        zipfile.ZipFile(buffer, "w", compression=compression) as archive,
    ):
        warnings.simplefilter("ignore")
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, (2024, 6, 1, 7, 0, 0)), data, compression)
    return buffer.getvalue()


_CENTRAL = b"PK\x01\x02"
_LOCAL = b"PK\x03\x04"
# Offsets of fields in a central directory header, and in a local file header.
_CENTRAL_FIELDS = {
    "flags": (8, "<H"),
    "method": (10, "<H"),
    "crc": (16, "<I"),
    "compress_size": (20, "<I"),
    "file_size": (24, "<I"),
    "external_attr": (38, "<I"),
    "header_offset": (42, "<I"),
}
_LOCAL_FIELDS = {"flags": (6, "<H"), "method": (8, "<H")}


def patch_member(archive: bytes, index: int, **fields: int) -> bytes:
    """Rewrite header fields of the ``index``-th member, as a hostile archive would.

    Central directory fields are always patched; ``flags`` and ``method`` are patched in the
    member's local header too, so that both agree.
    """
    import struct

    data = bytearray(archive)
    position = -1
    for _ in range(index + 1):
        position = data.index(_CENTRAL, position + 1)
    local_offset = struct.unpack_from("<I", data, position + 42)[0]
    for name, value in fields.items():
        offset, fmt = _CENTRAL_FIELDS[name]
        struct.pack_into(fmt, data, position + offset, value)
        if name in _LOCAL_FIELDS:
            offset, fmt = _LOCAL_FIELDS[name]
            struct.pack_into(fmt, data, local_offset + offset, value)
    return bytes(data)


def rename_raw(archive: bytes, old: bytes, new: bytes) -> bytes:
    """Replace a member name byte for byte (for names ``zipfile`` will not write, like NUL)."""
    assert len(old) == len(new)
    return archive.replace(old, new)
