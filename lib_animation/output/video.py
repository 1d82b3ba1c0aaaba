"""Encoding frame files into a video with PyAV (its wheels bundle FFmpeg; no system ffmpeg).

The container follows the output file's suffix:

- `.mp4`: H.264 (libx264), yuv420p, BT.709 limited range (tagged), `+faststart` so browsers can
  start playing before the download ends; soundtrack as AAC.
- `.webm`: VP9 (libvpx-vp9) in constant-quality mode, yuv420p; soundtrack as Opus.
- `.gif`: a palette computed for the whole video (FFmpeg palettegen over up to 256 evenly spaced
  frames), applied with error-diffusion dithering (paletteuse), looping forever. No audio.

4:2:0 video needs even dimensions: an odd width or height loses its last column or row (a crop,
not a resize, so no pixel is resampled). GIF keeps every pixel.

Frames are encoded one at a time as they come, so memory does not grow with the number of
frames. MP4 and WebM are made in two steps: `VideoEncoder` encodes frames, given one at a time
(from files, or streamed from memory while a run renders), into a video-only file; `mux_video`
then copies its packets, untouched, into the final container with the soundtrack and the comment.
Both routes give the same packets, so the same decoded frames. A soundtrack never shortens the
video: it is cut at the video's end, and a shorter one is followed by silence. Every file is
written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.container
import av.filter
import numpy as np
from av.video.reformatter import VideoReformatter

from lib_animation.errors import RenderError
from lib_animation.inputs.input_file import InputFile
from lib_animation.inputs.media import open_media
from lib_animation.png_frames import read_frame

VIDEO_FORMATS = ("mp4", "webm", "gif")
X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)
MAX_FPS = 240
MAX_GIF_FPS = 50  # GIF delays are whole centiseconds; browsers slow down faster GIFs
AUDIO_RATE = 48_000
GIF_PALETTE_FRAMES = 256

_GIF_TIME_BASE = Fraction(1, 100)
_AUDIO_CHUNK = 1024
# AAC codes whole frames of 1024 samples; its last frame is padded. Ending the soundtrack on a
# frame boundary (at most 21 ms early) keeps the decoded audio from outlasting the video.
_AAC_FRAME = 1024
# AVColorPrimaries / AVColorTransferCharacteristic / AVColorSpace BT709, AVColorRange MPEG.
_BT709 = 1
_LIMITED_RANGE = 1


@dataclass(frozen=True)
class VideoOptions:
    """Encoding settings. `crf` and `preset` are for H.264 (lower crf = better, 0-51);
    `vp9_crf` is VP9's own 0-63 scale. An error about an option names the option."""

    fps: float = 15.0
    crf: int = 17
    preset: str = "slow"
    vp9_crf: int = 32


def video_format(output: Path) -> str:
    """'mp4', 'webm' or 'gif' from the output file's suffix; RenderError for anything else."""
    suffix = Path(output).suffix.lower().lstrip(".")
    if suffix not in VIDEO_FORMATS:
        raise RenderError(
            f"unsupported video file type '.{suffix}' for {output}",
            hint="use .mp4, .webm or .gif",
        )
    return suffix


def encode_video(
    frames: Sequence[Path],
    output: Path,
    options: VideoOptions | None = None,
    *,
    soundtrack: str | Path | InputFile | None = None,
    comment: str | None = None,
) -> Path:
    """Encode the frame files, in order, into `output`; returns `output`.

    `soundtrack` is any local audio or video file with an audio stream (for "Init Video"
    soundtracks, the init video itself). `comment` (e.g. the settings file name or a one-line
    summary) is stored in the container's `comment` tag. GIF ignores both. Raises RenderError
    for bad options, unreadable frames or soundtrack, frames of different sizes, or an
    unwritable folder.
    """
    options = options or VideoOptions()
    output = Path(output)
    kind = video_format(output)
    _check_options(options, kind)
    if not frames:
        raise RenderError(f"no frames to encode into {output}")
    _make_folder(output.parent)
    if kind == "gif":
        height, width = read_frame(frames[0]).shape[:2]
        if width < 2 or height < 2:
            raise RenderError(f"frames of {width}x{height} pixels are too small for a video")
        with _written_into_place(output) as temp:
            _write_gif(frames, temp, (width, height), options.fps)
        return output
    video_only = _partial_name(output)
    try:
        with VideoEncoder(video_only, kind, options) as encoder:
            for image in _read_frames(frames):
                encoder.add(image)
        return mux_video(video_only, output, options, frame_count=len(frames),
                         soundtrack=soundtrack, comment=comment)
    finally:
        video_only.unlink(missing_ok=True)


