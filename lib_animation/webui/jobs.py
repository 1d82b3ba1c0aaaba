"""The job manager the tab and the REST API share: a job is a run folder and its state.

Jobs render one at a time, on one worker thread, each holding the WebUI's queue lock while its
frames are generated (as the WebUI's own generate buttons hold it for a whole batch), so other
WebUI work waits instead of interleaving with a run's frames; extracting Video Input's frames and
encoding the video happen outside the lock. Jobs of earlier sessions are read back from their
run folders, and an interrupted one can be resumed.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from lib_animation.batches import named_batch_folder
from lib_animation.errors import KeyframesError, RenderError
from lib_animation.host import Host
from lib_animation.plan import FramePlan
from lib_animation.runs import (
    SETTINGS_NAME,
    CheckedRun,
    EngineSetup,
    InterpolateChoice,
    InterpolatedOutputs,
    RenderOptions,
    RenderProgress,
    RenderResult,
    Run,
    UpscaleChoice,
    UpscaledOutputs,
    UrlFetcher,
    check_run,
    finish_run,
    frame_path,
    frames_on_disk,
    interpolate_earlier_run,
    interpolate_run,
    interpolation_choice,
    named_run_folder,
    open_run,
    prepare_run,
    read_run_state,
    render_run,
    report_image,
    run_folders,
    start_run,
    upscale_choice,
    upscale_earlier_run,
    upscale_run,
)
from lib_animation.schema import NAME, Settings
from lib_animation.webui.limits import JobLimits, check_job_limits, over_client_limit

LOG = logging.getLogger("keyframes")
MAX_ERROR_CHARACTERS = 300
QUEUED, RUNNING, DONE, FAILED, INTERRUPTED = "queued", "running", "done", "failed", "interrupted"
LOCAL_CLIENT = "local"
BATCH_SEPARATOR = "~"  # a batch's run's job id: BATCH~RUN
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


class _VideoMade(Protocol):
    """What an after-render step gives: its video, or that it was interrupted."""

    video: Path | None
    interrupted: bool


Made = TypeVar("Made", bound=_VideoMade)


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
    client: str = LOCAL_CLIENT
    staged: Path | None = None  # an API request's inline input files, removed once it is done
    batch: str | None = None  # the batch folder's name, for a run of a batch

    @property
    def active(self) -> bool:
        return self.state in (QUEUED, RUNNING)

    @property
    def resumable(self) -> bool:
        return self.state in (INTERRUPTED, FAILED) and (self.folder / SETTINGS_NAME).is_file()

    def frame(self, index: int) -> Path | None:
        """Frame `index` of the job's run, once it is made."""
        path = frame_path(self.folder, index)
        return path if path.is_file() else None

    @property
    def report_image(self) -> Path | None:
        return report_image(self.folder)

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
            "batch": self.batch,
        }


