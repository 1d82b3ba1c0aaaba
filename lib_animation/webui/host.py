"""The in-process Host: each FrameRequest becomes one of the WebUI's own img2img (or txt2img)
processing objects, run by its processing function, so the frame gets the WebUI's sampler,
scheduler, checkpoint, extra networks and always-on scripts.

The caller (the job manager) holds the WebUI's queue lock for the whole run and has begun the
host's progress state; this module only fills that state per frame.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from modules import call_queue, devices, processing, scripts, sd_models, sd_samplers, shared
from PIL import Image

from lib_animation.control_units import UnitNames, check_controlnet_names
from lib_animation.errors import RenderError
from lib_animation.generation_fields import OVERRIDDEN, generation_fields
from lib_animation.host import FrameRequest, GenerationInterrupted, NamesInUse
from lib_animation.host_names import HostNames, check_names, lower_set
from lib_animation.runs import DepthModelCache, RenderOptions, WarpOptions
from lib_animation.webui import compat, controlnet
from lib_animation.webui.options import current_options

_ABSENT = object()


@dataclass(frozen=True)
class JobProgress:
    """The WebUI's progress state for a run: its title and how many generations it takes."""

    title: str
    generations: int


class WebUIHost:
    """`outpath` is where the WebUI's processing may write side files (it saves nothing itself:
    samples and grids are off). `always_on_scripts` runs other extensions' always-on scripts on
    every frame, with their default settings, as in img2img. `checkpoint`: the one frames
    without a checkpoint schedule use (the run's, pinned when it started), so a checkpoint the
    user picks during the run waits for the run to end. `job`: the progress state to keep up,
    as other WebUI calls ending meanwhile clear it."""

    # A request's colour correction goes to the WebUI's img2img, which applies it itself.
    applies_color_correction = True

    def __init__(self, outpath: str, *, always_on_scripts: bool = True,
                 checkpoint: str | None = None, job: JobProgress | None = None) -> None:
        self.outpath = outpath
        self.always_on_scripts = always_on_scripts
        self.checkpoint = checkpoint
        self.job = job
        self.sent_options: dict[str, list[Any]] = {}  # every option value a frame overrode
        self._infotext: str | None = None

    # Host protocol ----------------------------------------------------------------------------

    def check_names(self, names: NamesInUse) -> None:
        check_names(names, host_names())

    def check_controlnet(self, units: tuple[UnitNames, ...]) -> None:
        runner = scripts.scripts_img2img if compat.runner_ready(scripts.scripts_img2img) else None
        check_controlnet_names(units, controlnet.controlnet_names(runner))

    def generate(self, request: FrameRequest) -> np.ndarray:
        # The WebUI loads its checkpoint in a thread at start-up, holding the model's lock;
        # reading the model waits for that load, where process_images would start a second
        # load beside it and both would fail.
        shared.sd_model  # noqa: B018
        p = self._processing(request)
        compat.seed_global_generator(request.seed)
        with contextlib.closing(p):
            processed = processing.process_images(p)
        if processed is None:
            raise RenderError("the WebUI produced nothing (is a checkpoint loaded?)",
                              frame=request.frame)
        # "Stop after the current image" (the Interrupt button's default) leaves this image
        # whole: it is kept, and the loop stops before the next generation.
        if shared.state.interrupted or not processed.images:
            raise GenerationInterrupted
        if shared.state.skipped:
            shared.state.skipped = False
            if request.init_image is not None:
                self._infotext = None
                return request.init_image.copy()
        index = min(getattr(processed, "index_of_first_image", 0), len(processed.images) - 1)
        infotexts = getattr(processed, "infotexts", None) or [processed.info]
        self._infotext = infotexts[min(index, len(infotexts) - 1)] or None
        return _as_frame(processed.images[index], request)

    def progress(self, done: int, total: int, text: str) -> None:
        state = shared.state
        if self.job is not None and state.job_count <= 0:
            state.job, state.job_count = self.job.title, self.job.generations
        state.textinfo = f"Keyframes: {text}"

    def interrupted(self) -> bool:
        state = shared.state
        return bool(state.interrupted or state.stopping_generation)

    def last_infotext(self) -> str | None:
        return self._infotext

    def upscaler_names(self) -> list[str]:
        return [upscaler.name for upscaler in shared.sd_upscalers]

    def upscale(self, image: np.ndarray, upscaler: str, factor: int) -> np.ndarray:
        """As the WebUI's Extras tab upscales: the named upscaler's scaler at `factor` (which
        rounds the size down to a multiple of 8, as the host does)."""
        chosen = next(item for item in shared.sd_upscalers if item.name == upscaler)
        result = chosen.scaler.upscale(Image.fromarray(image), factor, chosen.data_path)
        return np.asarray(result.convert("RGB"), dtype=np.uint8).copy()

    # The processing object --------------------------------------------------------------------

    def _checkpoint_moved(self) -> bool:
        """Whether the user picked another checkpoint since the run began. Only then is the
        run's own one asked for: the WebUI puts an overridden option back after the call to
        what it was before the call, which would undo a pick made during that call."""
        selected = shared.opts.data.get("sd_model_checkpoint")
        return bool(self.checkpoint) and selected != self.checkpoint

    def _processing(self, request: FrameRequest):
        if request.checkpoint is None and self._checkpoint_moved():
            request = replace(request, checkpoint=self.checkpoint)
        fields = compat.supported_fields(generation_fields(request))
        for key, value in fields["override_settings"].items():
            self.sent_options.setdefault(key, []).append(value)
        fields.update(outpath_samples=self.outpath, outpath_grids=self.outpath,
                      do_not_save_samples=True, do_not_save_grid=True)
        if request.init_image is None:
            p = processing.StableDiffusionProcessingTxt2Img(**fields)
            runner = scripts.scripts_txt2img
        else:
            fields["init_images"] = [Image.fromarray(request.init_image)]
            if request.mask is not None:
                fields["mask"] = Image.fromarray(request.mask).convert("L")
            p = processing.StableDiffusionProcessingImg2Img(**fields)
            if request.color_correction is not None:
                reference = Image.fromarray(request.color_correction)
                p.color_corrections = [processing.setup_color_correction(reference)]
            runner = scripts.scripts_img2img
        # Marked as an API call before the scripts are set: the WebUI's built-in sampler and
        # seed scripts then keep the frame's values.
        p.is_api = True
        units = request.controlnet_units
        if compat.runner_ready(runner) and (self.always_on_scripts or units):
            # Always-on scripts off: ControlNet still runs the frame's units, alone.
            p.scripts = runner if self.always_on_scripts else controlnet.only_controlnet(runner)
            p.script_args = compat.default_script_args(runner)
        else:
            p.scripts = None
            p.script_args = []
        if units:
            controlnet.attach_units(p, units)
        return p


