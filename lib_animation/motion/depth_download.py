"""Fetch depth-model weight files into a folder, verified, never half-written.

A file is downloaded to a temporary name in its target folder, checked against the size and
sha256 (or BLAKE2b-512, or the start of the sha256) pinned for it (when known), and only then
renamed into place, so an interrupted or corrupted download is never taken for a complete one.
After a file is accepted, its sha256 and size are recorded beside it in `<file>.sha256`
("<hex> <bytes>"), so later runs skip re-hashing gigabytes; a file placed there by hand is
hashed once and recorded the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lib_animation import __version__
from lib_animation.errors import DepthModelError

Progress = Callable[[int, int, str], None]
"""progress(done_bytes, total_bytes, text); total_bytes is 0 when the size is not known."""

CHUNK_BYTES = 1 << 20
TIMEOUT_S = 30.0
RECORD_SUFFIX = ".sha256"


@dataclass(frozen=True)
class RemoteFile:
    """One file of a model: where it comes from and what it must be."""

    name: str
    url: str
    sha256: str | None = None
    size: int | None = None
    blake2b: str | None = None  # for files whose publisher pins BLAKE2b-512 (Deforum's)
    # for files whose publisher documents only the start of the sha256 (torchvision's names)
    sha256_prefix: str | None = None


class _Rejected(Exception):
    """A download that arrived but is not the pinned file."""


def ensure_files(
    label: str, files: Sequence[RemoteFile], folder: Path, progress: Progress | None = None
) -> None:
    """Make every file present and verified in `folder`, downloading the missing ones."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DepthModelError(f"cannot create the folder {folder} for {label}: {exc}") from exc
    for remote in files:
        target = folder / remote.name
        if target.is_file():
            _accept_existing(label, remote, target, progress)
        else:
            _download(label, remote, target, progress)


def record_path(target: Path) -> Path:
    return target.with_name(target.name + RECORD_SUFFIX)


def _accept_existing(
    label: str, remote: RemoteFile, target: Path, progress: Progress | None
) -> None:
    size = target.stat().st_size
    recorded = _read_record(target)
    if recorded is not None and recorded[1] == size and _mismatch(remote, *recorded) is None:
        return
    text = f"checking {label}: {remote.name}"
    digest, blake = _digests(target, lambda done: progress(done, size, text) if progress else None)
    problem = _mismatch(remote, digest, size, blake)
    if problem:
        raise DepthModelError(
            f"{target} is not the expected {remote.name} of {label} ({problem}). "
            f"Delete it to download it again, or replace it with the file from {remote.url}"
        )
    _write_record(target, digest, size)


def _download(label: str, remote: RemoteFile, target: Path, progress: Progress | None) -> None:
    folder = target.parent
    _remove_stale_parts(folder, remote.name)
    tmp: Path | None = None
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=f".{remote.name}.", suffix=".part", dir=folder)
        tmp = Path(tmp_name)
        with os.fdopen(handle, "wb") as out:
            digest, size, blake = _fetch(label, remote, out, progress)
        problem = _mismatch(remote, digest, size, blake)
        if problem:
            raise _Rejected(problem)
        tmp.replace(target)
        tmp = None
        _write_record(target, digest, size)
    except (OSError, http.client.HTTPException, _Rejected) as exc:
        raise DepthModelError(
            f"could not download {label} from {remote.url}: {_reason(exc)}. "
            f"Download the files by hand into {folder}"
        ) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink()


def _fetch(
    label: str, remote: RemoteFile, out: BinaryIO, progress: Progress | None
) -> tuple[str, int, str]:
    request = urllib.request.Request(remote.url, headers={"User-Agent": f"Keyframes/{__version__}"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        announced = _content_length(response.headers.get("Content-Length"))
        total = announced or remote.size or 0
        text = f"downloading {label}: {remote.name}"
        hasher, blake = hashlib.sha256(), hashlib.blake2b()
        done = 0
        for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
            out.write(chunk)
            hasher.update(chunk)
            blake.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total, text)
    if announced is not None and done != announced:
        # urllib returns a short body silently when the connection drops mid-transfer.
        raise _Rejected(f"the transfer stopped after {done} of {announced} bytes")
    return hasher.hexdigest(), done, blake.hexdigest()


def _digests(path: Path, progress: Callable[[int], None] | None) -> tuple[str, str]:
    """Hex sha256 and BLAKE2b-512 of a file, read once."""
    hasher, blake = hashlib.sha256(), hashlib.blake2b()
    done = 0
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
            hasher.update(chunk)
            blake.update(chunk)
            done += len(chunk)
            if progress:
                progress(done)
    return hasher.hexdigest(), blake.hexdigest()


def _mismatch(remote: RemoteFile, digest: str, size: int, blake: str | None = None) -> str | None:
    if remote.size is not None and size != remote.size:
        return f"{size} bytes, expected {remote.size}"
    if remote.sha256 is not None and digest != remote.sha256.lower():
        return f"checksum mismatch: sha256 {digest}, expected {remote.sha256.lower()}"
    prefix = (remote.sha256_prefix or "").lower()
    if not digest.startswith(prefix):
        return f"checksum mismatch: sha256 {digest[:16]}..., expected it to start with {prefix}"
    if remote.blake2b is not None and blake is not None and blake != remote.blake2b.lower():
        return f"checksum mismatch: blake2b {blake[:16]}..., expected {remote.blake2b[:16]}..."
    return None


def _content_length(header: str | None) -> int | None:
    if header is None or not header.strip().isdigit():
        return None
    return int(header)


def _read_record(target: Path) -> tuple[str, int] | None:
    try:
        digest, size = record_path(target).read_text(encoding="ascii").split()
        return digest, int(size)
    except (OSError, ValueError):
        return None


def _write_record(target: Path, digest: str, size: int) -> None:
    record_path(target).write_text(f"{digest} {size}\n", encoding="ascii")


def _remove_stale_parts(folder: Path, name: str) -> None:
    for part in folder.glob(f".{name}.*.part"):
        with contextlib.suppress(OSError):
            part.unlink()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__
