"""Reads for the activity pages and the command line: runs, one run's charts, import reports."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

import numpy as np
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.urls import reverse

from kneeclinic.accounts.access import visible_to
from kneeclinic.accounts.models import User
from kneeclinic.activities import services
from kneeclinic.activities.models import Activity, ActivityFile, Import, ImportFile, Merge
from kneeclinic.core import formats
from kneeclinic.domain import units
from kneeclinic.domain.activity import Samples

RUNS_PER_PAGE = 50
CHART_POINTS = 600
"""Charts are thinned to about this many points: enough for a phone, light to send."""
ROUTE_POINTS = 1500
ROUTE_BOX = 1000.0
NONE = "\N{EN DASH}"  # a cell with no value
ZERO_CODE = uuid.UUID(int=0)


def summary(activity: Activity) -> dict[str, Any]:
    """The shape the command line prints for one activity (see the import command)."""
    return {
        "code": str(activity.code),
        "name": activity.name,
        "sport": activity.sport,
        "start": activity.start.isoformat(),
        "distance_m": activity.distance_m,
        "elapsed_s": activity.elapsed_s,
        "moving_s": activity.moving_s,
        "avg_cadence_spm": activity.avg_cadence_spm,
    }


SUMMARY_FIELDS = (
    "code", "name", "sport", "start", "distance_m", "elapsed_s", "moving_s", "avg_cadence_spm",
)  # fmt: skip
"""The columns ``summary`` reads (a report of thousands of runs loads these only)."""


def import_report(batch: Import) -> dict[str, Any]:
    files = list(
        ImportFile.objects.filter(batch=batch)
        .only("name", "status", "error", "sha256")
        .order_by("upload_index", "member_index")
    )
    by_file: dict[int, list[Activity]] = {}
    linked = (
        ActivityFile.objects.filter(import_file__batch=batch)
        .select_related("activity")
        .only("import_file_id", *(f"activity__{name}" for name in SUMMARY_FIELDS))
    )
    for link in linked.order_by("activity__start"):
        by_file.setdefault(link.import_file_id, []).append(link.activity)  # type: ignore[arg-type]
    for pk, existing in _already_there(batch, files).items():
        by_file.setdefault(pk, existing)
    return {
        "files": [
            {
                "file": f.name,
                "status": f.status,
                "error": f.error or None,
                "activities": [summary(a) for a in by_file.get(f.pk, [])],
            }
            for f in files
        ],
        "imported": batch.imported,
        "duplicates": batch.duplicates,
        "failed": batch.failed,
    }


def _already_there(batch: Import, files: list[ImportFile]) -> dict[int, list[Activity]]:
    """For each duplicate file, the runner's run it duplicates (same bytes, or merged into)."""
    duplicates = [f for f in files if f.status == ImportFile.Status.DUPLICATE]
    if not duplicates:
        return {}
    shas = {f.sha256 for f in duplicates if f.sha256}
    by_sha: dict[str, list[Activity]] = {}
    same_bytes = ActivityFile.objects.filter(activity__runner_id=batch.runner_id, sha256__in=shas)
    for link in same_bytes.select_related("activity").order_by("activity__start"):
        by_sha.setdefault(link.sha256, []).append(link.activity)
    merged_into: dict[int, list[Activity]] = {}
    merges = Merge.objects.filter(kept__runner_id=batch.runner_id).filter(
        Q(import_file__in=duplicates) | Q(sha256__in=shas)
    )
    for merge in merges.select_related("kept").order_by("kept__start"):
        for f in duplicates:
            same = merge.import_file_id == f.pk or (f.sha256 != "" and merge.sha256 == f.sha256)
            found = merged_into.setdefault(f.pk, [])
            if same and merge.kept not in found:
                found.append(merge.kept)
    return {f.pk: by_sha.get(f.sha256) or merged_into.get(f.pk, []) for f in duplicates}


def imports_of(user: User) -> QuerySet[Import]:
    return Import.objects.filter(runner=user)


def failures(batch: Import) -> QuerySet[ImportFile]:
    return ImportFile.objects.filter(batch=batch, status=ImportFile.Status.FAILED)


# --- the runs list --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunFilter:
    sport: str = ""
    start: date | None = None
    end: date | None = None
    search: str = ""


def runs(user: User, runner: User, chosen: RunFilter) -> QuerySet[Activity]:
    rows = Activity.objects.filter(visible_to(user), runner=runner)
    if chosen.sport:
        rows = rows.filter(sport=chosen.sport)
    zone = runner.tz
    if chosen.start is not None:
        rows = rows.filter(start__gte=datetime.combine(chosen.start, time.min, zone))
    if chosen.end is not None:
        rows = rows.filter(
            start__lt=datetime.combine(chosen.end + timedelta(days=1), time.min, zone)
        )
    if chosen.search:
        rows = rows.filter(Q(name__icontains=chosen.search) | Q(device__icontains=chosen.search))
    return rows.only(
        "code", "name", "sport", "sub_sport", "start", "elapsed_s", "moving_s", "distance_m",
        "avg_heart_rate_bpm", "avg_cadence_spm", "excluded_from_load", "source",
    ).order_by("-start")  # fmt: skip


