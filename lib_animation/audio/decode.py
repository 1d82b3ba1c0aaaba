"""Decoding a soundtrack once into a stream of mono blocks at the analysis rate.

Channels are averaged (any count FFmpeg reads: mono, stereo, 5.1, ...), then PyAV's resampler
brings the mono signal to ANALYSIS_RATE. Blocks are yielded as they are decoded, so a long
track is never held whole. The file is read through `open_media` (an `InputFile`, single-file
demuxers only).
"""

from __future__ import annotations

from collections.abc import Iterator

import av
import av.container
import numpy as np

from lib_animation.errors import RenderError
from lib_animation.inputs.input_file import InputFile
from lib_animation.inputs.media import open_media

ANALYSIS_RATE = 22050
MIN_SOURCE_RATE = 8000
MAX_SOURCE_RATE = 192000
MAX_DURATION_S = 2 * 60 * 60  # longer soundtracks are refused rather than analysed for minutes

# Integer sample formats -> the value of full scale (FFmpeg's unsigned 8-bit is offset by 128).
_FULL_SCALE = {"u8": 128.0, "s16": 32768.0, "s32": 2147483648.0, "s64": 9223372036854775808.0}


def mono_blocks(file: InputFile, max_seconds: float = MAX_DURATION_S) -> Iterator[np.ndarray]:
    """The soundtrack's samples as float32 mono blocks at ANALYSIS_RATE, in order; RenderError
    naming the setting if it has no audio, cannot be decoded, has an unsupported sample rate or
    lasts longer than `max_seconds` (counted in decoded samples, whatever its header claims)."""
    with open_media(file, what=file.what) as container:
        if not container.streams.audio:
            raise RenderError(f"{file.what} {file.name} has no audio", setting=file.setting)
        resampler = av.AudioResampler(format="flt", layout="mono", rate=ANALYSIS_RATE)
        limit = max_seconds * ANALYSIS_RATE
        emitted = decoded = rate = 0
        for frame in _decoded(container, container.streams.audio[0], file):
            decoded, rate = decoded + frame.samples, frame.sample_rate
            for block in _resampled(resampler, _mono_frame(frame), file):
                emitted += block.size
                _check_length(emitted, limit, max_seconds, file)
                yield block
        if decoded == 0:
            raise RenderError(f"{file.what} {file.name} has no audio samples",
                              setting=file.setting)
        expected = round(decoded * ANALYSIS_RATE / rate)
        _check_length(expected, limit, max_seconds, file)
        yield _last_block(resampler, rate, expected - emitted, file)


def _last_block(resampler: av.AudioResampler, rate: int, missing: int,
                file: InputFile) -> np.ndarray:
    """The `missing` samples the resampler still holds. It keeps a filter's length back, and a
    track shorter than that would give none: silence pushes them out, and the block is cut (or
    padded) so the track keeps its decoded length."""
    silence = av.AudioFrame.from_ndarray(np.zeros((1, rate // 50), np.float32), format="flt",
                                         layout="mono")
    silence.sample_rate = rate
    held = [*_resampled(resampler, silence, file), *_resampled(resampler, None, file)]
    block = np.concatenate([np.zeros(0, np.float32), *held])[: max(missing, 0)]
    return np.pad(block, (0, max(missing, 0) - block.size))


def _check_length(samples: int, limit: float, max_seconds: float, file: InputFile) -> None:
    if samples > limit:
        raise RenderError(f"{file.what} {file.name} is longer than {_duration(max_seconds)}",
                          setting=file.setting, hint="trim it to the part the video uses")


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:g} hours"
    return f"{seconds:g} seconds"


def _decoded(container: av.container.InputContainer, stream: av.AudioStream,
             file: InputFile) -> Iterator[av.AudioFrame]:
    try:
        for frame in container.decode(stream):
            _check_rate(frame.sample_rate, file)
            yield frame
    except av.FFmpegError as error:
        raise RenderError(f"cannot decode the {file.what} {file.name}: {error.strerror}",
                          setting=file.setting) from None


def _check_rate(rate: int, file: InputFile) -> None:
    if not MIN_SOURCE_RATE <= rate <= MAX_SOURCE_RATE:
        raise RenderError(
            f"{file.what} {file.name} has a sample rate of {rate} Hz; supported: "
            f"{MIN_SOURCE_RATE}-{MAX_SOURCE_RATE} Hz", setting=file.setting)


def _resampled(resampler: av.AudioResampler, frame: av.AudioFrame | None,
               file: InputFile) -> list[np.ndarray]:
    try:
        converted = resampler.resample(frame)
    except (av.FFmpegError, ValueError) as error:
        raise RenderError(f"cannot decode the {file.what} {file.name}: {error}",
                          setting=file.setting) from None
    return [output.to_ndarray().reshape(-1) for output in converted]


def _mono_frame(frame: av.AudioFrame) -> av.AudioFrame:
    """The frame's channels averaged into one float32 channel, at its own rate."""
    channels = frame.layout.nb_channels
    samples = frame.to_ndarray()
    if not frame.format.is_planar:
        samples = samples.reshape(-1, channels).T
    mono = _as_float(samples, frame.format.name.removesuffix("p")).mean(axis=0, dtype=np.float64)
    result = av.AudioFrame.from_ndarray(mono.astype(np.float32)[np.newaxis], format="flt",
                                        layout="mono")
    result.sample_rate = frame.sample_rate
    return result


def _as_float(samples: np.ndarray, sample_format: str) -> np.ndarray:
    if sample_format in ("flt", "dbl"):
        return samples
    full_scale = _FULL_SCALE[sample_format]
    offset = full_scale if sample_format == "u8" else 0.0
    return (samples.astype(np.float64) - offset) / full_scale
