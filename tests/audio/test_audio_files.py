"""Soundtracks as users bring them, and as they should not: every channel count and sample rate
we support gives the same beats; a broken, empty, silent, very short, overlong or absurd file
does the expected thing or fails with one line naming the setting."""

from __future__ import annotations

import struct
import wave

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib_animation.audio import LEVEL_NAMES, AudioFeatures, analyse_audio
from lib_animation.audio.decode import mono_blocks
from lib_animation.errors import RenderError
from tests.audio import signals
from tests.inputs.media_files import write_test_video

FPS = 25
SECONDS = 8.0


def analysed(path, frames: int = round(SECONDS * FPS)) -> AudioFeatures:
    return analyse_audio(signals.soundtrack(path), fps=FPS, frames=frames)


def assert_one_line(error: RenderError, *words: str) -> None:
    text = str(error)
    assert "\n" not in text and "Traceback" not in text
    assert error.setting == signals.SETTING
    for word in words:
        assert word in text


def assert_well_formed(features: AudioFeatures, frames: int) -> None:
    for name in LEVEL_NAMES:
        assert features.values[name].shape == (frames,)
        assert np.all((features.values[name] >= 0) & (features.values[name] <= 1))
    assert features.envelope.shape == (frames,)
    assert np.all(np.diff(features.beat_frames) > 0)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> AudioFeatures:
    folder = tmp_path_factory.mktemp("reference")
    signal = signals.click_track(120, SECONDS, 22_050)
    return analysed(signals.write_wav(folder / "mono.wav", signal, 22_050))


@pytest.mark.parametrize("rate", [8_000, 22_050, 44_100, 48_000, 96_000])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_every_rate_and_channel_count_gives_the_same_beats(tmp_path, reference, rate, channels):
    path = signals.write_wav(tmp_path / "clicks.wav", signals.click_track(120, SECONDS, rate),
                             rate, channels)
    features = analysed(path)
    # At 25 fps every other beat of 120 BPM falls exactly between two frames, where the
    # resampling of an 8 kHz file may tip it to either.
    assert features.beat_frames.size == reference.beat_frames.size
    assert np.all(np.abs(features.beat_frames - reference.beat_frames) <= 1)
    assert features.tempo_bpm == pytest.approx(reference.tempo_bpm, rel=0.01)
    np.testing.assert_allclose(features.values["loudness"], reference.values["loudness"],
                               atol=0.02)
    assert features.duration_s == pytest.approx(SECONDS, abs=1e-3)


def test_compressed_float_audio_in_an_mp4_and_8_bit_wav(tmp_path, reference):
    signal = signals.click_track(120, SECONDS, 48_000)
    path = tmp_path / "clicks.m4a"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=48_000, layout="stereo")
        for start in range(0, signal.size, 1024):
            chunk = np.tile(signal[start: start + 1024].astype(np.float32), (2, 1))
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = 48_000, start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    assert np.all(np.abs(analysed(path).beat_frames - reference.beat_frames) <= 1)

    unsigned = tmp_path / "clicks8.wav"
    with wave.open(str(unsigned), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(1)
        handle.setframerate(22_050)
        handle.writeframes(np.round(128 + 127 * signals.click_track(120, SECONDS, 22_050))
                           .astype(np.uint8).tobytes())
    np.testing.assert_array_equal(analysed(unsigned).beat_frames, reference.beat_frames)


def test_a_silent_track_gives_zeros_no_beats_and_no_tempo(tmp_path):
    features = analysed(signals.write_wav(tmp_path / "silent.wav", np.zeros(44_100), 44_100))
    assert features.silent
    assert features.beat_frames.size == 0 and features.tempo_bpm == 0
    for name in (*LEVEL_NAMES, "tempo"):
        assert not np.any(features.values[name])


def test_noise_far_below_full_scale_counts_as_silence(tmp_path):
    hiss = np.random.default_rng(1).uniform(-1, 1, 44_100) * 2e-4
    assert analysed(signals.write_wav(tmp_path / "hiss.wav", hiss, 44_100)).silent


@pytest.mark.parametrize("samples", [1, 10, 300, 1_500])
def test_tracks_shorter_than_a_frame_or_an_analysis_window_are_analysed(tmp_path, samples):
    signal = 0.5 * np.sin(np.arange(samples) / 5.0)
    features = analysed(signals.write_wav(tmp_path / "blip.wav", signal, 44_100), frames=10)
    assert_well_formed(features, 10)
    assert features.values["loudness"][0] > 0 or samples == 1  # half a sample at 22.05 kHz
    assert not np.any(features.values["loudness"][1:])
    assert features.tempo_bpm == 0


def test_an_empty_track_fails_with_one_line(tmp_path):
    with pytest.raises(RenderError) as caught:
        analysed(signals.write_wav(tmp_path / "empty.wav", np.zeros(0), 44_100))
    assert_one_line(caught.value, "empty.wav", "no audio samples")


def test_missing_broken_and_video_only_files_fail_with_one_line(tmp_path):
    with pytest.raises(RenderError) as caught:
        analysed(tmp_path / "gone.wav")
    assert_one_line(caught.value, "not found", "gone.wav")
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"ID3" + bytes(range(256)) * 8)
    with pytest.raises(RenderError) as caught:
        analysed(broken)
    assert_one_line(caught.value, "broken.mp3")
    with pytest.raises(RenderError) as caught:
        analysed(write_test_video(tmp_path / "silent.mp4", count=3))
    assert_one_line(caught.value, "silent.mp4", "no audio")


