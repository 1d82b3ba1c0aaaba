"""What the tab's buttons do, as plain functions over the tab's context: start a job, interrupt
this page's job or every job, preview the motion, take an uploaded input file. `tab.py` wires
them to gradio; tests call them as the buttons do.

A tab that anyone on the network can reach (the WebUI listening beyond this machine without
`--gradio-auth`) reads input files only as the REST API does: inside the owner's folders, or
uploaded through the tab.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lib_animation.errors import KeyframesError, SettingsError
from lib_animation.host import PreviewHost
from lib_animation.runs import finish_run, render_run, start_run
from lib_animation.schema import BY_NAME, Settings
from lib_animation.webui import tab_model as model
from lib_animation.webui.jobs import Job, JobManager

PREVIEW_SIDE = 256
PREVIEW_KEEP_S = 3600.0  # a preview's folder outlives the page showing it by this much
TAB_CLIENT = "tab"
_UNSAFE_IN_NAMES = re.compile(r"[^\w.-]+")


class Catalog(Protocol):
    """The sampler, scheduler and checkpoint names the host offers."""

    def samplers(self) -> list[str]: ...

    def schedulers(self) -> list[str]: ...

    def checkpoints(self) -> list[str]: ...

    def refresh_checkpoints(self) -> list[str]: ...


@dataclass
class TabContext:
    """Everything host-dependent the tab needs."""

    manager: JobManager
    catalog: Catalog
    presets_dir: Callable[[], Path]
    last_settings_file: Callable[[], Path | None]
    previews_dir: Callable[[], Path]  # one folder per preview inside it
    uploads_dir: Callable[[], Path]  # input files uploaded through the tab
    # The folders input files may come from, or None where the tab may read any path.
    confined_to: Callable[[], Sequence[Path] | None] = lambda: None
    base_settings: Callable[[], Settings] = Settings
    skip: Callable[[], None] | None = None  # the host's Skip (None: no Skip button)
    page_js: str | None = None  # run on page load (standalone: the extension's JavaScript)
    page_css: str | None = None  # the page's CSS (standalone: the extension's style.css)
    host_note: str = ""

    def readable_dirs(self) -> list[Path] | None:
        confined = self.confined_to()
        if confined is None:
            return None
        return [*confined, self.uploads_dir()]


def start_job(context: TabContext, values: Sequence[Any], client: str = TAB_CLIENT) -> Job:
    """Generate: the controls' values as a queued job (KeyframesError when they cannot run)."""
    settings = model.settings_from_ui(values)
    job = context.manager.submit(settings, client=client, confined_to=context.readable_dirs())
    model.save_last_settings(context.last_settings_file(), settings)
    return job


def resume_job(context: TabContext, job_id: str, client: str = TAB_CLIENT) -> Job:
    return context.manager.resume(job_id, client=client, confined_to=context.readable_dirs())


def interrupt_job(context: TabContext, job_id: str | None) -> Job | None:
    """Interrupt: stop the job this page started (and nobody else's)."""
    if not job_id:
        return None
    try:
        return context.manager.cancel(job_id)
    except KeyError:
        return None


def interrupt_all(context: TabContext) -> list[Job]:
    """Interrupt all: stop every queued and running job, whoever started it."""
    return [context.manager.cancel(job.id) for job in context.manager.jobs() if job.active]


@dataclass(frozen=True)
class Preview:
    video: Path
    seconds: float
    frames: int


def render_preview(context: TabContext, values: Sequence[Any]) -> Preview:
    """Preview motion: the preview host at low resolution, in a folder of its own."""
    started = time.perf_counter()
    settings = model.settings_from_ui(values)
    root = context.previews_dir()
    remove_old_previews(root)
    host = PreviewHost()
    run = start_run(model.preview_settings(settings, PREVIEW_SIDE), root / _token(), host,
                    confined_to=context.readable_dirs())
    result = render_run(run, host)
    outputs = finish_run(run, report=False)
    if outputs.video is None:
        raise KeyframesError("the preview made no video")
    model.save_last_settings(context.last_settings_file(), settings)
    return Preview(outputs.video, time.perf_counter() - started, result.completed)


def remove_old_previews(root: Path, keep_s: float = PREVIEW_KEEP_S) -> None:
    """Delete the preview folders made more than `keep_s` seconds ago."""
    if not root.is_dir():
        return
    now = time.time()
    for folder in root.iterdir():
        if folder.is_dir() and not folder.is_symlink() and now - folder.stat().st_mtime > keep_s:
            shutil.rmtree(folder, ignore_errors=True)


def store_upload(context: TabContext, setting: str, uploaded: Any) -> Path:
    """An input file uploaded for a path setting, copied into a folder of its own where the
    tab may read it; its path is what the setting's field then holds."""
    source = Path(getattr(uploaded, "name", uploaded) or "")
    if setting not in BY_NAME or not source.is_file():
        raise SettingsError("no file was uploaded", setting=setting)
    name = _UNSAFE_IN_NAMES.sub("_", source.name).strip("._") or "upload"
    target = context.uploads_dir() / _token() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def _token() -> str:
    return f"{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(4)}"
