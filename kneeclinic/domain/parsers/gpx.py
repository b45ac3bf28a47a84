"""GPX 1.0 and 1.1 tracks, with Garmin TrackPointExtension and Cluetrust heart rate and cadence.

A GPX file becomes one activity: every track and segment of the file, in order. Distances
are great-circle lengths summed within each segment (a pause starts a new segment; the
jump across it is not counted). Points without a time between timed points get a time
interpolated along the distance; a file with fewer than half its points timed is refused.
"""

from __future__ import annotations

import math
from xml.etree.ElementTree import Element

import numpy as np
import numpy.typing as npt

from kneeclinic.domain.activity import Activity, FloatArray, ParseError, Samples
from kneeclinic.domain.parsers.track import (
    ascent_m,
    check_duration,
    foot_cadence_spm,
    moving_time_s,
    nan_max,
    nan_mean,
    optional_stream,
    parse_timestamp,
    speed_mps,
    sport_from_label,
    start_datetime,
    step_distances_m,
    to_float,
)
from kneeclinic.domain.parsers.xmlread import events, local, with_prefix_repair

MIN_TIMED_FRACTION = 0.5  # below this share of timed points, a track is a route, not a run

NO_TIMES_MESSAGE = (
    "this GPX track has no times, so it cannot be imported as a run; enter it by hand instead"
)

_HEART_RATE_TAGS = frozenset({"hr", "heartrate"})
_CADENCE_TAGS = frozenset({"cad", "cadence", "runcadence"})


class _Points:
    """Column lists of the track points read so far."""

    def __init__(self) -> None:
        self.time: list[float] = []
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.ele: list[float] = []
        self.hr: list[float] = []
        self.cad: list[float] = []
        self.new_segment: list[float] = []
        self.has_ele = False
        self.has_hr = False
        self.has_cad = False
        self.offset: int | None = None
        self.segment_open = False


def parse_gpx(data: bytes, name: str = "") -> list[Activity]:
    """The activity in a GPX document (raises ParseError when there is none)."""
    return with_prefix_repair(lambda document: _read(document, name), data)


def _read(data: bytes, name: str) -> list[Activity]:
    points = _Points()
    creator = ""
    metadata_name = ""
    track_name = ""
    track_type = ""
    route_points = 0
    stack: list[str] = []
    for event, element in events(data, "GPX"):
        tag = local(element.tag)
        if event == "start":
            if not stack and tag == "gpx":
                creator = (element.get("creator") or "").strip()
            stack.append(tag)
            continue
        stack.pop()
        parent = stack[-1] if stack else ""
        if tag == "trkpt":
            _read_point(element, points)
            element.clear()
        elif tag == "trkseg":
            points.segment_open = False
            element.clear()
        elif tag == "name" and parent == "trk" and not track_name:
            track_name = (element.text or "").strip()
        elif tag == "type" and parent == "trk" and not track_type:
            track_type = (element.text or "").strip()
        elif tag == "name" and parent in ("metadata", "gpx") and not metadata_name:
            metadata_name = (element.text or "").strip()
        elif tag == "rtept":
            route_points += 1
        elif tag in ("wpt", "rte"):
            element.clear()
    if not points.time and route_points:
        raise ParseError(
            "this GPX file holds a planned route, not a recorded run, so there is nothing to "
            "import; enter the run by hand instead"
        )
    return [_build(points, track_name or metadata_name, track_type, creator)]


def _read_point(element: Element, points: _Points) -> None:
    if not points.segment_open:
        points.new_segment.append(1.0)
        points.segment_open = True
    else:
        points.new_segment.append(0.0)
    lat = to_float(element.get("lat"))
    lon = to_float(element.get("lon"))
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        lat = lon = math.nan
    points.lat.append(lat)
    points.lon.append(lon)
    time = ele = hr = cad = math.nan
    for child in element:
        tag = local(child.tag)
        if tag == "time" and child.text:
            time, offset = parse_timestamp(child.text)
            if points.offset is None:
                points.offset = offset
        elif tag == "ele":
            ele = to_float(child.text)
        elif tag == "extensions":
            for item in child.iter():
                name = local(item.tag).lower()
                if name in _HEART_RATE_TAGS:
                    hr = to_float(item.text)
                elif name in _CADENCE_TAGS:
                    cad = to_float(item.text)
    points.time.append(time)
    points.ele.append(ele)
    points.hr.append(hr if 0 < hr < 260 else math.nan)
    points.cad.append(cad if 0 <= cad < 300 else math.nan)
    points.has_ele = points.has_ele or not math.isnan(ele)
    points.has_hr = points.has_hr or not math.isnan(hr)
    points.has_cad = points.has_cad or not math.isnan(cad)


