"""Audio-reactive keyframes: a soundtrack decoded once and analysed into per-frame curves.

    features = analyse_audio(input_file, fps=30, frames=300, options=AudioOptions())
    features.values["bass"]  # 300 values in 0..1

Levels (loudness, bass, mid, treble, onset, beat) are normalised to 0..1 over the whole track
(whatever part of it the run uses) and are 0 on frames after its end; `tempo` is the track's
tempo (beats per minute) on every frame, 0 when it has too few beats to tell. A silent track
(nothing above -70 dB of full scale) has all levels 0 (`features.silent`). Any channel count
is averaged to mono; sample rates MIN_SOURCE_RATE..MAX_SOURCE_RATE are read, tracks longer
than MAX_DURATION_S (2 hours) are refused, frequencies above MAX_BAND_HZ are not analysed.
Host-free: numpy and PyAV only. Imports `inputs` (InputFile, open_media) and `errors`.
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
