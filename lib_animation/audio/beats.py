"""Tempo and beats from an onset-strength envelope (one value per hop).

Tempo: the autocorrelation of the envelope, weighted by a log-normal preference for tempi near
PRIOR_BPM, peaks at the beat period. Beats: dynamic programming as in Ellis, "Beat Tracking by
Dynamic Programming" (2007): a beat sequence scores the onset strength at its beats minus
TIGHTNESS times the squared log-ratio of each interval to the period; the best sequence is
found by one pass forward and a backtrack. The track's tempo is then the mean interval of the
beats that kept the period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_BPM = 30.0
MAX_BPM = 300.0
PRIOR_BPM = 120.0
PRIOR_OCTAVES = 1.0  # width of the tempo preference, in octaves (one standard deviation)
TIGHTNESS = 100.0  # how strongly beat intervals keep to the period
_PERIOD_TOLERANCE = 0.25  # intervals this far from the period (as a ratio) are not counted


@dataclass(frozen=True)
class Beats:
    hops: np.ndarray  # hop indices of the beats, ascending
    bpm: float  # 0 when there are too few beats to tell


def track(onset: np.ndarray, hop_s: float) -> Beats:
    """The beats and tempo of an onset envelope sampled every `hop_s` seconds."""
    period = beat_period(onset, hop_s)
    if period is None:
        return Beats(np.zeros(0, np.int64), 0.0)
    local = np.convolve(onset / onset.std(), _gaussian(period), mode="same")
    hops = _trimmed(_dynamic_beats(local, period), local)
    return Beats(hops, 60.0 / (_mean_interval(hops, period) * hop_s))


def beat_period(onset: np.ndarray, hop_s: float) -> float | None:
    """The beat period in hops (fractional), or None for a flat envelope or one too short to
    hold two periods of MAX_BPM. Periods longer than half the envelope are not considered."""
    shortest = max(1, int(np.floor(60.0 / MAX_BPM / hop_s)))
    longest = min(int(np.ceil(60.0 / MIN_BPM / hop_s)), onset.size // 2 - 1)
    if longest <= shortest or not np.any(onset != onset[0]):
        return None
    centred = onset - onset.mean()
    size = 1 << int(2 * onset.size - 1).bit_length()
    spectrum = np.fft.rfft(centred, size)
    autocorrelation = np.fft.irfft(np.abs(spectrum) ** 2, size)[: longest + 2]
    autocorrelation /= onset.size - np.arange(longest + 2)  # each lag's mean, not sum
    lags = np.arange(shortest, longest + 1)
    bpm = 60.0 / (lags * hop_s)
    preference = np.exp(-0.5 * (np.log2(bpm / PRIOR_BPM) / PRIOR_OCTAVES) ** 2)
    scores = autocorrelation[lags] * preference
    best = int(np.argmax(scores))
    if scores[best] <= 0:
        return None
    return float(lags[best] + _vertex_offset(autocorrelation, lags[best]))


def _vertex_offset(curve: np.ndarray, index: int) -> float:
    """Where, within half a step of `index`, the parabola through its neighbours peaks."""
    left, middle, right = curve[index - 1], curve[index], curve[index + 1]
    curvature = left - 2 * middle + right
    if curvature >= 0:
        return 0.0
    return float(np.clip(0.5 * (left - right) / curvature, -0.5, 0.5))


def _dynamic_beats(local: np.ndarray, period: float) -> np.ndarray:
    """The best beat sequence for the smoothed onset strength `local`."""
    shortest, longest = max(1, round(period / 2)), max(2, round(2 * period))
    lags = np.arange(shortest, longest + 1)
    penalty = -TIGHTNESS * np.log(lags / period) ** 2
    total = np.full(longest + local.size, -np.inf)  # `longest` -inf entries before hop 0
    previous = np.full(local.size, -1, np.int64)
    # A beat's predecessor lies at least `shortest` hops back, so each run of `shortest` hops
    # depends only on earlier runs and is scored at once.
    for start in range(0, local.size, shortest):
        hops = np.arange(start, min(start + shortest, local.size))
        candidates = hops[:, np.newaxis] - lags
        scores = total[candidates + longest] + penalty
        best = np.argmax(scores, axis=1)
        found = np.isfinite(scores[np.arange(hops.size), best])
        total[hops + longest] = local[hops] + np.where(
            found, scores[np.arange(hops.size), best], 0.0)
        previous[hops] = np.where(found, candidates[np.arange(hops.size), best], -1)
    return _backtracked(total[longest:], previous)


def _gaussian(period: float) -> np.ndarray:
    reach = max(1, round(period))
    return np.exp(-0.5 * (np.arange(-reach, reach + 1) * 32.0 / period) ** 2)


def _backtracked(total: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """The beats of the best sequence ending at the last strong local peak of `total`."""
    inner = (total[1:-1] >= total[:-2]) & (total[1:-1] > total[2:])
    peaks = np.flatnonzero(inner) + 1
    if peaks.size == 0:
        return np.zeros(0, np.int64)
    typical = float(np.median(total[peaks]))
    last = int(peaks[total[peaks] * 2 > typical].max(initial=peaks[-1]))
    beats = [last]
    while previous[beats[-1]] >= 0:
        beats.append(int(previous[beats[-1]]))
    return np.array(beats[::-1], dtype=np.int64)


def _trimmed(hops: np.ndarray, local: np.ndarray) -> np.ndarray:
    """`hops` without the weak beats at either end (silence before and after the music)."""
    if hops.size == 0:
        return hops
    strength = np.convolve(local[hops], np.hanning(5)[1:-1], mode="same")
    strong = np.flatnonzero(strength > 0.5 * np.sqrt(np.mean(strength**2)))
    return hops[strong[0]: strong[-1] + 1] if strong.size else hops[:0]


def _mean_interval(hops: np.ndarray, period: float) -> float:
    intervals = np.diff(hops)
    kept = intervals[np.abs(intervals / period - 1) <= _PERIOD_TOLERANCE]
    return float(np.mean(kept)) if kept.size else period
