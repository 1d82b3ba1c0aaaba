"""A run's frame files: written on a background thread as they are made, with the generation
parameters inside, and handed on that thread to the run's frame sinks (the report's metrics, the
streamed video); read back in order for a video or report that was not made as they were written
(see `png_frames` for their names, their atomic writing and the completeness checks)."""

from __future__ import annotations

import contextlib
import queue
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from lib_animation.atomic_files import write_atomic
from lib_animation.errors import RenderError
from lib_animation.png_frames import (
    DEPTH_PREFIX,
    PNG_SIGNATURE,
    check_frame_image,
    complete_frames,
    encode_png,
    frame_name,
    frame_path,
    read_frame,
)

DEFAULT_MAX_PENDING = 4
PARAMETERS_KEY = "parameters"


def with_text_chunk(png: bytes, key: str, text: str) -> bytes:
    """The PNG with an uncompressed UTF-8 iTXt chunk `key` = `text` right after its header,
    where PIL (and so the WebUI's PNG Info) reads it as `image.info[key]`."""
    if not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG that starts with its IHDR chunk")
    header_end = 8 + 4 + 4 + 13 + 4
    data = key.encode("latin-1") + b"\x00\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    chunk = b"iTXt" + data
    crc = zlib.crc32(chunk).to_bytes(4, "big")
    return png[:header_end] + len(data).to_bytes(4, "big") + chunk + crc + png[header_end:]


def video_frame_paths(folder: Path, total_frames: int | None = None) -> list[Path]:
    """Paths of frames 0..n-1 for a video, n = `total_frames` or the highest whole frame + 1.

    RenderError when the folder has no frames or any frame in that range is missing or damaged,
    so a video never silently skips frames (and never drifts out of sync with its soundtrack).
    """
    complete = complete_frames(folder)
    count = total_frames if total_frames is not None else (complete[-1] + 1 if complete else 0)
    if count <= 0:
        raise RenderError(f"no frames to encode in {folder}")
    missing = sorted(set(range(count)) - set(complete))
    if missing:
        raise RenderError(
            f"{len(missing)} of {count} frames are missing or damaged in {folder}, "
            f"first {frame_name(missing[0])}",
            frame=missing[0],
            hint="resume the run to render them again",
        )
    return [frame_path(folder, index) for index in range(count)]


def iter_frames(paths: Sequence[Path]) -> Iterator[np.ndarray]:
    """Read frame files one at a time, so memory holds only the current frame."""
    for path in paths:
        yield read_frame(path)


class FrameSink(Protocol):
    """Receives each frame of a run once its file is on disk, on the frame writer's thread, in
    the order the frames were written; `close(finished)` ends it, `finished` saying every frame
    of the run was written."""

    def frame_written(self, index: int, image: np.ndarray) -> None: ...

    def close(self, finished: bool) -> None: ...


@dataclass(frozen=True)
class _Job:
    index: int
    image: np.ndarray
    depth: np.ndarray | None
    text: str | None


class FrameWriter:
    """Writes frames (and optional depth maps) as PNG files from a background thread.

    `submit` returns as soon as the frame is queued; it blocks only while `max_pending` frames
    are already waiting, so memory stays flat when the disk is slower than the generator.
    `on_written(index, image)` is called on the writer thread once a frame (and its depth map)
    is on disk under its final name, with the writer's own copy of the frame (read it, never
    change it). The first error of the writer thread is raised by the next `submit` or by
    `close`; frames queued after an error are dropped.
    """

    def __init__(
        self,
        folder: Path,
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        on_written: Callable[[int, np.ndarray], None] | None = None,
    ) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be >= 1, got {max_pending}")
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise RenderError(
                f"cannot create the frame folder {self.folder}: {error.strerror or error}"
            ) from error
        self._on_written = on_written
        self._queue: queue.Queue[_Job | None] = queue.Queue(maxsize=max_pending)
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(
            target=self._run, name="keyframes-frame-writer", daemon=True
        )
        self._thread.start()

    def submit(
        self,
        index: int,
        image: np.ndarray,
        depth: np.ndarray | None = None,
        text: str | None = None,
    ) -> None:
        """Queue frame `index` (RGB uint8) and optionally its depth map (grey uint8, same H, W)
        and its generation parameters, stored in the PNG as the WebUI's `parameters` text.

        The arrays are copied, so the caller may reuse them at once.
        """
        if self._closed:
            raise RuntimeError("FrameWriter is closed")
        self._raise_error()
        check_frame_image(image, grey=False)
        if depth is not None:
            check_frame_image(depth, grey=True)
            if depth.shape != image.shape[:2]:
                raise ValueError(f"depth shape {depth.shape} differs from frame {image.shape[:2]}")
        if index < 0:
            raise ValueError(f"frame index must be >= 0, got {index}")
        job = _Job(index, image.copy(), None if depth is None else depth.copy(), text)
        self._queue.put(job)

    def close(self) -> None:
        """Wait until every queued frame is written, stop the thread, raise any writer error."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()
        self._raise_error()

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc is None:
            self.close()
            return
        # Keep the caller's exception: it is the one the user must see. Frames already queued
        # are still written.
        with contextlib.suppress(Exception):
            self.close()

    def _raise_error(self) -> None:
        error = self._error
        if error is not None:
            raise error

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            if self._error is not None:
                continue
            try:
                self._write(job)
            except OSError as error:
                self._error = RenderError(
                    f"cannot write frame {job.index} to {self.folder}: {error.strerror or error}",
                    frame=job.index,
                    hint="check free disk space and folder permissions",
                )
            except BaseException as error:  # surfaced to the caller by submit/close
                self._error = error

    def _write(self, job: _Job) -> None:
        if job.depth is not None:
            write_atomic(frame_path(self.folder, job.index, DEPTH_PREFIX), encode_png(job.depth))
        png = encode_png(job.image)
        if job.text is not None:
            png = with_text_chunk(png, PARAMETERS_KEY, job.text)
        write_atomic(frame_path(self.folder, job.index), png)
        if self._on_written is not None:
            self._on_written(job.index, job.image)
