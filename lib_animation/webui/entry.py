"""What `scripts/keyframes.py` calls when the WebUI loads the extension: the Settings section,
the tab and the REST routes, or, where Keyframes cannot run, a tab and a route that say why.

The routes follow the WebUI's own rule for its API: they exist only when it was started with
`--api` (or `--nowebui`). While the WebUI reloads its UI no job starts: its scripts and model
lists are being rebuilt, and the entry script runs again and registers anew.

Only the standard library and the host are imported before the checks, so a missing package or
an unsupported WebUI never stops the WebUI from starting.
"""

from __future__ import annotations

import logging

from modules import script_callbacks, shared

from lib_animation.webui import compat

LOG = logging.getLogger("keyframes")
_MANAGER = None  # one job manager per WebUI process, kept across "Reload UI"
_BATCHES = None  # its batches, kept likewise


def register() -> None:
    problems = compat.problems()
    if problems:
        for problem in problems:
            LOG.warning("Keyframes cannot run: %s", problem)
        script_callbacks.on_ui_tabs(lambda: _problems_tab(problems))
        if api_enabled():
            script_callbacks.on_app_started(lambda _demo, app: _problems_route(app, problems))
        return
    from lib_animation.webui import options, tab

    manager = job_manager()
    script_callbacks.on_ui_settings(options.add_options)
    script_callbacks.on_ui_tabs(lambda: tab.webui_tab(manager, batch_queue()))
    script_callbacks.on_app_started(lambda _demo, app: _started(app, manager))
    before_reload = getattr(script_callbacks, "on_before_reload", None)
    if before_reload is not None:
        before_reload(manager.pause)


def api_enabled() -> bool:
    """The WebUI serves its API only with --api, or --nowebui (the API alone)."""
    options = shared.cmd_opts
    return bool(getattr(options, "api", False) or getattr(options, "nowebui", False))


def _started(app, manager) -> None:
    from lib_animation.webui import api

    if api_enabled():
        api.mount(app, manager, batches=batch_queue())
    manager.ready()


def job_manager():
    global _MANAGER
    if _MANAGER is None:
        from lib_animation.webui.host import WebUISession
        from lib_animation.webui.jobs import JobManager
        from lib_animation.webui.options import current_options

        _MANAGER = JobManager(WebUISession(), lambda: current_options().output_dir,
                              limits=lambda: current_options().limits)
    return _MANAGER


def batch_queue():
    global _BATCHES
    if _BATCHES is None:
        from lib_animation.webui.batches import BatchQueue
        from lib_animation.webui.options import current_options

        _BATCHES = BatchQueue(job_manager(), lambda: current_options().output_dir,
                              limits=lambda: current_options().limits)
    return _BATCHES


def _problems_tab(problems):
    import gradio as gr

    lines = "\n".join(f"- {problem.what}. To fix: {problem.fix}." for problem in problems)
    with gr.Blocks(analytics_enabled=False) as blocks:
        gr.Markdown(f"### Keyframes cannot run in this WebUI\n\n{lines}")
    return [(blocks, "Keyframes", "keyframes")]


def _problems_route(app, problems) -> None:
    from fastapi.responses import JSONResponse

    def unavailable():
        return JSONResponse({"error": "Keyframes cannot run in this WebUI",
                             "problems": [str(problem) for problem in problems]},
                            status_code=503)

    app.add_api_route("/keyframes/v1/{path:path}", unavailable,
                      methods=["GET", "POST", "DELETE"])
