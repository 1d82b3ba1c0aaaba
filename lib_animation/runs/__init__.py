"""A run's life, the one path the CLI, the WebUI tab and the REST API take:

`start_run` (plan once, check inputs and the host's names, make the folder) or `open_run` (an
existing folder, to resume), then `render_run` (the frame loop, with progress and stop
callbacks), then `finish_run` (video and quality report). `read_run_state` tells what a run
folder holds without rendering anything.
"""

from lib_animation.runs.finish import finish_run
from lib_animation.runs.folder import SETTINGS_NAME, find_run_folder
from lib_animation.runs.render import RenderResult, render_run
from lib_animation.runs.start import Run, open_run, start_run
from lib_animation.runs.state import RunState, read_run_state

__all__ = [
    "SETTINGS_NAME",
    "RenderResult",
    "Run",
    "RunState",
    "find_run_folder",
    "finish_run",
    "open_run",
    "read_run_state",
    "render_run",
    "start_run",
]
