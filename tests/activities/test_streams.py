"""Streams kept compactly: what comes back equals what went in, to the stated resolution."""

from __future__ import annotations

from pathlib import Path

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


@pytest.mark.django_db
@pytest.mark.parametrize("kernel_copy", [True, False])
def test_a_file_on_disk_is_kept_by_the_hash_of_its_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_copy: bool
) -> None:
    import hashlib
    import os

    from kneeclinic.activities import storage

    data = os.urandom(300_000)
    source = tmp_path / "export.zip"
    source.write_bytes(data)
    monkeypatch.setattr(storage, "COPY_CHUNK_BYTES", 65536)  # several rounds of copying
    if not kernel_copy:  # another system, or two filesystems the kernel will not copy between

        def refuse(*_: object) -> int:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(os, "copy_file_range", refuse)
    stored = storage.store_path(source)
    assert stored.sha256 == hashlib.sha256(data).hexdigest() and stored.size == len(data)
    assert storage.read_stored(stored) == data
    assert not list(storage.root().glob(".incoming-*"))  # no temporary file left
    assert storage.store_chunks([data]) == stored


@pytest.mark.django_db
def test_a_copy_that_fails_part_way_keeps_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    from kneeclinic.activities import storage
    from kneeclinic.activities.models import StoredFile

    source = tmp_path / "export.zip"
    source.write_bytes(os.urandom(300_000))
    monkeypatch.setattr(storage, "COPY_CHUNK_BYTES", 65536)
    real = os.copy_file_range
    calls: list[int] = []

    def fills_the_disk(*args: int) -> int:
        calls.append(1)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args)

    monkeypatch.setattr(os, "copy_file_range", fills_the_disk)
    with pytest.raises(OSError, match="No space left"):
        storage.store_path(source)
    assert not list(storage.root().glob(".incoming-*"))
    assert not StoredFile.objects.exists()


def _header(blob: bytes) -> dict[str, object]:
    import json
    import struct

    _, length = struct.unpack_from(">BI", blob)
    header: dict[str, object] = json.loads(blob[5 : 5 + length])
    return header


def test_each_stream_takes_the_narrowest_width_and_comes_back() -> None:
    n = 50
    samples = Samples(
        time_s=np.arange(float(n)),  # steps of 100: 8 bits
        distance_m=np.arange(n, dtype=np.float64) * 3.2,  # steps of 3,200: 16 bits
        latitude_deg=np.arange(n, dtype=np.float64) * 0.01,  # steps of 100,000: 32 bits
        heart_rate_bpm=np.full(n, 140.0),  # no change: 8 bits
    )
    blob = streams.pack(samples)
    header = _header(blob)
    widths = dict(zip(header["names"], header["widths"], strict=True))  # type: ignore[call-overload]
    assert widths == {"time_s": 1, "heart_rate_bpm": 1, "distance_m": 2, "latitude_deg": 4}
    back = streams.unpack(blob)
    for name, values in samples.streams().items():
        assert np.allclose(back.streams()[name], values, atol=1 / streams.SCALES[name])


@pytest.mark.parametrize("n", [0, 1])
def test_streams_of_no_or_one_sample_come_back(n: int) -> None:
    samples = Samples(time_s=np.arange(float(n)) + 7, heart_rate_bpm=np.full(n, 150.0))
    back = streams.unpack(streams.pack(samples))
    assert len(back) == n
    assert back.time_s.tolist() == samples.time_s.tolist()
    assert back.heart_rate_bpm is not None
    assert back.heart_rate_bpm.tolist() == [150.0] * n


def test_a_step_from_one_end_of_the_range_to_the_other_comes_back() -> None:
    """A gap (stored as the lowest 32-bit value) beside a value near the highest: the step
    between them wraps in 32 bits, is stored narrow, and the running sum wraps back."""
    largest = (2**31 - 2) / streams.SCALES["altitude_m"]
    altitude = np.array([np.nan, largest, np.nan, largest, largest - 0.01, np.nan])
    samples = Samples(time_s=np.arange(6.0), altitude_m=altitude)
    blob = streams.pack(samples)
    widths = dict(zip(_header(blob)["names"], _header(blob)["widths"], strict=True))  # type: ignore[call-overload]
    assert widths["altitude_m"] == 1
    back = streams.unpack(blob).altitude_m
    assert back is not None
    assert np.isnan(back[[0, 2, 5]]).all()
    assert back[[1, 3, 4]].tolist() == [largest, largest, largest - 0.01]