class JobManager:
    """Every change of a job's state happens under one lock; a job is queued at most once; the
    worker survives any error (that job fails, the next one runs); and no job starts while the
    WebUI reloads its UI (`pause` until `ready`)."""

    def __init__(self, session: HostSession, output_dir: Callable[[], Path], *,
                 limits: Callable[[], JobLimits] = JobLimits.defaults) -> None:
        self._session = session
        self._output_dir = output_dir
        self._limits = limits
        self._jobs: dict[str, Job] = {}
        self._runs: dict[str, Run] = {}
        self._queue: deque[str] = deque()
        self._opening: set[str] = set()  # jobs being resumed: checked, not yet queued
        self._starting: list[str] = []  # the client of each job being started
        self._generating: Job | None = None  # the job holding the host's queue lock
        self._ready = True
        self._changes = threading.Condition()
        self._worker: threading.Thread | None = None
        self._job_ended: list[Callable[[Job], None]] = []

    # Asking for work ----------------------------------------------------------------------------

    def submit(self, settings: Settings, *, client: str = LOCAL_CLIENT,
               confined_to: Sequence[Path] | None = None, urls: UrlFetcher | None = None,
               staged: Path | None = None, batch: Path | None = None) -> Job:
        """Check and start a run (plan, the owner's limits, inputs, host names, disk space,
        folder) and queue it. A run that cannot start raises KeyframesError and leaves nothing
        behind. `confined_to`: the only folders its input files may come from; `urls`: fetches
        input files named by URL (None: refused). A batch's run is made in its `batch` folder;
        the batch counted once against the client's limit before its runs were submitted."""
        with self._changes:
            over = None if batch else over_client_limit(self._active_of(client), self._limits())
            if over is not None:
                raise over
            self._starting.append(client)
        try:
            run = start_run(settings, batch or self._output_dir(), self._session.make_host(),
                            confined_to=confined_to, urls=urls,
                            plan_check=self._within_limits)
            job_id = batch_job_id(batch.name, run.folder.name) if batch else run.folder.name
            with self._changes:
                if self._taken(job_id):
                    raise RenderError(f"run {job_id} is already queued or running",
                                      setting=NAME.resume_timestring,
                                      hint="cancel it first, or wait for it to end")
                return self._enqueue(run, client=client, staged=staged, job_id=job_id,
                                     batch=batch.name if batch else None)
        finally:
            with self._changes:
                self._starting.remove(client)

    def check_client(self, client: str) -> None:
        """SettingsError when `client` has as many jobs queued or running as it may."""
        with self._changes:
            over = over_client_limit(self._active_of(client), self._limits())
        if over is not None:
            raise over

    def when_job_ends(self, callback: Callable[[Job], None]) -> None:
        """Call `callback(job)` on the worker each time a job stops rendering (done, failed
        or interrupted)."""
        self._job_ended.append(callback)

    def check(self, settings: Settings, *, confined_to: Sequence[Path] | None = None,
              urls: UrlFetcher | None = None) -> CheckedRun:
        """Every check `submit` makes, with nothing started or made: what `validate` says."""
        return check_run(settings, self._session.make_host(), confined_to=confined_to,
                         urls=urls, plan_check=self._within_limits)

    def resume(self, job_id: str, *, client: str = LOCAL_CLIENT,
               confined_to: Sequence[Path] | None = None,
               urls: UrlFetcher | None = None) -> Job:
        """Queue an interrupted or failed job again; a job already queued, running or being
        resumed is returned as it is."""
        with self._changes:
            job = self.get(job_id)
            if self._taken(job_id):
                return self._jobs.get(job_id, job)
            if not job.resumable:
                raise RenderError(f"job {job_id} is {job.state} and cannot be resumed")
            self._opening.add(job_id)
        try:
            run = open_run(job.folder, self._session.make_host(), confined_to=confined_to,
                           urls=urls)
            with self._changes:
                return self._enqueue(run, client=client, staged=job.staged, job_id=job.id,
                                     batch=job.batch)
        finally:
            with self._changes:
                self._opening.discard(job_id)

    def upscale(self, job_id: str, choice: UpscaleChoice) -> Job:
        """Upscale a finished run's frames into a second video now (in the caller's thread,
        under the WebUI's queue lock); the job lists the new video. RenderError when the run
        is not finished or the upscaler is unknown."""
        with self._finished_job(job_id, "upscaled") as job:
            made = self._upscale(job, choice, lambda host, stop: upscale_earlier_run(
                job.folder, host, choice, progress=_upscale_progress(host), should_stop=stop))
        return self._with_video(job, made.video)

    def interpolate(self, job_id: str, choice: InterpolateChoice) -> Job:
        """Interpolate a finished run's frames into another video now (in the caller's thread,
        under the WebUI's queue lock); the job lists the new video. RenderError when the run
        is not finished."""
        with self._finished_job(job_id, "interpolated") as job:
            made = self._interpolate(job, choice, lambda setup, host, stop: interpolate_earlier_run(
                job.folder, choice, setup, progress=_interpolate_progress(host),
                should_stop=stop))
        return self._with_video(job, made.video)

    @contextmanager
    def _finished_job(self, job_id: str, what: str) -> Iterator[Job]:
        """A finished job, running again while an after-render step makes another video of it
        (no other step or resume may take it meanwhile); done again afterwards."""
        with self._changes:
            job = self.get(job_id)
            if self._taken(job_id) or job.state != DONE:
                raise RenderError(f"job {job_id} is {job.state}: only a finished run can be "
                                  f"{what}")
            self._jobs[job_id] = job
            self._opening.add(job_id)
            job.state, job.error, job.cancel_requested = RUNNING, None, False
        try:
            yield job
        finally:
            with self._changes:
                self._opening.discard(job_id)
                job.state = DONE

    def _with_video(self, job: Job, video: Path | None) -> Job:
        if video is not None:
            with self._changes:
                job.videos = (*[path for path in job.videos if path != video], video)
        return job

    def cancel(self, job_id: str) -> Job:
        """A queued job leaves the queue; a running one stops after stopping the generation in
        progress (so within one generation). Either can be resumed later."""
        with self._changes:
            job = self.get(job_id)
            if job.state == QUEUED:
                if job_id in self._queue:
                    self._queue.remove(job_id)
                    self._runs.pop(job_id, None)
                job.cancel_requested = True  # the worker may hold it, waiting for the lock
                job.state = INTERRUPTED
            elif job.state == RUNNING:
                job.cancel_requested = True
                if self._generating is job:
                    self._session.interrupt()
        return job

    # The WebUI reloading its UI -----------------------------------------------------------------

    def pause(self) -> None:
        """No job renders until `ready` (the WebUI is rebuilding its scripts and model lists):
        the one rendering stops after its generation and continues once the WebUI is ready."""
        with self._changes:
            self._ready = False
            if self._generating is not None:
                self._session.interrupt()

    def ready(self) -> None:
        with self._changes:
            self._ready = True
            self._changes.notify_all()

    # Reading ------------------------------------------------------------------------------------

    def get(self, job_id: str) -> Job:
        with self._changes:
            job = self._jobs.get(job_id)
        if job is not None:
            return job
        batch, _, run = job_id.rpartition(BATCH_SEPARATOR)
        if batch:
            batch_folder = named_batch_folder(self._output_dir(), batch)
            folder = named_run_folder(batch_folder, run) if batch_folder else None
        else:
            folder = named_run_folder(self._output_dir(), job_id)
        if folder is None:
            raise KeyError(job_id)
        return job_from_folder(folder, batch=batch or None)

    def jobs(self) -> list[Job]:
        """This session's jobs and every earlier run in the output folder, newest first."""
        with self._changes:
            found = dict(self._jobs)
        for folder in run_folders(self._output_dir()):
            if folder.name not in found:
                found[folder.name] = job_from_folder(folder)
        return sorted(found.values(), key=lambda job: job.started_at, reverse=True)

    def active(self) -> list[Job]:
        """The jobs queued or running now."""
        with self._changes:
            return [job for job in self._jobs.values() if job.active]

    def busy(self) -> bool:
        return bool(self.active())

    def _within_limits(self, plan: FramePlan) -> None:
        check_job_limits(plan, self._limits())

    # Under the lock -----------------------------------------------------------------------------

    def _active_of(self, client: str) -> int:
        active = sum(1 for job in self._jobs.values() if job.active and job.client == client)
        return active + self._starting.count(client)

    def _taken(self, job_id: str) -> bool:
        job = self._jobs.get(job_id)
        return job_id in self._opening or (job is not None and job.active)

    def _enqueue(self, run: Run, *, client: str, staged: Path | None, job_id: str,
                 batch: str | None) -> Job:
        """Queued jobs wait for the worker and then for the WebUI's queue lock."""
        job = Job(job_id, run.folder, QUEUED, total_frames=run.plan.max_frames,
                  frames_done=len(frames_on_disk(run.folder)), client=client, staged=staged,
                  batch=batch)
        self._jobs[job_id] = job
        self._runs[job_id] = run
        self._queue.append(job_id)
        self._changes.notify_all()
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="keyframes-jobs",
                                            daemon=True)
            self._worker.start()
        return job

    # The worker ---------------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            job, run = self._next()
            try:
                self._run_job(job, run)
            except Exception as error:  # a bug or a host failure must not stop the worker
                LOG.exception("Keyframes job %s failed", job.id)
                self._fail(job, _one_line(error))
            for callback in self._job_ended:
                try:
                    callback(job)
                except Exception:
                    LOG.exception("Keyframes could not record the end of job %s", job.id)

    def _next(self) -> tuple[Job, Run]:
        with self._changes:
            while not (self._queue and self._ready):
                self._changes.wait()
            job_id = self._queue.popleft()
            return self._jobs[job_id], self._runs.pop(job_id)

    def _run_job(self, job: Job, run: Run) -> None:
        """Extract Video Input's frames, render under the queue lock, then encode outside it."""
        try:
            run = prepare_run(run)
        except KeyframesError as error:
            self._fail(job, str(error))
            return
        result = self._render(job, run)
        if result is None or result.interrupted:
            return
        extra_videos: list[Path | None] = []
        choice = upscale_choice(run.plan.settings)
        if choice is not None:
            upscaled = self._after_render(job, lambda: self._upscale(
                job, choice, lambda host, stop: upscale_run(
                    run, host, choice, progress=_upscale_progress(host), should_stop=stop)))
            if upscaled is None:
                return
            extra_videos.append(upscaled.video)
        interpolation = interpolation_choice(run.plan.settings)
        if interpolation is not None:
            made = self._after_render(job, lambda: self._interpolate(
                job, interpolation, lambda setup, host, stop: interpolate_run(
                    run, interpolation, setup, progress=_interpolate_progress(host),
                    should_stop=stop)))
            if made is None:
                return
            extra_videos.append(made.video)
        outputs = finish_run(run)
        with self._changes:
            job.videos = tuple(path for path in (outputs.video, outputs.gif, *extra_videos)
                               if path)
            job.report = outputs.report_json
            job.state = DONE
        if job.staged is not None:
            shutil.rmtree(job.staged, ignore_errors=True)

    def _render(self, job: Job, run: Run) -> RenderResult | None:
        with self._session.lock():
            with self._changes:
                if job.cancel_requested:
                    return None
                if not self._ready:  # the WebUI began reloading while this job waited
                    self._requeue(job, run)
                    return None
                job.state = RUNNING
                self._generating = job
            try:
                self._session.begin(f"Keyframes {job.id}", planned_generations(run))
                result = render_run(run, self._session.make_host(),
                                    self._session.render_options(),
                                    on_progress=lambda update: _count(job, update),
                                    should_stop=lambda: job.cancel_requested or not self._ready)
            except KeyframesError as error:
                self._fail(job, str(error))
                return None
            finally:
                with self._changes:
                    self._generating = None
                self._session_done()
        with self._changes:
            job.frames_done = result.completed
            if result.interrupted and not job.cancel_requested and not self._ready:
                self._requeue(job, run)  # stopped for the WebUI's reload: it goes on afterwards
                return None
            if result.interrupted:
                job.state = INTERRUPTED
        return result

    def _after_render(self, job: Job, step: Callable[[], Made]) -> Made | None:
        """One step after the render (upscale, interpolate): what it made, or None when the job
        ends there, failed or interrupted. Resume renders nothing again and repeats the step
        (upscaling starts over, interpolation goes on from the frames it kept)."""
        try:
            made = step()
        except KeyframesError as error:
            self._fail(job, str(error))
            return None
        if made.interrupted:
            with self._changes:
                job.state = INTERRUPTED
            return None
        return made

    def _upscale(self, job: Job, choice: UpscaleChoice,
                 upscale: Callable[[Host, Callable[[], bool]], UpscaledOutputs],
                 ) -> UpscaledOutputs:
        """The run's frames through the WebUI's upscaler, under its queue lock like the
        generations; Interrupt stops it between two frames."""
        with self._session.lock():
            try:
                self._session.begin(f"Keyframes {job.id}: upscale x{choice.factor}",
                                    max(1, job.frames_done))
                return upscale(self._session.make_host(), lambda: job.cancel_requested)
            finally:
                self._session_done()

    def _interpolate(self, job: Job, choice: InterpolateChoice,
                     interpolate: Callable[[EngineSetup, Host, Callable[[], bool]],
                                           InterpolatedOutputs]) -> InterpolatedOutputs:
        """The run's frames interpolated under the queue lock (RIFE and FILM run in torch on
        the WebUI's device, with the weights in its Keyframes model folder); Interrupt stops
        it between two pairs of frames."""
        with self._session.lock():
            try:
                self._session.begin(f"Keyframes {job.id}: interpolate x{choice.x_amount}",
                                    max(1, job.frames_done))
                options = self._session.render_options()
                host = self._session.make_host()
                setup = EngineSetup(options.models_dir, options.depth_device,
                                    options.depth_progress)
                return interpolate(setup, host,
                                   lambda: job.cancel_requested or host.interrupted())
            finally:
                self._session_done()

    def _requeue(self, job: Job, run: Run) -> None:
        """Back to the front of the queue (under the lock), to go on once the WebUI is ready."""
        job.state = QUEUED
        self._queue.appendleft(job.id)
        self._runs[job.id] = run

    def _session_done(self) -> None:
        for step in (self._session.end, self._session.after_run):
            try:
                step()
            except Exception:
                LOG.exception("Keyframes could not tidy up after a job")

    def _fail(self, job: Job, message: str) -> None:
        with self._changes:
            job.state, job.error = FAILED, message