def wav_claiming(rate: int, data_size: int, samples: bytes = b"\0\0" * 800) -> bytes:
    """A mono 16-bit WAV whose header claims `rate` and `data_size`, holding `samples`."""
    header = struct.pack("<HHIIHH", 1, 1, rate, (rate * 2) & 0xFFFFFFFF, 2, 16)
    return (b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE"
            + b"fmt " + struct.pack("<I", 16) + header
            + b"data" + struct.pack("<I", data_size) + samples)


@pytest.mark.parametrize("rate", [1, 4_000, 400_000, 2**31 - 1])
def test_absurd_sample_rates_fail_with_one_line_naming_the_rate(tmp_path, rate):
    path = tmp_path / "odd.wav"
    path.write_bytes(wav_claiming(rate, 1600))
    with pytest.raises(RenderError) as caught:
        analysed(path)
    assert_one_line(caught.value, "odd.wav")


def test_a_header_claiming_hours_of_audio_is_read_for_what_it_holds(tmp_path):
    path = tmp_path / "liar.wav"
    samples = (0.5 * np.sin(np.arange(22_050) / 3.0) * 32767).astype("<i2").tobytes()
    path.write_bytes(wav_claiming(22_050, 0xFFFFFFF0, samples))
    features = analysed(path, frames=50)
    assert features.duration_s == pytest.approx(1.0, abs=0.01)
    assert np.all(features.values["loudness"][25:] == 0)


def test_a_track_over_the_duration_cap_fails_with_one_line(tmp_path):
    path = signals.write_wav(tmp_path / "long.wav", np.zeros(2 * 22_050), 22_050)
    with pytest.raises(RenderError) as caught:
        list(mono_blocks(signals.soundtrack(path), max_seconds=1))
    assert_one_line(caught.value, "long.wav", "longer than 1 seconds")


hostile = settings(max_examples=30, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])


@hostile
@given(content=st.binary(max_size=3000))
def test_random_bytes_fail_with_one_line(tmp_path, content):
    path = tmp_path / "random.wav"
    path.write_bytes(content)
    try:
        assert_well_formed(analysed(path, frames=5), 5)
    except RenderError as error:
        assert_one_line(error, "random.wav")


@hostile
@given(rate=st.integers(0, 2**32 - 1), size=st.integers(0, 2**32 - 1),
       samples=st.binary(max_size=4000))
def test_wav_headers_claiming_anything_fail_with_one_line_or_are_read(tmp_path, rate, size,
                                                                      samples):
    path = tmp_path / "claims.wav"
    path.write_bytes(wav_claiming(rate, size, samples))
    try:
        assert_well_formed(analysed(path, frames=5), 5)
    except RenderError as error:
        assert_one_line(error, "claims.wav")


@hostile
@given(channels=st.integers(1, 12), rate=st.sampled_from([8_000, 11_025, 44_100, 96_000]),
       samples=st.integers(0, 5000), seed=st.integers(0, 2**32 - 1))
def test_tiny_files_with_odd_channel_counts_are_read_or_fail_with_one_line(
        tmp_path, channels, rate, samples, seed):
    signal = np.random.default_rng(seed).uniform(-1, 1, samples)
    path = signals.write_wav(tmp_path / "tiny.wav", signal, rate, channels)
    try:
        assert_well_formed(analysed(path, frames=7), 7)
    except RenderError as error:
        assert_one_line(error, "tiny.wav")
        assert samples == 0
