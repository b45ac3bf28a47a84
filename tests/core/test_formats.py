"""The pages' Python date formatting writes what the templates' date filter wrote."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import dateformat, timezone

from kneeclinic.core import formats

LONDON = zoneinfo.ZoneInfo("Europe/London")
AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")
MOMENTS = [
    datetime(2026, 1, 5, 7, 3, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # the night the clocks go forward in London
    datetime(2026, 10, 25, 23, 59, tzinfo=UTC),
    datetime(2024, 2, 29, 12, 0, tzinfo=UTC),
] + [datetime(2026, 6, 1, 18, 45, tzinfo=UTC) + timedelta(days=n) for n in range(7)]


@pytest.mark.parametrize("zone", [UTC, LONDON, AUCKLAND], ids=str)
@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.isoformat())
def test_formats_match_the_date_filter(moment: datetime, zone: zoneinfo.ZoneInfo) -> None:
    local = timezone.localtime(moment, zone)
    assert formats.weekday_date_time(moment, zone) == dateformat.format(local, "D j M Y, H:i")
    assert formats.date_time(moment, zone) == dateformat.format(local, "j M Y, H:i")
    assert formats.day_month_year(local.date()) == dateformat.format(local.date(), "j M Y")


def test_a_day_is_written_without_a_leading_zero() -> None:
    assert formats.day_month_year(date(2026, 11, 5)) == "5 Nov 2026"
    assert formats.weekday_date_time(datetime(2026, 11, 5, 6, 7, tzinfo=UTC), LONDON) == (
        "Thu 5 Nov 2026, 06:07"
    )
