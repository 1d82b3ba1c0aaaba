"""The frame loop: a FramePlan, its inputs and a Host in; frames and their frame log out.

2D and 3D: each diffused frame D_d starts from the previous diffused frame D_k moved forward
through the motion of frames k+1..d (one resample per frame), then colour coherence, contrast,
anti-blur and noise, then one generation. The cadence frames between are tweens of D_k moved
forward and D_d moved back to their frame, cross-faded (or met halfway along optical flow).
Video Input restyles each input frame; Interpolation generates every frame from text.

Diffused frames are written as generated, so a run is resumed from its last complete diffused
frame and, given a deterministic host, gives the same bytes as an uninterrupted run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from lib_animation.controlnet import FrameControl
from lib_animation.errors import RenderError
from lib_animation.frame_hybrid import FrameHybrid
from lib_animation.frame_masks import FrameMasks
from lib_animation.frame_motions import frame_motion
from lib_animation.frame_requests import frame_request
from lib_animation.host import FrameRequest, GenerationInterrupted, Host
from lib_animation.imaging.color import ColorMatcher, to_grayscale
from lib_animation.imaging.contrast import adjust_contrast
from lib_animation.imaging.guided import blend_toward, color_correct
from lib_animation.imaging.masks import composite
from lib_animation.imaging.noise import add_noise
from lib_animation.imaging.sharpen import unsharp_mask
from lib_animation.inputs.gather import RenderInputs
from lib_animation.motion.depth import DepthModelCache, DepthProvider, depth_to_png_array
from lib_animation.motion.flow import FLOW_METHOD_OF_SETTING, estimate_flow, warp_by_flow
from lib_animation.motion.frame_motion import FrameWarper
from lib_animation.motion.raft_weights import FlowModel, load_raft_flow
from lib_animation.output.frames import FrameWriter
from lib_animation.output.manifest import ManifestRecorder
from lib_animation.plan import FramePlan, effective_cadence
from lib_animation.png_frames import frame_name, read_frame
from lib_animation.render_options import RenderOptions
from lib_animation.render_progress import RenderProgress
from lib_animation.schema import NAME, Mode, Settings, applies

DEPTH_MODEL_OF_SETTING = {"Midas-3-Hybrid": "dpt-hybrid-midas", "Midas-3-Large": "dpt-large"}
COLOR_SPACES = ("LAB", "HSV", "RGB")
REDO_STREAM = 11


@dataclass(frozen=True)
class LoopResult:
    completed: int  # frames 0..completed-1 are on disk
    interrupted: bool
    resumed_from: int  # first frame rendered in this session (0 for a fresh run)
    generations: int
    elapsed_s: float


def render_frames(
    plan: FramePlan,
    inputs: RenderInputs,
    host: Host,
    folder: Path,
    options: RenderOptions | None = None,
    *,
    recorder: ManifestRecorder,
    first_missing: int = 0,
    recorded_seeds: Mapping[int, int] | None = None,
    on_progress: Callable[[RenderProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> LoopResult:
    """Render the plan's frames from `first_missing` on into `folder` (frames before it are
    on disk), recording each with `recorder`. Stops between frames when the host was
    interrupted or `should_stop()` says so; the run can then be resumed. `recorded_seeds` are
    the seeds the frames on disk were made with (a rerolled frame's differs from the plan's)."""
    options = options or RenderOptions()
    loop = _FrameLoop(plan, host, inputs, options, folder, should_stop)
    loop.recorded_seeds = recorded_seeds or {}
    started = time.monotonic()
    status = "failed"
    writer = FrameWriter(folder, on_written=recorder.frame_written)
    try:
        with writer:
            loop.run(writer, recorder, first_missing, started, on_progress)
        status = "interrupted" if loop.interrupted else "finished"
    finally:
        recorder.finish(status)
    return LoopResult(
        completed=loop.completed,
        interrupted=loop.interrupted,
        resumed_from=loop.resumed_from,
        generations=loop.generations,
        elapsed_s=time.monotonic() - started,
    )


class _FrameLoop:
    def __init__(
        self,
        plan: FramePlan,
        host: Host,
        inputs: RenderInputs,
        options: RenderOptions,
        run_dir: Path,
        should_stop: Callable[[], bool] | None = None,
    ) -> None:
        self.plan = plan
        self.settings = plan.settings
        self.host = host
        self.inputs = inputs
        self.masks = FrameMasks(plan, inputs)
        self.control = FrameControl(plan, inputs)
        self.last: np.ndarray | None = None  # the last diffused frame written
        self.run_dir = run_dir
        self.mode = self.settings.animation_mode
        self.should_stop = should_stop or (lambda: False)
        self.quality_metrics = options.quality_metrics
        warping = self.mode in (Mode.TWO_D, Mode.THREE_D)
        self.warper = FrameWarper(options.warp) if warping else None
        self.depth = _depth_provider(self.settings, options) if self.mode == Mode.THREE_D else None
        self.hybrid = _hybrid(plan, inputs, run_dir, options, self.depth) if warping else None
        self.flow_model = _raft_flow(self.settings, options)
        if self.hybrid is not None:
            self.hybrid.flow_model = self.flow_model
        self._shown: tuple[np.ndarray, np.ndarray | None] | None = None  # last frame written
        self.matcher: ColorMatcher | None = None
        self._reference_frame = -1
        if inputs.color_image is not None:
            self.matcher = ColorMatcher(inputs.color_image, "LAB")
        self._params_pending: dict[int, dict[str, object]] = {}
        self._infotexts: dict[int, str | None] = {}
        self.generations = 0
        self.completed = 0
        self.interrupted = False
        self.resumed_from = 0

    # The walk over diffused frames -------------------------------------------------------------

    def run(self, writer, recorder, first_missing, started, on_progress) -> None:
        self.writer, self.recorder = writer, recorder
        self.started, self.on_progress = started, on_progress
        diffused = [int(d) for d in self.plan.diffused_frames()]
        done_diffused = [d for d in diffused if d < first_missing]
        previous = None
        if done_diffused:
            previous = done_diffused[-1]
            self._restore(previous)
        self.resumed_from = 0 if previous is None else previous + 1
        self.completed = self.resumed_from
        if previous is not None and previous + 1 < self.plan.max_frames:
            self._replay(previous, done_diffused)
        for frame in diffused:
            if previous is not None and frame <= previous:
                continue
            if self.host.interrupted() or self.should_stop():
                self.interrupted = True
                return
            try:
                self._block(previous, frame)
            except GenerationInterrupted:
                self.interrupted = True
                return
            previous = frame

    def _restore(self, frame: int) -> None:
        """Resume: rebuild the loop's state from the frames on disk."""
        self.last = read_frame(self.run_dir / frame_name(frame))
        self.last_depth = self._predict_depth(self.last)
        self._shown = (self.last, self.last_depth)
        self._set_reference(read_frame(self.run_dir / frame_name(0)))

    def _replay(self, frame: int, done_diffused: list[int]) -> None:
        """A host whose output depends on the request before (the WebUI over HTTP: its img2img
        draws the init image's VAE sample from a global generator the previous request left)
        gets the last request of the frame the run resumes after again, result discarded, so
        the next frame is made as in an uninterrupted run. That state depends on the request's
        seed and sizes, not on its pixels, so the init is rebuilt as the frame loop made it
        before any redo."""
        if not getattr(self.host, "replays_previous_request", False):
            return
        init: np.ndarray | None
        strength = None
        if frame == 0:
            if self.mode in (Mode.VIDEO_INPUT, Mode.INTERPOLATION):
                init = None if self.mode == Mode.INTERPOLATION else self._video_init(0)
            else:
                init, strength = self._first_init()
        elif self.warper is None:
            init = None if self.mode == Mode.INTERPOLATION else self._video_init(frame)
        else:
            before = done_diffused[-2]
            image = read_frame(self.run_dir / frame_name(before))
            depth = self._predict_depth(image)
            for index in range(before + 1, frame + 1):
                image, depth = self._move_forward(image, depth, index, diffused=index == frame)
            init = self._prepare(image, frame)
        request = frame_request(self.plan, frame, init, mask=self.masks.inpaint(frame),
                                strength=strength)
        seed = self.recorded_seeds.get(frame)
        if seed is not None and seed != request.seed:
            request = replace(request, seed=seed)
        self.host.generate(replace(self._guided(request), purpose="replay"))
        self.generations += 1

    def _video_init(self, frame: int) -> np.ndarray:
        source = read_frame(self.inputs.video_frames[frame])
        if self.settings.color_coherence == "Video Input":
            self.matcher = self._video_reference(frame, source)
        return self._prepare(source, frame)

    def _block(self, previous: int | None, frame: int) -> None:
        if previous is None:
            image = self._generate_first()
            self.last_depth = self._predict_depth(image)
            self._emit(frame, image, self.last_depth)
        elif self.warper is None:
            image = self._generate_unwarped(frame)
            self._emit(frame, image, None)
        else:
            self._warped_block(previous, frame)

    def _warped_block(self, previous: int, frame: int) -> None:
        forward = []
        image, depth = self.last, self.last_depth
        for index in range(previous + 1, frame + 1):
            image, depth = self._move_forward(image, depth, index, diffused=index == frame)
            forward.append((image, depth))
        init = self._prepare(forward[-1][0], frame)
        generated = self._generate(frame, init)
        generated_depth = self._predict_depth(generated)
        backward = self._backward_chain(generated, generated_depth, previous, frame)
        span = frame - previous
        text = self._infotexts.get(frame)
        # The frame after the last diffused one follows it on screen, and forward[0] is it moved
        # by that frame's camera motion: what the warp error would compute again.
        moved_last = forward[0][0] if self.hybrid is None else None
        for offset, index in enumerate(range(previous + 1, frame), start=1):
            tween = self._tween(forward[offset - 1][0], backward[index], offset / span, index)
            self._emit(index, tween, forward[offset - 1][1], text,
                       moved_previous=moved_last if offset == 1 else None)
        self._emit(frame, generated, generated_depth,
                   moved_previous=moved_last if span == 1 else None)
        self.last_depth = generated_depth

    def _move_forward(self, image: np.ndarray, depth: np.ndarray | None, frame: int, *,
                      diffused: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """`image` and its depth moved by frame's motion: the camera's, then the hybrid
        video's; a diffused frame's init gets the hybrid composites around the latter."""
        motion = frame_motion(self.plan, frame)
        moved = self.warper.forward(image, depth, motion)
        if self.hybrid is not None:
            if diffused:
                moved = self.hybrid.before_motion(moved, frame)
            moved = self.hybrid.move(moved, frame)
            if diffused:
                moved = self.hybrid.after_motion(moved, frame)
        return moved, self.warper.forward_depth(depth, motion)

    def _backward_chain(self, image, depth, previous: int, frame: int) -> dict[int, np.ndarray]:
        chain = {}
        for index in range(frame - 1, previous, -1):
            if self.hybrid is not None:
                image = self.hybrid.move_back(image, index + 1)
            image = self.warper.backward(image, depth, frame_motion(self.plan, index + 1))
            chain[index] = image
        return chain

    def _tween(self, before: np.ndarray, after: np.ndarray, weight: float, frame: int):
        method = FLOW_METHOD_OF_SETTING.get(self.settings.optical_flow_cadence)
        if method is not None:
            factor = self.plan.value(NAME.cadence_flow_factor_schedule, frame)
            forward_flow = estimate_flow(before, after, method, model=self.flow_model)
            backward_flow = estimate_flow(after, before, method, model=self.flow_model)
            before = warp_by_flow(before, forward_flow, weight * factor)
            after = warp_by_flow(after, backward_flow, (1 - weight) * factor)
        return cross_fade(before, after, weight)

    def _emit(self, frame: int, image: np.ndarray, depth: np.ndarray | None,
              text: str | None = None, *, moved_previous: np.ndarray | None = None) -> None:
        """Write one frame; a tween carries the parameters text of the frame it leads to.
        `moved_previous`: the frame shown before it moved by its motion, when already made."""
        params = self._params_pending.pop(frame, None) or {"tween": True}
        if self.quality_metrics:
            params["warp_error"] = self._warp_error(frame, image, moved_previous)
        self.recorder.set_params(frame, params)
        self._shown = (image, depth)
        depth_png = None
        if self.settings.save_depth_maps and depth is not None:
            depth_png = depth_to_png_array(depth)
        text = self._infotexts.pop(frame, text)
        self.writer.submit(frame, image, depth=depth_png, text=text)
        if self.plan.diffused[frame]:
            self.last = image
        self.completed = frame + 1
        self._report(frame)

    def _warp_error(self, frame: int, image: np.ndarray,
                    moved: np.ndarray | None = None) -> float | None:
        """For the quality report: mean |frame t-1 moved by frame t's camera motion - frame t|
        over the pixels the move fills from inside the frame, with the depth the render used."""
        if self.warper is None or self._shown is None:
            return None
        previous, previous_depth = self._shown
        motion = frame_motion(self.plan, frame)
        if moved is None:
            moved, valid = self.warper.forward_with_valid_mask(previous, previous_depth, motion)
        else:
            valid = self.warper.valid_mask(previous, previous_depth, motion)
        if not valid.any():
            return None
        difference = cv2.absdiff(moved, image)
        per_channel = cv2.mean(difference) if valid.all() else cv2.mean(
            difference, mask=valid.view(np.uint8))
        return round(sum(per_channel[:3]) / 3, 4)

    def _report(self, frame: int) -> None:
        total = self.plan.max_frames
        text = f"frame {frame + 1}/{total}"
        self.host.progress(frame + 1, total, text)
        if self.on_progress is not None:
            elapsed = time.monotonic() - self.started
            self.on_progress(RenderProgress(frame + 1, total, elapsed,
                                            frame + 1 - self.resumed_from, text))

    # What each mode generates ---------------------------------------------------------------------

    def _generate_first(self) -> np.ndarray:
        if self.mode in (Mode.VIDEO_INPUT, Mode.INTERPOLATION):
            return self._generate_unwarped(0)
        init, strength = self._first_init()
        return self._generate(0, init, first_strength=strength)

    def _first_init(self) -> tuple[np.ndarray | None, float | None]:
        """Frame 0's init and strength: the init image at its own strength, with guided
        images the first guide image at the image strength schedule's, with hybrid video (by
        default) the video's first frame at the init strength (as in Deforum)."""
        if self.plan.guide is not None:
            return self._guide_image(0), None
        video = None if self.hybrid is None else self.hybrid.first_init()
        if video is not None:
            return video, self.settings.strength
        return self.inputs.init_image, self.settings.strength

    def _guide_image(self, frame: int) -> np.ndarray:
        return self.inputs.guide_images[int(self.plan.guide.entry[frame])]

    def _controlled(self, request: FrameRequest) -> FrameRequest:
        """The request with the ControlNet units that steer its frame."""
        previous = self.last if request.frame > 0 else None
        units = self.control.units_for(request.frame, request.init_image, previous)
        return replace(request, controlnet_units=units) if units else request

    def _guided(self, request: FrameRequest) -> FrameRequest:
        """Guided images, after frame 0: the init blended toward the frame's guide image, and
        the WebUI's colour correction toward that init blended further toward it (Deforum's
        looper)."""
        guide = self.plan.guide
        if guide is None or request.init_image is None or request.frame == 0:
            return request
        image = self._guide_image(request.frame)
        init = blend_toward(request.init_image, image, float(guide.blend[request.frame]))
        factor = self.plan.value(NAME.color_correction_factor, request.frame)
        return replace(request, init_image=init, color_correction=blend_toward(init, image, factor))

    def _host_generate(self, request: FrameRequest) -> np.ndarray:
        """One generation; the colour correction is applied here for a host that does not
        apply it itself."""
        image = self._checked(self.host.generate(request), request.frame)
        if request.color_correction is not None and not getattr(
                self.host, "applies_color_correction", False):
            image = color_correct(image, request.color_correction)
        return image

    def _generate_unwarped(self, frame: int) -> np.ndarray:
        if self.mode == Mode.INTERPOLATION:
            return self._generate(frame, None)
        return self._generate(frame, self._video_init(frame))

    def _video_reference(self, frame: int, source: np.ndarray) -> ColorMatcher:
        """The input frame every N frames is the colour reference until the next one; a resumed
        run rebuilds the same reference."""
        every = self.settings.color_coherence_video_every_N_frames
        reference_frame = frame - frame % every
        if self.matcher is not None and self._reference_frame == reference_frame:
            return self.matcher
        self._reference_frame = reference_frame
        if reference_frame != frame:
            source = read_frame(self.inputs.video_frames[reference_frame])
        return ColorMatcher(source, "LAB")

    def _prepare(self, image: np.ndarray, frame: int) -> np.ndarray:
        """The init image of a diffused frame: coherence, contrast, anti-blur, noise."""
        value = self.plan.value
        settings = self.settings
        if self.hybrid is not None and self.hybrid.has_video_frames and \
                settings.color_coherence == "Video Input":
            self.matcher = self._video_reference(frame, self.hybrid.video_frame(frame))
        if self.matcher is not None:
            image = self.matcher(image)
        if settings.color_force_grayscale:
            image = to_grayscale(image)
        contrast = value(NAME.contrast_schedule, frame)
        if contrast != 1.0:
            image = adjust_contrast(image, contrast)
        amount = value(NAME.amount_schedule, frame)
        if amount != 0.0:
            image = unsharp_mask(
                image,
                amount=amount,
                kernel=value(NAME.kernel_schedule, frame),
                sigma=value(NAME.sigma_schedule, frame),
                threshold=value(NAME.threshold_schedule, frame),
            )
        noise = value(NAME.noise_schedule, frame)
        if noise > 0.0:
            noised = add_noise(
                image,
                noise,
                seed=int(self.plan.seeds[frame]),
                noise_type=settings.noise_type,
                octaves=settings.perlin_octaves,
                persistence=settings.perlin_persistence,
            )
            inside = self.masks.noise(frame)
            image = noised if inside is None else composite(noised, image, inside)
        return image

    def _generate(
        self, frame: int, init: np.ndarray | None, *, first_strength: float | None = None
    ) -> np.ndarray:
        request = self._controlled(frame_request(self.plan, frame, init,
                                                 mask=self.masks.inpaint(frame),
                                                 strength=first_strength))
        request = self._guided(self._redo(request))
        image = self._host_generate(request)
        self.generations += 1
        request, image = self._reroll(request, image)
        self._infotexts[frame] = self.host.last_infotext()
        if self.hybrid is not None:
            image = self.hybrid.after_generation(image, frame)
        image = self._finish(image, frame, init)
        self._params_pending[frame] = request.parameters()
        if frame == 0:
            self._set_reference(image)
        return image

    def _finish(self, image: np.ndarray, frame: int, init: np.ndarray | None) -> np.ndarray:
        """After generation: colour match, grayscale, mask overlay (the generated pixels inside
        the frame's mask, the init's outside)."""
        if self.matcher is not None and frame > 0:
            image = self.matcher(image)
        if self.settings.color_force_grayscale:
            image = to_grayscale(image)
        mask = self.masks.inpaint(frame)
        if mask is not None and self.settings.overlay_mask and init is not None:
            image = composite(image, init, mask, self.settings.invert_mask)
        return image

    def _set_reference(self, first_frame: np.ndarray) -> None:
        """Colour coherence to the first frame; Interpolation frames are free of it."""
        if self.settings.color_coherence in COLOR_SPACES and self.mode != Mode.INTERPOLATION:
            self.matcher = ColorMatcher(first_frame, self.settings.color_coherence)

    def _redo(self, request: FrameRequest) -> FrameRequest:
        """Optical-flow redo and diffusion redo: throwaway generations that steer the init."""
        if request.init_image is None:
            return request
        settings = self.settings
        method = FLOW_METHOD_OF_SETTING.get(settings.optical_flow_redo_generation)
        if method is not None:
            throwaway = self._throwaway(request, 0)
            flow = estimate_flow(request.init_image, throwaway, method, model=self.flow_model)
            factor = self.plan.value(NAME.redo_flow_factor_schedule, request.frame)
            request = replace(request, init_image=warp_by_flow(request.init_image, flow, factor))
        for attempt in range(1, settings.diffusion_redo + 1):
            request = replace(request, init_image=self._throwaway(request, attempt))
        return request

    def _throwaway(self, request: FrameRequest, attempt: int) -> np.ndarray:
        rng = np.random.default_rng([request.seed, request.frame, REDO_STREAM, attempt])
        seed = int(rng.integers(0, 2**32))
        image = self._host_generate(self._guided(replace(request, seed=seed, purpose="redo")))
        self.generations += 1
        return image

    def _reroll(
        self, request: FrameRequest, image: np.ndarray
    ) -> tuple[FrameRequest, np.ndarray]:
        """Blank frames: retry with seed + 1, + 2, ... (the request that made the kept image is
        returned, so the manifest records the seed that was used)."""
        policy = self.settings.reroll_blank_frames
        first_seed = request.seed
        attempts = 0
        while policy != "ignore" and not image.any():
            if policy == "interrupt":
                raise RenderError("the generated frame is blank; the run stops here",
                                  setting=NAME.reroll_blank_frames, frame=request.frame)
            if attempts >= self.settings.reroll_patience:
                raise RenderError(f"still blank after {attempts} rerolls",
                                  setting=NAME.reroll_patience, frame=request.frame)
            attempts += 1
            request = replace(request, seed=(first_seed + attempts) % 2**32)
            image = self._host_generate(request)
            self.generations += 1
        return request, image

    def _checked(self, image: np.ndarray, frame: int) -> np.ndarray:
        expected = (self.settings.H, self.settings.W, 3)
        if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.shape != expected:
            shape = getattr(image, "shape", None)
            raise RenderError(f"the host returned an image of shape {shape}, expected {expected}",
                              frame=frame)
        return image

    def _predict_depth(self, image: np.ndarray) -> np.ndarray | None:
        return None if self.depth is None else self.depth.predict(image)




def cross_fade(before: np.ndarray, after: np.ndarray, weight: float) -> np.ndarray:
    """(1 - weight) * before + weight * after, rounded, in one saturating OpenCV pass."""
    return cv2.addWeighted(before, 1.0 - weight, after, weight, 0.0)


def _hybrid(plan: FramePlan, inputs: RenderInputs, run_dir: Path, options: RenderOptions,
            depth: DepthProvider | None) -> FrameHybrid | None:
    """The run's hybrid video; its depth masks use the 3D warp's depth model (in 2D, the one
    the depth settings name)."""
    hybrid = FrameHybrid.of_run(plan, inputs, run_dir)
    if hybrid is not None and hybrid.needs_depth:
        hybrid.depth_of = (depth or _depth_provider(plan.settings, options)).predict
    return hybrid


def raft_flow_settings(settings: Settings) -> list[str]:
    """The flow settings of a run that estimate flow with RAFT (the cadence flow only with
    cadence frames, as Deforum loads RAFT)."""
    names = [NAME.optical_flow_cadence, NAME.optical_flow_redo_generation,
             NAME.hybrid_flow_method]
    used = [name for name in names if settings[name] == "RAFT" and applies(settings, name)]
    if effective_cadence(settings) <= 1 and NAME.optical_flow_cadence in used:
        used.remove(NAME.optical_flow_cadence)
    return used


def _raft_flow(settings: Settings, options: RenderOptions) -> FlowModel | None:
    """RAFT's model when a flow setting of the run chooses it; without a model folder the run
    is refused here, before frame 0."""
    names = raft_flow_settings(settings)
    if not names:
        return None
    return load_raft_flow(options.models_dir, options.depth_device, options.depth_progress,
                          setting=names[0], weights=options.raft_weights)


def _depth_provider(settings, options: RenderOptions) -> DepthProvider:
    cache = options.depth_cache or DepthModelCache()
    name = "flat"
    if settings.use_depth_warping and options.models_dir is not None:
        name = DEPTH_MODEL_OF_SETTING[settings.depth_algorithm]
    return cache.get(name, models_dir=options.models_dir or Path(),
                     device=options.depth_device, progress=options.depth_progress)