def host_names() -> HostNames:
    """The samplers, schedulers and checkpoints this WebUI has, with every alias it accepts."""
    samplers = list(sd_samplers.all_samplers)
    schedulers = compat.schedulers()
    checkpoints = list(sd_models.checkpoints_list.values())
    return HostNames(
        samplers=tuple(sampler.name for sampler in samplers),
        sampler_aliases=lower_set(
            alias for sampler in samplers for alias in [sampler.name, *(sampler.aliases or [])]
        ),
        schedulers=tuple(label for _name, label in schedulers),
        scheduler_aliases=lower_set(text for pair in schedulers for text in pair),
        checkpoints=tuple(info.title for info in checkpoints),
        # The very table the WebUI resolves `sd_model_checkpoint` overrides with.
        checkpoint_aliases=frozenset(sd_models.checkpoint_aliases),
    )


def _as_frame(image: Image.Image, request: FrameRequest) -> np.ndarray:
    """The WebUI's image as the frame the loop expects: RGB uint8 of the requested size."""
    image = image.convert("RGB")
    if image.size != (request.width, request.height):
        image = image.resize((request.width, request.height), Image.LANCZOS)
    return np.asarray(image, dtype=np.uint8).copy()


class WebUISession:
    """The job manager's view of the WebUI: its queue lock, progress state, device and the
    Keyframes options as the user set them."""

    def __init__(self) -> None:
        self.depth_cache = DepthModelCache()
        self._saved_options: dict[str, Any] = {}
        self._job: JobProgress | None = None
        self._checkpoint: str | None = None
        self._hosts: list[WebUIHost] = []

    def lock(self):
        return call_queue.queue_lock

    def begin(self, title: str, generations: int) -> None:
        """A run starts: its checkpoint is the one selected now, and the options it may
        override are noted, to put back those that only Keyframes changed."""
        self._saved_options = {key: shared.opts.data.get(key, _ABSENT) for key in OVERRIDDEN}
        self._checkpoint = shared.opts.data.get("sd_model_checkpoint") or None
        self._job = JobProgress(title, generations)
        shared.state.begin(job=title)
        shared.state.job_count = generations
        shared.state.textinfo = "Keyframes: starting"

    def end(self) -> None:
        """Options the run's frames overrode and the WebUI left set are put back; one the user
        changed during the run keeps the user's value."""
        sent = {key: values for host in self._hosts for key, values in host.sent_options.items()}
        for key, before in self._saved_options.items():
            now = shared.opts.data.get(key, _ABSENT)
            if now is _ABSENT or now == before or now not in sent.get(key, ()):
                continue
            if before is _ABSENT:
                shared.opts.data.pop(key, None)
            else:
                shared.opts.data[key] = before
        self._hosts.clear()
        self._job = self._checkpoint = None
        shared.state.end()

    def make_host(self) -> WebUIHost:
        options = current_options()
        host = WebUIHost(str(options.output_dir), always_on_scripts=options.always_on_scripts,
                         checkpoint=self._checkpoint, job=self._job)
        if self._job is not None:
            self._hosts.append(host)
        return host

    def render_options(self) -> RenderOptions:
        device = devices.device
        on_gpu = getattr(device, "type", str(device)) == "cuda"
        return RenderOptions(
            warp=WarpOptions(backend="torch" if on_gpu else "opencv",
                             device=device if on_gpu else None),
            models_dir=current_options().depth_models_dir,
            depth_device=str(device),
            depth_progress=_download_progress,
            depth_cache=self.depth_cache,
        )

    def interrupt(self) -> None:
        shared.state.interrupt()

    def after_run(self) -> None:
        if not current_options().keep_depth_model:
            self.depth_cache.unload()


