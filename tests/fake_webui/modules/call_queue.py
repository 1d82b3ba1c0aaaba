"""The queue lock every generation holds, and the UI's wrappers around the functions its buttons
call. Every wrapped call ends by clearing the job flags (skipped, interrupted,
stopping_generation) and the job itself, whatever the function did, and returns a tuple; an
exception becomes ``extra_outputs`` (default ``[None, '']``) plus an error ``<div>``.

fake-only: no memory monitor or profiler figures are added to the "Time taken" line.
"""

import functools
import html
import time

from modules import devices, errors, fifo_lock, progress, shared

queue_lock = fifo_lock.FIFOLock()


def wrap_queued_call(func):
    def queued(*args, **kwargs):
        with queue_lock:
            return func(*args, **kwargs)

    return queued


def _task_id(args):
    """The first argument when it is a task id such as ``"task(abc)"``, else None."""
    first = args[0] if args else None
    if type(first) is str and first.startswith("task(") and first.endswith(")"):
        return first
    return None


def wrap_gradio_gpu_call(func, extra_outputs=None):
    """Runs ``func`` under the queue lock as a job named by its task id (None if it has none);
    the job ends only when ``func`` returns."""

    @functools.wraps(func)
    def tracked(*args, **kwargs):
        id_task = _task_id(args)
        if id_task is not None:
            progress.add_task_to_queue(id_task)
        with queue_lock:
            shared.state.begin(job=id_task)
            progress.start_task(id_task)
            try:
                res = func(*args, **kwargs)
                progress.record_results(id_task, res)
            finally:
                progress.finish_task(id_task)
            shared.state.end()
        return res

    return wrap_gradio_call(tracked, extra_outputs=extra_outputs, add_stats=True)


def wrap_gradio_call(func, extra_outputs=None, add_stats=False):
    @functools.wraps(func)
    def resetting(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        finally:
            state = shared.state
            state.skipped = state.interrupted = state.stopping_generation = False
            state.job_count = 0
            state.job = ""

    return wrap_gradio_call_no_job(resetting, extra_outputs, add_stats)


def wrap_gradio_call_no_job(func, extra_outputs=None, add_stats=False):
    @functools.wraps(func)
    def reporting(*args, extra_outputs_array=extra_outputs, **kwargs):
        started = time.perf_counter()
        try:
            res = list(func(*args, **kwargs))
        except Exception as e:
            errors.report(f"Error completing request\nArguments: {args} {kwargs}"[:131072],
                          exc_info=True)
            message = html.escape(f"{type(e).__name__}: {e}")
            lead = [None, ""] if extra_outputs_array is None else extra_outputs_array
            res = [*lead, f"<div class='error'>{message}</div>"]
        devices.torch_gc()
        if add_stats:
            res[-1] += _time_taken(time.perf_counter() - started)
        return tuple(res)

    return reporting


def _time_taken(seconds):
    minutes, rest = divmod(seconds, 60)
    text = f"{rest:.1f} sec."
    if minutes:
        text = f"{int(minutes)} min. {text}"
    return (f"<div class='performance'><p class='time'>Time taken: <wbr>"
            f"<span class='measurement'>{text}</span></p></div>")
