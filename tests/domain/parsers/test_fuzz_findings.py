"""Inputs the parser fuzzers (security plan T18, fuzz/) found, each now refused or read on purpose.

The raw inputs are kept in tests/fuzz/regressions/; these tests pin each fix down with a file
built in the open, so the domain keeps its full branch coverage without the fuzzers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kneeclinic.domain.activity import ParseError
from kneeclinic.domain.fitwrite import encode_run
from kneeclinic.domain.parsers import fitwalk, parse
from kneeclinic.domain.parsers.archive import expand
from tests.domain.parsers.parser_builders import zip_bytes

START = datetime(2024, 6, 1, 7, 0, tzinfo=UTC)


def a_run(start: datetime, seconds: int, **options: bool) -> bytes:
    times = np.arange(seconds, dtype=np.float64)
    return encode_run(start, times, times * 3.0, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("compressed_first", [False, True])
def test_chained_fit_files_where_only_one_uses_compressed_timestamps(
    compressed_first: bool,
) -> None:
    # Once: an IndexError, because the plain part's records had no tracked times.
    later = START + timedelta(hours=2)
    plain = a_run(START, 120)
    compressed = a_run(later, 90, compressed_timestamps=True)
    data = compressed + plain if compressed_first else plain + compressed

    walked = fitwalk.walk(data)
    records = walked.definitions(20)
    assert walked.timed
    assert sum(len(d.times) for d in records) == sum(len(d.offsets) for d in records) == 210

    activities = sorted(parse("chained.fit", data), key=lambda a: a.start)
    assert [a.start for a in activities] == [START, later]
    assert [a.elapsed_s for a in activities] == [119.0, 89.0]
    for activity, seconds in zip(activities, (120, 90), strict=True):
        assert activity.samples is not None
        assert np.array_equal(activity.samples.time_s, np.arange(seconds, dtype=np.float64))


def test_a_zip_archive_of_a_version_zipfile_cannot_read_is_refused() -> None:
    # Once: NotImplementedError escaped the archive reader.
    archive = bytearray(zip_bytes([("run.gpx", b"<gpx/>")]))
    central = archive.index(b"PK\x01\x02")
    archive[central + 6] = 80  # "version needed to extract": 8.0
    with pytest.raises(ParseError, match="uses a feature we cannot read"):
        expand("export.zip", bytes(archive))