def _download_progress(done: int, total: int, text: str) -> None:
    size = f"{done / 2**20:.0f}/{total / 2**20:.0f} MiB" if total else f"{done / 2**20:.0f} MiB"
    shared.state.textinfo = f"Keyframes: downloading {text}: {size}"


class WebUICatalog:
    """The names the tab offers: this WebUI's samplers, schedulers and checkpoints."""

    def samplers(self) -> list[str]:
        return list(host_names().samplers)

    def schedulers(self) -> list[str]:
        return list(host_names().schedulers)

    def checkpoints(self) -> list[str]:
        return list(host_names().checkpoints)

    def upscalers(self) -> list[str]:
        return [upscaler.name for upscaler in shared.sd_upscalers]

    def controlnet_models(self) -> list[str]:
        """The ControlNet extension's models ([] without the extension)."""
        return controlnet.model_list()

    def controlnet_modules(self) -> list[str]:
        """The ControlNet extension's preprocessors ([] without the extension)."""
        return controlnet.module_list()

    def refresh_checkpoints(self) -> list[str]:
        """As the WebUI's own refresh route: under its queue lock, so a run never sees the list
        half rebuilt. While a generation holds the lock the list is given as it is."""
        lock = call_queue.queue_lock
        if lock.acquire(blocking=False):
            try:
                sd_models.list_models()
            finally:
                lock.release()
        return self.checkpoints()
