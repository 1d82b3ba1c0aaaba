"""Audio-reactive keyframes: a soundtrack decoded once and analysed into per-frame curves.

    features = analyse_audio(input_file, fps=30, frames=300, options=AudioOptions())
    features.values["bass"]  # 300 values in 0..1

Levels (loudness, bass, mid, treble, onset, beat) are normalised to 0..1 over the whole track
and are 0 on frames after its end; `tempo` is the track's tempo (beats per minute) on every
frame. Host-free: numpy and PyAV only. Imports `inputs` (InputFile, open_media) and `errors`.
"""

from lib_animation.audio.analysis import analyse_audio
from lib_animation.audio.decode import (
    ANALYSIS_RATE,
    MAX_DURATION_S,
    MAX_SOURCE_RATE,
    MIN_SOURCE_RATE,
)
from lib_animation.audio.features import FEATURE_NAMES, LEVEL_NAMES, AudioFeatures, AudioOptions
from lib_animation.audio.spectrum import MAX_BAND_HZ

__all__ = [
    "ANALYSIS_RATE",
    "FEATURE_NAMES",
    "LEVEL_NAMES",
    "MAX_BAND_HZ",
    "MAX_DURATION_S",
    "MAX_SOURCE_RATE",
    "MIN_SOURCE_RATE",
    "AudioFeatures",
    "AudioOptions",
    "analyse_audio",
]
