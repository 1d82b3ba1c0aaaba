"""The Host protocol the renderer calls, and PreviewHost, which renders with no diffusion.

The render loop builds one FrameRequest per generation and hands it to a Host; nothing else in
the loop knows which host it talks to. The WebUI host lives in `webui/`; PreviewHost needs no
model, so the whole pipeline can be seen on a CPU in seconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from PIL import Image, ImageDraw

from lib_animation.control_units import ControlUnit, UnitNames


@dataclass(frozen=True)
class MaskOptions:
    """How the host inpaints through a mask (the WebUI's img2img inpaint fields)."""

    invert: bool = False
    blur: int = 4
    fill: str = "original"
    full_resolution: bool = True
    full_resolution_padding: int = 4


# The preview host's upscalers: the WebUI's built-in ones of the same names, which are these
# Pillow filters.
PREVIEW_UPSCALERS = {"Lanczos": Image.LANCZOS, "Nearest": Image.NEAREST}

# The key of the seed in `FrameRequest.parameters()`, as the frame log records it.
SEED_PARAMETER = "seed"


@dataclass(frozen=True)
class FrameRequest:
    """One generation: everything the host needs, nothing it has to look up."""

    frame: int
    prompt: str
    negative_prompt: str
    seed: int
    width: int
    height: int
    steps: int
    cfg_scale: float
    sampler: str
    scheduler: str
    init_image: np.ndarray | None = None  # None means txt2img
    denoising_strength: float = 0.75
    # img2img: the output's colours are matched to this RGB image (the WebUI's img2img colour
    # correction); a host without `applies_color_correction` leaves that to the frame loop.
    color_correction: np.ndarray | None = None
    mask: np.ndarray | None = None  # uint8 (H, W); white is inpainted
    mask_options: MaskOptions = field(default_factory=MaskOptions)
    subseed: int = -1
    subseed_strength: float = 0.0
    seed_resize_from_w: int = 0
    seed_resize_from_h: int = 0
    checkpoint: str | None = None
    clip_skip: int | None = None
    noise_multiplier: float | None = None
    eta_ddim: float | None = None
    eta_ancestral: float | None = None
    image_cfg_scale: float | None = None
    restore_faces: bool = False
    tiling: bool = False
    purpose: str = "frame"  # "frame"; "redo" or "replay" for generations that are thrown away
    controlnet_units: tuple[ControlUnit, ...] = ()  # the ControlNet units steering this frame

    @property
    def is_txt2img(self) -> bool:
        return self.init_image is None

    def parameters(self) -> dict[str, object]:
        """The generation parameters recorded for this frame in the run manifest."""
        return {
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "seed": self.seed,
            "subseed": self.subseed,
            "subseed_strength": self.subseed_strength,
            "steps": self.steps,
            "cfg_scale": self.cfg_scale,
            "denoising_strength": None if self.is_txt2img else self.denoising_strength,
            "sampler": self.sampler,
            "scheduler": self.scheduler,
            "checkpoint": self.checkpoint,
            "clip_skip": self.clip_skip,
            "noise_multiplier": self.noise_multiplier,
            "mode": "txt2img" if self.is_txt2img else "img2img",
            **{key: text for unit in self.controlnet_units
               for key, text in unit.parameters().items()},
        }


@dataclass(frozen=True)
class NamesInUse:
    """The sampler, scheduler and checkpoint names a run will ask for."""

    samplers: set[str]
    schedulers: set[str]
    checkpoints: set[str]


class GenerationInterrupted(Exception):
    """Raised by `Host.generate` when the user stopped the generation midway: the half-made
    image is not a frame, so the loop stops without writing it and a resume makes it again."""


class Host(Protocol):
    """What the renderer needs from a generator."""

    def check_names(self, names: NamesInUse) -> None:
        """RenderError for a sampler, scheduler or checkpoint the host does not have."""

    def check_controlnet(self, units: tuple[UnitNames, ...]) -> None:
        """RenderError when the host cannot run these ControlNet units (no extension, a module
        or model it does not have); asked only of runs that use units."""

    def generate(self, request: FrameRequest) -> np.ndarray:
        """One request -> one uint8 (H, W, 3) RGB image of the requested size."""

    def progress(self, done: int, total: int, text: str) -> None:
        """Frame `done` of `total` is finished; `text` says what happens next."""

    def interrupted(self) -> bool:
        """True once the user asked the run to stop (checked between frames)."""

    def last_infotext(self) -> str | None:
        """The host's parameters text of the image `generate` last returned (saved in the frame
        PNG, so the WebUI's PNG Info reads it), or None."""

    def upscaler_names(self) -> list[str]:
        """The host's upscalers, by the names its Extras tab shows."""

    def upscale(self, image: np.ndarray, upscaler: str, factor: int) -> np.ndarray:
        """One uint8 (H, W, 3) RGB image, made `factor` times wider and taller by the named
        upscaler (one of `upscaler_names`)."""


class PreviewHost:
    """Renders without a model: img2img returns the prepared init image with a small frame
    counter drawn in; txt2img returns a pattern derived from the seed and the prompt, so prompt
    changes and seed behaviour are visible too. Deterministic: same request, same bytes."""

    def __init__(self) -> None:
        self.requests = 0
        self._stop = False

    def generate(self, request: FrameRequest) -> np.ndarray:
        self.requests += 1
        if request.init_image is None:
            image = _pattern(request.prompt, request.seed, request.width, request.height)
        else:
            image = request.init_image.copy()
        return _draw_counter(image, request.frame)

    def check_names(self, names: NamesInUse) -> None:
        """The preview host diffuses nothing, so every name will do."""

    def check_controlnet(self, units: tuple[UnitNames, ...]) -> None:
        """The preview host diffuses nothing, so it ignores ControlNet units."""

    def identity(self) -> dict[str, str]:
        """What a run folder records of its host."""
        return {"kind": "preview"}

    def progress(self, done: int, total: int, text: str) -> None:
        """The preview host has no progress bar of its own; the CLI shows one."""

    def interrupted(self) -> bool:
        return self._stop

    def interrupt(self) -> None:
        self._stop = True

    def last_infotext(self) -> str | None:
        """Preview frames are not diffused, so they carry no generation parameters."""
        return None

    def upscaler_names(self) -> list[str]:
        return list(PREVIEW_UPSCALERS)

    def upscale(self, image: np.ndarray, upscaler: str, factor: int) -> np.ndarray:
        height, width = image.shape[:2]
        resized = Image.fromarray(image).resize((width * factor, height * factor),
                                                PREVIEW_UPSCALERS[upscaler])
        return np.asarray(resized, dtype=np.uint8).copy()


def _pattern(prompt: str, seed: int, width: int, height: int) -> np.ndarray:
    """Smooth colour field: its palette comes from the prompt, its layout from the seed."""
    digest = hashlib.sha256(prompt.encode("utf-8")).digest()
    palette = np.frombuffer(digest[:9], dtype=np.uint8).reshape(3, 3).astype(np.float32)
    rng = np.random.default_rng(seed % 2**32)
    phases = rng.uniform(0, 2 * np.pi, size=3).astype(np.float32)
    frequencies = rng.uniform(1.0, 4.0, size=3).astype(np.float32)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = x / max(width, 1), y / max(height, 1)
    waves = [
        0.5 + 0.5 * np.sin(2 * np.pi * frequencies[i] * (u + (i - 1) * v) + phases[i])
        for i in range(3)
    ]
    image = sum(w[..., None] * palette[i] for i, w in enumerate(waves)) / 1.5
    return np.clip(image, 0, 255).astype(np.uint8)


def _draw_counter(image: np.ndarray, frame: int) -> np.ndarray:
    picture = Image.fromarray(image)
    draw = ImageDraw.Draw(picture)
    text = f"{frame:05d}"
    left, top, right, bottom = draw.textbbox((4, 4), text)
    draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=(0, 0, 0))
    draw.text((4, 4), text, fill=(255, 255, 255))
    return np.asarray(picture, dtype=np.uint8).copy()
