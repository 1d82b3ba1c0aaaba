"""A soundtrack -> its AudioFeatures at a run's fps: decode, reduce per hop, then per frame.

The whole track is analysed and normalised, whatever part of it the run uses, so a short
preview and the full run read the same values on the same frames.
"""

from __future__ import annotations

import math

import numpy as np

from lib_animation.audio import beats, smoothing
from lib_animation.audio.decode import mono_blocks
from lib_animation.audio.features import LEVEL_NAMES, AudioFeatures, AudioOptions
from lib_animation.audio.spectrum import (
    HOP_S,
    ONSET_LEAD_HOPS,
    HopFeatures,
    band_starts,
    hop_features,
)
from lib_animation.inputs.input_file import InputFile

_UNSMOOTHED = ("beat",)  # has its own release
_DEFAULT_OPTIONS = AudioOptions()


def analyse_audio(file: InputFile, *, fps: float, frames: int,
                  options: AudioOptions = _DEFAULT_OPTIONS) -> AudioFeatures:
    """The soundtrack's features for frames 0..frames-1 at `fps`; RenderError (one line naming
    the setting) if the file is missing, not audio, undecodable, at an unsupported sample rate,
    or longer than decode.MAX_DURATION_S. A silent track gives all-zero levels."""
    if not (math.isfinite(fps) and fps > 0) or frames < 0:
        raise ValueError(f"fps {fps} and frames {frames} must be > 0 and >= 0")
    hops = hop_features(mono_blocks(file), band_starts(options.bass_max_hz,
                                                      options.treble_min_hz))
    return features_of(hops, fps=fps, frames=frames, options=options)


def features_of(hops: HopFeatures, *, fps: float, frames: int,
                options: AudioOptions) -> AudioFeatures:
    """The AudioFeatures of a track's per-hop numbers."""
    track_frames = max(1, math.ceil(hops.duration_s * fps - 1e-9))
    levels = _levels(hops, fps, track_frames)
    tracked = beats.track(hops.onset, HOP_S) if np.any(levels["loudness"]) else beats.Beats(
        np.zeros(0, np.int64), 0.0)
    beat_frames = _beat_frames(tracked.hops, fps, track_frames)
    levels["beat"] = smoothing.pulses(track_frames, beat_frames, fps, options.beat_release_s)
    values = {name: _fitted(_smoothed(name, levels[name], fps, options), frames)
              for name in LEVEL_NAMES}
    values["tempo"] = np.full(frames, tracked.bpm)
    envelope = _fitted(np.minimum(_frame_peaks(hops.peak, fps, track_frames), 1.0), frames)
    return AudioFeatures(fps=fps, frames=frames, values=values,
                         beat_frames=beat_frames[beat_frames < frames], tempo_bpm=tracked.bpm,
                         envelope=envelope, duration_s=hops.duration_s)


def _levels(hops: HopFeatures, fps: float, frames: int) -> dict[str, np.ndarray]:
    loudness = smoothing.loudness(_frame_means(hops.mean_square, fps, frames))
    if not np.any(loudness):  # silence, or only noise far below full scale
        return {name: np.zeros(frames) for name in LEVEL_NAMES}
    levels = {"loudness": loudness}
    for index, name in enumerate(("bass", "mid", "treble")):
        amplitude = np.sqrt(_frame_means(hops.bands[:, index].astype(np.float64), fps, frames))
        levels[name] = smoothing.normalised(amplitude)
    onset = _frame_means(hops.onset, fps, frames, delay_hops=ONSET_LEAD_HOPS)
    levels["onset"] = smoothing.normalised(onset)
    return levels


def _smoothed(name: str, values: np.ndarray, fps: float, options: AudioOptions) -> np.ndarray:
    if name in _UNSMOOTHED:
        return values
    return smoothing.smoothed(values, fps, options.attack_s, options.release_s)


def _fitted(values: np.ndarray, frames: int) -> np.ndarray:
    """The first `frames` values, with zeros after the track's end."""
    result = np.zeros(frames)
    count = min(frames, values.size)
    result[:count] = values[:count]
    return result


def _frame_means(per_hop: np.ndarray, fps: float, frames: int,
                 delay_hops: int = 0) -> np.ndarray:
    """Each frame's time-weighted mean of the hops (hop k spans (k + delay_hops -+ 1/2) * HOP_S)
    over its time [i/fps, (i+1)/fps); time outside the track counts as 0."""
    hop_edges = (np.arange(per_hop.size + 1) + delay_hops - 0.5) * HOP_S
    integral = np.concatenate([[0.0], np.cumsum(per_hop * HOP_S, dtype=np.float64)])
    frame_edges = np.arange(frames + 1) / fps
    return np.diff(np.interp(frame_edges, hop_edges, integral)) * fps


def _frame_peaks(per_hop: np.ndarray, fps: float, frames: int) -> np.ndarray:
    """Each frame's largest hop peak, of the hops that start within or before its time."""
    first_hop = np.floor(np.arange(frames) / fps / HOP_S + 0.5).astype(np.int64)
    return np.maximum.reduceat(per_hop.astype(np.float64),
                               np.clip(first_hop, 0, per_hop.size - 1))


def _beat_frames(beat_hops: np.ndarray, fps: float, frames: int) -> np.ndarray:
    """The frame of each beat: the one that starts nearest to it, so a picture never runs
    ahead of its sound by more than half a frame."""
    frame = np.floor((beat_hops + ONSET_LEAD_HOPS) * HOP_S * fps + 0.5).astype(np.int64)
    return np.unique(frame[(frame >= 0) & (frame < frames)])