def mux_video(
    video_only: Path,
    output: Path,
    options: VideoOptions,
    *,
    frame_count: int,
    soundtrack: str | Path | InputFile | None = None,
    comment: str | None = None,
) -> Path:
    """Copy the packets of `video_only` (a `VideoEncoder` file of `frame_count` frames) into the
    mp4 or webm `output`, with the soundtrack and `comment`; returns `output`."""
    output = Path(output)
    kind = video_format(output)
    if kind == "gif":
        raise RenderError(f"a GIF is encoded from its frames, not muxed: {output}")
    _make_folder(output.parent)
    with _written_into_place(output) as temp:
        _mux_into(video_only, temp, kind, frame_count, options.fps, soundtrack, comment)
    return output


class VideoEncoder:
    """Encodes RGB uint8 frames, given one at a time in order, into a video-only mp4 or webm
    file for `mux_video`. The first frame sets the size (an odd side loses its last row or
    column); every later frame must have the first one's shape. Use as a context manager, or
    call `close` when every frame is in (`abort` on failure: the file is then incomplete)."""

    def __init__(self, path: Path, kind: str, options: VideoOptions) -> None:
        if kind not in ("mp4", "webm"):
            raise RenderError(f"VideoEncoder writes mp4 or webm, not {kind}")
        _check_options(options, kind)
        self.path = Path(path)
        self.frames = 0
        self._kind = kind
        self._options = options
        self._shape: tuple[int, ...] | None = None
        self._container: av.container.OutputContainer | None = None
        self._stream: av.VideoStream | None = None
        self._to_yuv = VideoReformatter()

    def add(self, image: np.ndarray) -> None:
        """Encode the next frame."""
        try:
            if self._shape is None:
                self._open(image.shape)
            elif image.shape != self._shape:
                raise RenderError(
                    f"frame {self.frames} is {image.shape[1]}x{image.shape[0]} but the first "
                    f"frame is {self._shape[1]}x{self._shape[0]}; all frames of a video must "
                    "have one size",
                    frame=self.frames,
                )
            stream = self._stream
            cropped = image[: stream.height, : stream.width]
            frame = self._to_yuv.reformat(
                av.VideoFrame.from_ndarray(np.ascontiguousarray(cropped), format="rgb24"),
                format="yuv420p",
                dst_colorspace="ITU709",
                dst_color_range="MPEG",
            )
            frame.pts = self.frames
            _mux(self._container, stream.encode(frame))
        except av.FFmpegError as error:
            raise self._unwritable(error) from error
        self.frames += 1

    def close(self) -> None:
        """Flush the encoder and close the file; RenderError when no frame came."""
        if self._container is None:
            raise RenderError(f"no frames to encode into {self.path}")
        try:
            with self._container:
                _mux(self._container, self._stream.encode(None))
            self._container = None
            _fsync(self.path)
        except (OSError, av.FFmpegError) as error:
            raise self._unwritable(error) from error

    def abort(self) -> None:
        """Stop without flushing; the file is left incomplete for the caller to delete."""
        container, self._container = self._container, None
        if container is not None:
            with contextlib.suppress(Exception):
                container.close()

    def __enter__(self) -> VideoEncoder:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc is None:
            self.close()
        else:
            self.abort()

    def _open(self, shape: tuple[int, ...]) -> None:
        height, width = shape[:2]
        size = (width - width % 2, height - height % 2)
        if size[0] < 2 or size[1] < 2:
            raise RenderError(f"frames of {size[0]}x{size[1]} pixels are too small for a video")
        self._container = _open_output(self.path, self._kind, {})
        rate = Fraction(self._options.fps).limit_denominator(1001)
        self._stream = _add_video_stream(self._container, self._kind, size, rate, self._options)
        self._shape = shape

    def _unwritable(self, error: OSError | av.FFmpegError) -> RenderError:
        return RenderError(
            f"cannot write the video {self.path}: {getattr(error, 'strerror', None) or error}",
            hint="check free disk space and folder permissions",
        )


@contextlib.contextmanager
def _written_into_place(output: Path) -> Iterator[Path]:
    """A temporary path beside `output`, renamed to `output` when the block ends well."""
    temp = _partial_name(output)
    try:
        yield temp
        _fsync(temp)
        temp.replace(output)
    except (OSError, av.FFmpegError) as error:
        raise RenderError(
            f"cannot write the video {output}: {getattr(error, 'strerror', None) or error}",
            hint="check free disk space and folder permissions",
        ) from error
    finally:
        temp.unlink(missing_ok=True)


def _partial_name(output: Path) -> Path:
    return output.with_name(f".{output.name}.{secrets.token_hex(8)}.partial")


