"""Batches in the WebUI: a batch's runs queued as jobs of the job manager, in order, each
through the WebUI's queue lock like any job; listed, cancelled and resumed per batch.

Every run is checked (plan, the owner's limits, input files, the WebUI's names) before the
batch folder exists; a batch counts once against its client's job limit, and one making more
runs than the owner allows is refused. The summary and contact sheet are written each time a
batch's last active run stops.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lib_animation.batches import (
    BatchItem,
    BatchSpec,
    batch_folders,
    batch_summary,
    create_batch_folder,
    named_batch_folder,
    open_batch_folder,
    write_contact_sheet,
    write_summary,
)
from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.runs import SETTINGS_NAME, UrlFetcher
from lib_animation.webui.jobs import Job, JobManager, batch_job_id, job_from_folder
from lib_animation.webui.limits import JobLimits

QUEUED, RUNNING, DONE, FAILED, INTERRUPTED = "queued", "running", "done", "failed", "interrupted"


@dataclass(frozen=True)
class BatchView:
    name: str
    folder: Path
    jobs: tuple[Job, ...]

    @property
    def state(self) -> str:
        states = {job.state for job in self.jobs}
        for state in (RUNNING, QUEUED, FAILED, INTERRUPTED):
            if state in states:
                return state
        return DONE

    def to_json(self) -> dict[str, Any]:
        return {"batch": self.name, "folder": str(self.folder), "state": self.state,
                "runs": [job.to_json() for job in self.jobs],
                "finished": sum(1 for job in self.jobs if job.state == DONE),
                "total": len(self.jobs)}


class BatchQueue:
    def __init__(self, manager: JobManager, output_dir: Callable[[], Path],
                 limits: Callable[[], JobLimits] = JobLimits.defaults) -> None:
        self._manager = manager
        self._output_dir = output_dir
        self._limits = limits
        self._writing = threading.Lock()
        self._staged: dict[str, tuple[Path, ...]] = {}  # inline input files, per batch
        manager.when_job_ends(self._job_ended)

    def submit(self, spec: BatchSpec, *, name: str | None = None, client: str,
               confined_to: Sequence[Path] | None = None, urls: UrlFetcher | None = None,
               staged: Sequence[Path] = ()) -> BatchView:
        """Check every run, then make the batch folder and queue the runs in order. `staged`:
        the request's inline input files, removed once every run of the batch is done."""
        most = self._limits().max_batch_runs
        if len(spec.items) > most:
            raise SettingsError(f"the batch makes {len(spec.items)} runs; this WebUI allows "
                                f"{most}", source="request", hint="the owner sets it in "
                                f"{self._limits().label('max_batch_runs')}")
        self._manager.check_client(client)
        _every_problem([lambda item=item: self._manager.check(
            item.settings, confined_to=confined_to, urls=urls) for item in spec.items],
            spec.items)
        folder = create_batch_folder(spec, self._output_dir(), name)
        self._staged[folder.name] = tuple(staged)
        for item in spec.items:
            self._manager.submit(item.settings, client=client, confined_to=confined_to,
                                 urls=urls, batch=folder)
        return self.get(folder.name)

    def batches(self) -> list[BatchView]:
        """Every batch in the output folder, newest first."""
        found = [self.get(folder.name) for folder in batch_folders(self._output_dir())]
        return sorted(found, key=lambda view: view.folder.stat().st_mtime, reverse=True)

    def get(self, name: str) -> BatchView:
        folder = named_batch_folder(self._output_dir(), name)
        if folder is None:
            raise KeyError(name)
        items = open_batch_folder(folder).items
        return BatchView(name, folder, tuple(self._job(folder, item) for item in items))

    def cancel(self, name: str) -> BatchView:
        """Every queued or running run of the batch stops; the batch can be resumed."""
        for job in self.get(name).jobs:
            if job.active:
                self._manager.cancel(job.id)
        view = self.get(name)
        self._write_summary(view)
        return view

    def resume(self, name: str, *, client: str, confined_to: Sequence[Path] | None = None,
               urls: UrlFetcher | None = None) -> BatchView:
        """Queue the batch's unfinished runs again, in order, from their finished frames."""
        for job in self.get(name).jobs:
            if job.resumable:
                self._manager.resume(job.id, client=client, confined_to=confined_to,
                                     urls=urls)
        return self.get(name)

    def _job(self, folder: Path, item: BatchItem) -> Job:
        job_id = batch_job_id(folder.name, item.name)
        try:
            return self._manager.get(job_id)
        except KeyError:
            run = folder / item.name
            if (run / SETTINGS_NAME).is_file():
                return job_from_folder(run, batch=folder.name)
            return Job(job_id, run, FAILED, error="never started", batch=folder.name)

    def _job_ended(self, job: Job) -> None:
        if job.batch is None:
            return
        view = self.get(job.batch)
        if not any(other.active for other in view.jobs):
            self._write_summary(view)
        if view.state == DONE:
            for folder in self._staged.pop(view.name, ()):
                shutil.rmtree(folder, ignore_errors=True)

    def _write_summary(self, view: BatchView) -> None:
        items = open_batch_folder(view.folder).items
        with self._writing:
            write_summary(view.folder, batch_summary(view.folder, items, {}))
            write_contact_sheet(view.folder, items)


def _every_problem(checks: Sequence[Callable[[], Any]], items: Sequence[BatchItem]) -> None:
    """Run every check; all their problems at once, each naming its run."""
    problems: list[KeyframesError] = []
    for check, item in zip(checks, items, strict=True):
        try:
            check()
        except KeyframesErrors as errors:
            problems += [_named(error, item.name) for error in errors.errors]
        except KeyframesError as error:
            problems.append(_named(error, item.name))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise KeyframesErrors(problems)


def _named(error: KeyframesError, name: str) -> KeyframesError:
    error.source = f"{name}: {error.source}" if error.source else name
    return error

