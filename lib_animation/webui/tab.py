"""The Keyframes tab: a gradio 3 UI generated from the schema.

`build_tab(context)` lays out every setting from the declaration (one control each, grouped as
Deforum users know them) and wires the presets, the live checks, the plan plot and table,
Preview motion, Generate / Interrupt / Skip / Resume and the runs list to the job manager it is
given. `webui_tab(manager)` builds it inside the WebUI; `standalone.py` builds the very same tab
in a plain page with the preview host.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
import numpy as np

from lib_animation.errors import KeyframesError
from lib_animation.runs import UrlFetcher
from lib_animation.schema import BY_NAME, INTERPOLATION_ENGINES, NAME, SETTINGS, Settings
from lib_animation.setting_kinds import FLOAT, INT, MAX_TEXT_LENGTH, PATH, SCHEDULE_KINDS
from lib_animation.webui import tab_actions as actions
from lib_animation.webui import tab_batch
from lib_animation.webui import tab_model as model
from lib_animation.webui.batches import BatchQueue
from lib_animation.webui.jobs import DONE, INTERRUPTED, QUEUED, RUNNING, Job, JobManager
from lib_animation.webui.tab_actions import Catalog, TabContext
from lib_animation.webui.tab_plot import plot_plan

POLL_S = 0.4
REFRESH = "↻"
MAX_GALLERY_FRAMES = 36
MAX_RUNS_LISTED = 40
SYNTAX_REMINDER = (
    "Schedules: `frame: (value)` keyframes, comma-separated, e.g. "
    "`0: (1.0), 30: (1.0+0.5*sin(t/10))` · variables `t` (frame), `max_f`, `s` (seed), `fps` · "
    "easing after a value: `0: (0) ease_in_out, 60: (1)` (also `step`, `cubic`, `ease_in`, "
    "`ease_out`) · text schedules quote names: `0: (\"Euler a\")`"
)


# The WebUI ---------------------------------------------------------------------------------------


def webui_tab(manager: JobManager, batches: BatchQueue | None = None):
    """on_ui_tabs: the tab inside the WebUI, with its catalog, options and Skip."""
    return [(build_tab(webui_context(manager, batches)), "Keyframes", "keyframes")]


def webui_context(manager: JobManager, batches: BatchQueue | None = None) -> TabContext:
    """The tab's context inside the WebUI: its files live in the WebUI's data folder, and where
    anyone on the network can reach the page, input files are confined as for the API."""
    from modules import paths_internal, shared

    from lib_animation.webui.host import WebUICatalog
    from lib_animation.webui.options import current_options

    own = Path(paths_internal.data_path) / "keyframes"

    def confined_to() -> list[Path] | None:
        return list(current_options().input_dirs) if open_to_network(shared.cmd_opts) else None

    def urls() -> UrlFetcher | None:
        allowed = not open_to_network(shared.cmd_opts) or current_options().allow_urls
        return UrlFetcher() if allowed else None

    return TabContext(
        manager=manager,
        batches=batches,
        catalog=WebUICatalog(),
        presets_dir=lambda: current_options().presets_dir,
        last_settings_file=lambda: own / "last-settings.json",
        previews_dir=lambda: own / "previews",
        uploads_dir=lambda: own / "uploads",
        confined_to=confined_to,
        urls=urls,
        base_settings=lambda: Settings(current_options().run_defaults()),
        skip=lambda: shared.state.skip(),
    )


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def open_to_network(cmd_opts: Any) -> bool:
    """The WebUI's rule for risky features: it listens beyond this machine (--listen, --share,
    --ngrok, a --server-name that is not a loopback name) and asks no login (--gradio-auth)."""
    server_name = getattr(cmd_opts, "server_name", None)
    beyond = any(getattr(cmd_opts, flag, None) for flag in ("listen", "share", "ngrok")) or (
        bool(server_name) and server_name not in LOOPBACK_NAMES)
    logins = getattr(cmd_opts, "gradio_auth", None) or getattr(
        cmd_opts, "gradio_auth_path", None)
    return beyond and not logins


# Building the tab --------------------------------------------------------------------------------


def _choices(setting_name: str, catalog: Catalog) -> list[str]:
    try:
        if setting_name == NAME.sampler:
            return list(catalog.samplers()) or list(BY_NAME[setting_name].choices)
        if setting_name == NAME.scheduler:
            return list(catalog.schedulers()) or list(BY_NAME[setting_name].choices)
        if setting_name == NAME.upscaler:
            return list(catalog.upscalers()) or list(BY_NAME[setting_name].choices)
    except Exception:  # the host's lists must never keep the tab from loading
        pass
    return list(BY_NAME[setting_name].choices)


def _host_list(catalog: Catalog, method: str) -> list[str]:
    try:
        return list(getattr(catalog, method)())
    except Exception:  # the host's lists must never keep the tab from loading
        return []


def _make_control(name: str, value: Any, catalog: Catalog):
    setting = BY_NAME[name]
    kind = model.control_type(setting)
    common: dict[str, Any] = {"label": setting.label, "elem_id": model.elem_id(name)}
    if name in model.CONTROLNET_CHOICES:  # the extension's preprocessors and models
        return gr.Dropdown(choices=_host_list(catalog, model.CONTROLNET_CHOICES[name]),
                           value=value, allow_custom_value=True, **common)
    if kind == model.CHECKBOX:
        return gr.Checkbox(value=value, **common)
    if kind == model.SLIDER:
        return gr.Slider(minimum=setting.minimum, maximum=setting.maximum,
                         step=setting.step or 1, value=value, **common)
    if kind == model.NUMBER:
        return gr.Number(value=value, precision=0 if setting.kind == INT else None, **common)
    if kind == model.RADIO:
        return gr.Radio(choices=list(setting.choices), value=value, **common)
    if kind == model.DROPDOWN:
        choices = (_choices(name, catalog) if name in model.HOST_CHOICES
                   else list(setting.choices))
        return gr.Dropdown(choices=choices, value=value, allow_custom_value=setting.open_choices,
                           **common)
    if kind == model.SCHEDULE_BOX:
        return gr.Textbox(value=value, lines=1, max_lines=8, info=setting.value_range() and
                          f"values {setting.value_range()}", **common)
    if kind == model.PROMPTS_BOX:
        return gr.Textbox(value=model.to_ui(name, value), lines=10, max_lines=40, **common)
    if setting.max_length > MAX_TEXT_LENGTH:  # room for a whole document (a Parseq manifest)
        return gr.Textbox(value=value, lines=3, max_lines=12, **common)
    return gr.Textbox(value=value, lines=1, **common)


def _wide(name: str) -> bool:
    """Fields that take a whole row: text, schedules, prompts, and radios of many choices."""
    setting = BY_NAME[name]
    kind = model.control_type(setting)
    return kind in (model.SCHEDULE_BOX, model.PROMPTS_BOX, model.TEXT) or (
        kind == model.RADIO and len(setting.choices) >= model.MAX_RADIO_CHOICES)


def _chunks(names: list[str]) -> Iterator[list[str]]:
    """Rows of fields: wide fields alone, switches three to a row, other fields two."""
    row: list[str] = []
    row_kind = ""
    for name in names:
        kind = model.control_type(BY_NAME[name])
        if _wide(name):
            if row:
                yield row
            row, row_kind = [], ""
            yield [name]
            continue
        wide = 3 if kind == model.CHECKBOX else 2
        if row and (row_kind != kind and model.CHECKBOX in (row_kind, kind) or len(row) >= wide):
            yield row
            row = []
        row.append(name)
        row_kind = kind
    if row:
        yield row


class _Tab:
    """The components, kept by setting name, and the handlers that use them."""

    def __init__(self, context: TabContext) -> None:
        self.context = context
        self.controls: dict[str, Any] = {}
        self.fields: dict[str, Any] = {}  # the column around a control and its message
        self.errors: dict[str, Any] = {}
        self.notes: dict[str, Any] = {}
        self.rows: list[tuple[Any, list[str]]] = []  # each row of fields, hidden when all are
        self.placed = model.placement()
        self.initial = context.base_settings()
        self.shown = model.visibility([self.initial[name] for name in model.DRIVERS])

    # Layout --------------------------------------------------------------------------------------

    def field_rows(self, names: list[str]) -> None:
        for row in _chunks(names):
            with gr.Row(equal_height=False, elem_classes=["kf-row"],
                        visible=any(self.shown[name] for name in row)) as container:
                for name in row:
                    self.field(name)
            self.rows.append((container, row))

    def field(self, name: str) -> None:
        with gr.Column(visible=self.shown[name], min_width=160,
                       elem_classes=["kf-field"]) as column:
            if name in model.HOST_CHOICES:
                with gr.Row(elem_classes=["kf-with-tool"]):
                    control = _make_control(name, self.initial[name], self.context.catalog)
                    refresh = gr.Button(REFRESH, elem_classes=["tool", "kf-tool"],
                                        elem_id=f"keyframes_refresh_{name}")
                refresh.click(lambda n=name: gr.update(choices=_choices(n, self.context.catalog)),
                              None, control, queue=False, show_progress="hidden")
            elif BY_NAME[name].kind == PATH or name == NAME.parseq_manifest:
                with gr.Row(elem_classes=["kf-with-tool"]):
                    control = _make_control(name, self.initial[name], self.context.catalog)
                    upload = gr.UploadButton("📂", elem_classes=["tool", "kf-tool"],
                                             elem_id=f"keyframes_upload_{name}")
                upload.upload(lambda file, n=name: self.uploaded(n, file), upload, control,
                              queue=False)
            else:
                control = _make_control(name, self.initial[name], self.context.catalog)
            error = gr.HTML("", visible=False, elem_id=f"keyframes_error_{name}",
                            elem_classes=["kf-error"])
        self.controls[name], self.fields[name], self.errors[name] = control, column, error

    def uploaded(self, name: str, file: Any):
        try:
            return str(actions.store_upload(self.context, name, file))
        except (KeyframesError, OSError):
            return gr.update()

    def panel(self, panel: model.Panel) -> None:
        body = model.panel_body(panel, self.placed)
        names = [*panel.header, *body]
        self.notes[panel.key] = gr.Markdown(
            model.panel_note(panel, self.shown, self.initial.animation_mode, self.placed),
            elem_classes=["kf-note"])
        if any(BY_NAME[name].kind in SCHEDULE_KINDS for name in names):
            gr.Markdown(SYNTAX_REMINDER, elem_classes=["kf-syntax"])
        self.field_rows(names)
        if panel.key == "checkpoint":
            self.checkpoint_helper()
        if NAME.parseq_manifest in names:
            self.parseq_helper()
        if NAME.audio_path in names:
            self.audio_helper()
        if panel.panels:
            with gr.Tabs(elem_classes=["kf-subtabs"]):
                for sub in panel.panels:
                    with gr.Tab(sub.title, elem_id=f"keyframes_tab_{sub.key}"):
                        self.panel(sub)

    def parseq_helper(self) -> None:
        """Which settings the manifest manages, updated as the manifest or its switches change
        (the settings the table reads are wired once every control exists: `wire_parseq`)."""
        self.parseq_note = gr.Markdown("", elem_id="keyframes_parseq_note")
        self.parseq_table = gr.Dataframe(headers=actions.PARSEQ_HEADERS, interactive=False,
                                         wrap=True, elem_id="keyframes_parseq_fields",
                                         label="Managed by the manifest / left to the settings")

    def wire_parseq(self) -> None:
        controls = [self.controls[name] for name in actions.SETTING_NAMES]

        def update(*values):
            fields = actions.parseq_fields(self.context, values)
            return gr.update(value=fields.rows or None), fields.message

        for name in (NAME.parseq_manifest, NAME.parseq_use_deltas,
                     NAME.parseq_non_schedule_overrides):
            self.controls[name].change(update, controls, [self.parseq_table, self.parseq_note],
                                       queue=False, show_progress="hidden")

    def audio_helper(self) -> None:
        """A button that writes the audio variables as plain Deforum schedules, for people who
        continue in Deforum or Parseq."""
        self.audio_button = gr.Button("Write audio schedules", elem_id="keyframes_audio_schedules")
        self.audio_note = gr.Markdown("", elem_id="keyframes_audio_note")
        self.audio_file = gr.File(label="Audio schedules (Deforum format)", visible=False,
                                  elem_id="keyframes_audio_file")

    def wire_audio(self) -> None:
        controls = [self.controls[name] for name in actions.SETTING_NAMES]

        def write(*values):
            path, message = actions.audio_schedules_download(self.context, values)
            return gr.update(value=str(path) if path else None, visible=path is not None), message

        self.audio_button.click(write, controls, [self.audio_file, self.audio_note])

    def checkpoint_helper(self) -> None:
        catalog = self.context.catalog
        with gr.Row(elem_classes=["kf-with-tool"]):
            pick = gr.Dropdown(choices=_safe(catalog.checkpoints), label="Add a checkpoint",
                               elem_id="keyframes_checkpoint_pick", scale=3)
            refresh = gr.Button(REFRESH, elem_classes=["tool", "kf-tool"],
                                elem_id="keyframes_refresh_checkpoints")
            at = gr.Number(value=0, precision=0, label="at frame", min_width=80, scale=1)
            add = gr.Button("Add to schedule", scale=1, elem_id="keyframes_checkpoint_add")
        refresh.click(lambda: gr.update(choices=_safe(catalog.refresh_checkpoints)), None, pick,
                      queue=False, show_progress="hidden")
        schedule = self.controls[NAME.checkpoint_schedule]
        switch = self.controls[NAME.enable_checkpoint_scheduling]
        add.click(_add_checkpoint, [schedule, pick, at], [schedule, switch], queue=False)


def _safe(names: Callable[[], list[str]]) -> list[str]:
    try:
        return list(names())
    except Exception:
        return []


def _add_checkpoint(schedule: str, name: str | None, frame: Any):
    if not name:
        return gr.update(), gr.update()
    frame = max(0, int(frame or 0))
    quoted = json.dumps(name)
    if frame == 0:
        return f"0: ({quoted})", True
    text = f"{schedule.rstrip().rstrip(',')}, {frame}: ({quoted})"
    return text, True


def build_tab(context: TabContext) -> gr.Blocks:
    tab = _Tab(context)
    ui = SimpleNamespace()  # the page's components other than the settings' own
    with gr.Blocks(analytics_enabled=False, title="Keyframes", css=context.page_css) as blocks:
        gr.HTML(_help_html(), elem_id="keyframes_help", elem_classes=["kf-hidden"])
        _preset_row(ui, context)
        if context.host_note:
            gr.Markdown(context.host_note, elem_classes=["kf-note"], elem_id="keyframes_host_note")
        with gr.Row(elem_id="keyframes_main", equal_height=False):
            with gr.Column(scale=3, elem_id="keyframes_settings", min_width=420), \
                    gr.Tabs(elem_id="keyframes_sections"):
                for panel in model.LAYOUT:
                    shown = panel.key != model.CONTROLNET_PANEL or bool(
                        _host_list(context.catalog, "controlnet_modules"))
                    with gr.Tab(panel.title, elem_id=f"keyframes_tab_{panel.key}",
                                visible=shown):
                        tab.panel(panel)
            _side_column(ui, context)
        ui.job_id = gr.State("")
        ui.controls = [tab.controls[name] for name in actions.SETTING_NAMES]
        _wire_fields(tab)
        tab.wire_parseq()
        tab.wire_audio()
        _wire_plan(tab, ui, context)
        _wire_presets(ui, context)
        _wire_run(ui, context)
        _wire_runs(ui, context)
        _wire_upscale(ui, context)
        tab_batch.wire_batch(ui, context)
        # Page load: the last used settings, the plan, the runs list.
        load_event = blocks.load(lambda: model.ui_values(actions.restored_settings(context)),
                                 None, ui.controls, queue=False)
        load_event.then(**ui.after_load)
        load_event.then(ui.list_runs, None, [ui.runs, ui.run_ids], queue=False)
        if context.page_js:
            blocks.load(None, None, None, _js=context.page_js)
    return blocks


def _preset_row(ui: SimpleNamespace, context: TabContext) -> None:
    with gr.Row(elem_id="keyframes_presets", equal_height=False):
        ui.preset = gr.Dropdown(choices=model.preset_choices(context.presets_dir()),
                                label="Preset", elem_id="keyframes_preset", scale=3,
                                min_width=200)
        ui.refresh_presets = gr.Button(REFRESH, elem_classes=["tool", "kf-tool"],
                                       elem_id="keyframes_refresh_presets")
        ui.load_button = gr.Button("Load", elem_id="keyframes_preset_load", scale=1,
                                   min_width=70)
        ui.preset_new = gr.Textbox(label="New preset name", elem_id="keyframes_preset_name",
                                   scale=2, min_width=160, max_lines=1)
        ui.save_button = gr.Button("Save as", elem_id="keyframes_preset_save", scale=1,
                                   min_width=80)
        ui.overwrite_button = gr.Button("Overwrite", elem_id="keyframes_preset_overwrite",
                                        scale=1, min_width=90)
        ui.delete_button = gr.Button("Delete", elem_id="keyframes_preset_delete", scale=1,
                                     min_width=70)
        ui.upload = gr.UploadButton("Upload", file_types=[".json", ".txt"],
                                    elem_id="keyframes_upload", scale=1, min_width=90)
        ui.download_button = gr.Button("Download", elem_id="keyframes_download", scale=1,
                                       min_width=100)
    with gr.Row(elem_classes=["kf-status-row"]):
        ui.preset_status = gr.Markdown("", elem_id="keyframes_preset_status")
        ui.download_file = gr.File(label="Settings file", visible=False,
                                   elem_id="keyframes_download_file")


def _side_column(ui: SimpleNamespace, context: TabContext) -> None:
    with gr.Column(scale=2, elem_id="keyframes_side", min_width=380):
        with gr.Row(elem_id="keyframes_buttons"):
            ui.generate = gr.Button("Generate", variant="primary",
                                    elem_id="keyframes_generate", scale=2, min_width=120)
            ui.interrupt = gr.Button("Interrupt", elem_id="keyframes_interrupt",
                                     min_width=90)
            ui.interrupt_every = gr.Button("Interrupt all", elem_id="keyframes_interrupt_all",
                                           min_width=110, size="sm")
            ui.skip = gr.Button("Skip", elem_id="keyframes_skip", min_width=70,
                                visible=context.skip is not None)
        with gr.Row(elem_id="keyframes_buttons_preview"):
            ui.preview = gr.Button("Preview motion (no GPU, low resolution)",
                                   elem_id="keyframes_preview", size="sm")
        ui.problems = gr.HTML("", visible=False, elem_id="keyframes_problems",
                              elem_classes=["kf-problems"])
        ui.progress = gr.HTML("", elem_id="keyframes_progress")
        with gr.Tabs(elem_id="keyframes_results") as ui.results:
            with gr.Tab("Plan", id="plan", elem_id="keyframes_tab_plan"):
                with gr.Row():
                    ui.replan = gr.Button("Update plan", elem_id="keyframes_replan",
                                          size="sm")
                    ui.edited = gr.Textbox("", elem_id="keyframes_edited", show_label=False,
                                           elem_classes=["kf-hidden"], container=False)
                ui.plan_text = gr.Markdown("", elem_id="keyframes_plan_summary")
                ui.plot = gr.Image(label="Schedules", type="numpy", interactive=False,
                                   elem_id="keyframes_plot", show_label=False,
                                   show_download_button=False)
                with gr.Row(elem_id="keyframes_table_row"):
                    ui.table = gr.Dataframe(headers=model.TABLE_HEADERS, label="Every frame",
                                            interactive=False, wrap=False, scale=3,
                                            elem_id="keyframes_table", height=420)
                    with gr.Column(scale=1, min_width=160):
                        ui.frame_mask = gr.Image(label="Mask of the chosen frame", type="numpy",
                                                 interactive=False, show_download_button=False,
                                                 elem_id="keyframes_frame_mask")
                        ui.frame_mask_note = gr.Markdown(
                            "Click a row of the table to see its frame's mask.",
                            elem_id="keyframes_frame_mask_note")
                        ui.picked_frame = gr.State(None)
            with gr.Tab("Result", id="result", elem_id="keyframes_tab_result"):
                ui.live = gr.Image(label="Frame being made", interactive=False,
                                   elem_id="keyframes_live", visible=False,
                                   show_download_button=False)
                ui.video = gr.Video(label="Video", interactive=False, height=400,
                                    elem_id="keyframes_video")
                ui.resume = gr.Button("Resume this run", variant="primary", visible=False,
                                      elem_id="keyframes_resume")
                _upscale_row(ui, context)
                ui.folder = gr.Textbox(label="Run folder", interactive=False,
                                       elem_id="keyframes_folder", show_copy_button=True)
                ui.report_text = gr.Markdown("", elem_id="keyframes_report")
                ui.frames = gr.Gallery(label="Frames", columns=6, height="auto",
                                       elem_id="keyframes_frames", object_fit="contain")
                ui.report_image = gr.Image(label="Quality report", interactive=False,
                                           elem_id="keyframes_report_image",
                                           show_download_button=False)
            with gr.Tab("Runs", id="runs", elem_id="keyframes_tab_runs"):
                ui.refresh_runs = gr.Button("Refresh", elem_id="keyframes_runs_refresh",
                                            size="sm")
                ui.runs = gr.Gallery(label="Earlier runs (click one to open it)",
                                     columns=4, height="auto", allow_preview=False,
                                     elem_id="keyframes_runs", object_fit="cover")
                ui.run_ids = gr.State([])
            tab_batch.batch_section(ui)


def _wire_fields(tab: _Tab) -> None:
    names = actions.SETTING_NAMES
    drivers = [tab.controls[name] for name in model.DRIVERS]
    field_columns = [tab.fields[name] for name in names]
    rows = [row for row, _names in tab.rows]
    panels = list(model.all_panels())
    notes = [tab.notes[panel.key] for panel in panels]

    # Which fields apply: follows the mode and every switch, never touching a value.
    def show(*driver_values):
        shown = model.visibility(driver_values)
        mode = driver_values[0]
        updates = [gr.update(visible=shown[name]) for name in names]
        updates += [gr.update(visible=any(shown[name] for name in row_names))
                    for _row, row_names in tab.rows]
        updates += [gr.update(value=model.panel_note(panel, shown, mode, tab.placed))
                    for panel in panels]
        return updates

    for control in drivers:
        control.change(show, drivers, field_columns + rows + notes, queue=False,
                       show_progress="hidden")

    # Checking each field as it is typed (its own value only: cheap).
    frame_inputs = [tab.controls[NAME.max_frames], tab.controls[NAME.seed],
                    tab.controls[NAME.fps]]
    for name in names:
        kind = model.control_type(BY_NAME[name])
        if kind in (model.SCHEDULE_BOX, model.PROMPTS_BOX, model.NUMBER):
            tab.controls[name].change(
                lambda value, m, s, f, n=name: _error_update(
                    model.field_problem(n, value, m, s, f)),
                [tab.controls[name], *frame_inputs], tab.errors[name], queue=False,
                show_progress="hidden")


def _wire_plan(tab: _Tab, ui: SimpleNamespace, context: TabContext) -> None:
    names = actions.SETTING_NAMES
    errors = [tab.errors[name] for name in names]
    controls = ui.controls

    # The plan: plot, table, summary and the list of problems.
    def make_plan_view(edited_name, *values):
        view = actions.plan_view(context, values)
        out: dict[Any, Any] = {ui.problems: _problems_update(view.problems, "Before generating")}
        for name in names:
            out[tab.errors[name]] = _error_update(view.field_messages.get(name, ""))
        if view.plan is not None:
            out[ui.plot] = plot_plan(view.plan, edited_name or None)
            out[ui.table] = gr.update(value=model.plan_table(view.plan,
                                                             random_seed=view.random_seed))
            out[ui.plan_text] = model.plan_summary(view.plan, random_seed=view.random_seed)
        return out

    # The mask of the frame under the cursor, beside the table.
    def pick_frame(table, event: gr.SelectData):
        return model.frame_of_row(table, event.index)

    def show_frame_mask(frame, *values):
        if frame is None:
            return gr.update(), gr.update()
        masks = actions.frame_masks(context, values, frame)
        if isinstance(masks, KeyframesError):
            return None, f"Frame {frame}: {masks}"
        if masks.inpaint is None:
            return None, f"Frame {frame} has no mask: the whole frame is repainted."
        return masks.inpaint, f"Frame {frame}: white is repainted, black is kept."

    ui.table.select(pick_frame, ui.table, ui.picked_frame, queue=False).then(
        show_frame_mask, [ui.picked_frame, *controls], [ui.frame_mask, ui.frame_mask_note],
        queue=False)

    plan_outputs = [ui.problems, ui.plot, ui.table, ui.plan_text, *errors]
    ui.replan.click(make_plan_view, [ui.edited, *controls], plan_outputs, queue=False,
                    show_progress="hidden")
    ui.after_load = {"fn": make_plan_view, "inputs": [ui.edited, *controls],
                     "outputs": plan_outputs, "queue": False, "show_progress": "hidden"}


def _wire_presets(ui: SimpleNamespace, context: TabContext) -> None:
    names, controls = actions.SETTING_NAMES, ui.controls

    # Presets and settings files.
    def preset_list(selected=None):
        return gr.update(choices=model.preset_choices(context.presets_dir()),
                         value=selected)

    def form(change: actions.FormChange):
        if change.settings is None:
            return [*(gr.update() for _ in names), change.message]
        return [*model.ui_values(change.settings), change.message]

    def preset_change(change: actions.PresetChange):
        selected = gr.update() if change.selected is None else preset_list(change.selected)
        return selected, change.message

    def download(*values):
        path, message = actions.settings_download(context, values)
        return gr.update(value=str(path) if path else None, visible=path is not None), message

    after_load = ui.after_load
    ui.refresh_presets.click(preset_list, ui.preset, ui.preset, queue=False)
    ui.load_button.click(lambda label: form(actions.load_listed_preset(context, label)), ui.preset,
                         [*controls, ui.preset_status], queue=False).then(**after_load)
    ui.upload.upload(lambda file: form(actions.load_uploaded_settings(file)), ui.upload,
                     [*controls, ui.preset_status], queue=False).then(**after_load)
    ui.download_button.click(download, controls, [ui.download_file, ui.preset_status], queue=False)
    ui.save_button.click(
        lambda name, *values: preset_change(actions.save_preset(context, name, values)),
        [ui.preset_new, *controls], [ui.preset, ui.preset_status], queue=False)
    ui.overwrite_button.click(
        lambda label, *values: preset_change(actions.overwrite_preset(context, label, values)),
        [ui.preset, *controls], [ui.preset, ui.preset_status], queue=False,
        _js="(p, ...v) => confirm('Overwrite the preset ' + p + "
            "' with the current settings?') ? [p, ...v] : ['', ...v]")
    ui.delete_button.click(
        lambda label, _status: (preset_list(), actions.delete_preset(context, label)),
        [ui.preset, ui.preset_status], [ui.preset, ui.preset_status], queue=False,
        _js="(p, s) => (p && confirm('Delete the preset ' + p + '?')) ? [p, s] : ['', s]")


def _wire_run(ui: SimpleNamespace, context: TabContext) -> None:
    controls = ui.controls

    # Preview motion: the preview host at low resolution, no GPU, in seconds.
    def preview_motion(*values):
        try:
            made = actions.render_preview(context, values)
        except KeyframesError as error:
            return {ui.problems: _problems_update(error), ui.progress: ""}
        return {
            ui.problems: _problems_update(None),
            ui.video: str(made.video),
            ui.progress: _progress_html(f"Preview: {made.frames} frames in {made.seconds:.1f} s "
                                        "(preview host, no diffusion, low resolution)", 1.0),
            ui.results: gr.update(selected="result"),
            ui.live: gr.update(visible=False),
            ui.resume: gr.update(visible=False),
            ui.upscale_row: gr.update(visible=False),
            ui.folder: str(made.video.parent),
            ui.report_text: "", ui.frames: None, ui.report_image: None,
        }

    ui.result_outputs = result_outputs = [
        ui.problems, ui.progress, ui.results, ui.live, ui.video, ui.resume, ui.folder,
        ui.report_text, ui.frames, ui.report_image, ui.job_id, ui.upscale_row]
    ui.preview.click(preview_motion, controls, result_outputs, show_progress="minimal")

    # Generate, Interrupt, Skip, Resume: the job manager runs the job; this follows it.
    def start(request: gr.Request, *values):
        try:
            job = actions.start_job(context, values, _client(request))
        except KeyframesError as error:
            yield {ui.problems: _problems_update(error)}
            return
        yield from _follow(context, job, outputs)

    def resume_job(request: gr.Request, current):
        try:
            job = actions.resume_job(context, current, _client(request))
        except (KeyError, KeyframesError) as error:
            yield {ui.problems: _problems_update(error)}
            return
        yield from _follow(context, job, outputs)

    ui.outputs = outputs = _Outputs(*result_outputs)
    ui.generate.click(start, controls, result_outputs, show_progress="hidden")
    ui.resume.click(resume_job, ui.job_id, result_outputs, show_progress="hidden")
    ui.interrupt.click(lambda current: actions.interrupt_job(context, current) and None,
                       ui.job_id, None, queue=False)
    ui.interrupt_every.click(lambda: actions.interrupt_all(context) and None, None, None,
                             queue=False)
    if context.skip is not None:
        ui.skip.click(context.skip, None, None, queue=False)


def _upscale_row(ui: SimpleNamespace, context: TabContext) -> None:
    """Upscaling the finished run shown: the WebUI's upscalers, as its Extras tab lists them;
    and interpolating it."""
    with gr.Column(visible=False, elem_id="keyframes_upscale_row") as ui.upscale_row:
        with gr.Row():
            ui.upscale_with = gr.Dropdown(label="Upscaler", choices=_choices(NAME.upscaler,
                                                                             context.catalog),
                                          value=BY_NAME[NAME.upscaler].default, scale=3,
                                          elem_id="keyframes_upscale_with")
            ui.upscale_by = gr.Radio(label="Factor", choices=[2, 3, 4], value=2, scale=2,
                                     elem_id="keyframes_upscale_by")
            ui.upscale = gr.Button("Upscale this run", scale=2, elem_id="keyframes_upscale")
        with gr.Row():
            ui.interpolate_with = gr.Dropdown(
                label="Interpolation engine", choices=list(INTERPOLATION_ENGINES[1:]),
                value=INTERPOLATION_ENGINES[1], scale=3, elem_id="keyframes_interpolate_with")
            ui.interpolate_x = gr.Slider(label="x", minimum=2, maximum=10, step=1, value=2,
                                         scale=2, elem_id="keyframes_interpolate_x")
            ui.interpolate_slow = gr.Slider(label="Slow motion (1: off)", minimum=1, maximum=10,
                                            step=1, value=1, scale=2,
                                            elem_id="keyframes_interpolate_slow")
            ui.interpolate = gr.Button("Interpolate this run", scale=2,
                                       elem_id="keyframes_interpolate")


def _wire_upscale(ui: SimpleNamespace, context: TabContext) -> None:
    def upscale(current, upscaler, factor):
        try:
            job = actions.upscale_job(context, current, upscaler, factor)
        except (KeyError, KeyframesError) as error:
            return {ui.problems: _problems_update(error, "Not upscaled")}
        view = _job_view(job, ui.outputs, final=True)
        view[ui.outputs.video] = str(job.videos[-1]) if job.videos else None
        return view

    ui.upscale.click(upscale, [ui.job_id, ui.upscale_with, ui.upscale_by], ui.result_outputs)

    def interpolate(current, engine, x_amount, slow_motion):
        try:
            job = actions.interpolate_job(context, current, engine, x_amount, slow_motion)
        except (KeyError, KeyframesError) as error:
            return {ui.problems: _problems_update(error, "Not interpolated")}
        view = _job_view(job, ui.outputs, final=True)
        view[ui.outputs.video] = str(job.videos[-1]) if job.videos else None
        return view

    ui.interpolate.click(interpolate, [ui.job_id, ui.interpolate_with, ui.interpolate_x,
                                       ui.interpolate_slow], ui.result_outputs)


def _wire_runs(ui: SimpleNamespace, context: TabContext) -> None:
    # Earlier runs.
    def list_runs():
        jobs = actions.listed_jobs(context, MAX_RUNS_LISTED)
        return [_run_tile(job) for job in jobs], [job.id for job in jobs]

    ui.refresh_runs.click(list_runs, None, [ui.runs, ui.run_ids], queue=False)

    def open_run(ids, event: gr.SelectData):
        try:
            job = context.manager.get(ids[event.index])
        except (KeyError, IndexError):
            return {}
        return _job_view(job, ui.outputs, final=True)

    ui.runs.select(open_run, ui.run_ids, ui.result_outputs, queue=False)
    ui.list_runs = list_runs


# Handlers' helpers -------------------------------------------------------------------------------


def _client(request: gr.Request | None) -> str:
    """The tab's jobs count per address toward the owner's per-client limit."""
    host = getattr(getattr(request, "client", None), "host", None)
    return f"{actions.TAB_CLIENT}:{host or 'unknown'}"


@dataclass(frozen=True)
class _Outputs:
    problems: Any
    progress: Any
    results: Any
    live: Any
    video: Any
    resume: Any
    folder: Any
    report_text: Any
    frames: Any
    report_image: Any
    job_id: Any
    upscale_row: Any


def _error_update(message: str):
    if not message:
        return gr.update(value="", visible=False)
    return gr.update(value=f"<span>⚠ {html.escape(message)}</span>", visible=True)


def _problems_update(error: BaseException | None, heading: str = "Not started"):
    if error is None:
        return gr.update(value="", visible=False)
    lines = model.problem_lines(error) if isinstance(error, KeyframesError) else [str(error)]
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return gr.update(visible=True, value=(
        f"<div><b>{heading}: {len(lines)} problem{'s' if len(lines) != 1 else ''} to fix"
        f"</b><ul>{items}</ul></div>"))


def _progress_html(text: str, fraction: float | None) -> str:
    bar = ""
    if fraction is not None:
        bar = (f"<div class='kf-bar'><div style='width:{max(0.0, min(1.0, fraction)) * 100:.1f}%'>"
               "</div></div>")
    return f"<div class='kf-progress'>{bar}<span>{html.escape(text)}</span></div>"


def _follow(context: TabContext, job: Job, outputs: _Outputs):
    """Yield the tab's view of a job until it ends."""
    yield {outputs.problems: _problems_update(None), outputs.results: gr.update(selected="result"),
           outputs.video: None, outputs.frames: None, outputs.report_image: None,
           outputs.report_text: "", outputs.resume: gr.update(visible=False),
           outputs.upscale_row: gr.update(visible=False),
           outputs.job_id: job.id, outputs.folder: str(job.folder)}
    started = time.monotonic()
    last: tuple[str, int] | None = None
    while True:
        job = context.manager.get(job.id)
        if job.state not in (QUEUED, RUNNING):
            break
        if (job.state, job.frames_done) != last:
            last = (job.state, job.frames_done)
            yield _job_view(job, outputs, final=False, elapsed=time.monotonic() - started)
        time.sleep(POLL_S)
    yield _job_view(job, outputs, final=True)


