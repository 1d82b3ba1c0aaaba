"""Video encoding: MP4/H.264 faststart, GIF palette, WebM VP9, soundtrack muxing, errors."""

from __future__ import annotations

import math
import struct
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from lib_animation.errors import RenderError
from lib_animation.output.frames import FrameWriter
from lib_animation.output.video import VideoOptions, encode_video
from lib_animation.png_frames import frame_path


def pattern_frame(index: int, width: int, height: int) -> np.ndarray:
    """A smooth frame that changes over time: horizontal ramp, vertical ramp, time level."""
    frame = np.empty((height, width, 3), np.uint8)
    frame[..., 0] = np.linspace(0, 255, width, dtype=np.float64).round().astype(np.uint8)[None]
    frame[..., 1] = np.linspace(40, 200, height).round().astype(np.uint8)[:, None]
    frame[..., 2] = (index * 11) % 256
    return frame


def write_frames(folder: Path, count: int, width: int, height: int) -> list[Path]:
    with FrameWriter(folder) as writer:
        for index in range(count):
            writer.submit(index, pattern_frame(index, width, height))
    return [frame_path(folder, index) for index in range(count)]


def top_level_boxes(path: Path) -> list[str]:
    data = path.read_bytes()
    boxes, position = [], 0
    while position + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        if size == 1:
            size = struct.unpack(">Q", data[position + 8 : position + 16])[0]
        assert size >= 8, "malformed box"
        boxes.append(kind.decode("latin-1"))
        position += size
    assert position == len(data)
    return boxes


def decode_video(path: Path) -> tuple[av.VideoStream, list[np.ndarray], dict]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        info = {
            "codec": stream.codec_context.name,
            "pix_fmt": stream.codec_context.pix_fmt,
            "width": stream.codec_context.width,
            "height": stream.codec_context.height,
            "rate": stream.average_rate,
            "duration": None
            if stream.duration is None
            else float(stream.duration * stream.time_base),
            "audio": [s.codec_context.name for s in container.streams.audio],
            "colour_tags": (stream.codec_context.colorspace, stream.codec_context.color_range),
        }
        # Decode as BT.709 limited range (what the encoder promises) by naming both matrices:
        # PyAV applies a source matrix only when it differs from the destination's.
        frames = [
            f.to_ndarray(
                format="rgb24",
                src_colorspace="ITU709",
                dst_colorspace="ITU601",
                src_color_range="MPEG",
                dst_color_range="JPEG",
            )
            for f in container.decode(stream)
        ]
    return stream, frames, info


