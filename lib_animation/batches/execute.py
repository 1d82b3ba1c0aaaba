"""Running a batch's items: each one ordinary run in the batch folder, started, or resumed from
its finished frames, or skipped when it finished before; on one worker or one per WebUI.

A worker is one host (the preview host, or one WebUI). Workers take the next item from one
queue; a run whose WebUI stops answering goes back to the front of the queue and another
worker resumes it from its finished frames, while the lost worker takes no more items.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lib_animation.batches.items import BatchItem
from lib_animation.errors import KeyframesError, KeyframesErrors
from lib_animation.frame_requests import names_in_use
from lib_animation.host import Host, NamesInUse
from lib_animation.runs import (
    SETTINGS_NAME,
    RenderOptions,
    RenderProgress,
    UrlFetcher,
    check_run,
    finish_run,
    open_run,
    read_run_state,
    render_run,
    start_run,
)

FINISHED, SKIPPED, FAILED, INTERRUPTED, NOT_RUN = (
    "finished", "skipped", "failed", "interrupted", "not run")
MAX_ERROR_CHARACTERS = 300


@dataclass(frozen=True)
class RunOutcome:
    """What became of one item in this session. `skipped`: it had finished before."""

    name: str
    status: str
    frames: int = 0
    total_frames: int = 0
    elapsed_s: float = 0.0
    worker: str | None = None
    resumed: bool = False  # continued from frames an earlier attempt or session made
    error: str | None = None
    host_lost: bool = False  # stopped because its WebUI could not be reached

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunOutcome:
        return cls(**dict(data))


@dataclass(frozen=True)
class Worker:
    """One host the batch renders on; `reachable` tells a lost WebUI from a failing run."""

    label: str
    make_host: Callable[[], Host]
    reachable: Callable[[], bool] = lambda: True


ItemProgress = Callable[[str, RenderProgress], None]


@dataclass(frozen=True)
class CheckedItems:
    warnings: list[str]
    names: dict[str, NamesInUse]  # each item's sampler, scheduler and checkpoint names


def check_items(items: Sequence[BatchItem], hosts: Sequence[Host] = (), *,
                urls: UrlFetcher | None = None) -> CheckedItems:
    """Plan every item, read its input files and check its sampler, scheduler and checkpoint
    names with every host, before the first frame of the first run. Every problem at once, each
    naming its item; the plans' warnings and names otherwise."""
    problems: list[KeyframesError] = []
    warnings: list[str] = []
    names: dict[str, NamesInUse] = {}
    for item in items:
        try:
            plan = check_run(item.settings, urls=urls).plan
            names[item.name] = names_in_use(plan)
            for host in hosts:
                host.check_names(names[item.name])
        except KeyframesErrors as errors:
            problems += [_named(error, item.name) for error in errors.errors]
            continue
        except KeyframesError as error:
            problems.append(_named(error, item.name))
            continue
        warnings += [f"{item.name}: warning: {warning}" for warning in plan.warnings]
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise KeyframesErrors(problems)
    return CheckedItems(warnings, names)


def render_item(item: BatchItem, batch_folder: Path, host: Host, *,
                options: RenderOptions | None = None, report: bool = True,
                on_progress: ItemProgress | None = None,
                should_stop: Callable[[], bool] | None = None,
                reachable: Callable[[], bool] = lambda: True,
                worker: str | None = None, urls: UrlFetcher | None = None) -> RunOutcome:
    """One item's run in `batch_folder`: new, resumed from its finished frames (on any
    worker: the batch's WebUIs are interchangeable), or skipped when it finished before."""
    started = time.monotonic()
    folder = Path(batch_folder) / item.name
    try:
        if (folder / SETTINGS_NAME).is_file():
            state = read_run_state(folder)
            if state.status == "finished":
                return RunOutcome(item.name, SKIPPED, state.frames_done,
                                  state.total_frames or 0, worker=worker)
            run = open_run(folder, host, other_host=True, urls=urls)
        else:
            _remove_empty(folder)
            run = start_run(item.settings, Path(batch_folder), host, urls=urls)
        progress = (lambda update: on_progress(item.name, update)) if on_progress else None
        result = render_run(run, host, options, on_progress=progress, should_stop=should_stop)
        if result.interrupted:
            return RunOutcome(item.name, INTERRUPTED, result.completed, run.plan.max_frames,
                              time.monotonic() - started, worker, run.resumed)
        finish_run(run, report=report)
    except KeyframesError as error:
        state = read_run_state(folder)
        return RunOutcome(item.name, FAILED, state.frames_done, state.total_frames or 0,
                          time.monotonic() - started, worker, state.frames_done > 0,
                          _cut(str(error)), host_lost=not reachable())
    return RunOutcome(item.name, FINISHED, run.plan.max_frames, run.plan.max_frames,
                      time.monotonic() - started, worker, run.resumed)


def run_on_workers(items: Sequence[BatchItem], batch_folder: Path, workers: Sequence[Worker],
                   *, options: Callable[[], RenderOptions | None] = lambda: None,
                   report: bool = True, on_progress: ItemProgress | None = None,
                   on_outcome: Callable[[RunOutcome], None] | None = None,
                   stop: threading.Event | None = None) -> dict[str, RunOutcome]:
    """Every item on these workers, one thread each, in order from one queue. Returns each
    item's outcome; items left when every worker is lost are `not run`."""
    queue: deque[BatchItem] = deque(items)
    outcomes: dict[str, RunOutcome] = {}
    changes = threading.Lock()
    stop = stop or threading.Event()

    def record(outcome: RunOutcome) -> None:
        with changes:
            outcomes[outcome.name] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    def work(worker: Worker) -> None:
        while not stop.is_set():
            with changes:
                if not queue:
                    return
                item = queue.popleft()
            try:
                outcome = render_item(item, batch_folder, worker.make_host(), options=options(),
                                      report=report, on_progress=on_progress,
                                      should_stop=stop.is_set, reachable=worker.reachable,
                                      worker=worker.label)
            except Exception as error:  # a bug in one run must not stop the batch
                outcome = RunOutcome(item.name, FAILED, worker=worker.label,
                                     error=_cut(f"{type(error).__name__}: {error}"))
            if outcome.host_lost:
                with changes:
                    queue.appendleft(item)  # another worker resumes it from its frames
                if on_outcome is not None:
                    on_outcome(outcome)
                return
            record(outcome)

    threads = [threading.Thread(target=work, args=(worker,), name=f"keyframes-{worker.label}",
                                daemon=True) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for item in items:
        if item.name not in outcomes:
            outcomes[item.name] = RunOutcome(item.name, NOT_RUN)
    return outcomes


def _named(error: KeyframesError, name: str) -> KeyframesError:
    error.source = f"{name}: {error.source}" if error.source else name
    return error


def _remove_empty(folder: Path) -> None:
    """A run folder left empty (stopped before its settings were saved) is made again."""
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def _cut(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= MAX_ERROR_CHARACTERS else line[:MAX_ERROR_CHARACTERS - 3] + "..."