def page_of(rows: QuerySet[Activity], number: str | None) -> Page[Activity]:
    return Paginator(rows, RUNS_PER_PAGE).get_page(number)


def list_rows(page: Page[Activity], unit: units.DistanceUnit, zone: tzinfo) -> list[dict[str, Any]]:
    """Each run of a page with its link, date (in ``zone``), distance, time and pace written in
    the reader's unit: the page prints them as they are (fifty rows of template filters cost
    more than the query)."""
    link = reverse("activities:show-run", args=[ZERO_CODE]).replace(str(ZERO_CODE), "{}")
    return [
        {
            "activity": a,
            "name": a.name or "Run",
            "badges": _badges(a),
            "url": link.format(a.code),
            "when": formats.weekday_date_time(a.start, zone),
            "distance": units.format_distance(a.distance_m, unit, decimals=2)
            if a.distance_m
            else NONE,
            "time": units.format_duration(a.moving_s or a.elapsed_s),
            "pace": pace(a, unit),
        }
        for a in page.object_list
    ]


def _badges(a: Activity) -> list[tuple[str, str]]:
    """(tone, text) of the labels a run carries in the list."""
    found = []
    if a.sport != "running":
        found.append(("neutral", a.get_sport_display()))
    if a.sub_sport == "treadmill":
        found.append(("neutral", "Treadmill"))
    if a.excluded_from_load:
        found.append(("amber", "Not in load"))
    if a.source == "manual":
        found.append(("neutral", "Entered by hand"))
    return found


def pace(activity: Activity, unit: units.DistanceUnit) -> str:
    duration = activity.moving_s or activity.elapsed_s
    if not activity.distance_m or not duration:
        return "no pace"
    return units.format_pace(units.pace_s_per_m(activity.distance_m, duration), unit)


# --- one run ----------------------------------------------------------------------------------


def chart_data(samples: Samples | None, unit: units.DistanceUnit) -> dict[str, Any] | None:
    """Thinned series for the charts, against distance (or time when there is none)."""
    if samples is None or len(samples) < 2:
        return None
    step = max(1, math.ceil(len(samples) / CHART_POINTS))
    pick = slice(None, None, step)
    x_metres = samples.distance_m
    if x_metres is not None and np.any(np.nan_to_num(x_metres) > 0):
        x = _clean(x_metres[pick] / unit.metres, 3)
        x_label = unit.label
    else:
        x = _clean(samples.time_s[pick] / 60, 2)
        x_label = "min"
    out: dict[str, Any] = {"x": x, "x_label": x_label, "series": []}
    speed = samples.speed_mps
    if speed is not None:
        pace_min = np.where(speed > 0.5, unit.metres / np.maximum(speed, 0.5) / 60, np.nan)
        pace_min = _within_usual_range(pace_min)
        out["series"].append(
            {
                "key": "pace",
                "label": f"Pace (min/{unit.label})",
                "values": _clean(_smooth(pace_min, step)[pick], 2),
                "reverse": True,
            }
        )
    for key, label, values in (
        ("heart_rate", "Heart rate (bpm)", samples.heart_rate_bpm),
        ("cadence", "Cadence (steps/min)", samples.cadence_spm),
        ("elevation", "Elevation (m)", samples.altitude_m),
    ):
        if values is not None:
            out["series"].append(
                {
                    "key": key,
                    "label": label,
                    "values": _clean(_smooth(values, step)[pick], 1),
                    "reverse": False,
                }
            )
    return out if out["series"] else None


def _within_usual_range(values: np.ndarray) -> np.ndarray:
    """Blank the odd extreme (a GPS jump, a standstill) so it does not squash the chart."""
    if not np.any(~np.isnan(values)):
        return values
    low, high = np.nanpercentile(values, [2, 98])
    margin = 0.1 * max(high - low, 0.5)
    return np.where((values < low - margin) | (values > high + margin), np.nan, values)


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1:
        return values
    kernel = np.ones(window) / window
    filled = np.where(
        np.isnan(values), np.nanmean(values) if np.any(~np.isnan(values)) else 0, values
    )
    # divide by the kernel's own weight so the ends are not pulled towards zero
    smoothed = np.convolve(filled, kernel, mode="same") / np.convolve(
        np.ones_like(filled), kernel, mode="same"
    )
    return np.where(np.isnan(values), np.nan, smoothed)


def _clean(values: np.ndarray, decimals: int) -> list[float | None]:
    return [None if not math.isfinite(v) else round(float(v), decimals) for v in values.tolist()]


