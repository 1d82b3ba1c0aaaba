"""The tab's Batch section: the settings in the form crossed with a sweep, queued as a batch of
jobs; the batches listed with their runs, cancelled or resumed as one, their contact sheet
shown."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import gradio as gr

from lib_animation.batches import (
    CONTACT_SHEET,
    GRID,
    ZIP,
    BaseSettings,
    BatchSpec,
    checked_sweep,
    expand,
    parse_sweep_option,
)
from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.webui import tab_model as model
from lib_animation.webui.batches import BatchView
from lib_animation.webui.tab_actions import TAB_CLIENT, TabContext

SWEEP_HINT = "One setting a line: seed=1,2,3 or strength_schedule=[\"0:(0.5)\", \"0:(0.6)\"]"


def batch_section(ui: SimpleNamespace) -> None:
    """The Batch tab among the results tabs."""
    with gr.Tab("Batch", id="batch", elem_id="keyframes_tab_batches"):
        ui.batch_sweep = gr.Textbox(label="Sweep", lines=3, placeholder=SWEEP_HINT,
                                    elem_id="keyframes_batches_sweep")
        with gr.Row():
            ui.batch_zip = gr.Checkbox(False, label="Pair the n-th values (zip) instead of "
                                       "crossing them", elem_id="keyframes_batches_zip")
            ui.batch_name = gr.Textbox(label="Batch folder", max_lines=1,
                                       placeholder="batch_TIME", elem_id="keyframes_batches_name")
        with gr.Row():
            ui.batch_queue = gr.Button("Queue batch", variant="primary",
                                       elem_id="keyframes_batches_queue")
            ui.batch_refresh = gr.Button("Refresh", size="sm", elem_id="keyframes_batches_refresh")
        ui.batch_status = gr.HTML("", elem_id="keyframes_batches_status")
        with gr.Row():
            ui.batch_pick = gr.Dropdown(label="Batch", choices=[], elem_id="keyframes_batches_pick",
                                        scale=3)
            ui.batch_cancel = gr.Button("Cancel batch", size="sm",
                                        elem_id="keyframes_batches_cancel")
            ui.batch_resume = gr.Button("Resume batch", size="sm",
                                        elem_id="keyframes_batches_resume")
        ui.batch_runs = gr.Markdown("", elem_id="keyframes_batches_runs")
        ui.batch_sheet = gr.Image(label="Contact sheet", interactive=False, type="filepath",
                                  elem_id="keyframes_batches_sheet", show_download_button=True)


def wire_batch(ui: SimpleNamespace, context: TabContext) -> None:
    outputs = [ui.batch_status, ui.batch_pick, ui.batch_runs, ui.batch_sheet]

    def shown(message: str, picked: str | None) -> dict[Any, Any]:
        views = context.batches.batches() if context.batches else []
        names = [view.name for view in views]
        picked = picked if picked in names else (names[0] if names else None)
        view = next((view for view in views if view.name == picked), None)
        sheet = view.folder / CONTACT_SHEET if view else None
        return {ui.batch_status: message,
                ui.batch_pick: gr.update(choices=names, value=picked),
                ui.batch_runs: batch_markdown(view) if view else "",
                ui.batch_sheet: str(sheet) if sheet and sheet.is_file() else None}

    def queue(sweep_text, pair, name, *values, request: gr.Request = None):
        try:
            view = start_batch(context, values, sweep_text, pair, name, _client(request))
        except KeyframesError as error:
            return shown(_problems(error), None)
        return shown(f"<p>Queued batch <b>{html.escape(view.name)}</b>: "
                     f"{len(view.jobs)} runs.</p>", view.name)

    def act(picked: str | None, action: Callable[[str], Any]) -> dict[Any, Any]:
        if not picked or context.batches is None:
            return shown("", picked)
        try:
            action(picked)
        except (KeyError, KeyframesError) as error:
            return shown(_problems(error), picked)
        return shown("", picked)

    def cancel(picked):
        return act(picked, lambda name: context.batches.cancel(name))

    def resume(picked, request: gr.Request = None):
        return act(picked, lambda name: context.batches.resume(
            name, client=_client(request), confined_to=context.readable_dirs(),
            urls=context.urls()))

    def refresh(picked):
        return shown("", picked)

    ui.batch_queue.click(queue, [ui.batch_sweep, ui.batch_zip, ui.batch_name, *ui.controls],
                         outputs, show_progress="hidden")
    ui.batch_refresh.click(refresh, ui.batch_pick, outputs, queue=False)
    ui.batch_pick.select(refresh, ui.batch_pick, outputs, queue=False)
    ui.batch_cancel.click(cancel, ui.batch_pick, outputs, queue=False)
    ui.batch_resume.click(resume, ui.batch_pick, outputs, queue=False)


def start_batch(context: TabContext, values: Sequence[Any], sweep_text: str, pair: bool,
                name: str | None, client: str = TAB_CLIENT) -> BatchView:
    """The form's settings crossed with the sweep, queued as one batch."""
    if context.batches is None:
        raise SettingsError("batches are not available here")
    settings = model.settings_from_ui(values)
    swept: dict[str, list[Any]] = {}
    for line in (sweep_text or "").splitlines():
        if line.strip():
            setting, listed = parse_sweep_option(line.strip())
            swept[setting] = listed
    sweep = checked_sweep(swept, ZIP if pair else GRID, source="sweep")
    spec = BatchSpec(tuple(expand([BaseSettings("tab", settings)], sweep)), sweep)
    return context.batches.submit(spec, name=(name or "").strip() or None, client=client,
                                  confined_to=context.readable_dirs(), urls=context.urls())


def batch_markdown(view: BatchView) -> str:
    lines = [f"**{view.name}**: {view.state}, "
             f"{sum(1 for job in view.jobs if job.state == 'done')} of {len(view.jobs)} done",
             "", "| Run | State | Frames |", "|---|---|---|"]
    lines += [f"| {_cell(job.folder.name)} | {job.state} | {job.frames_done}/{job.total_frames} |"
              for job in view.jobs]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return html.escape(text).replace("|", "&#124;")


def _problems(error: BaseException) -> str:
    if isinstance(error, KeyError):
        return "<p>⚠ no such batch</p>"
    lines = error.lines() if isinstance(error, KeyframesErrors) else [str(error)]
    return "<ul class='kf-problems'>" + "".join(
        f"<li>{html.escape(line)}</li>" for line in lines) + "</ul>"


def _client(request: gr.Request | None) -> str:
    host = getattr(getattr(request, "client", None), "host", None)
    return f"{TAB_CLIENT}:{host or 'unknown'}"
