"""Request bodies of the generation routes, made from the processing classes' ``__init__``
(as the host generates them), plus the API-only fields."""

from __future__ import annotations

import inspect
from typing import Any

from modules.processing import (
    StableDiffusionProcessingImg2Img,
    StableDiffusionProcessingTxt2Img,
)
from pydantic import BaseModel, Field, create_model

# Init arguments the API does not take from a request.
NOT_FROM_REQUESTS = {"self", "kwargs", "sd_model", "outpath_samples", "outpath_grids",
                     "sampler_index", "extra_generation_params", "overlay_images",
                     "do_not_reload_embeddings", "seed_enable_extras", "prompt_for_display",
                     "sampler_noise_scheduler_override", "ddim_discretize"}
API_ONLY = {"sampler_index": ("Euler", str), "script_name": (None, str),
            "script_args": ([], list), "send_images": (True, bool),
            "save_images": (False, bool), "alwayson_scripts": ({}, dict),
            "infotext": (None, str)}


def _request_model(name, cls, extra):
    fields = {}
    for param in inspect.signature(cls).parameters.values():
        if param.name in NOT_FROM_REQUESTS:
            continue
        default = param.default
        if isinstance(default, property) or default is inspect.Parameter.empty:
            default = None
        fields[param.name] = (Any, Field(default=default))
    for key, (default, kind) in {**API_ONLY, **extra}.items():
        fields[key] = (kind | None, Field(default=default))
    return create_model(name, **fields)


StableDiffusionTxt2ImgProcessingAPI = _request_model(
    "StableDiffusionProcessingTxt2Img", StableDiffusionProcessingTxt2Img, {})
StableDiffusionImg2ImgProcessingAPI = _request_model(
    "StableDiffusionProcessingImg2Img", StableDiffusionProcessingImg2Img,
    {"init_images": (None, list), "include_init_images": (False, bool)})


class ImageResponse(BaseModel):
    images: list[str] | None = Field(default=None, title="Images, base64 PNG")
    parameters: dict
    info: str


class ProgressRequest(BaseModel):
    skip_current_image: bool = Field(default=False, title="Leave out the current image")


class ProgressResponse(BaseModel):
    progress: float
    eta_relative: float
    state: dict
    current_image: str | None = None
    textinfo: str | None = None