def route_path(samples: Samples | None) -> str:
    """An SVG path ("M x y L ...") of the route in a 1000 x 1000 box, north up, or "" if no GPS."""
    if samples is None or samples.latitude_deg is None or samples.longitude_deg is None:
        return ""
    keep = ~np.isnan(samples.latitude_deg) & ~np.isnan(samples.longitude_deg)
    lat, lon = samples.latitude_deg[keep], samples.longitude_deg[keep]
    if lat.shape[0] < 2:
        return ""
    step = max(1, math.ceil(lat.shape[0] / ROUTE_POINTS))
    lat, lon = lat[::step], lon[::step]
    x = (lon - lon.min()) * math.cos(math.radians(float(np.mean(lat))))  # equirectangular
    y = lat.max() - lat
    span = max(float(x.max()), float(y.max()), 1e-9)
    scale = (ROUTE_BOX - 40) / span
    x = 20 + x * scale + (ROUTE_BOX - 40 - float(x.max()) * scale) / 2
    y = 20 + y * scale + (ROUTE_BOX - 40 - float(y.max()) * scale) / 2
    points = " L".join(f"{a:.1f} {b:.1f}" for a, b in zip(x.tolist(), y.tolist(), strict=True))
    return f"M{points}"


def laps(activity: Activity, unit: units.DistanceUnit) -> list[dict[str, str]]:
    stored = getattr(activity, "streams", None)
    if stored is None:
        return []
    rows = []
    for number, lap in enumerate(services_laps(stored.laps), start=1):
        duration = lap.moving_s or lap.elapsed_s
        rows.append(
            {
                "number": str(number),
                "distance": units.format_distance(lap.distance_m, unit, decimals=2)
                if lap.distance_m
                else NONE,
                "time": units.format_duration(lap.elapsed_s),
                "pace": units.format_pace(units.pace_s_per_m(lap.distance_m, duration), unit)
                if lap.distance_m and duration
                else NONE,
                "heart_rate": f"{lap.avg_heart_rate_bpm:.0f}" if lap.avg_heart_rate_bpm else NONE,
                "cadence": f"{lap.avg_cadence_spm:.0f}" if lap.avg_cadence_spm else NONE,
            }
        )
    return rows


def services_laps(rows: list[dict[str, Any]]) -> list[Any]:
    from kneeclinic.activities.streams import laps_from_json

    return laps_from_json(rows)


def samples_of(activity: Activity) -> Samples | None:
    return services.load_samples(activity)


def facts(activity: Activity, unit: units.DistanceUnit) -> list[tuple[str, str]]:
    """The run's summary as (label, value) pairs, only those it has."""
    rows: list[tuple[str, str]] = []
    if activity.distance_m:
        rows.append(("Distance", units.format_distance(activity.distance_m, unit, decimals=2)))
    rows.append(("Time", units.format_duration(activity.moving_s or activity.elapsed_s)))
    if activity.moving_s and abs(activity.elapsed_s - activity.moving_s) >= 30:
        rows.append(("Elapsed (with stops)", units.format_duration(activity.elapsed_s)))
    if activity.distance_m and activity.sport in {"running", "walking", "hiking"}:
        rows.append(("Pace", pace(activity, unit)))
    if activity.avg_heart_rate_bpm:
        heart = f"{activity.avg_heart_rate_bpm:.0f} bpm"
        if activity.max_heart_rate_bpm:
            heart += f" (max {activity.max_heart_rate_bpm:.0f})"
        rows.append(("Heart rate", heart))
    if activity.avg_cadence_spm:
        rows.append(("Cadence", f"{activity.avg_cadence_spm:.0f} steps/min"))
    if activity.ascent_m:
        rows.append(("Climb", f"{activity.ascent_m:.0f} m"))
    if activity.device:
        rows.append(("Recorded with", activity.device))
    if activity.how_it_felt:
        rows.append(("How it felt", activity.how_it_felt))
    return rows


@dataclass(frozen=True, slots=True)
class SpikeNote:
    activity: Activity
    label: str
    badge: str


def spike_of(activity: Activity) -> SpikeNote | None:
    """The load rules' verdict on this run when it is a spike (the training area's analysis)."""
    from kneeclinic.training import queries as training

    run = training.spikes_by_code(activity.runner).get(str(activity.code))
    if run is None or not run.is_spike or run.spike is None:
        return None
    return SpikeNote(activity, training.SPIKE_LABELS[run.spike], training.SPIKE_BADGES[run.spike])


def spikes_in(batch: Import) -> list[SpikeNote]:
    """The runs of this import that the load rules flag as a spike, oldest first."""
    from kneeclinic.training import queries as training

    codes = {
        str(code): code
        for code in ActivityFile.objects.filter(import_file__batch=batch).values_list(
            "activity__code", flat=True
        )
    }
    if not codes:
        return []
    flagged = [
        run
        for code, run in training.spikes_by_code(batch.runner).items()
        if code in codes and run.is_spike and run.spike is not None
    ]
    activities = {
        str(a.code): a for a in Activity.objects.filter(code__in=[codes[r.code] for r in flagged])
    }
    notes = []
    for run in sorted(flagged, key=lambda r: r.start):
        if run.code in activities and run.spike is not None:
            spike = run.spike
            notes.append(
                SpikeNote(
                    activities[run.code], training.SPIKE_LABELS[spike], training.SPIKE_BADGES[spike]
                )
            )
    return notes
