"""Cadence from streams, the retraining target, and the metronome click track."""

from __future__ import annotations

import os
import struct
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from kneeclinic.domain import technique as t
from kneeclinic.domain.activity import Samples
from kneeclinic.domain.technique import CadenceUnit, RunCadence, TechniqueError


def samples(
    cadence: list[float] | None,
    speed: list[float] | None = None,
    time: list[float] | None = None,
    **streams: list[float],
) -> Samples:
    n = len(cadence if cadence is not None else speed or time or [])
    time_s = np.array(time if time is not None else range(n), dtype=float)
    extra = {k: np.array(v, dtype=float) for k, v in streams.items()}
    return Samples(
        time_s=time_s,
        cadence_spm=None if cadence is None else np.array(cadence, dtype=float),
        speed_mps=None if speed is None else np.array(speed, dtype=float),
        **extra,
    )


# ------------------------------------------------------------------ units


def test_fit_cadence_in_strides_is_doubled_with_its_fraction() -> None:
    # 81 strides/min + 64/128 = 81.5 strides/min -> 163 steps/min.
    assert t.fit_steps_per_minute(81, 64) == 163.0
    assert t.fit_steps_per_minute(81, None) == 162.0
    assert t.steps_per_minute(81, 0.25) == 162.5


def test_cadence_already_in_steps_is_left_alone() -> None:
    assert t.steps_per_minute(170, 0.5, CadenceUnit.STEPS_PER_MIN) == 170.5


def test_every_imported_format_is_known_to_store_strides() -> None:
    assert set(t.SOURCE_CADENCE_UNIT) == {"fit", "tcx", "gpx"}
    assert set(t.SOURCE_CADENCE_UNIT.values()) == {CadenceUnit.STRIDES_PER_MIN}


# ------------------------------------------------------------------ durations and mask


def test_each_sample_lasts_until_the_next_capped_at_ten_seconds() -> None:
    durations = t.sample_durations_s(np.array([0.0, 1.0, 3.0, 63.0, 64.0]))
    assert durations.tolist() == [1.0, 2.0, 10.0, 1.0, 1.0]


def test_time_going_backwards_or_missing_counts_as_nothing() -> None:
    durations = t.sample_durations_s(np.array([0.0, 5.0, 4.0, np.nan, 6.0]))
    assert durations.tolist() == [5.0, 0.0, 0.0, 0.0, 0.0]


def test_one_or_no_samples_have_simple_durations() -> None:
    assert t.sample_durations_s(np.array([12.0])).tolist() == [1.0]
    assert t.sample_durations_s(np.array([])).tolist() == []


def test_walking_breaks_dropouts_spikes_and_stops_are_not_running() -> None:
    s = samples(
        [170, 0, np.nan, 120, 250, 172, 168],
        speed=[3.0, 3.0, 3.0, 1.5, 3.0, 0.4, np.nan],
    )
    assert t.running_mask(s).tolist() == [True, False, False, False, False, False, True]


def test_without_a_cadence_stream_nothing_is_running() -> None:
    assert t.running_mask(samples(None, speed=[3.0, 3.0])).tolist() == [False, False]


# ------------------------------------------------------------------ summaries


def test_the_average_is_weighted_by_time_and_leaves_out_walking_and_dropouts() -> None:
    # Durations 1, 2, 1, 1, 1 s (the last sample takes the previous gap). Running: 160 for 1 s,
    # 170 for 2 s, 190 for 1 s; left out: the drop-out (0) and the walking step rate (110).
    s = samples([160, 170, 0, 110, 190], time=[0, 1, 3, 4, 5])
    summary = t.summarise(s)
    assert summary is not None
    assert summary.running_s == 4.0
    assert summary.excluded_s == 2.0
    assert summary.avg_spm == (160 + 2 * 170 + 190) / 4  # 172.5, not the plain mean 173.3
    assert summary.median_spm == 170.0
    assert summary.median_speed_mps is None


def test_zero_cadence_is_excluded_rather_than_counted_as_slow() -> None:
    with_gaps = t.summarise(samples([170, 170, 0, 0, 0, 170]))
    assert with_gaps is not None
    assert with_gaps.avg_spm == 170.0
    assert with_gaps.running_s == 3.0


