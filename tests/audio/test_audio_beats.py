"""Beats and tempo of click tracks and synthetic drums, against the times the signals were made
with and against librosa's beat tracker (an independent implementation, tests only)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lib_animation.audio import analyse_audio
from tests.audio import signals

librosa = pytest.importorskip("librosa")

FPS = 30
SECONDS = 20.0
RATE = 44_100
TEMPI = (90, 120, 128, 140)


def librosa_beats(signal: np.ndarray) -> tuple[np.ndarray, float]:
    """librosa's beat frames (at FPS) and tempo, at the same hop as ours (256 at 22.05 kHz)."""
    mono = librosa.resample(signal, orig_sr=RATE, target_sr=22_050)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tempo, beats = librosa.beat.beat_track(y=mono, sr=22_050, hop_length=256)
    times = librosa.frames_to_time(beats, sr=22_050, hop_length=256)
    return np.floor(times * FPS).astype(int), float(np.atleast_1d(tempo)[0])


def nearest(frames: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """For each of `targets`, its distance in frames to the nearest of `frames`."""
    return np.min(np.abs(frames[np.newaxis, :] - targets[:, np.newaxis]), axis=1)


@pytest.mark.parametrize("make", ["click_track", "drums"])
@pytest.mark.parametrize("bpm", TEMPI)
def test_beats_and_tempo_match_the_signal_and_librosa(tmp_path, make, bpm):
    signal = getattr(signals, make)(bpm, SECONDS, RATE)
    path = signals.write_wav(tmp_path / "music.wav", signal, RATE, channels=2)
    features = analyse_audio(signals.soundtrack(path), fps=FPS, frames=round(SECONDS * FPS))

    true_frames = np.floor(signals.beat_times(bpm, SECONDS) * FPS).astype(int)
    assert features.beat_frames.size == true_frames.size
    assert np.all(nearest(features.beat_frames, true_frames) <= 1)
    assert features.tempo_bpm == pytest.approx(bpm, rel=0.005)
    assert np.all(features.values["tempo"] == features.tempo_bpm)

    oracle_frames, oracle_bpm = librosa_beats(signal)
    # librosa trims or shifts a beat at either end of the track; every beat between agrees.
    assert np.all(nearest(features.beat_frames, oracle_frames[1:-1]) <= 1)
    assert features.tempo_bpm == pytest.approx(oracle_bpm, rel=0.02)


def test_beat_is_one_on_beat_frames_and_decays_with_its_release(tmp_path):
    path = signals.write_wav(tmp_path / "click.wav", signals.click_track(120, 8.0, RATE), RATE)
    features = analyse_audio(signals.soundtrack(path), fps=FPS, frames=8 * FPS)
    beat = features.values["beat"]
    assert np.all(beat[features.beat_frames] == 1.0)
    first, second = features.beat_frames[:2]
    elapsed = np.arange(1, second - first) / FPS
    np.testing.assert_allclose(beat[first + 1: second], np.exp(-elapsed / 0.25))
    assert np.all(beat[:first] == 0)


def test_music_starting_late_gets_no_beats_in_the_silence_before_it(tmp_path):
    silence = np.zeros(3 * RATE)
    signal = np.concatenate([silence, signals.drums(120, 10.0, RATE)])
    path = signals.write_wav(tmp_path / "late.wav", signal, RATE)
    features = analyse_audio(signals.soundtrack(path), fps=FPS, frames=13 * FPS)
    true_frames = np.floor((3.0 + signals.beat_times(120, 10.0)) * FPS).astype(int)
    assert features.beat_frames.size == true_frames.size
    assert np.all(nearest(features.beat_frames, true_frames) <= 1)
