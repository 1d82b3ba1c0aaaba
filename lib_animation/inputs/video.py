"""Frames from an input video (Video Init, video masks), read with PyAV and streamed.

Selection: every `extract_nth_frame`-th frame starting *at* `extract_from_frame`, up to
`extract_to_frame` inclusive (-1 = to the end). So from=5, nth=2 gives 5, 7, 9, ... (Deforum kept
frames whose absolute index is divisible by n, which skips the first frame asked for when `from`
is not a multiple of n; with the default from=0 both agree.)

Only the file the user named is read: no URLs, and no container that refers to other files
(see `inputs.media`). Frames can also be extracted once into an `inputframes/` folder and reused
by later runs and resumes while the source and the selection are unchanged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import av
import av.container
import numpy as np

from lib_animation.atomic_files import write_atomic
from lib_animation.errors import RenderError
from lib_animation.inputs.input_file import InputFile
from lib_animation.inputs.media import frame_to_rgb, media_file, open_media
from lib_animation.png_frames import (
    complete_frames,
    frame_files,
    frame_path,
    remove_temp_files,
    write_png,
)
from lib_animation.schema import NAME

EXTRACTION_RECORD = "extraction.json"
_RECORD_FORMAT = "keyframes-inputframes"
DEFAULT_SETTING = NAME.video_init_path


@dataclass(frozen=True)
class FrameSelection:
    extract_nth_frame: int = 1
    extract_from_frame: int = 0
    extract_to_frame: int = -1

    def check(self) -> None:
        """RenderError naming the setting for a value that can never select a frame."""
        if self.extract_nth_frame < 1:
            raise RenderError(
                f"must be 1 or more, got {self.extract_nth_frame}", setting=NAME.extract_nth_frame
            )
        if self.extract_from_frame < 0:
            raise RenderError(
                f"must be 0 or more, got {self.extract_from_frame}", setting=NAME.extract_from_frame
            )
        if self.extract_to_frame != -1 and self.extract_to_frame < self.extract_from_frame:
            raise RenderError(
                f"must be -1 (to the end) or at least extract_from_frame "
                f"({self.extract_from_frame}), got {self.extract_to_frame}",
                setting=NAME.extract_to_frame,
            )

    def indices(self, frame_count: int) -> range:
        """The selected source frame indices of a video with `frame_count` frames."""
        self.check()
        last = frame_count - 1 if self.extract_to_frame == -1 else self.extract_to_frame
        selected = range(
            self.extract_from_frame, min(last, frame_count - 1) + 1, self.extract_nth_frame
        )
        if not selected:
            raise RenderError(
                f"selects no frames: the video has {frame_count} frames (0 to {frame_count - 1})",
                setting=NAME.extract_from_frame,
            )
        return selected


def _first_video_stream(
    container: av.container.InputContainer, file: InputFile
) -> av.VideoStream:
    if not container.streams.video:
        container.close()
        raise RenderError(f"{file.name} has no video stream", setting=file.setting)
    return container.streams.video[0]


def count_video_frames(path: str | Path | InputFile, *, setting: str = DEFAULT_SETTING) -> int:
    """Number of frames in the video (counted by reading its packets, without decoding)."""
    file = media_file(path, what="video", setting=setting)
    with open_media(file, what="video") as container:
        stream = _first_video_stream(container, file)
        try:
            return sum(1 for packet in container.demux(stream) if packet.size)
        except av.FFmpegError as error:
            raise RenderError(f"cannot read the video {file.name}: {error.strerror}",
                              setting=file.setting) from None


def read_video_frames(
    path: str | Path | InputFile,
    selection: FrameSelection | None = None,
    *,
    size: tuple[int, int] | None = None,
    setting: str = DEFAULT_SETTING,
) -> Iterator[tuple[int, np.ndarray]]:
    """(source frame index, RGB uint8 image) for each selected frame, one at a time.

    `size` = (width, height) resizes every frame (aspect ratio not kept, as the render size
    is what img2img needs). Errors in the path or the selection are raised here, before
    the first frame is read.
    """
    selection = selection or FrameSelection()
    file = media_file(path, what="video", setting=setting)
    selected = selection.indices(count_video_frames(file))
    container = open_media(file, what="video")
    stream = _first_video_stream(container, file)
    return _decode_selected(container, stream, selected, size, file)


def _decode_selected(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    selected: range,
    size: tuple[int, int] | None,
    file: InputFile,
) -> Iterator[tuple[int, np.ndarray]]:
    stream.thread_type = "AUTO"
    try:
        for index, frame in enumerate(container.decode(stream)):
            if index > selected[-1]:
                return
            if index in selected:
                yield index, _to_rgb(frame, size)
    except av.FFmpegError as error:
        raise RenderError(f"cannot decode the video {file.name}: {error.strerror}",
                          setting=file.setting) from None
    finally:
        container.close()


def _to_rgb(frame: av.VideoFrame, size: tuple[int, int] | None) -> np.ndarray:
    if size is None:
        return frame_to_rgb(frame)
    shrinking = size[0] <= frame.width and size[1] <= frame.height
    return frame_to_rgb(frame, size, "AREA" if shrinking else "BICUBIC")


def _record(
    file: InputFile, selection: FrameSelection, size: tuple[int, int] | None
) -> dict[str, Any]:
    with file.open() as handle:
        stat = os.fstat(handle.fileno())
    return {
        "format": _RECORD_FORMAT,
        "source": str(file.resolved()),
        "source_bytes": stat.st_size,
        "source_mtime_ns": stat.st_mtime_ns,
        **asdict(selection),
        "size": None if size is None else list(size),
    }


def _reusable(folder: Path, expected: dict[str, Any]) -> list[Path] | None:
    try:
        record = json.loads((folder / EXTRACTION_RECORD).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    count = record.pop("frames", None)
    if record != expected or not isinstance(count, int) or count < 1:
        return None
    if complete_frames(folder)[:count] != list(range(count)):
        return None
    return [frame_path(folder, index) for index in range(count)]


def extract_video_frames(
    path: str | Path | InputFile,
    folder: Path,
    selection: FrameSelection | None = None,
    *,
    size: tuple[int, int] | None = None,
    overwrite: bool = False,
    setting: str = DEFAULT_SETTING,
) -> list[Path]:
    """Extract the selected frames into `folder` as frame_000000.png, frame_000001.png, ...

    File k is the k-th selected frame. Unless `overwrite`, a folder already holding a complete
    extraction of the same file (same size and modification time) with the same selection and
    size is reused as it is; otherwise its frames are replaced. `extraction.json` is written
    last, so an interrupted extraction is never reused.
    """
    selection = selection or FrameSelection()
    source = media_file(path, what="video", setting=setting)
    folder = Path(folder)
    expected = _record(source, selection, size)
    if not overwrite:
        reused = _reusable(folder, expected)
        if reused is not None:
            return reused
    frames = read_video_frames(source, selection, size=size)
    _clear(folder)
    count = 0
    for _, image in frames:
        write_png(frame_path(folder, count), image)
        count += 1
    record = json.dumps({**expected, "frames": count}, indent=1)
    try:
        write_atomic(folder / EXTRACTION_RECORD, record.encode("utf-8"))
    except OSError as error:
        raise RenderError(f"cannot write {folder.name}/{EXTRACTION_RECORD}: "
                          f"{error.strerror or error}") from error
    return [frame_path(folder, index) for index in range(count)]


def _clear(folder: Path) -> None:
    """Remove a previous extraction's record and frame files (only those) from `folder`."""
    try:
        (folder / EXTRACTION_RECORD).unlink(missing_ok=True)
        remove_temp_files(folder)
        for stale in frame_files(folder).values():
            stale.unlink()
    except OSError as error:
        raise RenderError(
            f"cannot clear the input frame folder {folder.name}: {error.strerror or error}"
        ) from error


def video_soundtrack(
    path: str | Path | InputFile, *, setting: str = DEFAULT_SETTING
) -> InputFile | None:
    """The video file itself when it has an audio stream (to pass as a soundtrack), else None."""
    file = media_file(path, what="video", setting=setting)
    with open_media(file, what="video") as container:
        return file if container.streams.audio else None
