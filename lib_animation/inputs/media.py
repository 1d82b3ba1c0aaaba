"""Opening a user's media file (init video, soundtrack) with PyAV, safely.

FFmpeg can read more than the file it is given: URL protocols (`http:`, `concat:`), playlist and
concat demuxers (HLS `.m3u8`, ffconcat) and MP4 external data references all open *other* paths
named inside the file. Only the local file the user named is read here: it is opened once and
checked (`InputFile`), FFmpeg reads that open file, only the `file` protocol is allowed, and only
demuxers that read a single file.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import av
import av.container
import numpy as np

from lib_animation.errors import RenderError
from lib_animation.inputs.input_file import InputFile

# Single-file demuxers for the containers users bring (mp4/mov/m4v/m4a, mkv/webm, avi, mpeg
# program and transport streams, gif) and plain audio files.
SAFE_DEMUXERS = "mov,matroska,avi,mpeg,mpegts,gif,wav,mp3,aac,flac,ogg"
_OPEN_FILES = Path("/dev/fd")


def media_file(source: str | Path | InputFile, *, what: str,
               setting: str | None = None) -> InputFile:
    """`source` as an InputFile (a path is taken as it is, anywhere)."""
    if isinstance(source, InputFile):
        return source
    return InputFile(str(source), setting, what)


def open_media(
    source: str | Path | InputFile, *, what: str, setting: str | None = None
) -> av.container.InputContainer:
    """Open a local media file for reading; RenderError if it is missing or unreadable (and,
    for a confined InputFile, SettingsError if it is outside its folders)."""
    file = media_file(source, what=what, setting=setting)
    options = {"protocol_whitelist": "file", "format_whitelist": SAFE_DEMUXERS}
    with file.open() as handle:
        try:
            return av.open(_ffmpeg_url(handle, file), mode="r", options=options)
        except (av.FFmpegError, OSError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            raise RenderError(
                f"cannot read {file.what} {file.name}: not a supported video or audio file "
                f"({reason})", setting=file.setting,
            ) from None


def _ffmpeg_url(handle: BinaryIO, file: InputFile) -> str:
    """A name by which FFmpeg opens the very file `handle` has open: its descriptor where the
    system names descriptors as files (Linux, macOS); elsewhere its resolved path."""
    descriptor = _OPEN_FILES / str(handle.fileno())
    if descriptor.exists():
        return f"file:{descriptor}"
    return f"file:{file.resolved()}"


def audio_file(source: str | Path | InputFile, *, what: str = "soundtrack",
               setting: str | None = None) -> InputFile:
    """A local file with an audio stream whose first samples decode; RenderError otherwise, so
    a soundtrack that is not audio is refused before the first frame, not after the last."""
    file = media_file(source, what=what, setting=setting)
    with open_media(file, what=what) as container:
        if not container.streams.audio:
            raise RenderError(f"{what} {file.name} has no audio", setting=file.setting)
        try:
            next(iter(container.decode(container.streams.audio[0])), None)
        except av.FFmpegError as error:
            raise RenderError(f"cannot decode the {what} {file.name}: {error.strerror}",
                              setting=file.setting) from None
    return file


# AVColorSpace (the frame's tag) -> swscale's SWS_CS_* matrix; untagged video is taken as BT.601,
# as FFmpeg does.
_SWS_MATRIX = {1: 1, 4: 4, 5: 5, 6: 5, 7: 7, 9: 9, 10: 9}
_SWS_BT601 = 5
_SWS_BT709 = 1
_AVCOL_RANGE_JPEG = 2


def frame_to_rgb(
    frame: av.VideoFrame, size: tuple[int, int] | None = None, interpolation: str = "AREA"
) -> np.ndarray:
    """A decoded video frame as an RGB uint8 array, honouring its colour matrix and range tags.

    PyAV converts with BT.601 limited range unless told otherwise, which shifts the colours of
    BT.709 (HD) and full-range video. `size` = (width, height) resizes in the same pass.
    """
    matrix = _SWS_MATRIX.get(frame.colorspace, _SWS_BT601)
    width, height = size or (frame.width, frame.height)
    return frame.to_ndarray(
        format="rgb24",
        width=width,
        height=height,
        interpolation=interpolation,
        src_colorspace=matrix,
        # PyAV sets the matrix only when source and destination differ; the destination matrix
        # is unused for RGB output, so a different one just makes it apply the source's.
        dst_colorspace=_SWS_BT709 if matrix != _SWS_BT709 else _SWS_BT601,
        src_color_range="JPEG" if frame.color_range == _AVCOL_RANGE_JPEG else "MPEG",
        dst_color_range="JPEG",
    )
