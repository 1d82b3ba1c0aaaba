"""One FrameRequest from the plan: the values the host needs for one generation of one frame."""

from __future__ import annotations

import numpy as np

from lib_animation.host import FrameRequest, MaskOptions, NamesInUse
from lib_animation.plan import FramePlan
from lib_animation.schema import BY_NAME, NAME


def frame_request(
    plan: FramePlan,
    frame: int,
    init: np.ndarray | None,
    *,
    mask: np.ndarray | None = None,
    strength: float | None = None,
) -> FrameRequest:
    """`init` None asks for txt2img; `strength` overrides the strength schedule (the init
    image's own strength on the first frame). With guided images the image strength schedule
    replaces both."""
    settings = plan.settings
    if plan.guide is not None:
        strength = plan.value(NAME.image_strength_schedule, frame)
    elif strength is None:
        strength = plan.value(NAME.strength_schedule, frame)
    prompt, negative = plan.prompts[frame]
    steps = _switched(plan, NAME.steps_schedule, frame)
    clip_skip = _switched(plan, NAME.clipskip_schedule, frame)
    return FrameRequest(
        frame=frame,
        prompt=prompt,
        negative_prompt=negative,
        seed=int(plan.seeds[frame]),
        subseed=int(plan.subseeds[frame]),
        subseed_strength=float(plan.subseed_strengths[frame]),
        width=settings.W,
        height=settings.H,
        steps=settings.steps if steps is None else round(steps),
        cfg_scale=plan.value(NAME.cfg_scale_schedule, frame),
        sampler=_switched(plan, NAME.sampler_schedule, frame) or settings.sampler,
        scheduler=_switched(plan, NAME.scheduler_schedule, frame) or settings.scheduler,
        init_image=init,
        denoising_strength=1.0 - strength,
        mask=mask if init is not None else None,
        mask_options=MaskOptions(
            invert=settings.invert_mask,
            blur=settings.mask_overlay_blur,
            fill=settings.fill,
            full_resolution=settings.full_res_mask,
            full_resolution_padding=settings.full_res_mask_padding,
        ),
        seed_resize_from_w=settings.seed_resize_from_w,
        seed_resize_from_h=settings.seed_resize_from_h,
        checkpoint=_switched(plan, NAME.checkpoint_schedule, frame),
        clip_skip=None if clip_skip is None else round(clip_skip),
        noise_multiplier=_switched(plan, NAME.noise_multiplier_schedule, frame),
        eta_ddim=_switched(plan, NAME.ddim_eta_schedule, frame),
        eta_ancestral=_switched(plan, NAME.ancestral_eta_schedule, frame),
        image_cfg_scale=plan.value(NAME.pix2pix_img_cfg_scale_schedule, frame),
        restore_faces=settings.restore_faces,
        tiling=settings.tiling,
    )


def _switched(plan: FramePlan, name: str, frame: int):
    """The schedule's value when its enable switch is on, else None (the host's own value)."""
    if not plan.settings[BY_NAME[name].enabled_by]:
        return None
    return plan.value(name, frame)


def names_in_use(plan: FramePlan) -> NamesInUse:
    """Every sampler, scheduler and checkpoint name a run's generations will carry."""
    diffused = [int(frame) for frame in plan.diffused_frames()]

    def used(name: str, default: str | None) -> set[str]:
        if not plan.settings[BY_NAME[name].enabled_by]:
            return set() if default is None else {default}
        return {plan.values[name][frame] for frame in diffused}

    settings = plan.settings
    return NamesInUse(
        samplers=used(NAME.sampler_schedule, settings.sampler),
        schedulers=used(NAME.scheduler_schedule, settings.scheduler),
        checkpoints=used(NAME.checkpoint_schedule, None),
    )
