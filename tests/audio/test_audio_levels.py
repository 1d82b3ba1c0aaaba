"""The 0..1 curves: bands follow a sine sweep, loudness follows a tone burst, smoothing and the
beat's decay match values worked out by hand, frames after the track are 0."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lib_animation.audio import LEVEL_NAMES, MAX_BAND_HZ, AudioOptions, analyse_audio
from lib_animation.audio.smoothing import pulses, smoothed
from tests.audio import signals

FPS = 25
RATE = 44_100
SWEEP_S = 12.0
LOW_HZ, HIGH_HZ = 50.0, 10_000.0
INSTANT = AudioOptions(attack_s=0.0, release_s=0.0)


def sweep_time(hz: float) -> float:
    """When the sweep passes `hz`: LOW_HZ * (HIGH_HZ / LOW_HZ) ** (t / SWEEP_S) = hz."""
    return SWEEP_S * math.log(hz / LOW_HZ) / math.log(HIGH_HZ / LOW_HZ)


def crossing_s(rising: np.ndarray, falling: np.ndarray, after_s: float) -> float:
    """The time of the first frame after `after_s` where `rising` overtakes `falling`."""
    start = round(after_s * FPS)
    return (start + int(np.argmax(rising[start:] > falling[start:]))) / FPS


@pytest.mark.parametrize(("bass_max_hz", "treble_min_hz"), [(250.0, 4000.0), (500.0, 2000.0)])
def test_a_sweep_moves_from_bass_to_mid_to_treble_when_it_crosses_the_band_edges(
        tmp_path, bass_max_hz, treble_min_hz):
    path = signals.write_wav(tmp_path / "sweep.wav",
                             signals.sweep(LOW_HZ, HIGH_HZ, SWEEP_S, RATE), RATE)
    options = AudioOptions(bass_max_hz=bass_max_hz, treble_min_hz=treble_min_hz,
                           attack_s=0.0, release_s=0.0)
    values = analyse_audio(signals.soundtrack(path), fps=FPS, frames=round(SWEEP_S * FPS),
                           options=options).values
    bass, mid, treble = values["bass"], values["mid"], values["treble"]
    bass_to_mid = crossing_s(mid, bass, after_s=sweep_time(LOW_HZ * 1.5))
    assert bass_to_mid == pytest.approx(sweep_time(bass_max_hz), abs=0.12)
    mid_to_treble = crossing_s(treble, mid, after_s=bass_to_mid)
    assert mid_to_treble == pytest.approx(sweep_time(treble_min_hz), abs=0.12)
    early, middle, late = (round(sweep_time(hz) * FPS) for hz in (80.0, 1000.0, 8000.0))
    assert bass[early] > 0.9 and mid[early] < 0.1 and treble[early] < 0.1
    assert mid[middle] > 0.9 and bass[middle] < 0.1 and treble[middle] < 0.1
    assert treble[late] > 0.9 and bass[late] < 0.1 and mid[late] < 0.1
    for name in LEVEL_NAMES:
        assert values[name].min() >= 0.0 and values[name].max() <= 1.0


def test_an_empty_band_reads_0(tmp_path):
    path = signals.write_wav(tmp_path / "sweep.wav", signals.sweep(LOW_HZ, HIGH_HZ, 4.0, RATE),
                             RATE)
    options = AudioOptions(bass_max_hz=1000.0, treble_min_hz=MAX_BAND_HZ + 1)
    values = analyse_audio(signals.soundtrack(path), fps=FPS, frames=100, options=options).values
    assert not np.any(values["treble"])
    assert values["bass"].max() == values["mid"].max() == 1.0


def test_the_lowest_bass_edge_still_holds_the_lowest_bin(tmp_path):
    time = np.arange(2 * RATE) / RATE
    path = signals.write_wav(tmp_path / "rumble.wav", 0.5 * np.sin(2 * np.pi * 30 * time), RATE)
    options = AudioOptions(bass_max_hz=20.0, treble_min_hz=1000.0)
    values = analyse_audio(signals.soundtrack(path), fps=FPS, frames=50, options=options).values
    assert values["bass"][10:40].min() > 0.9


def test_options_a_setting_check_lets_through_are_a_programming_error():
    with pytest.raises(ValueError):
        AudioOptions(bass_max_hz=5000.0, treble_min_hz=4000.0)
    with pytest.raises(ValueError):
        AudioOptions(release_s=math.nan)


def tone_burst(tmp_path, before_s: float, tone_s: float, after_s: float):
    time = np.arange(round(tone_s * RATE)) / RATE
    signal = np.concatenate([np.zeros(round(before_s * RATE)),
                             0.5 * np.sin(2 * np.pi * 440 * time),
                             np.zeros(round(after_s * RATE))])
    return signals.soundtrack(signals.write_wav(tmp_path / "burst.wav", signal, RATE))


def test_loudness_is_0_in_silence_1_in_a_steady_tone(tmp_path):
    burst = tone_burst(tmp_path, 1.0, 2.0, 1.0)
    loudness = analyse_audio(burst, fps=FPS, frames=4 * FPS, options=INSTANT).values["loudness"]
    assert np.all(loudness[: FPS - 1] == 0) and np.all(loudness[3 * FPS + 1:] == 0)
    np.testing.assert_allclose(loudness[FPS + 1: 3 * FPS - 1], 1.0, atol=0.01)


def test_attack_and_release_close_the_gap_by_exp_of_minus_frame_over_tau(tmp_path):
    burst = tone_burst(tmp_path, 1.0, 2.0, 1.0)
    options = AudioOptions(attack_s=0.2, release_s=0.4)
    loudness = analyse_audio(burst, fps=FPS, frames=4 * FPS, options=options).values["loudness"]
    rising = 1.0 - loudness[FPS + 2: FPS + 10]  # the input is 1 on these frames
    np.testing.assert_allclose(rising[1:] / rising[:-1], math.exp(-1 / (0.2 * FPS)), rtol=0.02)
    falling = loudness[3 * FPS + 2: 4 * FPS]  # the input is 0 on these frames
    np.testing.assert_allclose(falling[1:] / falling[:-1], math.exp(-1 / (0.4 * FPS)))


def test_smoothing_a_step_by_hand():
    step = np.array([0.0, 1.0, 1.0, 1.0, 0.0, 0.0])
    # attack 0.1 s and release 0.2 s at 10 fps: each frame covers 1 - e^-1 of the gap rising
    # and 1 - e^-0.5 falling.
    up, down = math.exp(-1.0), math.exp(-0.5)
    expected = [0.0, 1 - up, 1 - up**2, 1 - up**3, (1 - up**3) * down, (1 - up**3) * down**2]
    np.testing.assert_allclose(smoothed(step, 10.0, 0.1, 0.2), expected)
    np.testing.assert_array_equal(smoothed(step, 10.0, 0.0, 0.0), step)


def test_pulses_by_hand():
    values = pulses(7, np.array([1, 4]), fps=10.0, release_s=0.2)
    expected = [0.0, 1.0, math.exp(-0.5), math.exp(-1.0), 1.0, math.exp(-0.5), math.exp(-1.0)]
    np.testing.assert_allclose(values, expected)
    np.testing.assert_array_equal(pulses(4, np.array([1]), fps=10.0, release_s=0.0),
                                  [0, 1, 0, 0])


def test_frames_after_the_track_are_0_and_the_tempo_stays(tmp_path):
    path = signals.write_wav(tmp_path / "short.wav", signals.drums(120, 4.0, RATE), RATE)
    features = analyse_audio(signals.soundtrack(path), fps=FPS, frames=8 * FPS)
    for name in LEVEL_NAMES:
        assert np.all(features.values[name][4 * FPS:] == 0)
    assert np.all(features.envelope[4 * FPS:] == 0)
    assert features.tempo_bpm == pytest.approx(120, rel=0.01)
    assert np.all(features.values["tempo"] == features.tempo_bpm)


def test_a_preview_reads_the_same_values_as_the_full_run(tmp_path):
    path = signals.write_wav(tmp_path / "drums.wav", signals.drums(100, 10.0, RATE), RATE)
    full = analyse_audio(signals.soundtrack(path), fps=FPS, frames=10 * FPS)
    preview = analyse_audio(signals.soundtrack(path), fps=FPS, frames=2 * FPS)
    for name in ("loudness", "bass", "onset", "beat", "tempo"):
        np.testing.assert_array_equal(preview.values[name], full.values[name][: 2 * FPS])
    np.testing.assert_array_equal(preview.beat_frames, full.beat_frames[full.beat_frames < 50])
