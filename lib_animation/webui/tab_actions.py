"""What the tab's buttons do, as plain functions over the tab's context: plan and check, load,
save and delete presets and settings files, start a job, interrupt this page's job or every job,
preview the motion, take an uploaded input file, list the runs. `tab.py` lays out the page and
turns these results into gradio updates; tests call them as the buttons do.

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

from lib_animation.audio_schedules import audio_schedules_json
from lib_animation.errors import KeyframesError, RenderError, SettingsError
from lib_animation.host import PreviewHost
from lib_animation.parseq_import import (
    COLUMNS,
    PROMPT_COLUMN,
    managed_columns,
    manifest_of,
    run_overrides,
    unused_columns,
)
from lib_animation.plan import FramePlan, make_plan
from lib_animation.presets import load_preset, save_user_preset
from lib_animation.runs import (
    FrameMaskPreview,
    InterpolateChoice,
    UpscaleChoice,
    UrlFetcher,
    check_run,
    frame_masks_preview,
    render_whole_run,
    run_audio,
    with_manifest_read,
)
from lib_animation.schema import BY_NAME, INTERPOLATION_ENGINES, NAME, SETTINGS, Mode, Settings
from lib_animation.settings_files import dumps_settings, load_settings
from lib_animation.webui import tab_model as model
from lib_animation.webui.batches import BatchQueue
from lib_animation.webui.jobs import Job, JobManager

PREVIEW_SIDE = 256
PREVIEW_KEEP_S = 3600.0  # a preview's folder outlives the page showing it by this much
TAB_CLIENT = "tab"
_UNSAFE_IN_NAMES = re.compile(r"[^\w.-]+")
SETTING_NAMES = tuple(setting.name for setting in SETTINGS)
CHECKED_AS_TYPED = (model.SCHEDULE_BOX, model.PROMPTS_BOX, model.NUMBER, model.SLIDER, model.TEXT)


class Catalog(Protocol):
    """The sampler, scheduler, checkpoint and upscaler names the host offers."""

    def samplers(self) -> list[str]: ...

    def upscalers(self) -> list[str]: ...

    def schedulers(self) -> list[str]: ...

    def checkpoints(self) -> list[str]: ...

    def refresh_checkpoints(self) -> list[str]: ...

    def controlnet_models(self) -> list[str]: ...

    def controlnet_modules(self) -> list[str]:
        """The ControlNet extension's preprocessors; [] without the extension."""
        ...


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
    # Fetches input files named by URL, or None where the tab may not reach the network.
    urls: Callable[[], UrlFetcher | None] = UrlFetcher
    base_settings: Callable[[], Settings] = Settings
    skip: Callable[[], None] | None = None  # the host's Skip (None: no Skip button)
    page_js: str | None = None  # run on page load (standalone: the extension's JavaScript)
    page_css: str | None = None  # the page's CSS (standalone: the extension's style.css)
    host_note: str = ""
    batches: BatchQueue | None = None  # the Batch section's queue (None: no batches)

    def readable_dirs(self) -> list[Path] | None:
        confined = self.confined_to()
        if confined is None:
            return None
        return [*confined, self.uploads_dir()]


def upscale_job(context: TabContext, job_id: str | None, upscaler: str | None,
                factor: Any) -> Job:
    """Upscale the finished run shown in the Result tab (KeyframesError when it cannot be)."""
    if not job_id:
        raise RenderError("no run is shown: open one from the Runs tab first")
    if not upscaler:
        raise RenderError("choose an upscaler first")
    return context.manager.upscale(job_id, UpscaleChoice(upscaler, int(factor)))


def interpolate_job(context: TabContext, job_id: str | None, engine: str | None,
                    x_amount: Any, slow_motion: Any) -> Job:
    """Interpolate the finished run shown in the Result tab; `slow_motion` 1 is off."""
    if not job_id:
        raise RenderError("no run is shown: open one from the Runs tab first")
    if engine not in INTERPOLATION_ENGINES[1:]:
        raise RenderError("choose an interpolation engine first")
    slow = int(slow_motion or 1)
    return context.manager.interpolate(job_id, InterpolateChoice(engine, int(x_amount),
                                                                 slow if slow > 1 else None))


def start_job(context: TabContext, values: Sequence[Any], client: str = TAB_CLIENT) -> Job:
    """Generate: the controls' values as a queued job (KeyframesError when they cannot run)."""
    settings = model.settings_from_ui(values)
    job = context.manager.submit(settings, client=client, confined_to=context.readable_dirs(),
                                 urls=context.urls())
    model.save_last_settings(context.last_settings_file(), settings)
    return job


