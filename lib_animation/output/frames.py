"""Frame files of a run: atomic PNG writing on a background thread, and completeness checks.

A frame is written to a hidden temporary name in the run folder, flushed, fsync'ed and then
renamed into place, so a frame file under its final name is always whole, even if the process is
killed mid-write. `complete_frames` still verifies every file's PNG structure, so a file truncated
or damaged by other means (a full disk, a copy tool, a hand edit) is never taken as done.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lib_animation.atomic_files import TEMP_NAME, write_atomic
from lib_animation.errors import RenderError

FRAME_PREFIX = "frame"
DEPTH_PREFIX = "depth"
INDEX_DIGITS = 6
# zlib level 1: 512x512 photo-like frame in ~20 ms; level 3 saves ~3 % of size for ~1.75x the
# time, level 6 ~7 % for ~4.5x. PIL is ~25 % slower than cv2 at equal levels
# (tests/output/bench_output.py png).
PNG_COMPRESSION = 1
DEFAULT_MAX_PENDING = 4

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PARAMETERS_KEY = "parameters"


def frame_name(index: int, prefix: str = FRAME_PREFIX) -> str:
    """File name of frame `index`: `frame_000042.png` (six digits or more)."""
    if index < 0:
        raise ValueError(f"frame index must be >= 0, got {index}")
    return f"{prefix}_{index:0{INDEX_DIGITS}d}.png"


def frame_path(folder: Path, index: int, prefix: str = FRAME_PREFIX) -> Path:
    return Path(folder) / frame_name(index, prefix)


def _name_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(prefix)}_(\d{{{INDEX_DIGITS},}})\.png$")


def with_text_chunk(png: bytes, key: str, text: str) -> bytes:
    """The PNG with an uncompressed UTF-8 iTXt chunk `key` = `text` right after its header,
    where PIL (and so the WebUI's PNG Info) reads it as `image.info[key]`."""
    if not png.startswith(_PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG that starts with its IHDR chunk")
    header_end = 8 + 4 + 4 + 13 + 4
    data = key.encode("latin-1") + b"\x00\x00\x00" + b"\x00" + b"\x00" + text.encode("utf-8")
    chunk = b"iTXt" + data
    crc = zlib.crc32(chunk).to_bytes(4, "big")
    return png[:header_end] + len(data).to_bytes(4, "big") + chunk + crc + png[header_end:]


def encode_png(image: np.ndarray, compression: int = PNG_COMPRESSION) -> bytes:
    """PNG bytes of an RGB (H, W, 3) or grey (H, W) uint8 image; deterministic for an image."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, compression])
    if not ok:
        raise RuntimeError(f"PNG encoding failed for an image of shape {image.shape}")
    return encoded.tobytes()


def write_png(path: Path, image: np.ndarray) -> None:
    """Atomically write an RGB or grey uint8 image as PNG (for auxiliary images of a run).

    Raises RenderError when the file cannot be written.
    """
    _check_image(image, grey=image.ndim == 2)
    try:
        write_atomic(Path(path), encode_png(image))
    except OSError as error:
        raise RenderError(
            f"cannot write {path}: {error.strerror or error}",
            hint="check free disk space and folder permissions",
        ) from error


def is_complete_png(path: Path) -> bool:
    """True when `path` is a whole PNG file: signature, IHDR first, every chunk's CRC, IEND last."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return False
    if not data.startswith(_PNG_SIGNATURE):
        return False
    position = len(_PNG_SIGNATURE)
    first = True
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        chunk_end = position + 12 + length
        if chunk_end > len(data):
            return False
        kind = data[position + 4 : position + 8]
        body = data[position + 4 : chunk_end - 4]
        if zlib.crc32(body) != int.from_bytes(data[chunk_end - 4 : chunk_end], "big"):
            return False
        if first and kind != b"IHDR":
            return False
        first = False
        position = chunk_end
        if kind == b"IEND":
            return position == len(data)
    return False


def frame_files(folder: Path, prefix: str = FRAME_PREFIX) -> dict[int, Path]:
    """Every file named like a frame in `folder` (whole or not), by index."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    pattern = _name_pattern(prefix)
    found = {}
    for entry in os.scandir(folder):
        match = pattern.match(entry.name)
        if match and entry.is_file():
            found[int(match.group(1))] = Path(entry.path)
    return found


def complete_frames(folder: Path, prefix: str = FRAME_PREFIX) -> list[int]:
    """Sorted indices of the frames in `folder` whose files are whole PNGs.

    Temporary files of an interrupted write are never listed; a missing folder has no frames.
    """
    files = frame_files(folder, prefix)
    return sorted(index for index, path in files.items() if is_complete_png(path))


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


def remove_temp_files(folder: Path) -> int:
    """Delete leftovers of interrupted atomic writes in `folder`; returns how many were removed."""
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    removed = 0
    for entry in os.scandir(folder):
        if TEMP_NAME.match(entry.name) and entry.is_file():
            Path(entry.path).unlink(missing_ok=True)
            removed += 1
    return removed


def read_frame(path: Path) -> np.ndarray:
    """Read an image file as an RGB uint8 (H, W, 3) array; RenderError if it cannot be decoded."""
    path = Path(path)
    try:
        raw = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise RenderError(f"cannot read frame {path}: {error.strerror or error}") from error
    image = cv2.imdecode(raw, cv2.IMREAD_COLOR) if raw.size else None
    if image is None:
        raise RenderError(f"cannot decode frame {path}: not a readable image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def iter_frames(paths: Sequence[Path]) -> Iterator[np.ndarray]:
    """Read frame files one at a time, so memory holds only the current frame."""
    for path in paths:
        yield read_frame(path)


def _check_image(image: np.ndarray, *, grey: bool) -> None:
    expected = "(H, W)" if grey else "(H, W, 3)"
    is_array = isinstance(image, np.ndarray)
    shape_ok = is_array and (image.ndim == 2 if grey else image.ndim == 3 and image.shape[2] == 3)
    if not is_array or image.dtype != np.uint8 or not shape_ok:
        raise ValueError(
            f"expected a uint8 array of shape {expected}, "
            f"got {getattr(image, 'dtype', type(image))} {getattr(image, 'shape', '')}"
        )


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
    `on_written(index)` is called on the writer thread once a frame (and its depth map) is on
    disk under its final name. The first error of the writer thread is raised by the next
    `submit` or by `close`; frames queued after an error are dropped.
    """

    def __init__(
        self,
        folder: Path,
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        on_written: Callable[[int], None] | None = None,
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
        _check_image(image, grey=False)
        if depth is not None:
            _check_image(depth, grey=True)
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
            self._on_written(job.index)