def test_the_median_speed_while_running_is_reported() -> None:
    s = samples([170, 172, 174, 120], speed=[3.0, 3.2, np.nan, 1.2])
    summary = t.summarise(s)
    assert summary is not None
    assert summary.median_speed_mps == 3.0


def test_a_run_whose_speed_is_never_known_has_no_median_speed() -> None:
    summary = t.summarise(samples([170, 172], speed=[np.nan, np.nan]))
    assert summary is not None
    assert summary.median_speed_mps is None


def test_no_cadence_or_no_running_gives_no_summary() -> None:
    assert t.summarise(samples(None, speed=[3.0])) is None
    assert t.summarise(samples([110, 112, 0])) is None
    # Running samples that last no time at all (time standing still) give nothing either.
    assert t.summarise(samples([170, 170], time=[5, 5])) is None


def test_the_distribution_puts_running_time_in_five_step_bands() -> None:
    s = samples([162, 164, 171, 166, 0])
    bins = t.distribution(s)
    assert [(b.lower_spm, b.upper_spm, b.seconds) for b in bins] == [
        (160, 165, 2.0),
        (165, 170, 1.0),
        (170, 175, 1.0),
    ]
    assert [b.share for b in bins] == [0.5, 0.25, 0.25]


def test_an_empty_band_in_the_middle_is_shown_with_no_time() -> None:
    bins = t.distribution(samples([160, 175]), bin_spm=5)
    assert [b.seconds for b in bins] == [1.0, 0.0, 0.0, 1.0]


def test_no_running_means_no_distribution_and_a_zero_band_is_refused() -> None:
    assert t.distribution(samples([100, 100])) == ()
    with pytest.raises(TechniqueError, match="at least 1 step"):
        t.distribution(samples([170]), bin_spm=0)


def test_the_share_on_target_counts_running_time_within_3_steps() -> None:
    s = samples([172, 175, 178, 179, 182, 0])
    # Target 178: 175, 178 and 179 within +/-3 (175 is exactly 3 off); 172 and 182 outside.
    assert t.share_on_target(s, 178) == pytest.approx(3 / 5)
    assert t.share_on_target(samples([100]), 178) is None


def test_running_dynamics_are_medians_over_running_time_and_absent_when_not_recorded() -> None:
    s = samples(
        [170, 172, 174, 100],
        stance_time_ms=[240, 250, 260, 400],
        vertical_oscillation_mm=[80, 0, 90, 200],
    )
    dynamics = t.running_dynamics(s)
    assert dynamics.ground_contact_ms == 250.0
    assert dynamics.vertical_oscillation_mm == 85.0
    assert dynamics.step_length_mm is None
    assert dynamics.any
    assert not t.running_dynamics(samples([100], step_length_mm=[900])).any
    # a mask the caller has already is used as it is
    assert t.running_dynamics(s, t.running_mask(s)) == dynamics
    only_last = np.array([False, False, False, True])
    assert t.running_dynamics(s, only_last).ground_contact_ms == 400.0


# ------------------------------------------------------------------ baseline and target


def rc(day: int, spm: float, speed: float | None) -> RunCadence:
    return RunCadence(date(2026, 3, day), spm, speed, 1800.0)


def test_the_baseline_uses_runs_near_the_usual_pace_only() -> None:
    runs = [
        rc(1, 160, 2.8),
        rc(3, 162, 2.9),
        rc(5, 164, 3.0),
        rc(7, 176, 4.0),  # a fast session: left out
        rc(9, 150, None),  # no speed: left out
    ]
    baseline = t.easy_baseline(runs)
    # Median speed of the four with speed = (2.9 + 3.0) / 2 = 2.95; within 10 %: 2.8, 2.9, 3.0.
    assert baseline.runs == 3
    assert baseline.spm == 162.0
    assert baseline.speed_mps == 2.9


def test_a_baseline_needs_a_run_with_speed() -> None:
    with pytest.raises(TechniqueError, match="at least one run"):
        t.easy_baseline([rc(1, 160, None)])


