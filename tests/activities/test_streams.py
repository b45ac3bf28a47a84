"""Streams kept compactly: what comes back equals what went in, to the stated resolution."""

from __future__ import annotations

import numpy as np
import pytest

from kneeclinic.activities import streams
from kneeclinic.domain.activity import Samples


def test_streams_come_back_to_their_resolution_with_gaps_kept() -> None:
    time = np.arange(0.0, 30 * 86400.0, 3600.0)  # a month-long clock, hourly
    n = time.shape[0]
    samples = Samples(
        time_s=time,
        distance_m=np.linspace(0, 42_195.123, n),
        heart_rate_bpm=np.where(np.arange(n) % 7 == 0, np.nan, 150.4),
        latitude_deg=np.full(n, -33.8567844),
        longitude_deg=np.full(n, 151.2152967),
        altitude_m=np.full(n, -12.34),
    )
    back = streams.unpack(streams.pack(samples))
    assert set(back.streams()) == set(samples.streams())
    for name, values in samples.streams().items():
        assert np.allclose(
            back.streams()[name], values, equal_nan=True, atol=1 / streams.SCALES[name]
        )
    assert back.heart_rate_bpm is not None and np.isnan(back.heart_rate_bpm[0])


def test_a_blob_of_another_layout_is_refused() -> None:
    blob = bytearray(streams.pack(Samples(time_s=np.arange(3.0))))
    blob[0] = 9
    with pytest.raises(ValueError, match="unknown layout"):
        streams.unpack(bytes(blob))


def test_a_value_too_large_to_store_becomes_a_gap() -> None:
    too_far = Samples(time_s=np.arange(2.0), distance_m=np.array([0.0, 1e12]))
    back = streams.unpack(streams.pack(too_far))
    assert back.distance_m is not None and np.isnan(back.distance_m[1])


@pytest.mark.django_db
def test_storing_the_same_bytes_twice_keeps_one_file_and_one_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kneeclinic.activities import storage
    from kneeclinic.activities.models import StoredFile

    first = storage.store_bytes(b"same bytes")
    assert storage.store_chunks([b"same ", b"bytes"]) == first
    assert storage.read_stored(first) == b"same bytes"
    # another process created the row between our look-up and our insert
    monkeypatch.setattr(StoredFile.objects, "filter", lambda **_: StoredFile.objects.none())
    assert storage.store_bytes(b"same bytes").pk == first.pk
