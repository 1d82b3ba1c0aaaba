"""ControlNet units as a host receives them, and the check of a run's module and model names
against the ControlNet extension's lists, before frame 0.

A FrameRequest carries one `ControlUnit` per unit that steers that frame, with the frame's
values and control image; each host hands them to the extension its own way (in process through
the extension's `external_code`, over HTTP as `alwayson_scripts` arguments).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lib_animation.errors import RenderError

SHOWN_NAMES = 20
_HASH_SUFFIX = re.compile(r"\s*\[[0-9a-fA-F]+\]\s*$")
NO_MODEL = "None"  # the extension's own "no model" (for preprocessors that need none)


@dataclass(frozen=True)
class ControlUnit:
    """One unit's values for one frame, in the extension's own field names and values."""

    unit: int  # 1 ... 5, the unit's number in the settings
    module: str
    model: str
    weight: float
    guidance_start: float
    guidance_end: float
    image: np.ndarray  # RGB uint8, any size: the extension fits it to the frame
    mask: np.ndarray | None = None  # RGB uint8 of the image's size; white = where it steers
    processor_res: int = -1  # -1: the preprocessor's own default
    threshold_a: float = -1.0
    threshold_b: float = -1.0
    resize_mode: str = "Crop and Resize"
    control_mode: str = "Balanced"
    pixel_perfect: bool = False
    low_vram: bool = False

    def fields(self) -> dict[str, Any]:
        """The extension's unit fields, without the images."""
        return {
            "enabled": True, "module": self.module, "model": self.model,
            "weight": self.weight, "guidance_start": self.guidance_start,
            "guidance_end": self.guidance_end, "processor_res": self.processor_res,
            "threshold_a": self.threshold_a, "threshold_b": self.threshold_b,
            "resize_mode": self.resize_mode, "control_mode": self.control_mode,
            "pixel_perfect": self.pixel_perfect, "low_vram": self.low_vram,
        }  # fmt: skip

    def parameters(self) -> dict[str, str]:
        """What the run manifest records of the unit for a frame (one text per unit)."""
        return {f"controlnet_{self.unit}": (
            f"{self.module}, {self.model}, weight {self.weight:g}, guidance "
            f"{self.guidance_start:g}-{self.guidance_end:g}")}


@dataclass(frozen=True)
class UnitNames:
    """The names one unit of a run asks the extension for."""

    unit: int
    module: str
    model: str
    module_setting: str
    model_setting: str
    enabled_setting: str


@dataclass(frozen=True)
class ControlNetNames:
    """What the host's ControlNet extension has: its models (titles with [hash]; its lists
    leave out its "None"), its preprocessors (module names) and how many units a generation
    takes."""

    models: tuple[str, ...]
    modules: tuple[str, ...]
    unit_count: int


def check_controlnet_names(units: Sequence[UnitNames], names: ControlNetNames | None) -> None:
    """RenderError (one line naming the unit, with the names the extension has) for a run whose
    units the host cannot run: no ControlNet extension, more units than it takes, or a module or
    model it does not have."""
    if not units:
        return
    if names is None:
        raise RenderError(f"ControlNet unit {units[0].unit} is on, but the WebUI has no "
                          "ControlNet extension", setting=units[0].enabled_setting,
                          hint="install sd-webui-controlnet, or turn the unit off")
    if len(units) > names.unit_count:
        raise RenderError(
            f"{len(units)} ControlNet units are on, but the extension takes {names.unit_count}",
            setting=units[names.unit_count].enabled_setting,
            hint="raise 'ControlNet unit number' in the WebUI's ControlNet settings and "
                 "restart it, or turn units off")
    models = {_model_name(model) for model in names.models} | {*names.models, NO_MODEL}
    for unit in units:
        if unit.module not in names.modules:
            _refuse(unit, "preprocessor", unit.module, unit.module_setting, names.modules)
        if unit.model not in models and _model_name(unit.model) not in models:
            _refuse(unit, "model", unit.model, unit.model_setting, names.models)


def _model_name(title: str) -> str:
    """A model title without its [hash], in lower case (how the extension also finds it)."""
    return _HASH_SUFFIX.sub("", title).lower()


def _refuse(unit: UnitNames, what: str, name: str, setting: str,
            available: tuple[str, ...]) -> None:
    listed = ", ".join(available[:SHOWN_NAMES]) or "none"
    if len(available) > SHOWN_NAMES:
        listed += f" and {len(available) - SHOWN_NAMES} more"
    raise RenderError(f"ControlNet unit {unit.unit}: the extension has no {what} {name!r}",
                      setting=setting, hint=f"it has: {listed}")