def test_cadence_is_compared_at_the_same_pace() -> None:
    # 15 % faster -> 3 steps/min less once adjusted to the reference pace.
    assert t.speed_adjusted_spm(168, 3.45, 3.0) == pytest.approx(165.0)
    assert t.speed_adjusted_spm(162, 2.55, 3.0) == pytest.approx(165.0)
    assert t.speed_adjusted_spm(168, 4.0, 3.0) is None
    with pytest.raises(TechniqueError, match="above zero"):
        t.speed_adjusted_spm(168, 0.0, 3.0)


def test_the_target_range_is_5_to_10_percent_over_the_baseline() -> None:
    assert t.target_range(160) == (168, 176)
    assert t.cadence_target(160, 7.5) == 172
    assert t.cadence_target(165, 5) == 173  # 173.25


@pytest.mark.parametrize("pct", [4.9, 10.1, 20])
def test_a_target_outside_5_to_10_percent_is_refused(pct: float) -> None:
    with pytest.raises(TechniqueError, match="between 5 % and 10 %"):
        t.cadence_target(160, pct)


@pytest.mark.parametrize("spm", [100.0, 230.0, float("nan")])
def test_an_implausible_baseline_or_target_is_refused(spm: float) -> None:
    with pytest.raises(TechniqueError, match="between 140 and 220"):
        t.target_range(spm)
    with pytest.raises(TechniqueError, match="target cadence"):
        t.check_target_spm(spm)
    with pytest.raises(TechniqueError, match="baseline cadence"):
        t.cadence_target(spm, 5)


def test_a_hand_set_target_in_range_is_accepted() -> None:
    assert t.check_target_spm(175) == 175


def test_the_weekly_trend_takes_the_median_per_monday_week() -> None:
    runs = [rc(2, 160, 3.0), rc(4, 164, 3.0), rc(6, 170, 3.0), rc(10, 168, 3.0)]
    # 2026-03-02 is a Monday: 2, 4, 6 in one week; 10 in the next.
    assert t.weekly_trend(runs) == (
        (date(2026, 3, 2), 164.0, 3),
        (date(2026, 3, 9), 168.0, 1),
    )


# ------------------------------------------------------------------ metronome


def test_the_metronome_beats_once_per_step_or_once_per_stride() -> None:
    assert t.metronome_bpm(172) == 172
    assert t.metronome_bpm(172, every_other_step=True) == 86


def beat_onsets(wav: bytes) -> tuple[int, np.ndarray]:
    """Sample rate and onset sample of each click, measured from the audio itself."""
    assert wav[:4] == b"RIFF" and wav[8:16] == b"WAVEfmt "
    _, fmt, channels, rate, _, _, bits = struct.unpack("<IHHIIHH", wav[16:36])
    assert (fmt, channels, bits) == (1, 1, 8)
    (size,) = struct.unpack("<I", wav[40:44])
    pcm = np.frombuffer(wav[44 : 44 + size], dtype=np.uint8).astype(float) - 128
    loud = np.abs(pcm) > 20
    rising = np.flatnonzero(loud & ~np.concatenate(([False], loud[:-1])))
    # A click rings for 20 ms: keep the first rise of each click.
    onsets = [rising[0]]
    for r in rising[1:]:
        if r - onsets[-1] > rate * 0.1:
            onsets.append(r)
    return rate, np.array(onsets)


@pytest.mark.parametrize("bpm", [160.0, 172.0, 181.0])
def test_the_click_track_beats_at_the_target_rate(bpm: float) -> None:
    wav = t.click_track_wav(bpm, 60)
    rate, onsets = beat_onsets(wav)
    assert rate == 8000
    assert len(wav) == 44 + 60 * 8000
    measured_bpm = 60 * rate / float(np.mean(np.diff(onsets)))
    assert measured_bpm == pytest.approx(bpm, abs=0.05)
    # Every beat lands within one sample of where the rate puts it: no drift.
    expected = np.arange(len(onsets)) * 60 / bpm * rate
    assert np.max(np.abs(onsets - expected)) <= 1.5
    # 60 s at 172 bpm: beats at 0, 0.349 s, ... 59.65 s -> 172 beats.
    assert len(onsets) == int(np.ceil(60 * bpm / 60 - 1e-9))


