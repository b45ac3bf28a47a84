"""Running cadence from watch streams, a retraining target, and a metronome click track.

Cadence here is always **steps per minute** (both feet). Watches differ in what they store:
``SOURCE_CADENCE_UNIT`` records what each file format holds (parsers.md §3.5: every FIT writer
in the corpus stores strides per minute in ``record.cadence`` plus Garmin's
``fractional_cadence``; TCX ``RunCadence`` and GPX ``cad`` of runs carry the same strides/min).
The parsers convert to steps/min when they build ``Samples.cadence_spm``; the functions below
take those streams. The evidence for cadence retraining is in clinical.md §12.
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from kneeclinic.domain.activity import FloatArray, Samples

BoolArray = npt.NDArray[np.bool_]


class TechniqueError(ValueError):
    """Input the cadence tools cannot work with, with a reason a person understands."""


class CadenceUnit(enum.StrEnum):
    STRIDES_PER_MIN = "strides_per_min"
    """One foot's cycles per minute (FIT "rpm"): steps = 2 x strides."""
    STEPS_PER_MIN = "steps_per_min"


SOURCE_CADENCE_UNIT: dict[str, CadenceUnit] = {
    "fit": CadenceUnit.STRIDES_PER_MIN,
    "tcx": CadenceUnit.STRIDES_PER_MIN,
    "gpx": CadenceUnit.STRIDES_PER_MIN,
}
"""What each format stores for running cadence, measured on the corpus (parsers.md §3.5)."""

FIT_FRACTIONAL_CADENCE_SCALE = 128
"""FIT ``fractional_cadence`` is in 1/128 of a stride per minute (parsers.md §3.5)."""

RUNNING_MIN_SPM = 140.0
"""Below this a sample counts as walking, not running: inexperienced runners step at about
154-160 steps/min (van Oeveren 2017, clinical.md §12.2) while walking is usually nearer 100-130
(background knowledge, unverified; clinician to confirm)."""
MAX_PLAUSIBLE_SPM = 220.0
"""Above this a value is a sensor spike, not a step rate (over 110 strides/min, parsers.md §3.5)."""
STOPPED_SPEED_MPS = 1.0
"""Below 1 m/s (16:40 min/km) the runner has stopped, whatever the cadence sensor says."""
MAX_SAMPLE_GAP_S = 10.0
"""A sample stands for at most 10 s: longer gaps are watch pauses, not running time."""
DISTRIBUTION_BIN_SPM = 5
TARGET_BAND_SPM = 3.0
"""A step counts as on target within +/- 3 steps/min of it (product choice, issue 7)."""
TARGET_INCREASE_MIN_PCT = 5
TARGET_INCREASE_MAX_PCT = 10
"""Retraining target: +5 % to +10 % over the runner's own easy-pace cadence (Heiderscheit 2011,
Lenhart 2014, Bramah 2019 via clinical.md §12.2)."""
SPM_PER_SPEED_FRACTION = 3.0 / 0.15
"""Cadence rises about 3 steps/min for 15 % more speed (van Oeveren 2019, clinical.md §12.2)."""
MAX_SPEED_ADJUST_FRACTION = 0.3
"""Runs more than 30 % faster or slower than the reference pace are not compared at all."""
EASY_SPEED_BAND_FRACTION = 0.10
"""Runs within 10 % of the runner's usual (median) speed are the easy-pace runs of the baseline."""


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------


def steps_per_minute(
    cadence: float,
    fractional: float = 0.0,
    unit: CadenceUnit = CadenceUnit.STRIDES_PER_MIN,
) -> float:
    """Steps per minute from a device value; FIT: 2 x (cadence + fractional), parsers.md §3.5.

    ``fractional`` is already in strides/min (the raw FIT value divided by 128).
    """
    total = cadence + fractional
    if unit is CadenceUnit.STRIDES_PER_MIN:
        return 2.0 * total
    return total


def fit_steps_per_minute(cadence_rpm: int, fractional_raw: int | None) -> float:
    """Steps/min from raw FIT record fields ``cadence`` and ``fractional_cadence`` (1/128 rpm)."""
    fraction = (fractional_raw or 0) / FIT_FRACTIONAL_CADENCE_SCALE
    return steps_per_minute(float(cadence_rpm), fraction, CadenceUnit.STRIDES_PER_MIN)


