"""Processing: the txt2img/img2img objects with the host's fields and defaults, ``Processed``,
the infotext, and ``process_images`` with the host's order of option overrides, checkpoint
reloads, script hooks, progress and interrupt/skip handling.

Nothing is really diffused. A batch "samples" in pixel space (the "latents" handed to scripts
are (batch, 3, H, W) tensors in -1..1):
* txt2img draws a pattern from the seed (and variation seed) tinted by a colour hashed from the
  prompts, CFG scale, sampler, scheduler and loaded checkpoint;
* img2img mixes the resized init image with that pattern by the denoising strength. Like the
  host's VAE encode, reading the init image adds a little noise from torch's global generator,
  so the result depends on the global RNG state. Where the mask is 0 the init image is kept.
Stopping early (interrupt/skip) leaves the image less denoised; it is still returned. A stop
after the current image (``state.stopping_generation``) is only checked before each batch.

fake-only: ``processed_log`` gets a ``ProcessingCall`` for every ``process_images`` call.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import torch
from modules import images, script_callbacks, scripts, sd_models, sd_samplers, shared
from PIL import Image, ImageFilter, ImageOps
from skimage import exposure

opt_C = 4  # noqa: N816  (the host's name)
opt_f = 8


@dataclass
class ProcessingCall:
    """fake-only: what one ``process_images`` call saw."""

    p: Any
    queue_lock_held: bool
    thread: int
    opts: dict = None  # opts.data in force during the call (after the overrides)
    checkpoint: str = None  # title of the checkpoint loaded for the call
    job_count: int = None  # state.job_count once the call has set it
    color_corrections: list = None  # p.color_corrections as the call began


processed_log: list[ProcessingCall] = []


@dataclass(repr=False)
class StableDiffusionProcessing:
    sd_model: object = None
    outpath_samples: str = None
    outpath_grids: str = None
    prompt: str = ""
    prompt_for_display: str = None
    negative_prompt: str = ""
    styles: list[str] = None
    seed: int = -1
    subseed: int = -1
    subseed_strength: float = 0
    seed_resize_from_h: int = -1
    seed_resize_from_w: int = -1
    seed_enable_extras: bool = True
    sampler_name: str = None
    scheduler: str = None
    batch_size: int = 1
    n_iter: int = 1
    steps: int = 50
    cfg_scale: float = 7.0
    width: int = 512
    height: int = 512
    restore_faces: bool = None
    tiling: bool = None
    do_not_save_samples: bool = False
    do_not_save_grid: bool = False
    extra_generation_params: dict[str, Any] = None
    overlay_images: list = None
    eta: float = None
    do_not_reload_embeddings: bool = False
    denoising_strength: float = None
    ddim_discretize: str = None
    s_min_uncond: float = None
    s_churn: float = None
    s_tmax: float = None
    s_tmin: float = None
    s_noise: float = None
    override_settings: dict[str, Any] = None
    override_settings_restore_afterwards: bool = True
    sampler_index: int = None
    refiner_checkpoint: str = None
    refiner_switch_at: float = None
    disable_extra_networks: bool = False
    firstpass_image: Image = None
    comments: dict = None

    token_merging_ratio = 0
    token_merging_ratio_hr = 0
    scripts_value: Any = field(default=None, init=False)
    script_args_value: Any = field(default=None, init=False)
    scripts_setup_complete: bool = field(default=False, init=False)
    is_api: bool = field(default=False, init=False)
    user: str = field(default=None, init=False)
    sampler: Any = field(default=None, init=False)
    is_using_inpainting_conditioning: bool = field(default=False, init=False)
    c: Any = field(default=None, init=False)
    uc: Any = field(default=None, init=False)
    iteration: int = field(default=0, init=False)
    color_corrections: list = field(default=None, init=False)
    batch_index: int = field(default=0, init=False)
    all_prompts: list = field(default=None, init=False)
    all_negative_prompts: list = field(default=None, init=False)
    all_seeds: list = field(default=None, init=False)
    all_subseeds: list = field(default=None, init=False)
    main_prompt: str = field(default=None, init=False)
    main_negative_prompt: str = field(default=None, init=False)
    prompts: list = field(default=None, init=False)
    negative_prompts: list = field(default=None, init=False)
    seeds: list = field(default=None, init=False)
    subseeds: list = field(default=None, init=False)
    extra_network_data: dict = field(default=None, init=False)
    sd_model_name: str = field(default=None, init=False)
    sd_model_hash: str = field(default=None, init=False)
    sd_vae_name: str = field(default=None, init=False)
    sd_vae_hash: str = field(default=None, init=False)

    def __post_init__(self):
        if self.sampler_index is not None:
            print("sampler_index argument for StableDiffusionProcessing does nothing; "
                  "use sampler_name", file=sys.stderr)
        self.comments = {}
        self.styles = self.styles or []
        self.extra_generation_params = self.extra_generation_params or {}
        self.override_settings = self.override_settings or {}
        self.script_args = self.script_args or {}
        self.sampler_noise_scheduler_override = None
        self.refiner_checkpoint_info = None
        if not self.seed_enable_extras:
            self.subseed, self.subseed_strength = -1, 0
            self.seed_resize_from_h = self.seed_resize_from_w = 0

    @property
    def sd_model(self):  # noqa: F811  (as in the host, the field's default becomes the property)
        return shared.sd_model

    @sd_model.setter
    def sd_model(self, value):
        pass  # always the loaded model, as in the host

    @property
    def scripts(self):
        return self.scripts_value

    @scripts.setter
    def scripts(self, value):
        self.scripts_value = value
        self._maybe_setup_scripts()

    @property
    def script_args(self):
        return self.script_args_value

    @script_args.setter
    def script_args(self, value):
        self.script_args_value = value
        self._maybe_setup_scripts()

    def _maybe_setup_scripts(self):
        """Once both the runner and its args are set, always-on scripts get ``setup()``; the
        built-in UI scripts only when this is not an API call."""
        if self.scripts_value and self.script_args_value and not self.scripts_setup_complete:
            self.setup_scripts()

    def setup_scripts(self):
        self.scripts_setup_complete = True
        self.scripts.setup_scrips(self, is_ui=not self.is_api)

    def comment(self, text):
        self.comments[text] = 1

    def init(self, all_prompts, all_seeds, all_subseeds):
        pass

    def sample(self, conditioning, unconditional_conditioning, seeds, subseeds, subseed_strength,
               prompts):
        raise NotImplementedError()

    def close(self):
        self.sampler = self.c = self.uc = None

    def get_token_merging_ratio(self, for_hr=False):
        return 0

    def setup_prompts(self):
        prompts = self.prompt if isinstance(self.prompt, list) else None
        negatives = self.negative_prompt if isinstance(self.negative_prompt, list) else None
        if prompts is None:
            count = len(negatives) if negatives else self.batch_size * self.n_iter
            prompts = [self.prompt] * count
        negatives = negatives or [self.negative_prompt] * len(prompts)
        if len(prompts) != len(negatives):
            raise RuntimeError(f"Received a different number of prompts ({len(prompts)}) and "
                               f"negative prompts ({len(negatives)})")
        styles = shared.prompt_styles
        self.all_prompts = [styles.apply_styles_to_prompt(x, self.styles) for x in prompts]
        self.all_negative_prompts = [styles.apply_negative_styles_to_prompt(x, self.styles)
                                     for x in negatives]
        self.main_prompt = self.all_prompts[0]
        self.main_negative_prompt = self.all_negative_prompts[0]

    def setup_conds(self):
        self.c = ("fake conditioning", tuple(self.prompts))
        self.uc = ("fake unconditioning", tuple(self.negative_prompts))

    def save_samples(self) -> bool:
        state = shared.state
        finished = not state.interrupted and not state.skipped
        return bool(shared.opts.samples_save and not self.do_not_save_samples
                    and (shared.opts.save_incomplete_images or finished))

    # fake-only pieces of the pretend sampler

    def _target(self, index):
        """The fully "denoised" pixels (H, W, 3) in 0..1 for image ``index`` of the batch."""
        model = shared.sd_model
        key = json.dumps([self.prompts[index], self.negative_prompts[index],
                          float(self.cfg_scale), self.sampler_name, self.scheduler,
                          model.sd_checkpoint_info.title if model else None])
        tint = np.frombuffer(hashlib.sha256(key.encode()).digest()[:3], np.uint8) / 255.0
        pattern = _seed_pattern(self.seeds[index], self.width, self.height)
        if self.subseed_strength:
            other = _seed_pattern(self.subseeds[index], self.width, self.height)
            pattern = pattern + (other - pattern) * self.subseed_strength
        return 0.65 * pattern + 0.35 * tint

    def _denoise(self, start, total_steps):
        """Walks ``state.sampling_step`` from the start towards the targets, firing the
        ``cfg_denoiser`` callbacks at every step, as the host's denoiser does; stops before the
        next step on interrupt or skip. ``start`` is (batch, H, W, 3) in 0..1 (None: mid
        grey)."""
        state = shared.state
        targets = np.stack([self._target(i) for i in range(len(self.prompts))])
        begin = np.full_like(targets, 0.5) if start is None else start
        reach = 1.0 if start is None else min(float(self.denoising_strength or 0), 1.0)
        state.sampling_steps = total_steps
        done = total_steps
        for step in range(total_steps):
            if state.interrupted or state.skipped:
                done = step
                break
            state.sampling_step = step
            partial = _as_latent(begin + (targets - begin) * reach * step / total_steps)
            script_callbacks.cfg_denoiser_callback(script_callbacks.CFGDenoiserParams(
                partial, None, None, step, total_steps, self.c, self.uc))
            state.current_latent = partial
            shared.total_tqdm.update()
        fraction = done / total_steps if total_steps else 1.0
        return _as_latent(begin + (targets - begin) * reach * fraction)

    def _composite(self, image, index):
        return image


def _seed_pattern(seed, width, height):
    """Blocky colour noise from ``seed``, one block per 8x8 latent pixel."""
    rng = np.random.default_rng(int(seed) % 2**32)
    blocks = rng.random((-(-height // opt_f), -(-width // opt_f), 3))
    return blocks.repeat(opt_f, 0).repeat(opt_f, 1)[:height, :width]


def _as_latent(pixels):
    return torch.from_numpy(np.asarray(pixels, np.float32) * 2 - 1).permute(0, 3, 1, 2)


class Processed:
    def __init__(self, p: StableDiffusionProcessing, images_list, seed=-1, info="", subseed=None, all_prompts=None, all_negative_prompts=None, all_seeds=None, all_subseeds=None, index_of_first_image=0, infotexts=None, comments=""):  # noqa: E501  (the host's signature)
        self.images = images_list
        first = _first
        self.prompt = first(p.prompt)
        self.negative_prompt = first(p.negative_prompt)
        self.seed = int(first(seed)) if seed is not None else -1
        self.subseed = int(first(subseed)) if subseed is not None else -1
        self.subseed_strength = p.subseed_strength
        self.info = info
        self.comments = "".join(f"{text}\n" for text in p.comments)
        for name in ("width", "height", "sampler_name", "cfg_scale", "steps", "batch_size",
                     "restore_faces", "sd_model_name", "sd_model_hash", "sd_vae_name",
                     "sd_vae_hash", "seed_resize_from_w", "seed_resize_from_h",
                     "extra_generation_params", "styles", "eta", "ddim_discretize", "s_churn",
                     "s_tmin", "s_tmax", "s_noise", "s_min_uncond",
                     "is_using_inpainting_conditioning"):
            setattr(self, name, getattr(p, name))
        self.image_cfg_scale = getattr(p, "image_cfg_scale", None)
        self.denoising_strength = getattr(p, "denoising_strength", None)
        self.face_restoration_model = \
            shared.opts.face_restoration_model if p.restore_faces else None
        self.sampler_noise_scheduler_override = p.sampler_noise_scheduler_override
        self.token_merging_ratio = self.token_merging_ratio_hr = 0
        self.index_of_first_image = index_of_first_image
        self.job_timestamp = shared.state.job_timestamp
        self.clip_skip = shared.opts.CLIP_stop_at_last_layers
        self.all_prompts = all_prompts or p.all_prompts or [self.prompt]
        self.all_negative_prompts = \
            all_negative_prompts or p.all_negative_prompts or [self.negative_prompt]
        self.all_seeds = all_seeds or p.all_seeds or [self.seed]
        self.all_subseeds = all_subseeds or p.all_subseeds or [self.subseed]
        self.infotexts = infotexts or [info] * len(images_list)
        self.version = program_version()

    JS_KEYS = ("seed", "all_seeds", "subseed", "all_subseeds", "subseed_strength", "width",
               "height", "sampler_name", "cfg_scale", "steps", "batch_size", "restore_faces",
               "face_restoration_model", "sd_model_name", "sd_model_hash", "sd_vae_name",
               "sd_vae_hash", "seed_resize_from_w", "seed_resize_from_h", "denoising_strength",
               "extra_generation_params", "index_of_first_image", "infotexts", "styles",
               "job_timestamp", "clip_skip", "is_using_inpainting_conditioning", "version")

    def js(self):
        values = {"prompt": self.all_prompts[0], "all_prompts": self.all_prompts,
                  "negative_prompt": self.all_negative_prompts[0],
                  "all_negative_prompts": self.all_negative_prompts}
        values.update((key, getattr(self, key)) for key in self.JS_KEYS)
        return json.dumps(values, default=lambda o: None)

    def infotext(self, p: StableDiffusionProcessing, index):
        return create_infotext(p, self.all_prompts, self.all_seeds, self.all_subseeds,
                               comments=[], position_in_batch=index % self.batch_size,
                               iteration=index // self.batch_size)

    def get_token_merging_ratio(self, for_hr=False):
        return 0


def _first(value):
    return value[0] if isinstance(value, list) else value


def get_fixed_seed(seed):
    if seed in ("", None):
        seed = -1
    elif isinstance(seed, str):
        try:
            seed = int(seed)
        except ValueError:
            seed = -1
    return int(random.randrange(4294967294)) if seed == -1 else seed


def fix_seed(p):
    p.seed = get_fixed_seed(p.seed)
    p.subseed = get_fixed_seed(p.subseed)


def program_version():
    import launch

    tag = launch.git_tag()
    return None if tag == "<none>" else tag


def _quote(value):
    text = str(value)
    if "," not in text and "\n" not in text and ":" not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def create_infotext(p, all_prompts, all_seeds, all_subseeds, comments=None, iteration=0, position_in_batch=0, use_main_prompt=False, index=None, all_negative_prompts=None):  # noqa: E501  (the host's signature)
    """The "parameters" text: prompt, negative prompt, then "Key: value" pairs in the host's
    order, the p's extra_generation_params, and the version."""
    opts = shared.opts
    if use_main_prompt:
        index = 0
    elif index is None:
        index = position_in_batch + iteration * p.batch_size
    negatives = p.all_negative_prompts if all_negative_prompts is None else all_negative_prompts
    prompt = p.main_prompt if use_main_prompt else all_prompts[index]
    negative = p.main_negative_prompt if use_main_prompt else negatives[index]
    clip_skip = getattr(p, "clip_skip", opts.CLIP_stop_at_last_layers)
    varied = p.subseed_strength != 0
    sized = p.seed_resize_from_w > 0 and p.seed_resize_from_h > 0
    pairs = {
        "Steps": p.steps,
        "Sampler": p.sampler_name,
        "Schedule type": p.scheduler,
        "CFG scale": p.cfg_scale,
        "Image CFG scale": getattr(p, "image_cfg_scale", None),
        "Seed": p.all_seeds[0] if use_main_prompt else all_seeds[index],
        "Face restoration": opts.face_restoration_model if p.restore_faces else None,
        "Size": f"{p.width}x{p.height}",
        "Model hash": p.sd_model_hash if opts.add_model_hash_to_info else None,
        "Model": p.sd_model_name if opts.add_model_name_to_info else None,
        "VAE hash": p.sd_vae_hash if opts.add_vae_hash_to_info else None,
        "VAE": p.sd_vae_name if opts.add_vae_name_to_info else None,
        "Variation seed": (p.all_subseeds[0] if use_main_prompt else all_subseeds[index])
        if varied else None,
        "Variation seed strength": p.subseed_strength if varied else None,
        "Seed resize from": f"{p.seed_resize_from_w}x{p.seed_resize_from_h}" if sized else None,
        "Denoising strength": p.extra_generation_params.get("Denoising strength"),
        "Clip skip": clip_skip if clip_skip > 1 else None,
        "ENSD": opts.eta_noise_seed_delta or None,
        "RNG": opts.randn_source if opts.randn_source != "GPU" else None,
        "Tiling": "True" if p.tiling else None,
    }
    pairs.update(p.extra_generation_params)
    pairs["Version"] = program_version() if opts.add_version_to_infotext else None
    pairs["User"] = p.user if opts.add_user_name_to_info else None
    for key, value in pairs.items():
        if isinstance(value, list):
            pairs[key] = value[index]
        elif callable(value):
            pairs[key] = value(**locals())
    text = ", ".join(key if key == value else f"{key}: {_quote(value)}"
                     for key, value in pairs.items() if value is not None)
    negative_line = f"\nNegative prompt: {negative}" if negative else ""
    return f"{prompt}{negative_line}\n{text}".strip()


