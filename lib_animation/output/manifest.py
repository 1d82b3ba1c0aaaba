"""The run manifest: what a run has done, in two files whose cost per frame is constant.

- `manifest.json`, a small status file: the settings file beside it, the number of frames, the
  run's status and its start and update times. Its size does not depend on the number of frames
  or on the prompts; it is rewritten at most every few seconds.
- `frames.jsonl`, the frame log: one JSON line per frame made, appended before the frame's file
  is written, with the frame's generation parameters (seed, subseed, steps, CFG, strength,
  sampler, scheduler, checkpoint, ...) and its self-warp error. Prompts are not repeated: they
  are the plan's, made again from the settings file. A frame made again (after a resume) gets a
  new line; the last line of a frame wins.

The frames on disk are the truth of what is done: a run resumes after the last frame `k` such
that frames 0..k are whole files (`resume_point`), whether or not the status file had been
saved since. Both files are machine-written and loaded strictly: anything malformed (a hostile
or hand-edited file) gives a RenderError naming the problem, never a traceback; a last line cut
short by a kill is ignored.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from lib_animation.atomic_files import write_atomic
from lib_animation.errors import RenderError
from lib_animation.output.frames import FrameSink
from lib_animation.png_frames import complete_frames

MANIFEST_NAME = "manifest.json"
FRAME_LOG_NAME = "frames.jsonl"
FORMAT_MARKER = "keyframes-run"
FORMAT_VERSION = 2
STATUSES = ("running", "interrupted", "finished", "failed")
MAX_MANIFEST_BYTES = 64 * 1024
MAX_LOG_LINE_BYTES = 64 * 1024
MAX_FRAMES = 10_000_000
DEFAULT_SAVE_INTERVAL_S = 2.0
# Parameters the plan already holds in full and the log does not repeat.
FROM_THE_PLAN = ("prompt", "negative_prompt")

# One frame's generation parameters, as given by the renderer, e.g. {"seed": 1, "subseed": 2,
# "denoising_strength": 0.65, "cfg_scale": 7.0, "steps": 25, "sampler": "Euler a",
# "scheduler": "Karras", "checkpoint": "v1-5.safetensors", "warp_error": 1.25}.
Scalar = str | int | float | bool | None
FrameParams = dict[str, Scalar]

_KEYS = {"format", "version", "settings_file", "total_frames", "status", "started_at",
         "updated_at"}


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class RunManifest:
    settings_file: str
    total_frames: int
    started_at: str
    updated_at: str
    status: str = "running"

    @classmethod
    def new(cls, settings_file: str, total_frames: int, *, now: str | None = None) -> RunManifest:
        stamp = now or utc_now()
        manifest = cls(settings_file, total_frames, started_at=stamp, updated_at=stamp)
        _from_json(manifest.to_json())
        return manifest

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_MARKER,
            "version": FORMAT_VERSION,
            "settings_file": self.settings_file,
            "total_frames": self.total_frames,
            "status": self.status,
            "started_at": self.started_at,
            "updated_at": self.updated_at,
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


def frame_log_path(folder: Path) -> Path:
    return Path(folder) / FRAME_LOG_NAME


def save_manifest(folder: Path, manifest: RunManifest) -> Path:
    """Atomically write `manifest.json` into `folder`; RenderError if it cannot be written."""
    _from_json(manifest.to_json())
    path = manifest_path(folder)
    text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=1, allow_nan=False)
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as error:
        raise _unwritable(path, error) from error
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


def resume_point(folder: Path, total_frames: int | None = None) -> int:
    """The last frame k such that frames 0..k are whole files on disk (below `total_frames`
    when given); -1 if frame 0 is not."""
    last = contiguous_end(complete_frames(folder))
    return last if total_frames is None else min(last, total_frames - 1)


def read_frame_log(folder: Path, keys: Collection[str] | None = None) -> dict[int, FrameParams]:
    """The last recorded parameters of each frame (only `keys` of them, when given, to keep
    memory small for long runs). A missing log is empty; a last line cut short by a kill is
    ignored; anything else malformed is a RenderError naming the line."""
    found: dict[int, FrameParams] = {}
    for source, line in log_lines(frame_log_path(folder), "frame log"):
        index, params = parse_log_line(line, source=source)
        found[index] = params if keys is None else {
            key: params[key] for key in keys if key in params}
    return found


def log_lines(path: Path, what: str) -> Iterator[tuple[str, bytes]]:
    """The whole lines of an append-only JSON-lines log, each with its source ('path, line N')
    for error messages. A missing log has none; a last line cut short by a kill is skipped; a
    line too long to be genuine is a RenderError naming `what`."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        return
    except OSError as error:
        raise RenderError(f"cannot read the {what}: {error.strerror or error}",
                          source=str(path)) from error
    with handle:
        number = 0
        while True:
            line = handle.readline(MAX_LOG_LINE_BYTES + 1)
            if not line:
                return
            number += 1
            if not line.endswith(b"\n"):
                if len(line) > MAX_LOG_LINE_BYTES:
                    raise RenderError(f"{what} line {number} is too long to be genuine",
                                      source=str(path))
                return  # the write a kill cut short
            yield f"{path}, line {number}", line


