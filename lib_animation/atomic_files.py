"""Atomic file writes: a file under its final name is either its old content or all of the new.

The data goes to a hidden temporary name beside the target, is flushed and fsync'ed, then renamed
into place; a crash or a kill never leaves half a file. Temporary names match `TEMP_NAME`, so a
run folder can clean up what a kill left behind.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

TEMP_SUFFIX = ".tmp"
TEMP_NAME = re.compile(r"^\..+\.[0-9a-f]{16}\.tmp$")


def write_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path`, making missing parent folders. Raises OSError; the temporary file
    is removed on failure."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}{TEMP_SUFFIX}")
    try:
        with temp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)
    return path


def write_text_atomic(path: Path, text: str) -> Path:
    return write_atomic(path, text.encode("utf-8"))


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable on power loss; not possible (nor needed) on Windows.
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
