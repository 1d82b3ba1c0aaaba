"""Opening a user's media file (init video, soundtrack) with PyAV, safely.

FFmpeg can read more than the file it is given: URL protocols (`http:`, `concat:`), playlist and
concat demuxers (HLS `.m3u8`, ffconcat) and MP4 external data references all open *other* paths
named inside the file. Only the local file the user named is read here: the path must be a
regular file, only the `file` protocol is allowed, and only demuxers that read a single file.
"""

from __future__ import annotations

from pathlib import Path

import av
import av.container
import numpy as np

from lib_animation.errors import RenderError

# Single-file demuxers for the containers users bring (mp4/mov/m4v/m4a, mkv/webm, avi, mpeg
# program and transport streams, gif) and plain audio files.
SAFE_DEMUXERS = "mov,matroska,avi,mpeg,mpegts,gif,wav,mp3,aac,flac,ogg"


def local_media_path(path: str | Path, *, what: str, setting: str | None = None) -> Path:
    """Resolve a user-given media path to an existing regular file, or raise RenderError."""
    text = str(path).strip()
    if not text:
        raise RenderError(f"no {what} file given", setting=setting)
    if "://" in text:
        raise RenderError(
            f"{what} must be a local file, not a URL: {text}",
            setting=setting,
            hint="download it first and give its path",
        )
    resolved = Path(text).expanduser().resolve()
    if not resolved.exists():
        raise RenderError(f"{what} file not found: {resolved}", setting=setting)
    if not resolved.is_file():
        raise RenderError(f"{what} is not a file: {resolved}", setting=setting)
    return resolved


def open_media(
    path: str | Path, *, what: str, setting: str | None = None
) -> av.container.InputContainer:
    """Open a local media file for reading; RenderError if it is missing or unreadable."""
    resolved = local_media_path(path, what=what, setting=setting)
    options = {"protocol_whitelist": "file", "format_whitelist": SAFE_DEMUXERS}
    try:
        return av.open(f"file:{resolved}", mode="r", options=options)
    except (av.FFmpegError, OSError) as error:
        raise RenderError(
            f"cannot read {what} {resolved}: not a supported video or audio file ({error})",
            setting=setting,
        ) from error


def audio_file(path: str | Path, *, what: str = "soundtrack", setting: str | None = None) -> Path:
    """A local file with an audio stream whose first samples decode; RenderError otherwise, so
    a soundtrack that is not audio is refused before the first frame, not after the last."""
    resolved = local_media_path(path, what=what, setting=setting)
    with open_media(resolved, what=what, setting=setting) as container:
        if not container.streams.audio:
            raise RenderError(f"{what} {resolved} has no audio", setting=setting)
        try:
            next(iter(container.decode(container.streams.audio[0])), None)
        except av.FFmpegError as error:
            raise RenderError(f"cannot decode the {what} {resolved}: {error}",
                              setting=setting) from None
    return resolved


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
