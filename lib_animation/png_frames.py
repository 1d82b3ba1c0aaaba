"""Frame files: a frame's file name, whole-PNG checks, PNG encoding, atomic writing and reading.

A run's frames and an input video's extracted frames are both folders of these files. A file is
written to a hidden temporary name, flushed, fsync'ed and renamed into place, so a frame file
under its final name is always whole, even if the process is killed mid-write. `complete_frames`
still verifies every file's PNG structure, so a file truncated or damaged by other means (a full
disk, a copy tool, a hand edit) is never taken as done.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np

from lib_animation.atomic_files import TEMP_NAME, write_atomic
from lib_animation.errors import RenderError

FRAME_PREFIX = "frame"
DEPTH_PREFIX = "depth"
INDEX_DIGITS = 6
# Our own encoder: every row filtered with PNG's "Up" filter (one vectorised subtraction), then
# zlib level 1 with run-length matching. On photo-like 512x512 frames it takes half the time of
# OpenCV's level 1 (libpng tries five filters per row), in files within about 10 % of its size:
# smaller on photo-like frames, larger on very smooth ones (bench/output_bench.py png).
PNG_COMPRESSION = 1
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_UP_FILTER = 2


def frame_name(index: int, prefix: str = FRAME_PREFIX) -> str:
    """File name of frame `index`: `frame_000042.png` (six digits or more)."""
    if index < 0:
        raise ValueError(f"frame index must be >= 0, got {index}")
    return f"{prefix}_{index:0{INDEX_DIGITS}d}.png"


def frame_path(folder: Path, index: int, prefix: str = FRAME_PREFIX) -> Path:
    return Path(folder) / frame_name(index, prefix)


def _name_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(prefix)}_(\d{{{INDEX_DIGITS},}})\.png$")


def encode_png(image: np.ndarray, compression: int = PNG_COMPRESSION) -> bytes:
    """PNG bytes of an RGB (H, W, 3) or grey (H, W) uint8 image; deterministic for an image."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (
            image.ndim == 3 and image.shape[2] != 3) or 0 in image.shape:
        raise ValueError(f"cannot encode an image of shape {image.shape} and type {image.dtype} "
                         "as PNG")
    height, width = image.shape[:2]
    colour_type = 2 if image.ndim == 3 else 0
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    compressor = zlib.compressobj(compression, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    pixels = compressor.compress(_up_filtered_rows(image)) + compressor.flush()
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def _up_filtered_rows(image: np.ndarray) -> memoryview:
    """PNG scanlines under filter type 2 ("Up"): each row minus the row above, modulo 256."""
    rows = np.ascontiguousarray(image).reshape(image.shape[0], -1)
    filtered = np.empty((rows.shape[0], rows.shape[1] + 1), np.uint8)
    filtered[:, 0] = _UP_FILTER
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:])
    return memoryview(filtered).cast("B")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(path: Path, image: np.ndarray) -> None:
    """Atomically write an RGB or grey uint8 image as PNG.

    Raises RenderError when the file cannot be written.
    """
    check_frame_image(image, grey=image.ndim == 2)
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
    if not data.startswith(PNG_SIGNATURE):
        return False
    position = len(PNG_SIGNATURE)
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


def check_frame_image(image: np.ndarray, *, grey: bool) -> None:
    expected = "(H, W)" if grey else "(H, W, 3)"
    is_array = isinstance(image, np.ndarray)
    shape_ok = is_array and (image.ndim == 2 if grey else image.ndim == 3 and image.shape[2] == 3)
    if not is_array or image.dtype != np.uint8 or not shape_ok:
        raise ValueError(
            f"expected a uint8 array of shape {expected}, "
            f"got {getattr(image, 'dtype', type(image))} {getattr(image, 'shape', '')}"
        )