def setup_color_correction(image: Image.Image) -> np.ndarray:
    """The reference of img2img colour correction: the image's 8-bit L*a*b* array."""
    return cv2.cvtColor(np.asarray(image.copy()), cv2.COLOR_RGB2LAB)


def apply_color_correction(correction: np.ndarray, original_image: Image.Image) -> Image.Image:
    """The image's L*a*b* histograms matched to the reference's. fake-only: the host then gives
    the result the original's luminosity with its `blendmodes` package, left out here."""
    lab = cv2.cvtColor(np.asarray(original_image), cv2.COLOR_RGB2LAB)
    matched = exposure.match_histograms(lab, correction, channel_axis=2)
    return Image.fromarray(cv2.cvtColor(matched.astype("uint8"), cv2.COLOR_LAB2RGB))


def process_images(p: StableDiffusionProcessing) -> Processed:
    """Applies ``p.override_settings`` for the call (and puts back those that were in
    ``opts.data``), makes sure the right checkpoint is loaded, then processes."""
    from modules import call_queue

    opts = shared.opts
    record = ProcessingCall(p, call_queue.queue_lock.held_by_current_thread(),
                            threading.get_ident())
    processed_log.append(record)
    p._fake_call = record
    record.color_corrections = p.color_corrections
    if p.scripts is not None:
        p.scripts.before_process(p)
    saved = {key: opts.data[key] for key in p.override_settings if key in opts.data}
    try:
        wanted = p.override_settings.get("sd_model_checkpoint")
        if sd_models.checkpoint_aliases.get(wanted) is None:
            p.override_settings.pop("sd_model_checkpoint", None)
            sd_models.reload_model_weights()
        for key, value in p.override_settings.items():
            opts.set(key, value, is_api=True, run_callbacks=False)
            if key == "sd_model_checkpoint":
                sd_models.reload_model_weights()
        sd_samplers.fix_p_invalid_sampler_and_scheduler(p)
        record.opts = dict(opts.data)
        loaded = sd_models.model_data.sd_model
        record.checkpoint = loaded.sd_checkpoint_info.title if loaded else None
        result = process_images_inner(p)
    finally:
        if p.override_settings_restore_afterwards:
            for key, value in saved.items():
                setattr(opts, key, value)
    return result