# --------------------------------------------------------------------------------------------
# Which samples are running, and how long each lasts
# --------------------------------------------------------------------------------------------


def sample_durations_s(time_s: FloatArray) -> FloatArray:
    """Seconds each sample stands for: the gap to the next one, capped at ``MAX_SAMPLE_GAP_S``.

    The last sample gets the previous gap; time going backwards counts as nothing.
    """
    n = int(time_s.shape[0])
    if n == 0:
        return np.zeros(0)
    if n == 1:
        return np.ones(1)
    gaps = np.diff(time_s)
    gaps = np.append(gaps, gaps[-1])
    gaps = np.where(np.isfinite(gaps), gaps, 0.0)
    return np.clip(gaps, 0.0, MAX_SAMPLE_GAP_S)


def running_mask(samples: Samples) -> BoolArray:
    """Samples that are running: a plausible running cadence and, when speed is known, moving.

    Missing or zero cadence (sensor drop-outs), walking breaks and stops are left out rather
    than counted as slow running.
    """
    cadence = samples.cadence_spm
    if cadence is None:
        return np.zeros(len(samples), dtype=bool)
    with np.errstate(invalid="ignore"):
        mask = np.isfinite(cadence) & (cadence >= RUNNING_MIN_SPM) & (cadence <= MAX_PLAUSIBLE_SPM)
        if samples.speed_mps is not None:
            speed = samples.speed_mps
            stopped = np.isfinite(speed) & (speed < STOPPED_SPEED_MPS)
            mask &= ~stopped
    return np.asarray(mask, dtype=bool)


# --------------------------------------------------------------------------------------------
# Per-run summaries
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CadenceSummary:
    """Cadence over the running part of one activity."""

    running_s: float
    excluded_s: float
    avg_spm: float
    median_spm: float
    median_speed_mps: float | None


def _weighted_median(values: FloatArray, weights: FloatArray) -> float:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    half = cumulative[-1] / 2.0
    return float(values[order][int(np.searchsorted(cumulative, half))])


def summarise(samples: Samples) -> CadenceSummary | None:
    """Time-weighted cadence over running samples; ``None`` without any running cadence."""
    if samples.cadence_spm is None:
        return None
    mask = running_mask(samples)
    weights = sample_durations_s(samples.time_s)
    run_w = weights[mask]
    if not mask.any() or float(run_w.sum()) <= 0:
        return None
    cadence = samples.cadence_spm[mask]
    speed_median: float | None = None
    if samples.speed_mps is not None:
        speed = samples.speed_mps[mask]
        known = np.isfinite(speed)
        if known.any() and float(run_w[known].sum()) > 0:
            speed_median = _weighted_median(speed[known], run_w[known])
    return CadenceSummary(
        running_s=float(run_w.sum()),
        excluded_s=float(weights[~mask].sum()),
        avg_spm=float(np.average(cadence, weights=run_w)),
        median_spm=_weighted_median(cadence, run_w),
        median_speed_mps=speed_median,
    )


@dataclass(frozen=True, slots=True)
class CadenceBin:
    lower_spm: int
    upper_spm: int
    seconds: float
    share: float


def distribution(samples: Samples, bin_spm: int = DISTRIBUTION_BIN_SPM) -> tuple[CadenceBin, ...]:
    """Running time per cadence band (lower bound included), from the lowest to the highest band."""
    if bin_spm <= 0:
        raise TechniqueError("A cadence band must be at least 1 step per minute wide.")
    summary = summarise(samples)
    if summary is None or samples.cadence_spm is None:
        return ()
    mask = running_mask(samples)
    weights = sample_durations_s(samples.time_s)[mask]
    lowers = (np.floor(samples.cadence_spm[mask] / bin_spm) * bin_spm).astype(int)
    bins: list[CadenceBin] = []
    for lower in range(int(lowers.min()), int(lowers.max()) + 1, bin_spm):
        seconds = float(weights[lowers == lower].sum())
        bins.append(CadenceBin(lower, lower + bin_spm, seconds, seconds / summary.running_s))
    return tuple(bins)


