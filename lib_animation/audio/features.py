"""What an audio analysis gives a run: per-frame feature curves, the beats, and their JSON form.

Every curve has one value per output frame. Levels (loudness, bass, mid, treble, onset, beat) lie
in 0..1 over the whole track; `tempo` is the track's tempo in beats per minute on every frame.
Frames after the track's end have level 0 (the tempo stays).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from lib_animation.errors import RenderError

FEATURE_NAMES = ("loudness", "bass", "mid", "treble", "onset", "beat", "tempo")
LEVEL_NAMES = FEATURE_NAMES[:-1]  # the 0..1 curves; tempo is in beats per minute
JSON_FORMAT = "keyframes-audio-features/1"


@dataclass(frozen=True)
class AudioOptions:
    """How the soundtrack is read into curves (built from the run's settings)."""

    bass_max_hz: float = 250.0  # bass: below this; treble: above treble_min_hz; mid: between
    treble_min_hz: float = 4000.0
    attack_s: float = 0.0  # one-pole smoothing time constants of the 0..1 curves (0: none)
    release_s: float = 0.1
    beat_release_s: float = 0.25  # `beat` is 1 on a beat's frame and falls to 1/e after this

    def __post_init__(self) -> None:
        """Settings are checked before they get here: a bad value is a programming error."""
        values = (self.bass_max_hz, self.treble_min_hz, self.attack_s, self.release_s,
                  self.beat_release_s)
        if not all(math.isfinite(value) and value >= 0 for value in values):
            raise ValueError(f"audio options must be finite and >= 0: {self}")
        if not 0 < self.bass_max_hz <= self.treble_min_hz:
            raise ValueError(f"need 0 < bass_max_hz <= treble_min_hz: {self}")


@dataclass(frozen=True)
class AudioFeatures:
    """A soundtrack's features at the run's fps, for frames 0..frames-1."""

    fps: float
    frames: int
    values: Mapping[str, np.ndarray]  # FEATURE_NAMES -> float64 array of `frames` values
    beat_frames: np.ndarray  # frame indices of the beats, ascending
    tempo_bpm: float  # 0 when the track has too few beats to tell
    envelope: np.ndarray  # per-frame peak amplitude of the downmix, 0..1 of full scale
    duration_s: float  # the track's length

    @property
    def silent(self) -> bool:
        """Whether the track is silent (every level is 0)."""
        return not any(np.any(self.values[name]) for name in LEVEL_NAMES)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict that `from_json` turns back into an equal AudioFeatures (floats are
        written as Python floats, which JSON keeps exactly)."""
        return {
            "format": JSON_FORMAT,
            "fps": float(self.fps),
            "frames": int(self.frames),
            "duration_s": float(self.duration_s),
            "tempo_bpm": float(self.tempo_bpm),
            "beat_frames": [int(frame) for frame in self.beat_frames],
            "envelope": _floats(self.envelope),
            "values": {name: _floats(self.values[name]) for name in FEATURE_NAMES},
        }

    @classmethod
    def from_json(cls, data: Any) -> AudioFeatures:
        """The features `to_json` wrote; RenderError if `data` is not such a record."""
        if not isinstance(data, Mapping) or data.get("format") != JSON_FORMAT:
            raise _bad_record("not a Keyframes audio analysis")
        frames = _count(data.get("frames"), "frames")
        values = data.get("values")
        if not isinstance(values, Mapping) or set(values) != set(FEATURE_NAMES):
            raise _bad_record("its features are not " + ", ".join(FEATURE_NAMES))
        beat_frames = np.array([_count(frame, "beat frame") for frame in
                                _list(data.get("beat_frames"), "beat_frames")], dtype=np.int64)
        if np.any(beat_frames >= frames) or np.any(np.diff(beat_frames) <= 0):
            raise _bad_record("its beat frames are not ascending frames of the run")
        return cls(
            fps=_positive(data.get("fps"), "fps"),
            frames=frames,
            values={name: _curve(values[name], name, frames) for name in FEATURE_NAMES},
            beat_frames=beat_frames,
            tempo_bpm=_number(data.get("tempo_bpm"), "tempo_bpm"),
            envelope=_curve(data.get("envelope"), "envelope", frames),
            duration_s=_number(data.get("duration_s"), "duration_s"),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AudioFeatures):
            return NotImplemented
        return self.to_json() == other.to_json()


def _floats(array: np.ndarray) -> list[float]:
    return [float(value) for value in np.asarray(array, dtype=np.float64)]


def _bad_record(reason: str) -> RenderError:
    return RenderError(f"the cached audio analysis is unusable: {reason}",
                       hint="delete it to analyse the soundtrack again")


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _bad_record(f"{what} is not a list")
    return value


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _bad_record(f"{what} is not a finite number")
    if value < 0:
        raise _bad_record(f"{what} is negative")
    return float(value)


def _positive(value: Any, what: str) -> float:
    number = _number(value, what)
    if number == 0:
        raise _bad_record(f"{what} is 0")
    return number


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad_record(f"{what} is not a whole number >= 0")
    return value


def _curve(value: Any, what: str, frames: int) -> np.ndarray:
    numbers = [_number(item, what) for item in _list(value, what)]
    if len(numbers) != frames:
        raise _bad_record(f"{what} has {len(numbers)} values for {frames} frames")
    return np.array(numbers, dtype=np.float64)
