"""Verbs that write activities: create one from a parsed file, enter, change or delete a run.

Imports (which build runs with ``new_activity`` and write them in batches) live in ``importer``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import transaction

from kneeclinic.accounts.models import User
from kneeclinic.activities import streams
from kneeclinic.activities.models import Activity, ActivityStreams, Source
from kneeclinic.domain import activity as domain
from kneeclinic.domain.parsers import archive

if TYPE_CHECKING:
    from kneeclinic.activities.prepare import Cadence

MAX_NAME_CHARS = 200


def create_activity(
    runner: User, item: domain.Activity, metadata: archive.ExportMetadata | None = None
) -> Activity:
    activity = new_activity(runner, item, metadata)
    activity.save()
    row = streams_row(activity, item.samples, item.laps)
    if row is not None:
        row.save()
    return activity


def new_activity(
    runner: User, item: domain.Activity, metadata: archive.ExportMetadata | None = None
) -> Activity:
    """The (unsaved) run of a parsed file, named and typed by the export's metadata if any."""
    sport = metadata.sport if metadata is not None and metadata.sport is not None else item.sport
    name = (metadata.name if metadata is not None else "") or item.name
    return Activity(
        runner=runner,
        name=(name or default_name(sport, item.sub_sport, item.start, runner.tz))[:MAX_NAME_CHARS],
        sport=sport,
        sub_sport=item.sub_sport,
        start=item.start,
        utc_offset_s=item.utc_offset_s,
        elapsed_s=item.elapsed_s,
        moving_s=item.moving_s,
        distance_m=item.distance_m,
        ascent_m=item.ascent_m,
        avg_heart_rate_bpm=item.avg_heart_rate_bpm,
        max_heart_rate_bpm=item.max_heart_rate_bpm,
        avg_cadence_spm=item.avg_cadence_spm,
        device=item.device[:120],
        source=Source.FILE,
    )


def streams_row(
    activity: Activity, samples: domain.Samples | None, laps: tuple[domain.Lap, ...]
) -> ActivityStreams | None:
    """The (unsaved) streams and laps of a run, if it has either."""
    if samples is not None and len(samples) > 0:
        return ActivityStreams(
            activity=activity,
            blob=streams.pack(samples),
            points=len(samples),
            laps=streams.laps_to_json(laps),
        )
    if laps:
        return ActivityStreams(
            activity=activity, blob=b"", points=0, laps=streams.laps_to_json(laps)
        )
    return None


def default_name(sport: str, sub_sport: str, start: datetime, zone: ZoneInfo) -> str:
    """ "Morning run", "Evening walk", "Treadmill run"... in the runner's own time."""
    noun = {
        domain.Sport.RUNNING: "run",
        domain.Sport.WALKING: "walk",
        domain.Sport.HIKING: "hike",
        domain.Sport.CYCLING: "ride",
        domain.Sport.SWIMMING: "swim",
    }.get(domain.Sport(sport), "activity")
    if sub_sport == domain.SubSport.TREADMILL:
        return f"Treadmill {noun}"
    hour = start.astimezone(zone).hour
    part = (
        "Morning"
        if 4 <= hour < 12
        else "Afternoon"
        if hour < 17
        else "Evening"
        if hour < 22
        else "Night"
    )
    return f"{part} {noun}"


def after_import(
    created: list[tuple[Activity, domain.Activity]], metadata: archive.ExportMetadata | None
) -> None:
    """Let the back-to-running area work out cadence and put runs in shoes."""
    if not created:
        return
    from kneeclinic.plans import services as plans

    for activity, item in created:
        plans.analyse_run(activity, item.samples)
    gear = (
        {a.pk: metadata.gear for a, _ in created}
        if metadata is not None and metadata.gear
        else None
    )
    plans.auto_assign_shoes([a for a, _ in created], gear)


def after_import_many(
    created: list[tuple[Activity, Cadence | None]], gear: dict[int, str] | None
) -> None:
    """``after_import`` for many new runs at once, their cadence worked out beside the parsing.

    ``gear`` maps a run's id to the gear its export named (a Strava activities.csv).
    """
    if not created:
        return
    from kneeclinic.activities.rows import insert
    from kneeclinic.plans import services as plans

    # plans.store_cadences, written as the import writes its other rows
    insert([row for activity, cadence in created if (row := plans.cadence_row(activity, cadence))])
    plans.auto_assign_shoes([a for a, _ in created], gear, new=True)


# --- runs entered or changed by hand ------------------------------------------------------------


def create_manual_run(
    runner: User,
    *,
    start: datetime,
    distance_m: float,
    duration_s: float,
    sport: str = domain.Sport.RUNNING,
    how_it_felt: str = "",
    name: str = "",
) -> Activity:
    return Activity.objects.create(
        runner=runner,
        name=(name or default_name(sport, domain.SubSport.GENERIC, start, runner.tz))[
            :MAX_NAME_CHARS
        ],
        sport=sport,
        start=start,
        utc_offset_s=int((start.astimezone(runner.tz).utcoffset() or timedelta()).total_seconds()),
        elapsed_s=duration_s,
        moving_s=duration_s,
        distance_m=distance_m,
        how_it_felt=how_it_felt[:200],
        source=Source.MANUAL,
    )


def update_activity(
    activity: Activity, *, shoe: Any = None, shoe_given: bool = False, **fields: Any
) -> Activity:
    """Change name, sport, exclusion from load (and shoe, through the shoes area)."""
    allowed = {"name", "sport", "excluded_from_load", "how_it_felt"}
    for key, value in fields.items():
        if key not in allowed:
            raise ValueError(f"{key} cannot be changed")
        setattr(activity, key, value)
    with transaction.atomic():
        activity.save(update_fields=[*fields.keys()])
        if shoe_given:
            from kneeclinic.plans import services as plans

            plans.assign_shoe(activity, shoe)
    return activity


def delete_activity(activity: Activity) -> None:
    """Delete a run; its original file stays stored (it may be shared by content)."""
    activity.delete()


def load_samples(activity: Activity) -> domain.Samples | None:
    row = ActivityStreams.objects.filter(activity=activity).first()
    if row is None or not row.points:
        return None
    return streams.unpack(bytes(row.blob))


# The import verbs, for callers of this module (they live in importer).
from kneeclinic.activities.importer import (  # noqa: E402
    create_import,
    enqueue,
    needs_restart,
    run_import,
    start_workers,
    undo_merge,
    upload_of,
)

__all__ = [
    "create_activity",
    "create_import",
    "create_manual_run",
    "default_name",
    "delete_activity",
    "enqueue",
    "load_samples",
    "needs_restart",
    "run_import",
    "start_workers",
    "undo_merge",
    "update_activity",
    "upload_of",
]