def share_on_target(
    samples: Samples, target_spm: float, band_spm: float = TARGET_BAND_SPM
) -> float | None:
    """Share (0-1) of running time within +/- ``band_spm`` of the target (issue 7 rule)."""
    summary = summarise(samples)
    if summary is None or samples.cadence_spm is None:
        return None
    mask = running_mask(samples)
    weights = sample_durations_s(samples.time_s)[mask]
    near = np.abs(samples.cadence_spm[mask] - target_spm) <= band_spm
    return float(weights[near].sum()) / summary.running_s


@dataclass(frozen=True, slots=True)
class DynamicsSummary:
    """Median running dynamics while running; ``None`` for what the watch did not record.

    No thresholds: the evidence gives none for knee pain (clinical.md §12.3).
    """

    ground_contact_ms: float | None
    vertical_oscillation_mm: float | None
    step_length_mm: float | None

    @property
    def any(self) -> bool:
        values = (self.ground_contact_ms, self.vertical_oscillation_mm, self.step_length_mm)
        return any(v is not None for v in values)


def running_dynamics(samples: Samples, mask: BoolArray | None = None) -> DynamicsSummary:
    """Medians of ground contact time, vertical oscillation and step length over running time.

    ``mask`` is ``running_mask(samples)`` when the caller has it already.
    """
    if mask is None:
        mask = running_mask(samples)

    def median(stream: FloatArray | None) -> float | None:
        if stream is None:
            return None
        values = stream[mask]
        values = values[np.isfinite(values) & (values > 0)]
        return float(np.median(values)) if values.size else None

    return DynamicsSummary(
        ground_contact_ms=median(samples.stance_time_ms),
        vertical_oscillation_mm=median(samples.vertical_oscillation_mm),
        step_length_mm=median(samples.step_length_mm),
    )


# --------------------------------------------------------------------------------------------
# Comparing runs, baseline and target
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunCadence:
    """One run's cadence summary, for trends and the baseline."""

    on: date
    avg_spm: float
    speed_mps: float | None
    running_s: float


@dataclass(frozen=True, slots=True)
class Baseline:
    spm: float
    speed_mps: float
    runs: int


def speed_adjusted_spm(spm: float, speed_mps: float, reference_speed_mps: float) -> float | None:
    """Cadence as if run at the reference pace: -3 steps/min per +15 % speed (van Oeveren 2019).

    ``None`` when the paces are too far apart to compare (over ``MAX_SPEED_ADJUST_FRACTION``).
    """
    if reference_speed_mps <= 0 or speed_mps <= 0:
        raise TechniqueError("Speeds must be above zero to compare cadence at the same pace.")
    fraction = speed_mps / reference_speed_mps - 1.0
    if abs(fraction) > MAX_SPEED_ADJUST_FRACTION:
        return None
    return spm - SPM_PER_SPEED_FRACTION * fraction


def easy_baseline(runs: Sequence[RunCadence]) -> Baseline:
    """The runner's own easy-pace cadence: median over runs near their usual speed (§12.2, B.5)."""
    with_speed = [r for r in runs if r.speed_mps is not None and r.speed_mps > 0]
    if not with_speed:
        raise TechniqueError(
            "A cadence baseline needs at least one run with both cadence and speed recorded."
        )
    usual = float(np.median([r.speed_mps for r in with_speed]))
    easy = [
        r for r in with_speed if abs((r.speed_mps or 0.0) / usual - 1.0) <= EASY_SPEED_BAND_FRACTION
    ]
    return Baseline(
        spm=float(np.median([r.avg_spm for r in easy])),
        speed_mps=float(np.median([r.speed_mps for r in easy])),
        runs=len(easy),
    )


def target_range(baseline_spm: float) -> tuple[int, int]:
    """The +5 % to +10 % target range over a baseline, in whole steps/min (clinical.md §12.2)."""
    _check_spm(baseline_spm, "The baseline cadence")
    low = round(baseline_spm * (1 + TARGET_INCREASE_MIN_PCT / 100))
    high = round(baseline_spm * (1 + TARGET_INCREASE_MAX_PCT / 100))
    return low, high


