"""What the parse worker hands back: the cadence figures and streams the import stores."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from kneeclinic.activities import prepare, streams
from kneeclinic.domain import technique
from kneeclinic.domain.activity import ParseError, Samples
from kneeclinic.domain.parsers import archive, parse
from kneeclinic.plans import services as plans
from kneeclinic.plans.models import RunCadence
from tests.activities.helpers import fit_run, zip_of


def a_run_with_pauses_and_walks(seed: int, *, on_the_grid: bool = True) -> Samples:
    rng = np.random.default_rng(seed)
    n = 2000
    gaps = rng.choice([1.0, 1.0, 1.0, 0.5, 2.0, 30.0], size=n)  # uneven, with pauses
    raw = rng.normal(165, 12, n)
    # steps/min in 64ths, as FIT files give them; or values a hair apart, alike to 3 decimals
    cadence = np.round(raw * 64) / 64 if on_the_grid else np.round(raw, 4)
    cadence[rng.random(n) < 0.05] = np.nan  # sensor drop-outs
    cadence[rng.random(n) < 0.05] = 110.0  # walking
    speed = rng.normal(3.0, 0.6, n)
    speed[rng.random(n) < 0.03] = 0.4  # stopped
    return Samples(
        time_s=np.cumsum(gaps).astype(np.float64),
        speed_mps=speed,
        cadence_spm=cadence,
        stance_time_ms=rng.normal(250, 10, n),
    )


@pytest.mark.parametrize(("seed", "on_the_grid"), [(1, True), (2, True), (3, False), (4, False)])
def test_cadence_figures_are_those_of_the_domain_summary(seed: int, on_the_grid: bool) -> None:
    samples = a_run_with_pauses_and_walks(seed, on_the_grid=on_the_grid)
    summary = technique.summarise(samples)
    figures = prepare.cadence_of(samples)
    assert summary is not None and figures is not None
    assert figures.avg_spm == summary.avg_spm
    assert figures.median_spm == summary.median_spm
    assert figures.running_s == summary.running_s
    assert figures.median_speed_mps == summary.median_speed_mps
    # the histogram is the running time at each whole step rate ("170") and between two
    # ("170.5": more than 170 and less than 171), to the millisecond
    mask = technique.running_mask(samples)
    assert samples.cadence_spm is not None
    weights = technique.sample_durations_s(samples.time_s)[mask]
    values = samples.cadence_spm[mask]
    whole = np.floor(values)
    labels = np.where(values == whole, whole, whole + 0.5)
    expected = {
        f"{label:g}": round(float(weights[labels == label].sum()), 3) for label in np.unique(labels)
    }
    assert figures.histogram == expected
    assert sum(figures.histogram.values()) == pytest.approx(summary.running_s)
    dynamics = technique.running_dynamics(samples)
    assert figures.ground_contact_ms == dynamics.ground_contact_ms
    assert figures.step_length_mm is None


@pytest.mark.parametrize(("seed", "on_the_grid"), [(5, True), (6, False)])
def test_the_histogram_gives_the_share_on_target_of_every_value(
    seed: int, on_the_grid: bool
) -> None:
    samples = a_run_with_pauses_and_walks(seed, on_the_grid=on_the_grid)
    assert samples.cadence_spm is not None
    samples.cadence_spm[::7] = np.round(samples.cadence_spm[::7])  # whole rates, on band edges
    figures = prepare.cadence_of(samples)
    assert figures is not None
    assert len(figures.histogram) < 120  # two entries a step rate, not one a value
    stored = RunCadence(histogram=figures.histogram, running_s=figures.running_s)
    for target in range(140, 201):
        assert plans.share_on_target(stored, target) == pytest.approx(
            technique.share_on_target(samples, target), abs=1e-9
        )


def test_no_running_cadence_gives_no_figures() -> None:
    walk = Samples(time_s=np.arange(100.0), cadence_spm=np.full(100, 110.0))
    assert prepare.cadence_of(walk) is None
    assert prepare.cadence_of(Samples(time_s=np.arange(3.0))) is None
    assert prepare.cadence_of(None) is None


def test_a_prepared_file_carries_packed_streams_laps_and_cadence() -> None:
    [ready] = prepare.prepare("run.fit", fit_run(seconds=600))
    [item] = parse("run.fit", fit_run(seconds=600))
    assert ready.activity.samples is None and ready.activity.laps == ()
    assert ready.activity.start == item.start and ready.points == 600
    assert ready.laps == streams.laps_to_json(item.laps)
    assert item.samples is not None
    back = streams.unpack(ready.blob)
    assert np.allclose(back.time_s, item.samples.time_s)
    assert ready.cadence is not None and ready.cadence.median_spm == pytest.approx(170.0)


def test_streams_stored_in_the_earlier_layout_still_read() -> None:
    """Layout 2: every difference (the first one from zero) as a 32-bit integer."""
    distance = np.array([0.0, 2.5, 5.25, 7.0])
    whole = np.round(distance * streams.SCALES["distance_m"]).astype(np.int64)
    time = np.arange(4.0) * streams.SCALES["time_s"]
    body = b"".join(
        np.diff(values.astype(np.int64), prepend=0).astype("<i4").tobytes()
        for values in (time, whole)
    )
    header = json.dumps({"names": ["time_s", "distance_m"], "length": 4}).encode()
    blob = struct.pack(">BI", 2, len(header)) + header + zlib.compress(body, 1)
    back = streams.unpack(blob)
    assert back.distance_m is not None
    assert np.allclose(back.distance_m, distance) and np.allclose(back.time_s, np.arange(4.0))


# --- the import worker's entry: a file's bytes or where it lies, hashed, known files skipped ---


def test_the_import_worker_reads_a_member_where_it_lies_and_hashes_it(tmp_path: Path) -> None:
    data = fit_run(seconds=300)
    upload = tmp_path / "export.zip"
    upload.write_bytes(zip_of({"runs/a.fit": data, "runs/b.fit": fit_run(seconds=200)}))
    with upload.open("rb") as stream:
        members = list(archive.iter_members("export.zip", stream, lazy=True))
    first, other = (m.ref for m in members)
    assert first is not None and other is not None and members[0].data is None

    try:
        read = prepare.prepare_member("a.fit", prepare.member_request(str(upload), first))
        second = prepare.prepare_member("b.fit", prepare.member_request(str(upload), other))
    finally:
        prepare.close()

    assert read.sha256 == hashlib.sha256(data).hexdigest() and not read.known
    [run] = read.activities
    assert run.points == 300
    assert second.activities[0].points == 200


def test_the_import_worker_skips_the_files_it_was_told_the_runner_has() -> None:
    data = fit_run(seconds=120)
    digest = hashlib.sha256(data).hexdigest()
    prepare.setup(f"{'0' * 64}\n{digest}".encode())
    try:
        read = prepare.prepare_member("a.fit", prepare.file_request(data))
    finally:
        prepare.setup(b"")
    assert (read.sha256, read.activities, read.known) == (digest, [], True)
    assert prepare.prepare_member("a.fit", prepare.file_request(data)).activities


def test_the_import_worker_names_a_file_it_cannot_parse_and_refuses_odd_requests() -> None:
    read = prepare.prepare_member("a.fit", prepare.file_request(b"not a fit file"))
    assert read.sha256 == hashlib.sha256(b"not a fit file").hexdigest()
    assert read.activities == [] and read.error
    with pytest.raises(ParseError, match="does not know"):
        prepare.prepare_member("a.fit", b"?what")