def parse_log_line(line: bytes, *, source: str = FRAME_LOG_NAME) -> tuple[int, FrameParams]:
    """One frame log line -> (frame index, parameters); RenderError for anything malformed."""
    try:
        data = json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise RenderError(f"frame log entry is not valid JSON ({error})", source=source) from None
    if not isinstance(data, dict):
        raise RenderError("frame log entry must be an object", source=source)
    index = data.pop("frame", None)
    if not _is_int(index) or not 0 <= index < MAX_FRAMES:
        raise RenderError(f"frame log entry needs 'frame' from 0 to {MAX_FRAMES - 1}",
                          source=source)
    try:
        return index, _check_params(index, data)
    except RenderError as error:
        error.source = source
        raise


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def _fail(message: str) -> RenderError:
    return RenderError(f"run manifest: {message}")


def _unwritable(path: Path, error: OSError) -> RenderError:
    return RenderError(f"cannot write {path}: {error.strerror or error}",
                       hint="check free disk space and folder permissions")


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
    if version < FORMAT_VERSION:
        raise _fail(f"written by an earlier Keyframes (format version {version}); render the "
                    "run's settings.json as a new run")
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
    return RunManifest(
        settings_file=_check_settings_file(data["settings_file"]),
        total_frames=total,
        started_at=_check_timestamp("started_at", data["started_at"]),
        updated_at=_check_timestamp("updated_at", data["updated_at"]),
        status=status,
    )