def _build(points: _Points, name: str, type_label: str, creator: str) -> Activity:
    if not points.time:
        raise ParseError("this GPX file has no track points, so there is no run in it")
    epoch = np.asarray(points.time, dtype=np.float64)
    lat = np.asarray(points.lat, dtype=np.float64)
    lon = np.asarray(points.lon, dtype=np.float64)
    new_segment = np.asarray(points.new_segment, dtype=np.float64)
    timed = np.isfinite(epoch)
    if timed.sum() == 1:
        raise ParseError("this GPX track has a single timed point, so it has no duration")
    if timed.sum() == 0 or timed.mean() < MIN_TIMED_FRACTION:
        raise ParseError(NO_TIMES_MESSAGE)
    steps = step_distances_m(lat, lon, new_segment)
    distance = np.cumsum(steps)
    # Interior points without a time get one along the distance; the ends without are dropped.
    first, last = np.flatnonzero(timed)[[0, -1]]
    keep = slice(int(first), int(last) + 1)
    epoch, distance, timed = epoch[keep], distance[keep] - distance[first], timed[keep]
    if not timed.all():
        epoch = _interpolate_times(epoch, distance, timed)
    # A clock that jumps backwards leaves points we cannot place: drop them.
    forward = epoch >= np.maximum.accumulate(epoch)
    index = np.arange(int(first), int(last) + 1)[forward]
    epoch, distance = epoch[forward], distance[forward]
    new_segment = new_segment[index]
    start_s = float(epoch[0])
    time_s = epoch - start_s
    elapsed = float(time_s[-1])
    check_duration(elapsed, "GPX track")
    sport, sub_sport = sport_from_label(type_label)
    altitude = optional_stream([points.ele[i] for i in index.tolist()], points.has_ele)
    heart_rate = optional_stream([points.hr[i] for i in index.tolist()], points.has_hr)
    raw_cadence = optional_stream([points.cad[i] for i in index.tolist()], points.has_cad)
    cadence = None if raw_cadence is None else foot_cadence_spm(raw_cadence, sport)
    samples = Samples(
        time_s=time_s,
        distance_m=distance,
        speed_mps=speed_mps(time_s, distance),
        heart_rate_bpm=heart_rate,
        cadence_spm=cadence,
        altitude_m=altitude,
        latitude_deg=lat[index],
        longitude_deg=lon[index],
    )
    return Activity(
        sport=sport,
        sub_sport=sub_sport,
        start=start_datetime(start_s),
        elapsed_s=elapsed,
        name=name,
        moving_s=moving_time_s(time_s, distance, new_segment),
        distance_m=float(distance[-1]),
        ascent_m=ascent_m(altitude),
        avg_heart_rate_bpm=nan_mean(heart_rate),
        max_heart_rate_bpm=nan_max(heart_rate),
        avg_cadence_spm=nan_mean(cadence, positive_only=True),
        device=creator,
        utc_offset_s=points.offset,
        samples=samples,
        source_format="gpx",
    )


def _interpolate_times(
    epoch: FloatArray, distance: FloatArray, timed: npt.NDArray[np.bool_]
) -> FloatArray:
    """Times for untimed points, in proportion to the distance between their timed neighbours."""
    known = np.flatnonzero(timed)
    position = np.arange(epoch.shape[0], dtype=np.float64)
    # Interpolate along distance where it grows, along the point index where it does not.
    axis = distance + position * 1e-9
    filled = np.interp(axis, axis[known], epoch[known])
    result: FloatArray = np.where(timed, epoch, filled)
    return result