def _job_view(job: Job, outputs: _Outputs, *, final: bool, elapsed: float = 0.0):
    total = job.total_frames or 0
    view: dict[Any, Any] = {outputs.job_id: job.id, outputs.folder: str(job.folder),
                            outputs.results: gr.update(selected="result")}
    if not final:
        if job.state == QUEUED:
            text = "Waiting for the WebUI to be free…"
        else:
            text = f"Frame {job.frames_done} of {total}"
            if elapsed > 0 and job.frames_done:
                text += f" · {elapsed:.0f} s"
        view[outputs.progress] = _progress_html(text, job.frames_done / total if total else 0)
        newest = job.frame(job.frames_done - 1) if job.frames_done else None
        view[outputs.live] = gr.update(visible=newest is not None,
                                       value=str(newest) if newest else None)
        return view
    view[outputs.live] = gr.update(visible=False, value=None)
    view[outputs.resume] = gr.update(visible=job.resumable)
    view[outputs.upscale_row] = gr.update(visible=job.state == DONE and job.frames_done > 0)
    if job.state == DONE:
        text = f"Done: {job.frames_done} of {total} frames"
    elif job.state == INTERRUPTED:
        text = f"Interrupted after {job.frames_done} of {total} frames — Resume continues it"
    else:
        text = f"Failed after {job.frames_done} of {total} frames: {job.error or 'unknown error'}"
    view[outputs.progress] = _progress_html(text, job.frames_done / total if total else 0)
    videos = [path for path in job.videos if path.suffix in (".mp4", ".webm")]
    view[outputs.video] = str(videos[0]) if videos else None
    view[outputs.frames] = _gallery_frames(job)
    report_png = job.report_image
    view[outputs.report_image] = str(report_png) if report_png else None
    view[outputs.report_text] = _report_summary(job.report)
    if job.error and job.state != DONE:
        view[outputs.problems] = gr.update(visible=True, value=(
            f"<div><b>Stopped</b><ul><li>{html.escape(job.error)}</li></ul></div>"))
    return view