def resume_job(context: TabContext, job_id: str, client: str = TAB_CLIENT) -> Job:
    return context.manager.resume(job_id, client=client, confined_to=context.readable_dirs(),
                                  urls=context.urls())


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
    return [context.manager.cancel(job.id) for job in context.manager.active()]


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
    whole = render_whole_run(model.preview_settings(settings, PREVIEW_SIDE), root / _token(),
                             PreviewHost(), report=False, confined_to=context.readable_dirs(),
                             urls=context.urls())
    if whole.outputs is None or whole.outputs.video is None:
        raise KeyframesError("the preview made no video")
    model.save_last_settings(context.last_settings_file(), settings)
    return Preview(whole.outputs.video, time.perf_counter() - started, whole.result.completed)


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


# The plan view -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanView:
    """What Update plan shows: the problems, the message under each field, and the plan (None
    when the settings cannot be planned)."""

    problems: KeyframesError | None
    field_messages: dict[str, str]
    plan: FramePlan | None
    random_seed: bool  # seed -1: the table shows seeds as offsets from the start seed


def plan_view(context: TabContext, values: Sequence[Any]) -> PlanView:
    by_name = dict(zip(SETTING_NAMES, values, strict=True))
    shown = model.visibility([by_name[name] for name in model.DRIVERS])
    problems, plan = _checked_plan(context, values)
    return PlanView(problems, _field_messages(by_name, shown, problems), plan,
                    _is_random_seed(by_name[NAME.seed]))


def _checked_plan(context: TabContext, values) -> tuple[KeyframesError | None,
                                                       FramePlan | None]:
    """A Video Input run whose video cannot be read (or may not be) is planned over
    max_frames, so its curves still show."""
    try:
        settings = model.settings_from_ui(values)
    except KeyframesError as error:
        return error, None
    try:
        return None, check_run(settings, confined_to=context.readable_dirs(),
                               urls=context.urls()).plan
    except KeyframesError as error:
        if settings.animation_mode != Mode.VIDEO_INPUT:
            return error, None
        try:
            return error, make_plan(settings)
        except KeyframesError:
            return error, None


def frame_masks(context: TabContext, values: Sequence[Any],
                frame: int) -> FrameMaskPreview | KeyframesError:
    """The masks of the frame picked in the per-frame table, or why there are none."""
    try:
        settings = model.settings_from_ui(values)
        return frame_masks_preview(settings, frame, confined_to=context.readable_dirs(),
                                   urls=context.urls())
    except KeyframesError as error:
        return error


def _is_random_seed(value: Any) -> bool:
    try:
        return int(float(value)) == -1
    except (TypeError, ValueError, OverflowError):
        return False


def _field_messages(by_name: dict[str, Any], shown: dict[str, bool],
                    error: KeyframesError | None) -> dict[str, str]:
    """The message under each shown field: its own check, then the plan's problems with it."""
    messages: dict[str, str] = {}
    for name in SETTING_NAMES:
        if shown[name] and model.control_type(BY_NAME[name]) in CHECKED_AS_TYPED:
            message = model.field_problem(name, by_name[name], by_name[NAME.max_frames],
                                          by_name[NAME.seed], by_name[NAME.fps])
            if message:
                messages[name] = message
    if error is not None:
        for name, message in model.problems_by_field(error).items():
            if shown.get(name):
                messages.setdefault(name, message)
    return messages


# The Parseq section -------------------------------------------------------------------------------

PARSEQ_HEADERS = ["Setting", "Parseq manifest", "Settings"]
TAKEN = "✓"


@dataclass(frozen=True)
class ParseqFields:
    """Which settings a manifest manages and which stay with the settings (as Deforum prints
    to its console), and a line about the manifest (its problem, or the columns unused)."""

    rows: list[list[str]]
    message: str


def parseq_fields(context: TabContext, values: Sequence[Any]) -> ParseqFields:
    try:
        settings = with_manifest_read(model.settings_from_ui(values),
                                      confined_to=context.readable_dirs(), urls=context.urls())
        manifest = manifest_of(settings)
    except KeyframesError as error:
        return ParseqFields([], "**Manifest not used:** " + "; ".join(model.problem_lines(error)))
    if manifest is None:
        return ParseqFields([], "No manifest: every value comes from the settings.")
    columns = managed_columns(manifest, settings.parseq_use_deltas)
    rows = [[f"{BY_NAME[column.setting].label} ({column.setting})",
             columns.get(column.setting, ""), "" if column.setting in columns else TAKEN]
            for column in COLUMNS]
    prompts = PROMPT_COLUMN in manifest.columns
    rows.append([f"Prompts ({NAME.animation_prompts})", PROMPT_COLUMN if prompts else "",
                 "" if prompts else TAKEN])
    overrides = run_overrides(settings, manifest)
    for name in (NAME.max_frames, NAME.fps, NAME.diffusion_cadence):
        given = overrides.get(name)
        rows.append([f"{BY_NAME[name].label} ({name})", "" if given is None else f"{given:g}",
                     f"{settings[name]:g}" if given is None else ""])
    unused = unused_columns(manifest, settings.parseq_use_deltas)
    message = f"{len(manifest.rows)} frames in the manifest."
    if unused:
        message += " Columns Keyframes does not use: " + ", ".join(unused[:30])
    return ParseqFields(rows, message)


