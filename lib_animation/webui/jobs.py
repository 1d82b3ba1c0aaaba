"""The job manager the tab and the REST API share: a job is a run folder and its state.

Jobs render one at a time, on one worker thread, each holding the WebUI's queue lock for the
whole run (as the WebUI's own generate buttons hold it for a whole batch), so other WebUI work
waits instead of interleaving with a run's frames. Jobs of earlier sessions are read back from
their run folders, and an interrupted one can be resumed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lib_animation.batch_name import safe_folder_name
from lib_animation.errors import KeyframesError, RenderError
from lib_animation.host import Host
from lib_animation.output.frames import frame_files
from lib_animation.render import RenderOptions, RenderProgress
from lib_animation.runs import (
    Run,
    finish_run,
    open_run,
    read_run_state,
    render_run,
    start_run,
)
from lib_animation.runs.folder import SETTINGS_NAME
from lib_animation.schema import Settings

LOG = logging.getLogger("keyframes")
QUEUED, RUNNING, DONE, FAILED, INTERRUPTED = "queued", "running", "done", "failed", "interrupted"
_STATE_OF_RUN = {"finished": DONE, "interrupted": INTERRUPTED, "failed": FAILED,
                 "running": INTERRUPTED, "new": INTERRUPTED, "damaged": FAILED}


class HostSession(Protocol):
    """What a job needs from the host around a run."""

    def lock(self) -> AbstractContextManager[Any]:
        """The host's queue lock, held for the whole run."""

    def begin(self, title: str, generations: int) -> None:
        """The host's progress state for a run of about `generations` generations."""

    def end(self) -> None:
        """The run is over (also after an error)."""

    def make_host(self) -> Host:
        """A fresh Host for one run."""

    def render_options(self) -> RenderOptions:
        """Warp backend, depth device, models folder and depth cache for a run."""

    def interrupt(self) -> None:
        """Stop the generation in progress as the WebUI's Interrupt button does."""

    def after_run(self) -> None:
        """Release what a run loaded (the depth model) unless asked to keep it."""


@dataclass
class Job:
    id: str
    folder: Path
    state: str
    frames_done: int = 0
    total_frames: int = 0
    error: str | None = None
    videos: tuple[Path, ...] = ()
    report: Path | None = None
    started_at: float = field(default_factory=time.time)
    cancel_requested: bool = False

    @property
    def resumable(self) -> bool:
        return self.state in (INTERRUPTED, FAILED) and (self.folder / SETTINGS_NAME).is_file()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "frame": self.frames_done,
            "frames": self.total_frames,
            "progress": self.frames_done / self.total_frames if self.total_frames else 0.0,
            "run_folder": str(self.folder),
            "video": str(self.videos[0]) if self.videos else None,
            "videos": [str(path) for path in self.videos],
            "report": str(self.report) if self.report else None,
            "error": self.error,
            "resumable": self.resumable,
        }