def _check_options(options: VideoOptions, kind: str) -> None:
    if not 0 < options.fps <= MAX_FPS:
        raise RenderError(
            f"must be above 0 and at most {MAX_FPS}, got {options.fps}", setting="fps"
        )
    if kind == "gif" and options.fps > MAX_GIF_FPS:
        raise RenderError(
            f"a GIF cannot play faster than {MAX_GIF_FPS} fps, got {options.fps}",
            setting="fps",
            hint="lower the fps or write an mp4 or webm",
        )
    if not 0 <= options.crf <= 51:
        raise RenderError(f"must be from 0 to 51, got {options.crf}", setting="crf")
    if options.preset not in X264_PRESETS:
        raise RenderError(
            f"unknown preset {options.preset!r}",
            setting="preset",
            hint=f"one of {', '.join(X264_PRESETS)}",
        )
    if not 0 <= options.vp9_crf <= 63:
        raise RenderError(f"must be from 0 to 63, got {options.vp9_crf}", setting="vp9_crf")


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RenderError(
            f"cannot create the video folder {folder}: {error.strerror or error}"
        ) from error


def _fsync(path: Path) -> None:
    with path.open("rb+") as handle:
        os.fsync(handle.fileno())


def _open_output(
    path: Path, container_format: str, options: dict[str, str]
) -> av.container.OutputContainer:
    try:
        return av.open(f"file:{path}", mode="w", format=container_format, options=options)
    except av.FFmpegError as error:
        raise RenderError(f"cannot create the video file {path}: {error}") from error


def _read_frames(frames: Sequence[Path], size: tuple[int, int] | None = None
                 ) -> Iterator[np.ndarray]:
    """Frame images one at a time, cropped to `size` (W, H) when given; all frames must share
    one size."""
    expected: tuple[int, ...] | None = None
    for index, path in enumerate(frames):
        image = read_frame(path)
        if expected is None:
            expected = image.shape
        elif image.shape != expected:
            raise RenderError(
                f"{path.name} is {image.shape[1]}x{image.shape[0]} but the first frame is "
                f"{expected[1]}x{expected[0]}; all frames of a video must have one size",
                frame=index,
            )
        yield image if size is None else image[: size[1], : size[0]]


def _mux(container: av.container.OutputContainer, packets: list[av.Packet]) -> None:
    for packet in packets:
        container.mux(packet)


def _mux_into(
    video_only: Path,
    temp: Path,
    kind: str,
    frame_count: int,
    fps: float,
    soundtrack: str | Path | InputFile | None,
    comment: str | None,
) -> None:
    source = None if soundtrack is None else open_media(soundtrack, what="soundtrack")
    try:
        if source is not None and not source.streams.audio:
            raise RenderError(f"soundtrack {soundtrack} has no audio")
        with av.open(f"file:{video_only}", mode="r") as video:
            video_in = video.streams.video[0]
            container = _open_output(temp, kind,
                                     {"movflags": "+faststart"} if kind == "mp4" else {})
            with container:
                if comment:
                    container.metadata["comment"] = comment
                stream = container.add_stream_from_template(video_in, opaque=True)
                audio = None if source is None else _Soundtrack(source, container, kind)
                rate = Fraction(fps).limit_denominator(1001)
                audio_end = int(frame_count * AUDIO_RATE / rate)
                if kind == "mp4":
                    audio_end -= audio_end % _AAC_FRAME
                for index, packet in enumerate(
                        packet for packet in video.demux(video_in) if packet.dts is not None):
                    packet.stream = stream
                    container.mux(packet)
                    if audio is not None:
                        audio.feed_until(min(int((index + 1) * AUDIO_RATE / rate), audio_end))
                if audio is not None:
                    audio.finish(audio_end)
    finally:
        if source is not None:
            source.close()


def _add_video_stream(
    container: av.container.OutputContainer,
    kind: str,
    size: tuple[int, int],
    rate: Fraction,
    options: VideoOptions,
) -> av.VideoStream:
    if kind == "mp4":
        codec_options = {"crf": str(options.crf), "preset": options.preset}
        stream = container.add_stream("libx264", rate=rate, options=codec_options)
    else:
        codec_options = {
            "crf": str(options.vp9_crf),
            "b": "0",
            "deadline": "good",
            "cpu-used": "4",
            "row-mt": "1",
        }
        stream = container.add_stream("libvpx-vp9", rate=rate, options=codec_options)
    stream.width, stream.height = size
    stream.pix_fmt = "yuv420p"
    context = stream.codec_context
    context.color_primaries = context.color_trc = context.colorspace = _BT709
    context.color_range = _LIMITED_RANGE
    return stream