class ManifestRecorder:
    """Keeps a run's status file and frame log up to date from the render loop.

    `set_params` (render thread, before the frame goes to the writer) appends the frame's line
    to the log, so every frame file on disk has its line; `frame_written` (pass it as
    FrameWriter's `on_written`) counts the frame complete, saves the small status file at
    most once per `save_interval_s` and hands the frame to the sinks added with `add_sink`
    (on the writer thread, in frame order); `finish` records the final status and closes the
    sinks, telling them whether every frame was written.
    """

    def __init__(
        self,
        folder: Path,
        manifest: RunManifest,
        *,
        done: int = 0,
        save_interval_s: float = DEFAULT_SAVE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], str] = utc_now,
    ) -> None:
        self.folder = Path(folder)
        self.manifest = manifest
        self._done = done  # frames 0..done-1 were complete when this session began
        self._written: set[int] = set()
        self._interval = save_interval_s
        self._clock = clock
        self._now = now
        self._lock = threading.Lock()
        self._last_save = -math.inf
        self._log = open_log(frame_log_path(self.folder))
        self._sinks: list[FrameSink] = []

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
        """A new run: writes a status file saying 'running' and an empty frame log."""
        manifest = RunManifest.new(settings_file, total_frames, now=now())
        recorder = cls(folder, manifest, save_interval_s=save_interval_s, clock=clock, now=now)
        recorder.save()
        return recorder

    @classmethod
    def resume(
        cls,
        folder: Path,
        total_frames: int,
        first_missing: int,
        *,
        save_interval_s: float = DEFAULT_SAVE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], str] = utc_now,
    ) -> ManifestRecorder:
        """Reopen a run of `total_frames` frames (the settings may have made it longer or
        shorter) whose frames 0..first_missing-1 are done; the status goes back to 'running'."""
        manifest = load_manifest(folder)
        manifest.total_frames = total_frames
        manifest.status = "running"
        recorder = cls(folder, manifest, done=first_missing, save_interval_s=save_interval_s,
                       clock=clock, now=now)
        recorder.save()
        return recorder

    def set_params(self, index: int, params: FrameParams) -> None:
        checked = _check_params(index, params)
        line = {"frame": index}
        line.update((key, value) for key, value in checked.items() if key not in FROM_THE_PLAN)
        data = (json.dumps(line, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
        try:
            os.write(self._log, data)
        except OSError as error:
            raise _unwritable(frame_log_path(self.folder), error) from error

    def add_sink(self, sink: FrameSink) -> None:
        """Give `sink` every frame written from now on; `finish` (or `close_sinks`) closes it."""
        self._sinks.append(sink)

    def frame_written(self, index: int, image: np.ndarray) -> None:
        with self._lock:
            self._written.add(index)
            if self._clock() - self._last_save >= self._interval:
                self._save_locked()
        for sink in self._sinks:
            sink.frame_written(index, image)

    def close_sinks(self, finished: bool) -> None:
        """Close the sinks (once): `finished` says every frame of the run was written."""
        sinks, self._sinks = self._sinks, []
        errors = []
        for sink in sinks:
            try:
                sink.close(finished)
            except Exception as error:  # every sink is closed; the first error is raised
                errors.append(error)
        if errors:
            raise errors[0]

    def save(self) -> None:
        with self._lock:
            self._save_locked()

    def finish(self, status: str) -> None:
        """Record the final status ('finished', 'interrupted' or 'failed'), save and close.

        'finished' requires every frame 0..total_frames-1 to be complete: a run that skipped
        its last frames (Deforum's cadence tail bug) fails loudly here instead of silently.
        """
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        with self._lock:
            total = self.manifest.total_frames
            missing = [index for index in range(self._done, total) if index not in self._written]
            whole = status == "finished" and not missing
            try:
                if status == "finished" and missing:
                    raise ValueError(
                        f"cannot mark the run finished: {len(missing)} frames are not written, "
                        f"first {missing[0]}"
                    )
                self.manifest.status = status
                try:
                    self._save_locked()
                finally:
                    self.close()
            finally:
                self.close_sinks(whole)

    def close(self) -> None:
        if self._log is not None:
            os.close(self._log)
            self._log = None

    def _save_locked(self) -> None:
        self.manifest.updated_at = self._now()
        save_manifest(self.folder, self.manifest)
        self._last_save = self._clock()


def open_log(path: Path) -> int:
    """A JSON-lines log's descriptor, opened to append (created if missing); a last line a kill
    cut short is dropped first. OSError becomes a RenderError."""
    try:
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        descriptor = os.open(path, flags, 0o644)
        size = os.fstat(descriptor).st_size
        if size and _read_at(descriptor, 1, size - 1) != b"\n":
            _drop_torn_line(descriptor, size)
        return descriptor
    except OSError as error:
        raise _unwritable(path, error) from error


def _drop_torn_line(descriptor: int, size: int) -> None:
    chunk = 1 << 16
    end = size
    while end > 0:
        start = max(0, end - chunk)
        block = _read_at(descriptor, end - start, start)
        cut = block.rfind(b"\n")
        if cut >= 0:
            os.ftruncate(descriptor, start + cut + 1)
            return
        end = start
    os.ftruncate(descriptor, 0)


def _read_at(descriptor: int, count: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(descriptor, count, offset)
    os.lseek(descriptor, offset, os.SEEK_SET)  # Windows; appends still go to the end
    return os.read(descriptor, count)