def _gallery_frames(job: Job) -> list[str]:
    done = job.frames_done
    if not done:
        return []
    picks = sorted(set(np.linspace(0, done - 1, min(done, MAX_GALLERY_FRAMES)).astype(int)))
    paths = [job.frame(int(index)) for index in picks]
    return [str(path) for path in paths if path]


def _report_summary(path: Path | None) -> str:
    if path is None or not Path(path).is_file():
        return ""
    try:
        summary = json.loads(Path(path).read_text(encoding="utf-8")).get("summary", {})
    except (OSError, ValueError):
        return ""
    rows = []
    for name, values in summary.items():
        if not isinstance(values, dict):
            continue
        worst = ", ".join(str(frame) for frame in values.get("worst_frames", [])[:3])
        rows.append(f"| {name.replace('_', ' ')} | {values.get('mean', 0):.4g} | "
                    f"{values.get('max', 0):.4g} | {worst} |")
    if not rows:
        return ""
    return ("**Quality report**\n\n| metric | mean | max | worst frames |\n|---|---|---|---|\n"
            + "\n".join(rows))


_BLANK_TILE = np.full((64, 64, 3), 60, dtype=np.uint8)


def _run_tile(job: Job):
    first = job.frame(0)
    caption = f"{job.id} · {job.state} {job.frames_done}/{job.total_frames or '?'}"
    return (str(first) if first else _BLANK_TILE, caption)


def _help_html() -> str:
    """The schema's help for every control, read by keyframes.js into hover titles."""
    from lib_animation.docs import where_it_matters

    helps = {}
    for setting in SETTINGS:
        text = setting.help
        where = where_it_matters(setting)
        if where:
            text += " " + where.replace("`", "")
        if setting.kind in (INT, FLOAT) or setting.kind in SCHEDULE_KINDS:
            text += f" Allowed: {setting.allowed()}."
        helps[model.elem_id(setting.name)] = text
    return f"<div data-keyframes-help='{html.escape(json.dumps(helps), quote=True)}'></div>"