class JobManager:
    def __init__(self, session: HostSession, output_dir: Callable[[], Path]) -> None:
        self._session = session
        self._output_dir = output_dir
        self._jobs: dict[str, Job] = {}
        self._runs: dict[str, Run] = {}
        self._queue: deque[str] = deque()
        self._wakeup = threading.Condition()
        self._worker: threading.Thread | None = None

    # Asking for work ----------------------------------------------------------------------------

    def submit(self, settings: Settings) -> Job:
        """Check and start a run (plan, inputs, host names, folder) and queue it. A run that
        cannot start raises KeyframesError and leaves nothing behind."""
        run = start_run(settings, self._output_dir(), self._session.make_host())
        return self._enqueue(run)

    def resume(self, job_id: str) -> Job:
        job = self.get(job_id)
        if job.state in (QUEUED, RUNNING):
            return job
        if not job.resumable:
            raise RenderError(f"job {job_id} is {job.state} and cannot be resumed")
        return self._enqueue(open_run(job.folder, self._session.make_host()))

    def cancel(self, job_id: str) -> Job:
        """A queued job leaves the queue; a running one stops after stopping the generation in
        progress. Either can be resumed later."""
        job = self.get(job_id)
        with self._wakeup:
            if job.state == QUEUED:
                if job_id in self._queue:
                    self._queue.remove(job_id)
                job.cancel_requested = True  # the worker may hold it, waiting for the lock
                job.state = INTERRUPTED
            elif job.state == RUNNING:
                job.cancel_requested = True
                self._session.interrupt()
        return job

    # Reading ------------------------------------------------------------------------------------

    def get(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is not None:
            return job
        folder = self._folder_of(job_id)
        if folder is None:
            raise KeyError(job_id)
        return _job_from_folder(folder)

    def jobs(self) -> list[Job]:
        """This session's jobs and every earlier run in the output folder, newest first."""
        found = dict(self._jobs)
        for folder in self._run_folders():
            if folder.name not in found:
                found[folder.name] = _job_from_folder(folder)
        return sorted(found.values(), key=lambda job: job.started_at, reverse=True)

    def busy(self) -> bool:
        return any(job.state in (QUEUED, RUNNING) for job in self._jobs.values())

    # The worker ---------------------------------------------------------------------------------

    def _enqueue(self, run: Run) -> Job:
        """Queued jobs wait for the worker and then for the WebUI's queue lock."""
        job_id = run.folder.name
        job = Job(job_id, run.folder, QUEUED, total_frames=run.plan.max_frames,
                  frames_done=len(frame_files(run.folder)))
        with self._wakeup:
            self._jobs[job_id] = job
            self._runs[job_id] = run
            self._queue.append(job_id)
            self._wakeup.notify()
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="keyframes-jobs",
                                                daemon=True)
                self._worker.start()
        return job

    def _work(self) -> None:
        while True:
            with self._wakeup:
                while not self._queue:
                    self._wakeup.wait()
                job_id = self._queue.popleft()
                job, run = self._jobs[job_id], self._runs.pop(job_id)
            self._render(job, run)

    def _render(self, job: Job, run: Run) -> None:
        host = self._session.make_host()
        with self._session.lock():
            with self._wakeup:
                if job.cancel_requested:
                    return
                job.state = RUNNING
            self._session.begin(f"Keyframes {job.id}", planned_generations(run))
            try:
                self._render_locked(job, run, host)
            except KeyframesError as error:
                job.state, job.error = FAILED, str(error)
            except Exception as error:  # a bug or a host failure must not kill the worker
                LOG.exception("Keyframes job %s failed", job.id)
                job.state, job.error = FAILED, f"{type(error).__name__}: {error}"
            finally:
                self._session.end()
                self._session.after_run()

    def _render_locked(self, job: Job, run: Run, host: Host) -> None:
        def progress(update: RenderProgress) -> None:
            job.frames_done = update.done

        result = render_run(run, host, self._session.render_options(), on_progress=progress,
                            should_stop=lambda: job.cancel_requested)
        job.frames_done = result.completed
        if result.interrupted:
            job.state = INTERRUPTED
            return
        outputs = finish_run(run)
        job.videos = tuple(path for path in (outputs.video, outputs.gif) if path)
        job.report = outputs.report_json
        job.state = DONE

    # Folders ------------------------------------------------------------------------------------

    def _run_folders(self) -> Iterator[Path]:
        root = self._output_dir()
        if not root.is_dir():
            return
        for entry in root.iterdir():
            if entry.is_dir() and (entry / SETTINGS_NAME).is_file():
                yield entry

    def _folder_of(self, job_id: str) -> Path | None:
        if not job_id or safe_folder_name(job_id) != job_id:
            return None
        folder = self._output_dir() / job_id
        return folder if (folder / SETTINGS_NAME).is_file() else None


def planned_generations(run: Run) -> int:
    """About how many generations the run's missing frames take (the progress bar's length)."""
    plan, settings = run.plan, run.plan.settings
    done = set(frame_files(run.folder))
    missing = sum(1 for frame in plan.diffused_frames() if int(frame) not in done)
    per_frame = 1 + settings.diffusion_redo + (settings.optical_flow_redo_generation != "None")
    return max(1, missing * per_frame)


def _job_from_folder(folder: Path) -> Job:
    state = read_run_state(folder)
    job = Job(folder.name, folder, _STATE_OF_RUN.get(state.status, FAILED),
              frames_done=state.frames_done, total_frames=state.total_frames or 0,
              error=state.problem, videos=state.videos, report=state.report)
    job.started_at = folder.stat().st_mtime
    return job