def cadence_target(baseline_spm: float, increase_pct: float) -> int:
    """Target cadence +5-10 % over baseline (Heiderscheit 2011, Bramah 2019; clinical.md §12.2)."""
    _check_spm(baseline_spm, "The baseline cadence")
    if not TARGET_INCREASE_MIN_PCT <= increase_pct <= TARGET_INCREASE_MAX_PCT:
        raise TechniqueError(
            f"Choose an increase between {TARGET_INCREASE_MIN_PCT} % and "
            f"{TARGET_INCREASE_MAX_PCT} %: bigger jumps are not what the studies tested."
        )
    return round(baseline_spm * (1 + increase_pct / 100))


def _check_spm(spm: float, what: str) -> None:
    if not math.isfinite(spm) or not RUNNING_MIN_SPM <= spm <= MAX_PLAUSIBLE_SPM:
        raise TechniqueError(
            f"{what} must be a running step rate between {RUNNING_MIN_SPM:.0f} and "
            f"{MAX_PLAUSIBLE_SPM:.0f} steps per minute."
        )


def check_target_spm(target_spm: float) -> float:
    """A target set by hand (runner or physio) must be a plausible running step rate."""
    _check_spm(target_spm, "The target cadence")
    return target_spm


def weekly_trend(runs: Sequence[RunCadence]) -> tuple[tuple[date, float, int], ...]:
    """Median cadence per week (weeks start on Monday): (week start, median spm, runs)."""
    weeks: dict[date, list[float]] = {}
    for r in runs:
        monday = r.on - timedelta(days=r.on.weekday())
        weeks.setdefault(monday, []).append(r.avg_spm)
    return tuple((week, float(np.median(v)), len(v)) for week, v in sorted(weeks.items()))


# --------------------------------------------------------------------------------------------
# Metronome
# --------------------------------------------------------------------------------------------

CLICK_SAMPLE_RATE_HZ = 8000
CLICK_TONE_HZ = 1500.0
CLICK_LENGTH_S = 0.02
MAX_CLICK_TRACK_S = 60 * 60
"""A click track lasts at most an hour (8-bit mono at 8 kHz: about 29 MB)."""


def metronome_bpm(target_spm: float, *, every_other_step: bool = False) -> float:
    """Beats per minute: one per step, or one per stride for runners who find that calmer."""
    check_target_spm(target_spm)
    return target_spm / 2 if every_other_step else target_spm


def click_track_wav(
    bpm: float, duration_s: int, sample_rate_hz: int = CLICK_SAMPLE_RATE_HZ
) -> bytes:
    """A WAV file (8-bit mono PCM) of short clicks at ``bpm`` for ``duration_s`` seconds.

    Beat k starts at sample round(k x 60 / bpm x rate), so the rate does not drift.
    """
    if not 40 <= bpm <= MAX_PLAUSIBLE_SPM:
        raise TechniqueError("The metronome runs between 40 and 220 beats per minute.")
    if not 1 <= duration_s <= MAX_CLICK_TRACK_S:
        raise TechniqueError("A click track lasts between 1 second and 60 minutes.")
    if not 4000 <= sample_rate_hz <= 48000:
        raise TechniqueError("The sample rate must be between 4000 and 48000 Hz.")
    total = duration_s * sample_rate_hz
    signal = np.zeros(total, dtype=np.float64)
    length = int(CLICK_LENGTH_S * sample_rate_hz)
    t = np.arange(length) / sample_rate_hz
    click = np.sin(2 * np.pi * CLICK_TONE_HZ * t) * np.exp(-t / (CLICK_LENGTH_S / 4))
    beats = int(duration_s * bpm / 60) + 1
    starts = np.round(np.arange(beats) * 60.0 / bpm * sample_rate_hz).astype(int)
    for start in starts[starts < total]:
        end = min(start + length, total)
        signal[start:end] += click[: end - start]
    pcm = np.clip(128 + 127 * signal, 0, 255).astype(np.uint8).tobytes()
    return _wav_header(len(pcm), sample_rate_hz) + pcm


def _wav_header(data_bytes: int, sample_rate_hz: int) -> bytes:
    channels, bits = 1, 8
    byte_rate = sample_rate_hz * channels * bits // 8
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data_bytes)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, sample_rate_hz, byte_rate, channels, bits)
        + b"data"
        + struct.pack("<I", data_bytes)
    )