@pytest.mark.parametrize(
    ("bpm", "seconds", "rate", "message"),
    [
        (30.0, 10, 8000, "between 40 and 220 beats"),
        (172.0, 0, 8000, "1 second and 60 minutes"),
        (172.0, 3601, 8000, "1 second and 60 minutes"),
        (172.0, 10, 1000, "sample rate"),
    ],
)
def test_impossible_click_tracks_are_refused(
    bpm: float, seconds: int, rate: int, message: str
) -> None:
    with pytest.raises(TechniqueError, match=message):
        t.click_track_wav(bpm, seconds, rate)


def test_a_click_cut_off_by_the_end_of_the_track_is_kept_short() -> None:
    # 1 s at 60 bpm at 4 kHz: one click at 0 and none after.
    wav = t.click_track_wav(60, 1, 4000)
    assert len(wav) == 44 + 4000
    wav = t.click_track_wav(219.9, 1, 48000)
    assert len(wav) == 44 + 48000


# ------------------------------------------------------------------ the real corpus


def corpus_fit_dir() -> Path:
    root = os.environ.get("KNEECLINIC_CORPUS")
    base = (
        Path(root)
        if root
        else Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "activities"
    )
    return base / "fit"


# file, device, expected time-weighted running cadence (steps/min, +/- 1)
REAL_RUNS = [
    ("fitparse__activity-small-fenix2-run.fit", "Garmin fenix 2", 166.1),
    ("fitparse__compressed-speed-distance.fit", "Garmin Forerunner 70", 178.0),
    ("fitparse__developer-types-sample.fit", "Stryd", 149.4),
    ("gc__3386684871.fit", "Garmin vivoactive HR + Stryd", 167.0),
    ("gc__Fr955v19.28andStryd.fit", "Garmin Forerunner 955", 166.4),
    ("gc__Garmin920_withFirstbeat.fit", "Garmin Forerunner 920XT", 177.3),
    ("gc__HRV-Data.fit", "Stryd", 152.4),
    ("gc__IpBike-HRV-Data.fit", "IpBike", 164.8),
    ("muktihari__triathlon_summary_first.fit", "Garmin Forerunner 255", 162.2),
    ("rustfit__20210507_run_coros_pace_2.fit", "COROS PACE 2", 183.7),
    ("rustfit__20210610_track_garmin_fenix_6.fit", "Garmin fenix 6", 180.3),
    ("sportslib__6782987395.fit", "Garmin Forerunner 945", 172.7),
    ("sportslib__6909950168.fit", "Suunto 9", 180.4),
    ("sportslib__6914448270.fit", "Suunto 9 Baro-less", 167.9),
    ("sportslib__6916663933.fit", "COROS APEX Pro", 183.4),
    ("tormoder__mornindew-broken.fit", "Garmin Forerunner 920XT", 169.8),
]


def parse_corpus_file(name: str) -> list[object]:
    path = corpus_fit_dir() / name
    if not path.is_file():
        pytest.skip(f"the shared activity corpus is not here ({path}); set KNEECLINIC_CORPUS")
    try:
        from kneeclinic.domain.parsers import parse  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        pytest.skip("kneeclinic.domain.parsers.parse is not available yet")
    return list(parse(name, path.read_bytes()))


@pytest.mark.corpus
@pytest.mark.parametrize(("name", "device", "expected_spm"), REAL_RUNS)
def test_real_runs_give_plausible_steps_per_minute(
    name: str, device: str, expected_spm: float
) -> None:
    activities = parse_corpus_file(name)
    running = [a for a in activities if getattr(a, "sport", None) == "running"]
    assert running, f"{device}: no run found in {name}"
    summary = t.summarise(running[0].samples)  # type: ignore[attr-defined]
    assert summary is not None, f"{device}: no running cadence in {name}"
    # Strides left undoubled would read 75-92 here. Runs sit at 150-200 steps/min; the one
    # exception is a slow Stryd run at 149.
    assert 145 <= summary.avg_spm <= 200
    assert summary.avg_spm == pytest.approx(expected_spm, abs=1.0)
    assert summary.running_s > 0.5 * (summary.running_s + summary.excluded_s)


@pytest.mark.corpus
def test_a_walk_in_the_corpus_is_not_counted_as_running() -> None:
    activities = parse_corpus_file("fitparse__garmin-fenix-5-walk.fit")
    (walk,) = activities
    assert t.summarise(walk.samples) is None  # type: ignore[attr-defined]
