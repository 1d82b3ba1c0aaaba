"""Test soundtracks, synthesised here and written as WAV files (never downloaded)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from lib_animation.inputs.input_file import InputFile

SETTING = "soundtrack_path"


def write_wav(path: Path, signal: np.ndarray, rate: int, channels: int = 1) -> Path:
    """`signal` (mono, -1..1) as a 16-bit WAV with `channels` copies of it."""
    samples = np.clip(np.round(signal * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(np.repeat(samples[:, np.newaxis], channels, axis=1).tobytes())
    return path


def soundtrack(path: Path) -> InputFile:
    return InputFile(str(path), SETTING, "soundtrack")


def beat_times(bpm: float, seconds: float, start_s: float = 0.5) -> np.ndarray:
    return np.arange(start_s, seconds - 0.2, 60.0 / bpm)


def placed(sound: np.ndarray, times: np.ndarray, seconds: float, rate: int) -> np.ndarray:
    """`sound` added at each of `times` into `seconds` of silence."""
    signal = np.zeros(round(seconds * rate))
    for time in times:
        start = round(time * rate)
        piece = sound[: signal.size - start]
        signal[start: start + piece.size] += piece
    return signal


def click(rate: int) -> np.ndarray:
    """A 1 kHz click, 5 ms decay."""
    time = np.arange(round(0.03 * rate)) / rate
    return np.sin(2 * np.pi * 1000 * time) * np.exp(-time / 0.005)


def click_track(bpm: float, seconds: float, rate: int) -> np.ndarray:
    return 0.6 * placed(click(rate), beat_times(bpm, seconds), seconds, rate)


def kick(rate: int) -> np.ndarray:
    """A sine falling from 150 Hz to 50 Hz, 80 ms decay."""
    time = np.arange(round(0.3 * rate)) / rate
    frequency = 50 + 100 * np.exp(-time / 0.03)
    phase = 2 * np.pi * np.cumsum(frequency) / rate
    return np.sin(phase) * np.exp(-time / 0.08)


def snare(rate: int, noise: np.random.Generator) -> np.ndarray:
    """Noise and a 200 Hz tone, 60 ms decay."""
    time = np.arange(round(0.2 * rate)) / rate
    body = 0.5 * np.sin(2 * np.pi * 200 * time) + 0.7 * noise.uniform(-1, 1, time.size)
    return body * np.exp(-time / 0.06)


def hat(rate: int, noise: np.random.Generator) -> np.ndarray:
    """High-passed noise (a first difference), 15 ms decay."""
    time = np.arange(round(0.06 * rate)) / rate
    return 0.5 * np.diff(noise.uniform(-1, 1, time.size + 1)) * np.exp(-time / 0.015)


def drums(bpm: float, seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """A rock beat: kick on beats 1 and 3, snare on 2 and 4, hi-hat on every eighth note."""
    noise = np.random.default_rng(seed)
    beats = beat_times(bpm, seconds)
    eighths = np.arange(beats[0], seconds - 0.2, 30.0 / bpm)
    signal = (placed(kick(rate), beats[0::2], seconds, rate)
              + placed(snare(rate, noise), beats[1::2], seconds, rate)
              + 0.5 * placed(hat(rate, noise), eighths, seconds, rate))
    return 0.5 * signal / np.max(np.abs(signal))


def sweep(low_hz: float, high_hz: float, seconds: float, rate: int) -> np.ndarray:
    """A sine whose frequency rises exponentially from `low_hz` to `high_hz`; at time t it is
    low_hz * (high_hz / low_hz) ** (t / seconds)."""
    time = np.arange(round(seconds * rate)) / rate
    ratio = np.log(high_hz / low_hz)
    phase = 2 * np.pi * low_hz * seconds / ratio * np.expm1(time / seconds * ratio)
    return 0.5 * np.sin(phase)