def write_wav(path: Path, seconds: float, rate: int = 22_050, channels: int = 1) -> Path:
    samples = int(seconds * rate)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        values = (int(9000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(samples))
        handle.writeframes(b"".join(struct.pack("<h", v) * channels for v in values))
    return path


def audio_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        return sum(frame.samples for frame in container.decode(stream)) / stream.rate


@pytest.mark.parametrize(("width", "height"), [(66, 50), (65, 49)])
def test_mp4_is_browser_safe_h264(tmp_path: Path, width: int, height: int) -> None:
    frames = write_frames(tmp_path / "run", 20, width, height)
    output = encode_video(frames, tmp_path / "out.mp4", VideoOptions(fps=12, crf=18))
    _, decoded, info = decode_video(output)
    assert info["codec"] == "h264"
    assert info["pix_fmt"] == "yuv420p"
    assert (info["width"], info["height"]) == (width - width % 2, height - height % 2)
    assert len(decoded) == 20
    assert info["rate"] == 12
    assert info["duration"] == pytest.approx(20 / 12, abs=1e-3)
    boxes = top_level_boxes(output)
    assert boxes.index("moov") < boxes.index("mdat"), f"not faststart: {boxes}"
    assert info["colour_tags"] == (1, 1), "tagged BT.709, limited range"
    for index in (0, 10, 19):
        expected = pattern_frame(index, width, height)[: info["height"], : info["width"]]
        error = np.abs(decoded[index].astype(int) - expected).mean()
        assert error < 4, f"frame {index} differs by {error:.1f} on average"
    assert not list(tmp_path.glob(".*")), "temporary output removed"


def test_fractional_fps_preset_and_comment(tmp_path: Path) -> None:
    frames = write_frames(tmp_path / "run", 6, 32, 32)
    output = encode_video(
        frames,
        tmp_path / "out.mp4",
        VideoOptions(fps=29.97, preset="ultrafast"),
        comment="Keyframes run, settings.json",
    )
    with av.open(str(output)) as container:
        assert container.metadata.get("comment") == "Keyframes run, settings.json"
    _, decoded, info = decode_video(output)
    assert len(decoded) == 6
    assert float(info["rate"]) == pytest.approx(29.97, abs=1e-3)


def gif_frame(index: int) -> np.ndarray:
    """A red/green gradient scrolling sideways: the same colours in every frame, as in a pan."""
    frame = pattern_frame(0, 96 + 12, 64)[:, index : index + 96]
    frame[..., 2] = 60
    return np.ascontiguousarray(frame)


def test_gif_keeps_frames_loops_and_gradients(tmp_path: Path) -> None:
    with FrameWriter(tmp_path / "run") as writer:
        for index in range(12):
            writer.submit(index, gif_frame(index))
    frames = [frame_path(tmp_path / "run", index) for index in range(12)]
    output = encode_video(frames, tmp_path / "out.gif", VideoOptions(fps=10))
    with Image.open(output) as gif:
        assert gif.n_frames == 12
        assert gif.info["loop"] == 0
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
            rgb = np.asarray(gif.convert("RGB"))
            assert np.abs(rgb.astype(int) - gif_frame(index)).mean() < 6
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"))
    assert durations == [100] * 12
    # A red ramp times a green ramp: a 256-colour palette with dithering keeps well over a
    # hundred distinct colours (a banded GIF would show a few dozen).
    assert len(np.unique(first.reshape(-1, 3), axis=0)) > 100
    red_row = first[32, :, 0].astype(int)
    # A fixed 3-3-2 palette (FFmpeg's GIF default without palettegen) has 8 red levels.
    assert len(np.unique(red_row)) > 12, "the horizontal ramp is not reduced to a few bands"


def test_gif_rejects_too_fast(tmp_path: Path) -> None:
    frames = write_frames(tmp_path / "run", 2, 16, 16)
    with pytest.raises(RenderError, match="GIF") as caught:
        encode_video(frames, tmp_path / "out.gif", VideoOptions(fps=60))
    assert caught.value.setting == "fps"


def test_webm_is_vp9(tmp_path: Path) -> None:
    frames = write_frames(tmp_path / "run", 10, 65, 49)
    output = encode_video(frames, tmp_path / "out.webm", VideoOptions(fps=10))
    _, decoded, info = decode_video(output)
    assert info["codec"] == "vp9"
    assert info["pix_fmt"] == "yuv420p"
    assert len(decoded) == 10
    assert np.abs(decoded[5].astype(int) - pattern_frame(5, 65, 49)[:48, :64]).mean() < 6


@pytest.mark.parametrize("seconds", [0.3, 5.0])
def test_soundtrack_never_shortens_the_video(tmp_path: Path, seconds: float) -> None:
    frames = write_frames(tmp_path / "run", 30, 64, 48)
    wav = write_wav(tmp_path / "sound.wav", seconds)
    output = encode_video(frames, tmp_path / "out.mp4", VideoOptions(fps=15), soundtrack=wav)
    _, decoded, info = decode_video(output)
    assert len(decoded) == 30
    assert info["duration"] == pytest.approx(2.0, abs=1e-3)
    assert info["audio"] == ["aac"]
    audio = audio_seconds(output)
    assert audio <= 2.0 + 1e-6
    assert audio > 2.0 - 0.03, "a short soundtrack is padded with silence to the video's end"


def test_soundtrack_in_webm_is_opus(tmp_path: Path) -> None:
    frames = write_frames(tmp_path / "run", 10, 64, 48)
    wav = write_wav(tmp_path / "sound.wav", 3.0, rate=44_100, channels=2)
    output = encode_video(frames, tmp_path / "out.webm", VideoOptions(fps=10), soundtrack=wav)
    _, decoded, info = decode_video(output)
    assert len(decoded) == 10
    assert info["audio"] == ["opus"]
    assert audio_seconds(output) == pytest.approx(1.0, abs=0.01)


def test_soundtrack_from_a_video_file(tmp_path: Path) -> None:
    frames = write_frames(tmp_path / "run", 10, 64, 48)
    wav = write_wav(tmp_path / "sound.wav", 2.0)
    with_audio = encode_video(frames, tmp_path / "in.mp4", VideoOptions(fps=5), soundtrack=wav)
    output = encode_video(frames, tmp_path / "out.mp4", VideoOptions(fps=10), soundtrack=with_audio)
    assert audio_seconds(output) == pytest.approx(1.0, abs=0.03)


def test_missing_or_bad_soundtrack_is_a_render_error(tmp_path: Path) -> None:
    frames = write_frames(tmp_path / "run", 3, 16, 16)
    with pytest.raises(RenderError, match="not found"):
        encode_video(frames, tmp_path / "out.mp4", soundtrack=tmp_path / "nope.mp3")
    (tmp_path / "junk.mp3").write_bytes(b"definitely not audio" * 10)
    with pytest.raises(RenderError, match="cannot read soundtrack"):
        encode_video(frames, tmp_path / "out.mp4", soundtrack=tmp_path / "junk.mp3")
    silent = encode_video(frames, tmp_path / "silent.mp4")
    with pytest.raises(RenderError, match="no audio"):
        encode_video(frames, tmp_path / "out.mp4", soundtrack=silent)
    with pytest.raises(RenderError, match="URL"):
        encode_video(frames, tmp_path / "out.mp4", soundtrack="https://example.com/a.mp3")
    assert not (tmp_path / "out.mp4").exists()
    assert not list(tmp_path.glob(".*"))


def test_unwritable_output_folder_is_a_render_error(tmp_path: Path) -> None:
    frames = write_frames(tmp_path / "run", 3, 16, 16)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RenderError, match="folder"):
        encode_video(frames, blocker / "videos" / "out.mp4")


