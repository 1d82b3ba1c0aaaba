"""Short-time spectrum of the mono signal, reduced as it streams to a few numbers per hop.

Hop k is the STFT frame centred on sample k*HOP (Hann window of N_FFT samples, zero padding at
both ends, as librosa's centred frames) and stands for the time [(k-1/2)*HOP_S, (k+1/2)*HOP_S).
Per hop it keeps the mean square and the peak of the samples in that time, the power in the
bass/mid/treble bands, and the onset strength (spectral flux: the mean rise, in dB, of
log-spaced bands since the previous hop). Only these are kept, never the spectrogram.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from lib_animation.audio.decode import ANALYSIS_RATE

N_FFT = 1024
HOP = 256
HOP_S = HOP / ANALYSIS_RATE
MAX_BAND_HZ = ANALYSIS_RATE / 2  # nothing above is analysed: a treble band starting there is 0
FLUX_BANDS = 48  # log-spaced bands from FLUX_LOW_HZ to Nyquist for the onset strength
FLUX_LOW_HZ = 40.0
# A rise in dB shows first in the window that just reaches the sound, before its centre: on
# clicks and drums the flux leads the sound by about one hop, so onsets are dated one hop later.
ONSET_LEAD_HOPS = 1
FLOOR_DB = -80.0  # below full scale: quieter parts of the spectrum count as silence
_BLOCK_HOPS = 1024  # hops transformed at once (a few MB of spectrum)

_WINDOW = np.hanning(N_FFT + 1)[:-1].astype(np.float32)  # periodic Hann, as librosa's
_FULL_SCALE_POWER = float(np.sum(_WINDOW) / 2) ** 2  # power of a full-scale sine's bin
_BIN_HZ = ANALYSIS_RATE / N_FFT


@dataclass(frozen=True)
class HopFeatures:
    """Per-hop numbers of a whole track (arrays of equal length, one value per hop)."""

    mean_square: np.ndarray
    peak: np.ndarray
    bands: np.ndarray  # (hops, 3): power in bass, mid, treble
    onset: np.ndarray
    samples: int  # the track's length at ANALYSIS_RATE

    @property
    def duration_s(self) -> float:
        return self.samples / ANALYSIS_RATE


def band_starts(bass_max_hz: float, treble_min_hz: float) -> tuple[int, int, int]:
    """First FFT bin of bass, mid and treble: each band holds the bins whose centre lies in it,
    the DC bin belongs to none, and a band above MAX_BAND_HZ is empty."""
    mid = max(2, _bin_at(bass_max_hz))  # bass holds at least the lowest bin above DC
    return 1, mid, max(mid, _bin_at(treble_min_hz))


def hop_features(blocks: Iterable[np.ndarray], starts: tuple[int, int, int]) -> HopFeatures:
    """The per-hop numbers of the signal `blocks` (float32 mono at ANALYSIS_RATE) make."""
    reducer = _HopReducer(starts)
    pending: list[np.ndarray] = [np.zeros(N_FFT // 2, np.float32)]
    pending_size = N_FFT // 2
    samples = 0
    for block in blocks:
        pending.append(block)
        pending_size += block.size
        samples += block.size
        if pending_size >= (_BLOCK_HOPS + 1) * HOP + N_FFT:
            pending = [reducer.consume(np.concatenate(pending))]
            pending_size = pending[0].size
    hops = 1 + samples // HOP
    tail = np.concatenate([*pending, np.zeros(N_FFT, np.float32)])
    reducer.consume(tail[: (hops - reducer.hops - 1) * HOP + N_FFT])
    return reducer.result(samples)


def _bin_at(hz: float) -> int:
    return int(np.clip(np.ceil(hz / _BIN_HZ), 1, N_FFT // 2 + 1))


def _flux_starts() -> np.ndarray:
    edges = np.geomspace(FLUX_LOW_HZ, ANALYSIS_RATE / 2, FLUX_BANDS + 1)[:-1]
    return np.unique(np.array([_bin_at(hz) for hz in edges]))


class _HopReducer:
    """Turns consecutive stretches of the padded signal into per-hop numbers."""

    def __init__(self, starts: tuple[int, int, int]) -> None:
        self._ends = (*starts[1:], N_FFT // 2 + 1)
        self._starts = starts
        self._flux_starts = _flux_starts()
        self._previous_db = np.full(self._flux_starts.size, FLOOR_DB, np.float32)
        self._parts: list[tuple[np.ndarray, ...]] = []
        self.hops = 0

    def consume(self, padded: np.ndarray) -> np.ndarray:
        """Reduce every whole window of `padded` (which starts at hop self.hops' window) and
        return the samples the next window starts from."""
        count = (padded.size - N_FFT) // HOP + 1 if padded.size >= N_FFT else 0
        if count <= 0:
            return padded
        windows = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[: count * HOP : HOP]
        middle = windows[:, N_FFT // 2 - HOP // 2: N_FFT // 2 + HOP // 2]
        mean_square = np.mean(np.square(middle, dtype=np.float64), axis=1)
        peak = np.max(np.abs(middle), axis=1)
        power = np.square(np.abs(np.fft.rfft(windows * _WINDOW, axis=1))).astype(np.float32)
        bands = np.stack([power[:, start:end].sum(axis=1)
                          for start, end in zip(self._starts, self._ends, strict=True)], axis=1)
        self._parts.append((mean_square, peak, bands, self._flux(power)))
        self.hops += count
        return padded[count * HOP:]

    def _flux(self, power: np.ndarray) -> np.ndarray:
        band_power = np.add.reduceat(power, self._flux_starts, axis=1) / _FULL_SCALE_POWER
        level_db = 10 * np.log10(np.maximum(band_power, 10 ** (FLOOR_DB / 10)))
        previous = np.vstack([self._previous_db, level_db[:-1]])
        self._previous_db = level_db[-1]
        return np.mean(np.maximum(level_db - previous, 0), axis=1)

    def result(self, samples: int) -> HopFeatures:
        """Everything consumed so far (at least one hop: the end always completes one)."""
        parts = zip(*self._parts, strict=True)
        mean_square, peak, bands, onset = (np.concatenate(part) for part in parts)
        return HopFeatures(mean_square, peak, bands, onset, samples)
