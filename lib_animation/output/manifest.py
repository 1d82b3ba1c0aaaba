"""The run manifest: `manifest.json` in the run folder, recording what a run has done.

It names the settings file saved beside it, the number of frames, which frames are on disk, the
generation parameters of each frame and the run's status. A run resumes after the last frame `k`
such that frames 0..k are recorded in the manifest *and* whole on disk (`resume_point`).

The file is machine-written and loaded strictly: anything malformed or unexpected (a hostile or
hand-edited file) gives a RenderError naming the problem, never a traceback.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lib_animation.atomic_files import write_atomic
from lib_animation.errors import RenderError
from lib_animation.output.frames import complete_frames

MANIFEST_NAME = "manifest.json"
FORMAT_MARKER = "keyframes-run"
FORMAT_VERSION = 1
STATUSES = ("running", "interrupted", "finished", "failed")
MAX_MANIFEST_BYTES = 256 * 1024 * 1024
MAX_FRAMES = 10_000_000
DEFAULT_SAVE_INTERVAL_S = 2.0

# One frame's generation parameters, as given by the renderer, e.g. {"seed": 1, "subseed": 2,
# "strength": 0.65, "cfg": 7.0, "steps": 25, "sampler": "Euler a", "scheduler": "Karras",
# "checkpoint": "v1-5.safetensors", "prompt": "...", "negative_prompt": "..."}.
Scalar = str | int | float | bool | None
FrameParams = dict[str, Scalar]

_KEYS = {
    "format",
    "version",
    "settings_file",
    "total_frames",
    "status",
    "started_at",
    "updated_at",
    "completed",
    "frames",
}


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class RunManifest:
    settings_file: str
    total_frames: int
    started_at: str
    updated_at: str
    status: str = "running"
    completed: set[int] = field(default_factory=set)
    frames: dict[int, FrameParams] = field(default_factory=dict)

    @classmethod
    def new(cls, settings_file: str, total_frames: int, *, now: str | None = None) -> RunManifest:
        stamp = now or utc_now()
        manifest = cls(settings_file, total_frames, started_at=stamp, updated_at=stamp)
        _validate(manifest)
        return manifest

    def last_contiguous(self) -> int:
        """The largest k with frames 0..k all recorded complete; -1 when frame 0 is not."""
        return contiguous_end(self.completed)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_MARKER,
            "version": FORMAT_VERSION,
            "settings_file": self.settings_file,
            "total_frames": self.total_frames,
            "status": self.status,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
            "completed": sorted(self.completed),
            "frames": {str(index): dict(self.frames[index]) for index in sorted(self.frames)},
        }


def contiguous_end(indices: Iterable[int]) -> int:
    """The largest k such that 0..k are all in `indices`; -1 when 0 is missing."""
    present = set(indices)
    k = -1
    while k + 1 in present:
        k += 1
    return k


def manifest_path(folder: Path) -> Path:
    return Path(folder) / MANIFEST_NAME


def save_manifest(folder: Path, manifest: RunManifest) -> Path:
    """Atomically write `manifest.json` into `folder`; RenderError if it cannot be written."""
    _validate(manifest)
    path = manifest_path(folder)
    text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=1, allow_nan=False)
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as error:
        raise RenderError(
            f"cannot write the run manifest {path}: {error.strerror or error}",
            hint="check free disk space and folder permissions",
        ) from error
    return path


def load_manifest(folder: Path) -> RunManifest:
    """Read and validate `manifest.json` in `folder`; RenderError for anything malformed."""
    path = manifest_path(folder)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_MANIFEST_BYTES + 1)
    except OSError as error:
        raise RenderError(
            f"cannot read the run manifest: {error.strerror or error}", source=str(path)
        ) from error
    return parse_manifest(raw, source=str(path))


def parse_manifest(raw: bytes, *, source: str = MANIFEST_NAME) -> RunManifest:
    """Validate manifest bytes; RenderError (with `source`) for anything malformed."""
    if len(raw) > MAX_MANIFEST_BYTES:
        raise RenderError("run manifest is too large to be genuine", source=source)
    try:
        data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise RenderError(f"run manifest is not valid JSON ({error})", source=source) from error
    try:
        return _from_json(data)
    except RenderError as error:
        error.source = source
        raise


def resume_point(folder: Path, manifest: RunManifest) -> int:
    """The last frame k such that frames 0..k are in the manifest and whole on disk; -1 if none."""
    on_disk = set(complete_frames(folder))
    return contiguous_end(on_disk & manifest.completed)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def _fail(message: str) -> RenderError:
    return RenderError(f"run manifest: {message}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_timestamp(name: str, value: object) -> str:
    if not isinstance(value, str) or len(value) > 64:
        raise _fail(f"'{name}' must be an ISO 8601 time string")
    try:
        datetime.fromisoformat(value)
    except ValueError as error:
        raise _fail(f"'{name}' is not an ISO 8601 time: {value!r}") from error
    return value


def _check_settings_file(value: object) -> str:
    # A bare file name inside the run folder: a manifest must not point anywhere else.
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= 255
        or value in (".", "..")
        or any(char in value for char in "/\\:\x00")
    ):
        raise _fail(f"'settings_file' must be a plain file name, got {value!r}")
    return value


def _check_params(index: int, params: object) -> FrameParams:
    if not isinstance(params, dict):
        raise _fail(f"parameters of frame {index} must be an object")
    for key, value in params.items():
        if not isinstance(key, str):
            raise _fail(f"parameter names of frame {index} must be strings")
        if isinstance(value, float) and not math.isfinite(value):
            raise _fail(f"parameter '{key}' of frame {index} is not a finite number")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise _fail(f"parameter '{key}' of frame {index} must be a string, number or null")
    return dict(params)


def _validate(manifest: RunManifest) -> None:
    _from_json(manifest.to_json())


def _from_json(data: object) -> RunManifest:
    if not isinstance(data, dict):
        raise _fail("top level must be an object")
    if data.get("format") != FORMAT_MARKER:
        raise _fail(f"not a Keyframes run manifest (format must be '{FORMAT_MARKER}')")
    version = data.get("version")
    if not _is_int(version) or version < 1:
        raise _fail("'version' must be a positive integer")
    if version > FORMAT_VERSION:
        raise _fail(
            f"written by a newer Keyframes (format version {version}, this one reads "
            f"{FORMAT_VERSION})"
        )
    missing = sorted(_KEYS - data.keys())
    if missing:
        raise _fail(f"missing {', '.join(missing)}")
    unknown = sorted(str(key) for key in data.keys() - _KEYS)
    if unknown:
        raise _fail(f"unknown entries {', '.join(unknown)}")
    total = data["total_frames"]
    if not _is_int(total) or not 0 <= total <= MAX_FRAMES:
        raise _fail(f"'total_frames' must be an integer from 0 to {MAX_FRAMES}")
    status = data["status"]
    if status not in STATUSES:
        raise _fail(f"'status' must be one of {', '.join(STATUSES)}")
    completed = data["completed"]
    if not isinstance(completed, list) or not all(
        _is_int(index) and 0 <= index < total for index in completed
    ):
        raise _fail(f"'completed' must be a list of frame indices from 0 to {total - 1}")
    if len(set(completed)) != len(completed):
        raise _fail("'completed' lists a frame twice")
    frames = data["frames"]
    if not isinstance(frames, dict):
        raise _fail("'frames' must be an object of frame index -> parameters")
    params: dict[int, FrameParams] = {}
    for key, value in frames.items():
        canonical = key.isascii() and key.isdigit() and len(key) <= 8 and key == str(int(key))
        if not canonical or int(key) >= total:
            raise _fail(f"'frames' key {key!r} is not a frame index from 0 to {total - 1}")
        params[int(key)] = _check_params(int(key), value)
    return RunManifest(
        settings_file=_check_settings_file(data["settings_file"]),
        total_frames=total,
        started_at=_check_timestamp("started_at", data["started_at"]),
        updated_at=_check_timestamp("updated_at", data["updated_at"]),
        status=status,
        completed=set(completed),
        frames=params,
    )


class ManifestRecorder:
    """Keeps a run's manifest up to date from the render loop and the frame writer thread.

    `set_params` (render thread) stores a frame's generation parameters; `frame_written` (pass it
    as FrameWriter's `on_written`) marks the frame complete. The file is saved at most once per
    `save_interval_s` while running (frames on disk but not yet in the manifest are simply
    rendered again on resume), and always by `save` and `finish`.
    """

    def __init__(
        self,
        folder: Path,
        manifest: RunManifest,
        *,
        save_interval_s: float = DEFAULT_SAVE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], str] = utc_now,
    ) -> None:
        self.folder = Path(folder)
        self.manifest = manifest
        self._interval = save_interval_s
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._last_save = -math.inf

    @classmethod
    def start(
        cls,
        folder: Path,
        settings_file: str,
        total_frames: int,
        *,
        save_interval_s: float = DEFAULT_SAVE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], str] = utc_now,
    ) -> ManifestRecorder:
        """A new run: writes a manifest with status 'running' and no frames."""
        manifest = RunManifest.new(settings_file, total_frames, now=now())
        recorder = cls(folder, manifest, save_interval_s=save_interval_s, clock=clock, now=now)
        recorder.save()
        return recorder

    @classmethod
    def resume(
        cls,
        folder: Path,
        *,
        save_interval_s: float = DEFAULT_SAVE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], str] = utc_now,
    ) -> tuple[ManifestRecorder, int]:
        """Reopen a run; returns the recorder and the first frame to render again.

        Frames after the resume point are forgotten (they will be rendered again), and the
        status goes back to 'running'.
        """
        manifest = load_manifest(folder)
        last = resume_point(folder, manifest)
        manifest.completed = set(range(last + 1))
        manifest.status = "running"
        recorder = cls(folder, manifest, save_interval_s=save_interval_s, clock=clock, now=now)
        recorder.save()
        return recorder, last + 1

    def set_params(self, index: int, params: FrameParams) -> None:
        checked = _check_params(index, params)
        with self._lock:
            self.manifest.frames[index] = checked

    def frame_written(self, index: int) -> None:
        with self._lock:
            self.manifest.completed.add(index)
            if self._clock() - self._last_save >= self._interval:
                self._save_locked()

    def save(self) -> None:
        with self._lock:
            self._save_locked()

    def finish(self, status: str) -> None:
        """Record the final status ('finished', 'interrupted' or 'failed') and save.

        'finished' requires every frame 0..total_frames-1 to be complete: a run that skipped
        its last frames (Deforum's cadence tail bug) fails loudly here instead of silently.
        """
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        with self._lock:
            missing = set(range(self.manifest.total_frames)) - self.manifest.completed
            if status == "finished" and missing:
                raise ValueError(
                    f"cannot mark the run finished: {len(missing)} frames are not written, "
                    f"first {min(missing)}"
                )
            self.manifest.status = status
            self._save_locked()

    def _save_locked(self) -> None:
        self.manifest.updated_at = self._now()
        save_manifest(self.folder, self.manifest)
        self._last_save = self._clock()