def _one_line(error: Exception) -> str:
    """An unexpected error as a job shows it: its first line (the host's errors can run to
    hundreds of lines); the WebUI's console has it whole."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = f"{type(error).__name__}: {lines[0] if lines else ''}"
    if len(text) > MAX_ERROR_CHARACTERS:
        text = text[:MAX_ERROR_CHARACTERS - 3] + "..."
    more = " (the WebUI's console shows the whole error)" if len(lines) > 1 else ""
    return text + more


def _upscale_progress(host: Host) -> Callable[[str, int, int], None]:
    return lambda _stage, done, total: host.progress(done, total, f"upscaling {done}/{total}")


def _interpolate_progress(host: Host) -> Callable[[str, int, int], None]:
    return lambda _stage, done, total: host.progress(done, total,
                                                     f"interpolating {done}/{total}")


def _count(job: Job, update: RenderProgress) -> None:
    job.frames_done = update.done


def planned_generations(run: Run) -> int:
    """About how many generations the run's missing frames take (the progress bar's length)."""
    plan, settings = run.plan, run.plan.settings
    done = set(frames_on_disk(run.folder))
    missing = sum(1 for frame in plan.diffused_frames() if int(frame) not in done)
    per_frame = 1 + settings.diffusion_redo + (settings.optical_flow_redo_generation != "None")
    return max(1, missing * per_frame)


def batch_job_id(batch: str, run: str) -> str:
    """A batch's run as a job: the batch folder's name and the run folder's."""
    return f"{batch}{BATCH_SEPARATOR}{run}"


def job_from_folder(folder: Path, *, batch: str | None = None) -> Job:
    """A job of an earlier session, read from its run folder."""
    state = read_run_state(folder)
    job_id = batch_job_id(batch, folder.name) if batch else folder.name
    job = Job(job_id, folder, _STATE_OF_RUN.get(state.status, FAILED),
              frames_done=state.frames_done, total_frames=state.total_frames or 0,
              error=state.problem, videos=state.videos, report=state.report, batch=batch)
    job.started_at = folder.stat().st_mtime
    return job
