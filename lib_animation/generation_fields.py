"""A FrameRequest as the WebUI's generation fields: the arguments of its processing objects,
which are also the fields of its txt2img/img2img API. Both WebUI hosts (in-process and HTTP)
build their calls from here and only add the images in their own form."""

from __future__ import annotations

from typing import Any

from lib_animation.host import FrameRequest

INPAINTING_FILL = {"fill": 0, "original": 1, "latent noise": 2, "latent nothing": 3}
# Options set for one call and restored by the WebUI after it.
OVERRIDDEN = ("sd_model_checkpoint", "CLIP_stop_at_last_layers", "eta_ddim", "eta_ancestral")


def overrides(request: FrameRequest) -> dict[str, Any]:
    """Per-call options (`OVERRIDDEN`): checkpoint, CLIP skip, ETAs."""
    values = (request.checkpoint, request.clip_skip, request.eta_ddim, request.eta_ancestral)
    return {key: value for key, value in zip(OVERRIDDEN, values, strict=True)
            if value is not None}


def generation_fields(request: FrameRequest) -> dict[str, Any]:
    """Every field of one generation but the init image and the mask themselves."""
    fields: dict[str, Any] = {
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt,
        "seed": request.seed,
        "subseed": request.subseed,
        "subseed_strength": request.subseed_strength,
        "seed_resize_from_w": request.seed_resize_from_w or -1,
        "seed_resize_from_h": request.seed_resize_from_h or -1,
        "sampler_name": request.sampler,
        "scheduler": request.scheduler,
        "steps": request.steps,
        "cfg_scale": request.cfg_scale,
        "width": request.width,
        "height": request.height,
        "restore_faces": request.restore_faces,
        "tiling": request.tiling,
        "batch_size": 1,
        "n_iter": 1,
        "override_settings": overrides(request),
        "override_settings_restore_afterwards": True,
    }
    if request.init_image is None:
        return fields
    fields.update(
        denoising_strength=request.denoising_strength,
        resize_mode=0,
        image_cfg_scale=request.image_cfg_scale,
    )
    if request.noise_multiplier is not None:
        fields["initial_noise_multiplier"] = request.noise_multiplier
    if request.mask is not None:
        options = request.mask_options
        fields.update(
            mask_blur=options.blur,
            inpainting_fill=INPAINTING_FILL[options.fill],
            inpaint_full_res=options.full_resolution,
            inpaint_full_res_padding=options.full_resolution_padding,
            inpainting_mask_invert=int(options.invert),
        )
    return fields