def test_bad_inputs_are_render_errors(tmp_path: Path) -> None:
    frames = write_frames(tmp_path / "run", 3, 16, 16)
    with pytest.raises(RenderError, match="unsupported"):
        encode_video(frames, tmp_path / "out.avi")
    with pytest.raises(RenderError, match="no frames"):
        encode_video([], tmp_path / "out.mp4")
    with pytest.raises(RenderError) as caught:
        encode_video(frames, tmp_path / "out.mp4", VideoOptions(preset="fastest"))
    assert caught.value.setting == "preset"
    with pytest.raises(RenderError) as caught:
        encode_video(frames, tmp_path / "out.mp4", VideoOptions(crf=60))
    assert caught.value.setting == "crf"
    with FrameWriter(tmp_path / "run") as writer:
        writer.submit(3, pattern_frame(3, 18, 16))
    with pytest.raises(RenderError, match="one size") as caught:
        encode_video([*frames, frame_path(tmp_path / "run", 3)], tmp_path / "out.mp4")
    assert caught.value.frame == 3
    assert not (tmp_path / "out.mp4").exists()


def test_existing_video_is_replaced_whole(tmp_path: Path) -> None:
    frames = write_frames(tmp_path / "run", 4, 16, 16)
    output = tmp_path / "out.mp4"
    output.write_bytes(b"old")
    encode_video(frames, output)
    assert len(decode_video(output)[1]) == 4
    assert Fraction(decode_video(output)[2]["rate"]) == 15
