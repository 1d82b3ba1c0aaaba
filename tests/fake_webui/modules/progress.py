"""Task bookkeeping for the UI's progress bar, and the ``/internal/progress`` route."""

from __future__ import annotations

import base64
import io
import random
import string
import time

from fastapi import FastAPI
from modules import shared
from pydantic import BaseModel, Field

current_task = None
pending_tasks: dict[str, float] = {}
finished_tasks: list[str] = []
recorded_results: list = []
recorded_results_limit = 2


def start_task(id_task):
    global current_task
    current_task = id_task
    pending_tasks.pop(id_task, None)


def finish_task(id_task):
    global current_task
    if current_task == id_task:
        current_task = None
    finished_tasks.append(id_task)
    del finished_tasks[:-16]


def create_task_id(task_type):
    tail = "".join(random.choices(string.ascii_uppercase + string.digits, k=7))
    return f"task({task_type}-{tail})"


def record_results(id_task, res):
    recorded_results.append((id_task, res))
    del recorded_results[:-recorded_results_limit]


def add_task_to_queue(id_job):
    pending_tasks[id_job] = time.time()


class PendingTasksResponse(BaseModel):
    size: int = Field(title="Pending task size")
    tasks: list[str] = Field(title="Pending task ids")


class ProgressRequest(BaseModel):
    id_task: str = Field(default=None, title="Task ID")
    id_live_preview: int = Field(default=-1, title="Live preview image ID")
    live_preview: bool = Field(default=True, title="Include live preview")


class ProgressResponse(BaseModel):
    active: bool = Field(title="Whether the task is being worked on right now")
    queued: bool = Field(title="Whether the task is waiting")
    completed: bool = Field(title="Whether the task has finished")
    progress: float = Field(default=None, title="Progress, 0..1")
    eta: float = Field(default=None, title="Seconds left")
    live_preview: str = Field(default=None, title="Preview image as a data URL")
    id_live_preview: int = Field(default=None, title="Preview image ID")
    textinfo: str = Field(default=None, title="Info text")


def setup_progress_api(app: FastAPI):
    app.add_api_route("/internal/pending-tasks", get_pending_tasks, methods=["GET"])
    app.add_api_route("/internal/progress", progressapi, methods=["POST"],
                      response_model=ProgressResponse)


def get_pending_tasks():
    return PendingTasksResponse(size=len(pending_tasks), tasks=list(pending_tasks))


def progressapi(req: ProgressRequest):
    state = shared.state
    active = req.id_task == current_task
    queued = req.id_task in pending_tasks
    completed = req.id_task in finished_tasks
    if not active:
        text = "Waiting..." if queued else "Waiting for the task to start"
        return ProgressResponse(active=False, queued=queued, completed=completed,
                                id_live_preview=-1, textinfo=text)
    progress = 0.0
    if state.job_count > 0:
        progress = state.job_no / state.job_count
        if state.sampling_steps > 0:
            progress += state.sampling_step / state.sampling_steps / state.job_count
    progress = min(progress, 1)
    elapsed = time.time() - (state.time_start or time.time())
    eta = elapsed / progress - elapsed if progress > 0 else None
    preview = None
    if req.live_preview and shared.opts.live_previews_enable:
        state.set_current_image()
        if state.id_live_preview != req.id_live_preview and state.current_image is not None:
            buffer = io.BytesIO()
            state.current_image.save(buffer, format="png")
            preview = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return ProgressResponse(active=True, queued=queued, completed=completed, progress=progress,
                            eta=eta, live_preview=preview, id_live_preview=state.id_live_preview,
                            textinfo=state.textinfo)