def process_images_inner(p: StableDiffusionProcessing) -> Processed:
    opts, state = shared.opts, shared.state
    seed, subseed = get_fixed_seed(p.seed), get_fixed_seed(p.subseed)
    if p.restore_faces is None:
        p.restore_faces = opts.face_restoration
    if p.tiling is None:
        p.tiling = opts.tiling
    model = shared.sd_model
    p.sd_model_name = model.sd_checkpoint_info.name_for_extra
    p.sd_model_hash = model.sd_model_hash
    p.setup_prompts()
    count = len(p.all_prompts)
    p.all_seeds = seed if isinstance(seed, list) else \
        [int(seed) + (i if p.subseed_strength == 0 else 0) for i in range(count)]
    p.all_subseeds = subseed if isinstance(subseed, list) else \
        [int(subseed) + i for i in range(count)]
    if p.scripts is not None:
        p.scripts.process(p)

    output_images, infotexts = [], []
    with torch.no_grad():
        p.init(p.all_prompts, p.all_seeds, p.all_subseeds)
        if state.job_count == -1:
            state.job_count = p.n_iter
        if getattr(p, "_fake_call", None) is not None:
            p._fake_call.job_count = state.job_count
        for n in range(p.n_iter):
            p.iteration = n
            if state.skipped:
                state.skipped = False
            if state.interrupted or state.stopping_generation:
                break
            sd_models.reload_model_weights()
            batch = slice(n * p.batch_size, (n + 1) * p.batch_size)
            p.prompts, p.negative_prompts = p.all_prompts[batch], p.all_negative_prompts[batch]
            p.seeds, p.subseeds = p.all_seeds[batch], p.all_subseeds[batch]
            hook_args = {"batch_number": n, "prompts": p.prompts, "seeds": p.seeds,
                         "subseeds": p.subseeds}
            if p.scripts is not None:
                p.scripts.before_process_batch(p, **hook_args)
            if not p.prompts:
                break
            p.extra_network_data = {}
            if p.scripts is not None:
                p.scripts.process_batch(p, **hook_args)
            p.setup_conds()
            if p.n_iter > 1:
                state.job = f"Batch {n + 1} out of {p.n_iter}"
            samples = p.sample(conditioning=p.c, unconditional_conditioning=p.uc,
                               seeds=p.seeds, subseeds=p.subseeds,
                               subseed_strength=p.subseed_strength, prompts=p.prompts)
            if p.scripts is not None:
                after = scripts.PostSampleArgs(samples)
                p.scripts.post_sample(p, after)
                samples = after.samples
            decoded = ((samples.float() + 1) / 2).clamp(0, 1)
            state.nextjob()
            if p.scripts is not None:
                p.scripts.postprocess_batch(p, decoded, batch_number=n)
                listed = scripts.PostprocessBatchListArgs(list(decoded))
                p.scripts.postprocess_batch_list(p, listed, batch_number=n)
                decoded = listed.images
            for i, pixels in enumerate(decoded):
                p.batch_index = i
                array = (pixels.permute(1, 2, 0).cpu().numpy() * 255).round()
                image = Image.fromarray(array.astype(np.uint8))
                if p.scripts is not None:
                    pp = scripts.PostprocessImageArgs(image)
                    p.scripts.postprocess_image(p, pp)
                    image = pp.image
                if p.color_corrections is not None and i < len(p.color_corrections):
                    image = apply_color_correction(p.color_corrections[i], image)
                image = p._composite(image, i)
                if p.scripts is not None:
                    pp = scripts.PostprocessImageArgs(image)
                    p.scripts.postprocess_image_after_composite(p, pp)
                    image = pp.image
                text = create_infotext(p, p.prompts, p.seeds, p.subseeds, index=i,
                                       all_negative_prompts=p.negative_prompts)
                if p.save_samples():
                    images.save_image(image, p.outpath_samples, "", p.seeds[i], p.prompts[i],
                                      opts.samples_format, info=text, p=p)
                infotexts.append(text)
                output_images.append(image)

    p.color_corrections = None
    index_of_first_image = 0
    if len(output_images) > 1 and opts.return_grid and not p.do_not_save_grid:
        output_images.insert(0, images.image_grid(output_images, p.batch_size))
        infotexts.insert(0, infotexts[0])
        index_of_first_image = 1
    result = Processed(p, output_images, p.all_seeds[0], infotexts[0] if infotexts else "",
                       p.all_subseeds[0], index_of_first_image=index_of_first_image,
                       infotexts=infotexts)
    if p.scripts is not None:
        p.scripts.postprocess(p, result)
    return result


