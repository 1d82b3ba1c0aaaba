"""One process renders into a run folder at a time.

The lock is an OS file lock on `render.lock` in the run folder, held while a process renders or
finishes the run; the OS releases it when the process ends, however it ends, so a killed render
never leaves a folder locked. The file says who holds it, for the one line the next process
prints.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from lib_animation.errors import RenderError

LOCK_NAME = "render.lock"
MAX_LOCK_BYTES = 4096


class RunLock:
    """`with RunLock(folder):` holds the folder's lock, or raises RenderError saying who does."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._descriptor: int | None = None

    def __enter__(self) -> RunLock:
        path = self.folder / LOCK_NAME
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise RenderError(f"cannot lock the run folder {self.folder}: "
                              f"{error.strerror or error}") from None
        if not _try_lock(descriptor):
            holder = _holder(descriptor)
            os.close(descriptor)
            raise RenderError(f"{self.folder} is being rendered by {holder}",
                              hint="wait until it ends or stop it; one process renders a run "
                              "at a time")
        owner = {"pid": os.getpid(), "host": socket.gethostname(),
                 "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        os.ftruncate(descriptor, 0)
        os.lseek(descriptor, 0, os.SEEK_SET)
        os.write(descriptor, json.dumps(owner).encode("utf-8"))
        self._descriptor = descriptor
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._descriptor is not None:
            _unlock(self._descriptor)
            os.close(self._descriptor)
            self._descriptor = None


def _holder(descriptor: int) -> str:
    try:
        os.lseek(descriptor, 0, os.SEEK_SET)
        owner = json.loads(os.read(descriptor, MAX_LOCK_BYTES).decode("utf-8"))
        return (f"process {int(owner['pid'])} on {str(owner['host'])[:64]} since "
                f"{str(owner['since'])[:32]}")
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(descriptor: int) -> bool:
        try:
            os.lseek(descriptor, MAX_LOCK_BYTES, os.SEEK_SET)  # lock a byte past the owner text
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(descriptor: int) -> None:
        os.lseek(descriptor, MAX_LOCK_BYTES, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(descriptor: int) -> bool:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
