"""The coming sessions as an iCalendar file for the runner's own calendar app (RFC 5545)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from kneeclinic.plans.queries import UpcomingSession

PRODUCT_ID = "-//Knee Clinic//Return to running//EN"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " " + char
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def ics(
    sessions: Sequence[UpcomingSession], plan_code: str, plan_name: str, stamp: datetime
) -> str:
    """All-day events, one per planned run; each keeps its id when the plan is downloaded again."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT_ID}", "CALSCALE:GREGORIAN"]
    stamp_text = stamp.strftime("%Y%m%dT%H%M%SZ")
    for s in sessions:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{plan_code}-{s.on:%Y%m%d}@kneeclinic",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART;VALUE=DATE:{s.on:%Y%m%d}",
            f"DTEND;VALUE=DATE:{s.on + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(f'Walk/run, stage {s.stage_number}')}",
            f"DESCRIPTION:{_escape(f'{plan_name}. {s.text} Log your pain afterwards.')}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
