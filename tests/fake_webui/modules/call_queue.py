"""The queue lock every generation holds, and the UI's wrappers around generation calls."""

import functools

from modules import errors, fifo_lock, progress, shared

queue_lock = fifo_lock.FIFOLock()


def wrap_queued_call(func):
    @functools.wraps(func)
    def queued(*args, **kwargs):
        with queue_lock:
            return func(*args, **kwargs)

    return queued


def wrap_gradio_gpu_call(func, extra_outputs=None):
    """Runs ``func(id_task, ...)`` under the queue lock as a tracked job."""

    @functools.wraps(func)
    def tracked(*args, **kwargs):
        id_task = args[0] if args and isinstance(args[0], str) else None
        if id_task is not None:
            progress.add_task_to_queue(id_task)
        with queue_lock:
            shared.state.begin(job=id_task or "(unknown)")
            progress.start_task(id_task)
            try:
                return func(*args, **kwargs)
            finally:
                progress.finish_task(id_task)
                shared.state.end()

    return wrap_gradio_call(tracked, extra_outputs=extra_outputs)


def wrap_gradio_call(func, extra_outputs=None, add_stats=False):
    @functools.wraps(func)
    def reporting(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as e:
            errors.display(e, f"calling {getattr(func, '__name__', func)}")
            shared.state.job = ""
            shared.state.job_count = 0
            return [*(extra_outputs or []), f"<div class='error'>{e}</div>"]

    return reporting
