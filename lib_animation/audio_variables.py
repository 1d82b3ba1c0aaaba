"""The audio variables: per-frame values of the analysed soundtrack that every number schedule
and every prompt's inline maths may read, like `t`.

They are declared here, beside the settings, so that validation accepts them before any audio is
analysed; their values reach the schedules as named per-frame series of the plan.
"""

from __future__ import annotations

AUDIO_VARIABLES: dict[str, str] = {
    "loudness": "how loud the track is (RMS level), 0 at its quietest frame, 1 at its loudest",
    "bass": "energy below audio_bass_max_hz, 0..1",
    "mid": "energy between audio_bass_max_hz and audio_treble_min_hz, 0..1",
    "treble": "energy above audio_treble_min_hz, 0..1",
    "onset": "onset strength (how suddenly the sound rises: hits, plucks, new notes), 0..1",
    "beat": "1 on the frame of each tracked beat, decaying toward 0 over audio_beat_release",
    "tempo": "the tracked tempo in beats per minute (the same on every frame)",
}
AUDIO_VARIABLE_NAMES: frozenset[str] = frozenset(AUDIO_VARIABLES)