class _Soundtrack:
    """Feeds a soundtrack into an output container in step with the video, trimmed or padded."""

    def __init__(
        self,
        source: av.container.InputContainer,
        container: av.container.OutputContainer,
        kind: str,
    ) -> None:
        input_stream = source.streams.audio[0]
        self._layout = "mono" if input_stream.codec_context.channels == 1 else "stereo"
        self._channels = 1 if self._layout == "mono" else 2
        codec = "aac" if kind == "mp4" else "libopus"
        self._stream = container.add_stream(codec, rate=AUDIO_RATE)
        self._stream.layout = self._layout
        self._container = container
        self._name = source.name
        self._chunks = self._decode(source, input_stream)
        self._pending = np.zeros((self._channels, 0), np.float32)
        self._written = 0

    def _decode(
        self, source: av.container.InputContainer, stream: av.AudioStream
    ) -> Iterator[np.ndarray]:
        resampler = av.AudioResampler(format="fltp", layout=self._layout, rate=AUDIO_RATE)
        try:
            for frame in source.decode(stream):
                for converted in resampler.resample(frame):
                    yield converted.to_ndarray()
            for converted in resampler.resample(None):
                yield converted.to_ndarray()
        except av.FFmpegError as error:
            raise RenderError(f"cannot decode the soundtrack {self._name}: {error}") from error

    def feed_until(self, end_sample: int) -> None:
        """Encode soundtrack samples up to `end_sample`, with silence once the source ends."""
        while self._written < end_sample:
            if self._pending.shape[1] == 0:
                chunk = next(self._chunks, None)
                if chunk is None:
                    chunk = np.zeros((self._channels, _AUDIO_CHUNK), np.float32)
                self._pending = chunk
            take = min(self._pending.shape[1], end_sample - self._written)
            self._encode(self._pending[:, :take])
            self._pending = self._pending[:, take:]

    def finish(self, end_sample: int) -> None:
        self.feed_until(end_sample)
        _mux(self._container, self._stream.encode(None))

    def _encode(self, samples: np.ndarray) -> None:
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples), format="fltp", layout=self._layout
        )
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._written
        frame.time_base = Fraction(1, AUDIO_RATE)
        self._written += samples.shape[1]
        _mux(self._container, self._stream.encode(frame))


def _rgb_frame(image: np.ndarray, pts: int) -> av.VideoFrame:
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
    frame.pts = pts
    frame.time_base = _GIF_TIME_BASE
    return frame


def _drain(sink: av.filter.context.FilterContext) -> Iterator[av.VideoFrame]:
    while True:
        try:
            yield sink.pull()
        except (av.error.BlockingIOError, av.error.EOFError):
            return


def _gif_palette(frames: Sequence[Path], size: tuple[int, int]) -> av.VideoFrame:
    width, height = size
    step = max(1, -(-len(frames) // GIF_PALETTE_FRAMES))
    graph = av.filter.Graph()
    source = graph.add_buffer(width=width, height=height, format="rgb24", time_base=_GIF_TIME_BASE)
    palettegen = graph.add("palettegen", "stats_mode=full:max_colors=256")
    sink = graph.add("buffersink")
    source.link_to(palettegen)
    palettegen.link_to(sink)
    graph.configure()
    for pts, image in enumerate(_read_frames(frames[::step], size)):
        source.push(_rgb_frame(image, pts))
    source.push(None)
    return next(_drain(sink))


def _write_gif(frames: Sequence[Path], temp: Path, size: tuple[int, int], fps: float) -> None:
    width, height = size
    palette = _gif_palette(frames, size)
    graph = av.filter.Graph()
    source = graph.add_buffer(width=width, height=height, format="rgb24", time_base=_GIF_TIME_BASE)
    palette_source = graph.add_buffer(
        width=palette.width,
        height=palette.height,
        format=palette.format.name,
        time_base=_GIF_TIME_BASE,
    )
    paletteuse = graph.add("paletteuse", "dither=sierra2_4a:diff_mode=rectangle")
    sink = graph.add("buffersink")
    source.link_to(paletteuse, 0, 0)
    palette_source.link_to(paletteuse, 0, 1)
    paletteuse.link_to(sink)
    graph.configure()
    palette.pts = 0
    palette.time_base = _GIF_TIME_BASE
    palette_source.push(palette)
    palette_source.push(None)

    def start(index: int) -> int:  # frame start times in whole centiseconds, without drift
        return round(index * 100 / fps)

    with _open_output(temp, "gif", {"loop": "0"}) as container:
        stream = container.add_stream("gif", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height = size
        stream.pix_fmt = "pal8"
        stream.codec_context.time_base = _GIF_TIME_BASE
        written = 0

        def encode(frame: av.VideoFrame | None) -> None:
            nonlocal written
            for packet in stream.encode(frame):
                packet.duration = start(written + 1) - start(written)
                written += 1
                container.mux(packet)

        for index, image in enumerate(_read_frames(frames, size)):
            source.push(_rgb_frame(image, start(index)))
            for frame in _drain(sink):
                encode(frame)
        source.push(None)
        for frame in _drain(sink):
            encode(frame)
        encode(None)
