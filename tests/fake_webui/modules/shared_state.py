"""``State``: the progress of the current job, read by the progress routes, and the server
command (``"restart"``, ``"stop"``) that the WebUI's main loop waits for."""

from __future__ import annotations

import threading
import time
from datetime import datetime


class State:
    skipped = False
    interrupted = False
    stopping_generation = False
    job = ""
    job_no = 0
    job_count = 0
    processing_has_refined_job_count = False
    job_timestamp = "0"
    sampling_step = 0
    sampling_steps = 0
    current_latent = None
    current_image = None
    current_image_sampling_step = 0
    id_live_preview = 0
    textinfo = None
    time_start = None
    server_start = None
    # Class attributes, as in the host: every State shares the one signal.
    _server_command_signal = threading.Event()
    _server_command = None

    def __init__(self):
        self.server_start = time.time()

    @property
    def need_restart(self) -> bool:
        return self.server_command == "restart"

    @need_restart.setter
    def need_restart(self, value: bool) -> None:
        if value:
            self.server_command = "restart"

    @property
    def server_command(self):
        return self._server_command

    @server_command.setter
    def server_command(self, value):
        """Sets the command and wakes whoever waits for one."""
        self._server_command = value
        self._server_command_signal.set()

    def wait_for_server_command(self, timeout=None):
        """The command once one is set (then it is cleared), or None after ``timeout`` s."""
        if not self._server_command_signal.wait(timeout):
            return None
        self._server_command_signal.clear()
        command, self._server_command = self._server_command, None
        return command

    def request_restart(self):
        """What Settings > Reload UI calls: interrupts the current job and asks the main loop
        to restart the UI."""
        self.interrupt()
        self.server_command = "restart"

    def skip(self):
        self.skipped = True

    def interrupt(self):
        self.interrupted = True

    def stop_generating(self):
        self.stopping_generation = True

    def nextjob(self):
        from modules import shared

        if shared.opts.live_previews_enable and shared.opts.show_progress_every_n_steps == -1:
            self.do_set_current_image()
        self.job_no += 1
        self.sampling_step = 0
        self.current_image_sampling_step = 0

    def dict(self):
        keys = ("skipped", "interrupted", "stopping_generation", "job", "job_count",
                "job_timestamp", "job_no", "sampling_step", "sampling_steps")
        return {key: getattr(self, key) for key in keys}

    def begin(self, job: str = "(unknown)"):
        self.job = job
        self.job_count = -1
        self.job_no = 0
        self.job_timestamp = datetime.now().strftime("%Y%m%d%H%M%S")
        self.processing_has_refined_job_count = False
        self.sampling_step = 0
        self.current_latent = self.current_image = None
        self.current_image_sampling_step = 0
        self.id_live_preview = 0
        self.skipped = self.interrupted = self.stopping_generation = False
        self.textinfo = None
        self.time_start = time.time()

    def end(self):
        self.job = ""
        self.job_count = 0

    def set_current_image(self):
        """Makes a preview from the latest latent once enough steps passed since the last one."""
        from modules import shared

        every = shared.opts.show_progress_every_n_steps
        due = self.sampling_step - self.current_image_sampling_step >= every
        if shared.opts.live_previews_enable and every != -1 and due:
            self.do_set_current_image()

    def do_set_current_image(self):
        if self.current_latent is None:
            return
        from modules import sd_samplers

        self.assign_current_image(sd_samplers.latent_to_image(self.current_latent))
        self.current_image_sampling_step = self.sampling_step

    def assign_current_image(self, image):
        self.current_image = image
        self.id_live_preview += 1