# Presets and settings files ----------------------------------------------------------------------


@dataclass(frozen=True)
class FormChange:
    """Settings to put in the controls (None: leave them) and the status line's message."""

    settings: Settings | None
    message: str


def load_listed_preset(context: TabContext, label: str | None) -> FormChange:
    chosen = model.find_listed_preset(label, context.presets_dir())
    if chosen is None:
        return FormChange(None, "Choose a preset to load.")
    try:
        result = load_preset(chosen.name, context.presets_dir(), base=context.base_settings())
    except KeyframesError as error:
        return FormChange(None, _not_loaded(error))
    note = f"Loaded preset **{chosen.name}**" + (
        f": {chosen.description}" if chosen.description else ".")
    return FormChange(result.settings, note + _warnings(result.warnings))


def load_uploaded_settings(uploaded: Any) -> FormChange:
    """A settings file, preset or Deforum file uploaded through the tab."""
    path = Path(getattr(uploaded, "name", uploaded) or "")
    try:
        result = load_settings(path)
    except KeyframesError as error:
        return FormChange(None, _not_loaded(error))
    what = {"flat": "Deforum / flat settings file", "preset": "preset"}.get(
        result.source_format, "settings file")
    return FormChange(result.settings,
                      f"Loaded the {what} **{path.name}**." + _warnings(result.warnings))


def settings_download(context: TabContext, values: Sequence[Any]) -> tuple[Path | None, str]:
    """The controls' settings as a file to download (in a folder of its own), and a message."""
    try:
        settings = model.settings_from_ui(values)
    except KeyframesError as error:
        return None, _not_loaded(error)
    return _download(context, "keyframes-settings.json", dumps_settings(settings)), \
        "Settings file ready below."


def _download(context: TabContext, name: str, text: str) -> Path:
    """A file to download, in a folder of its own beside the previews."""
    target = context.previews_dir().parent / "downloads" / _token() / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def audio_schedules_download(context: TabContext,
                             values: Sequence[Any]) -> tuple[Path | None, str]:
    """The audio variables of the controls' audio as plain Deforum schedules, in a JSON file to
    download (in a folder of its own), and a message."""
    try:
        settings = model.settings_from_ui(values)
        features = run_audio(settings, confined_to=context.readable_dirs(), urls=context.urls())
    except KeyframesError as error:
        return None, "**No audio schedules:** " + "; ".join(model.problem_lines(error))
    target = _download(context, "keyframes-audio-schedules.json", audio_schedules_json(features))
    return target, (f"Audio schedules of {features.frames} frames ready below "
                    f"({features.tempo_bpm:.1f} BPM, {features.beat_frames.size} beats).")


@dataclass(frozen=True)
class PresetChange:
    """The preset list's new choices and selection (None: leave it) and a message."""

    selected: str | None
    message: str


def save_preset(context: TabContext, name: str | None, values: Sequence[Any], *,
                overwrite: bool = False) -> PresetChange:
    name = (name or "").strip()
    if not name:
        return PresetChange(None, "Not saved: give the preset a name.")
    existing = model.find_listed_preset(name, context.presets_dir())
    if existing is not None and not overwrite and not existing.shipped:
        return PresetChange(None,
                            f"A preset named **{name}** exists: choose it and press Overwrite.")
    try:
        save_user_preset(model.settings_from_ui(values), name, context.presets_dir())
    except KeyframesError as error:
        return PresetChange(None, "**Not saved:** " + "; ".join(model.problem_lines(error)))
    saved = model.find_listed_preset(name, context.presets_dir())
    return PresetChange(model.preset_label(saved) if saved else None, f"Saved preset **{name}**.")


def overwrite_preset(context: TabContext, label: str | None,
                     values: Sequence[Any]) -> PresetChange:
    chosen = model.find_listed_preset(label, context.presets_dir())
    if chosen is None or chosen.shipped:
        return PresetChange(None, "Choose one of *your* presets to overwrite "
                                  "(shipped presets are read-only).")
    return save_preset(context, chosen.name, values, overwrite=True)


def delete_preset(context: TabContext, label: str | None) -> str:
    if not label:
        return "Not deleted."
    return model.delete_user_preset(label, context.presets_dir())


def _not_loaded(error: KeyframesError) -> str:
    return "**Not loaded:** " + "; ".join(model.problem_lines(error))


def _warnings(warnings: Sequence[str]) -> str:
    return "".join(f"\n\n⚠ {warning}" for warning in warnings)


# The page ----------------------------------------------------------------------------------------


def restored_settings(context: TabContext) -> Settings:
    """The settings the page opens with: the last used ones, else the defaults."""
    return model.load_last_settings(context.last_settings_file(), context.base_settings())


def listed_jobs(context: TabContext, most: int) -> list[Job]:
    """The newest jobs and earlier runs, for the Runs gallery."""
    return context.manager.jobs()[:most]