@dataclass(repr=False)
class StableDiffusionProcessingTxt2Img(StableDiffusionProcessing):
    enable_hr: bool = False
    denoising_strength: float = 0.75
    firstphase_width: int = 0
    firstphase_height: int = 0
    hr_scale: float = 2.0
    hr_upscaler: str = None
    hr_second_pass_steps: int = 0
    hr_resize_x: int = 0
    hr_resize_y: int = 0
    hr_checkpoint_name: str = None
    hr_sampler_name: str = None
    hr_scheduler: str = None
    hr_prompt: str = ''
    hr_negative_prompt: str = ''
    force_task_id: str = None

    def sample(self, conditioning, unconditional_conditioning, seeds, subseeds, subseed_strength,
               prompts):
        self.sampler = sd_samplers.create_sampler(self.sampler_name, self.sd_model)
        return self._denoise(None, self.steps)


@dataclass(repr=False)
class StableDiffusionProcessingImg2Img(StableDiffusionProcessing):
    init_images: list = None
    resize_mode: int = 0
    denoising_strength: float = 0.75
    image_cfg_scale: float = None
    mask: Any = None
    mask_blur_x: int = 4
    mask_blur_y: int = 4
    mask_blur: int = None
    mask_round: bool = True
    inpainting_fill: int = 0
    inpaint_full_res: bool = True
    inpaint_full_res_padding: int = 0
    inpainting_mask_invert: int = 0
    initial_noise_multiplier: float = None
    latent_mask: Image = None
    force_task_id: str = None

    image_mask: Any = field(default=None, init=False)
    mask_for_overlay: Any = field(default=None, init=False)
    init_latent: Any = field(default=None, init=False)

    def __post_init__(self):
        super().__post_init__()
        self.image_mask = self.mask
        self.mask = None
        if self.initial_noise_multiplier is None:
            self.initial_noise_multiplier = shared.opts.initial_noise_multiplier

    @property
    def mask_blur(self):  # noqa: F811  (the field's default becomes the property, as in the host)
        return self.mask_blur_x if self.mask_blur_x == self.mask_blur_y else None

    @mask_blur.setter
    def mask_blur(self, value):
        if isinstance(value, int):
            self.mask_blur_x = self.mask_blur_y = value

    def init(self, all_prompts, all_seeds, all_subseeds):
        self.extra_generation_params["Denoising strength"] = self.denoising_strength
        edit_model = getattr(shared.sd_model, "cond_stage_key", None) == "edit"
        self.image_cfg_scale = self.image_cfg_scale if edit_model else None
        size = (self.width, self.height)
        self._inits = [images.resize_image(self.resize_mode, images.flatten(img, "#ffffff"),
                                           *size) for img in self.init_images]
        if self.image_mask is not None:
            mask = self.image_mask.convert("L")
            if self.inpainting_mask_invert:
                mask = ImageOps.invert(mask)
            radius = max(self.mask_blur_x, self.mask_blur_y)
            if radius > 0:
                mask = mask.filter(ImageFilter.GaussianBlur(radius))
            self.mask_for_overlay = images.resize_image(self.resize_mode, mask, *size)
            self.extra_generation_params["Mask blur"] = self.mask_blur
        # The host encodes with the VAE's posterior sample: noise from torch's global generator.
        start = np.stack([np.asarray(img, np.float32) / 255.0 for img in self._inits])
        wobble = torch.randn(start.shape, generator=None).numpy() * 0.03
        self.init_latent = np.clip(start + wobble, 0, 1)

    def _batch_inits(self):
        count = len(self.prompts)
        picks = [(self.batch_index_base() + i) % len(self._inits) for i in range(count)]
        return self.init_latent[picks], picks

    def batch_index_base(self):
        return self.iteration * self.batch_size

    def sample(self, conditioning, unconditional_conditioning, seeds, subseeds, subseed_strength,
               prompts):
        self.sampler = sd_samplers.create_sampler(self.sampler_name, self.sd_model)
        strength = min(float(self.denoising_strength or 0), 0.999)
        fixed = shared.opts.img2img_fix_steps
        t_enc = self.steps - 1 if fixed else int(strength * self.steps)
        start, _ = self._batch_inits()
        return self._denoise(start, t_enc + 1)

    def _composite(self, image, index):
        if self.mask_for_overlay is None:
            return image
        _, picks = self._batch_inits()
        original = self._inits[picks[index]].convert(image.mode)
        return Image.composite(image, original, self.mask_for_overlay)
