"""Write the soundtrack of the shipped preset "audio-reactive": a kick drum on every beat at
120 BPM and a bass line that changes note on each beat, synthesised from scratch (no samples),
so it is ours to ship. Deterministic: the same bytes on every run.

    python tools/make_audio_reactive_soundtrack.py [OUT.wav]
"""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np

RATE = 22050
BPM = 120.0
BEATS = 12
BASS_NOTES_HZ = (55.0, 55.0, 65.41, 49.0)  # A1, A1, C2, G1, one per beat, repeating
DEFAULT_OUT = (Path(__file__).resolve().parents[1] / "lib_animation" / "presets"
               / "audio-reactive.wav")


def _kick(length: int) -> np.ndarray:
    t = np.arange(length) / RATE
    pitch = 50.0 + 100.0 * np.exp(-t / 0.03)  # a fast downward sweep, 150 Hz to 50 Hz
    phase = 2 * np.pi * np.cumsum(pitch) / RATE
    return np.sin(phase) * np.exp(-t / 0.12)


def _bass(length: int, frequency: float) -> np.ndarray:
    t = np.arange(length) / RATE
    tone = sum(np.sin(2 * np.pi * frequency * k * t) / k for k in range(1, 6))
    return tone * np.minimum(1.0, t / 0.02) * np.exp(-t / 0.35)


def soundtrack() -> np.ndarray:
    """The track as float samples in -1..1."""
    beat = int(round(RATE * 60.0 / BPM))
    track = np.zeros(beat * BEATS)
    for index in range(BEATS):
        start = index * beat
        track[start:start + beat] += 0.9 * _kick(beat)
        track[start:start + beat] += 0.25 * _bass(beat, BASS_NOTES_HZ[index % 4])
    return track / np.max(np.abs(track)) * 0.9


def write_wav(path: Path, samples: np.ndarray) -> None:
    pcm = np.round(samples * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(pcm.tobytes())


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    write_wav(target, soundtrack())
    print(f"wrote {target}")
