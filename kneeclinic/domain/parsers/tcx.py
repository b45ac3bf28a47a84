"""Garmin Training Center (TCX) files: laps, trackpoints and the ActivityExtension.

Each ``<Activity>`` becomes one activity (a multi-sport file gives several). Distance and
moving time are the sums of the laps' totals, as the device wrote them; the elapsed time
runs from the first lap's start to the last trackpoint or lap end. Treadmill runs without
positions are read like any other (their distance comes from the device).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import numpy as np

from kneeclinic.domain.activity import (
    Activity,
    FloatArray,
    Lap,
    ParseError,
    Samples,
    Sport,
    SubSport,
)
from kneeclinic.domain.parsers.track import (
    FOOT_SPORTS,
    ascent_m,
    check_duration,
    foot_cadence_spm,
    nan_max,
    nan_mean,
    parse_timestamp,
    speed_mps,
    sport_from_label,
    start_datetime,
    step_distances_m,
    to_float,
)
from kneeclinic.domain.parsers.xmlread import events, local, with_prefix_repair

_SUB_SPORT_FOR_NO_POSITIONS = SubSport.TREADMILL


@dataclass(slots=True)
class _LapTotals:
    start_s: float
    total_time_s: float
    distance_m: float
    avg_heart_rate_bpm: float
    max_heart_rate_bpm: float
    cadence: float


@dataclass(slots=True)
class _ActivityState:
    time: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    ele: list[float] = field(default_factory=list)
    dist: list[float] = field(default_factory=list)
    hr: list[float] = field(default_factory=list)
    cad: list[float] = field(default_factory=list)
    speed: list[float] = field(default_factory=list)
    power: list[float] = field(default_factory=list)
    new_segment: list[float] = field(default_factory=list)
    laps: list[_LapTotals] = field(default_factory=list)
    segment_open: bool = False
    offset: int | None = None
    device: str = ""
    notes: str = ""


def parse_tcx(data: bytes, name: str = "") -> list[Activity]:
    """The activities of a TCX document (raises ParseError when there are none)."""
    return with_prefix_repair(lambda document: _read(document, name), data)


def _read(data: bytes, name: str) -> list[Activity]:
    activities: list[Activity] = []
    state = _ActivityState()
    stack: list[str] = []
    for event, element in events(data, "TCX"):
        tag = local(element.tag)
        if event == "start":
            if tag == "Activity":
                state = _ActivityState()
            stack.append(tag)
            continue
        stack.pop()
        parent = stack[-1] if stack else ""
        if tag == "Trackpoint":
            _read_trackpoint(element, state)
            element.clear()
        elif tag == "Track":
            state.segment_open = False
            element.clear()
        elif tag == "Lap":
            _read_lap(element, state)
            element.clear()
        elif tag == "Name" and parent == "Creator" and len(stack) >= 2 and stack[-2] == "Activity":
            state.device = (element.text or "").strip()
        elif tag == "Notes" and parent == "Activity":
            state.notes = (element.text or "").strip()
        elif tag == "Activity":
            activity = _build(element, state, name)
            if activity is not None:
                activities.append(activity)
            element.clear()
    if not activities:
        raise ParseError("this TCX file holds no activity with laps or trackpoints")
    return activities


def _read_trackpoint(element: Element, state: _ActivityState) -> None:
    time = lat = lon = ele = dist = hr = cad = speed = power = math.nan
    run_cadence = math.nan
    for child in element:
        tag = local(child.tag)
        if tag == "Time" and child.text:
            time, offset = parse_timestamp(child.text)
            if state.offset is None:
                state.offset = offset
        elif tag == "Position":
            for part in child:
                part_tag = local(part.tag)
                if part_tag == "LatitudeDegrees":
                    lat = to_float(part.text)
                elif part_tag == "LongitudeDegrees":
                    lon = to_float(part.text)
        elif tag == "AltitudeMeters":
            ele = to_float(child.text)
        elif tag == "DistanceMeters":
            dist = to_float(child.text)
        elif tag == "HeartRateBpm":
            hr = _value(child)
        elif tag == "Cadence":
            cad = to_float(child.text)
        elif tag == "Extensions":
            for item in child.iter():
                item_tag = local(item.tag)
                if item_tag == "Speed":
                    speed = to_float(item.text)
                elif item_tag == "RunCadence":
                    run_cadence = to_float(item.text)
                elif item_tag == "Watts":
                    power = to_float(item.text)
    if math.isnan(time):
        return  # a trackpoint without a time cannot be placed in the activity
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        lat = lon = math.nan
    state.new_segment.append(0.0 if state.segment_open else 1.0)
    state.segment_open = True
    state.time.append(time)
    state.lat.append(lat)
    state.lon.append(lon)
    state.ele.append(ele)
    state.dist.append(dist if dist >= 0 else math.nan)
    state.hr.append(hr if 0 < hr < 260 else math.nan)
    cadence = run_cadence if not math.isnan(run_cadence) else cad
    state.cad.append(cadence if 0 <= cadence < 300 else math.nan)
    state.speed.append(speed if speed >= 0 else math.nan)
    state.power.append(power if power >= 0 else math.nan)


def _value(element: Element) -> float:
    """The number in a ``<Value>`` child (how TCX writes heart rates)."""
    for child in element:
        if local(child.tag) == "Value":
            return to_float(child.text)
    return math.nan


def _read_lap(element: Element, state: _ActivityState) -> None:
    start_text = element.get("StartTime")
    start_s = parse_timestamp(start_text)[0] if start_text else math.nan
    total = distance = avg_hr = max_hr = cadence = run_cadence = math.nan
    for child in element:
        tag = local(child.tag)
        if tag == "TotalTimeSeconds":
            total = to_float(child.text)
        elif tag == "DistanceMeters":
            distance = to_float(child.text)
        elif tag == "AverageHeartRateBpm":
            avg_hr = _value(child)
        elif tag == "MaximumHeartRateBpm":
            max_hr = _value(child)
        elif tag == "Cadence":
            cadence = to_float(child.text)
        elif tag == "Extensions":
            for item in child.iter():
                if local(item.tag) == "AvgRunCadence":
                    run_cadence = to_float(item.text)
    state.laps.append(
        _LapTotals(
            start_s=start_s,
            total_time_s=total if total >= 0 else math.nan,
            distance_m=distance if distance >= 0 else math.nan,
            avg_heart_rate_bpm=avg_hr,
            max_heart_rate_bpm=max_hr,
            cadence=run_cadence if not math.isnan(run_cadence) else cadence,
        )
    )


def _build(element: Element, state: _ActivityState, file_name: str) -> Activity | None:
    if not state.laps and not state.time:
        return None
    sport, sub_sport = sport_from_label(element.get("Sport"))
    lap_starts = [lap.start_s for lap in state.laps if not math.isnan(lap.start_s)]
    candidates = lap_starts + state.time[:1]
    if not candidates:
        id_text = next((c.text for c in element if local(c.tag) == "Id" and c.text), None)
        if id_text is None:
            return None
        candidates = [parse_timestamp(id_text)[0]]
    start_s = min(candidates)
    lap_ends = [
        lap.start_s + lap.total_time_s
        for lap in state.laps
        if not math.isnan(lap.start_s) and not math.isnan(lap.total_time_s)
    ]
    end_s = max(lap_ends + state.time[-1:] + [start_s])
    lap_times = [lap.total_time_s for lap in state.laps if not math.isnan(lap.total_time_s)]
    # Elapsed time is never shorter than the time the laps were running.
    elapsed = max(end_s - start_s, math.fsum(lap_times))
    check_duration(elapsed, "TCX activity")
    samples = _samples(state, start_s, sport)
    has_positions = samples is not None and samples.has_positions
    if sport is Sport.RUNNING and sub_sport is SubSport.GENERIC and not has_positions:
        sub_sport = _SUB_SPORT_FOR_NO_POSITIONS
    lap_distances = [lap.distance_m for lap in state.laps if not math.isnan(lap.distance_m)]
    distance: float | None = math.fsum(lap_distances) if lap_distances else None
    if distance is None and samples is not None and samples.distance_m is not None:
        distance = float(samples.distance_m[-1])
    laps = tuple(_lap(lap, sport) for lap in state.laps if not math.isnan(lap.start_s))
    hr = None if samples is None else samples.heart_rate_bpm
    cadence = None if samples is None else samples.cadence_spm
    return Activity(
        sport=sport,
        sub_sport=sub_sport,
        start=start_datetime(start_s),
        elapsed_s=elapsed,
        name=state.notes.splitlines()[0][:200] if state.notes else "",
        moving_s=math.fsum(lap_times) if lap_times else None,
        distance_m=distance,
        ascent_m=ascent_m(None if samples is None else samples.altitude_m),
        avg_heart_rate_bpm=_weighted_lap_mean(state.laps, "avg_heart_rate_bpm") or nan_mean(hr),
        max_heart_rate_bpm=_lap_max(state.laps) or nan_max(hr),
        avg_cadence_spm=nan_mean(cadence, positive_only=True),
        device=state.device,
        utc_offset_s=state.offset,
        samples=samples,
        laps=laps,
        source_format="tcx",
    )


def _samples(state: _ActivityState, start_s: float, sport: Sport) -> Samples | None:
    if len(state.time) < 2:
        return None
    epoch = np.asarray(state.time, dtype=np.float64)
    forward = epoch >= np.maximum.accumulate(epoch)
    time_s = epoch[forward] - start_s

    def column(values: list[float]) -> FloatArray:
        return np.asarray(values, dtype=np.float64)[forward]

    lat, lon = column(state.lat), column(state.lon)
    positions = bool(np.isfinite(lat).any())
    recorded = column(state.dist)
    distance: FloatArray | None
    if np.isfinite(recorded).any():
        distance = np.fmax.accumulate(recorded)
        distance[np.isnan(distance)] = 0.0
    elif positions:
        distance = np.cumsum(step_distances_m(lat, lon, column(state.new_segment)))
    else:
        distance = None
    speed = _present(column(state.speed))
    if speed is None and distance is not None:
        speed = speed_mps(time_s, distance)
    cadence = _present(column(state.cad))
    return Samples(
        time_s=time_s,
        distance_m=distance,
        speed_mps=speed,
        heart_rate_bpm=_present(column(state.hr)),
        cadence_spm=None if cadence is None else foot_cadence_spm(cadence, sport),
        altitude_m=_present(column(state.ele)),
        latitude_deg=lat if positions else None,
        longitude_deg=lon if positions else None,
        power_w=_present(column(state.power)),
    )


def _present(values: FloatArray) -> FloatArray | None:
    """The stream, or None when the device never recorded it."""
    return values if bool(np.isfinite(values).any()) else None


def _lap(lap: _LapTotals, sport: Sport) -> Lap:
    cadence = lap.cadence if lap.cadence > 0 else math.nan
    if sport in FOOT_SPORTS:
        cadence *= 2.0
    return Lap(
        start=start_datetime(lap.start_s),
        elapsed_s=lap.total_time_s if not math.isnan(lap.total_time_s) else 0.0,
        distance_m=None if math.isnan(lap.distance_m) else lap.distance_m,
        avg_heart_rate_bpm=None if math.isnan(lap.avg_heart_rate_bpm) else lap.avg_heart_rate_bpm,
        avg_cadence_spm=None if math.isnan(cadence) else cadence,
    )


def _weighted_lap_mean(laps: list[_LapTotals], attribute: str) -> float | None:
    """The time-weighted mean of a per-lap average, or None when no lap has one."""
    total = weight = 0.0
    for lap in laps:
        value = getattr(lap, attribute)
        if value > 0 and lap.total_time_s > 0:
            total += value * lap.total_time_s
            weight += lap.total_time_s
    return total / weight if weight else None


def _lap_max(laps: list[_LapTotals]) -> float | None:
    values = [lap.max_heart_rate_bpm for lap in laps if lap.max_heart_rate_bpm > 0]
    return max(values) if values else None
