"""Each frame's ControlNet units from the plan and the run's control images.

A unit's control image on a frame is, in this order: the previous frame (loopback mode; frame 0
takes the init image, and without one the unit starts on frame 1, as in Deforum), the frame of
its video or its still image, or else the frame's own init image (what the extension itself
would take in img2img; a frame made from text then has none and the unit sits it out). A frame
where the unit's weight is 0 is made without the unit: it would steer nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np

from lib_animation.control_units import ControlUnit, UnitNames
from lib_animation.controlnet_settings import enabled_units, unit_key
from lib_animation.errors import SettingsError
from lib_animation.host import Host
from lib_animation.inputs.gather import RenderInputs
from lib_animation.plan import FramePlan
from lib_animation.schema import Mode


def units_in_use(settings: Mapping[str, Any]) -> tuple[UnitNames, ...]:
    """The module and model names of each unit a run uses, in unit order."""
    return tuple(
        UnitNames(unit, settings[unit_key(unit, "module")], settings[unit_key(unit, "model")],
                  unit_key(unit, "module"), unit_key(unit, "model"), unit_key(unit, "enabled"))
        for unit in enabled_units(settings))


def check_controlnet(plan: FramePlan, host: Host) -> None:
    """Before frame 0: every unit can have a control image, its guidance never ends before it
    starts, and the host can run its module and model (SettingsError / RenderError)."""
    settings = plan.settings
    units = enabled_units(settings)
    if not units:
        return
    for unit in units:
        _check_image_source(settings, unit)
        _check_guidance(plan, unit)
    host.check_controlnet(units_in_use(settings))


def _check_image_source(settings, unit: int) -> None:
    from_file = settings[unit_key(unit, "vid_path")].strip()
    if settings.animation_mode == Mode.INTERPOLATION and not from_file and not settings[
            unit_key(unit, "loopback_mode")]:
        raise SettingsError(
            f"ControlNet unit {unit} has no control image: Interpolation frames are made from "
            "text", setting=unit_key(unit, "vid_path"),
            hint=f"give a video or image, or turn on {unit_key(unit, 'loopback_mode')}")


def _check_guidance(plan: FramePlan, unit: int) -> None:
    start = np.asarray(plan.values[unit_key(unit, "guidance_start")])
    end = np.asarray(plan.values[unit_key(unit, "guidance_end")])
    late = np.flatnonzero(start[: plan.max_frames] > end[: plan.max_frames])
    if late.size:
        frame = int(late[0])
        raise SettingsError(
            f"ControlNet unit {unit} ends guidance at {end[frame]:g}, before it starts "
            f"({start[frame]:g})", setting=unit_key(unit, "guidance_end"), frame=frame)


class FrameControl:
    """The ControlNet units of each frame of one run."""

    def __init__(self, plan: FramePlan, inputs: RenderInputs) -> None:
        self.plan = plan
        self.inputs = inputs
        self.units = enabled_units(plan.settings)

    def units_for(self, frame: int, init: np.ndarray | None,
                  previous: np.ndarray | None) -> tuple[ControlUnit, ...]:
        """The units steering `frame`, whose init image is `init` (None: made from text) and
        whose previous frame is `previous` (None on frame 0)."""
        units = []
        for unit in self.units:
            weight = self.plan.value(unit_key(unit, "weight"), frame)
            image, mask = self._control_image(unit, frame, init, previous)
            if weight > 0 and image is not None:
                units.append(self._unit(unit, frame, weight, image, mask))
        return tuple(units)

    def _control_image(self, unit: int, frame: int, init: np.ndarray | None,
                       previous: np.ndarray | None
                       ) -> tuple[np.ndarray | None, np.ndarray | None]:
        settings = self.plan.settings
        if settings[unit_key(unit, "loopback_mode")]:
            return (self.inputs.init_image if frame == 0 else previous), None
        video = self.inputs.controlnet.get(unit_key(unit, "vid_path"))
        mask = self.inputs.controlnet.get(unit_key(unit, "mask_vid_path"))
        image = init if video is None else video.at(frame)
        if image is None or mask is None:
            return image, None
        return image, _fitted(mask.at(frame), image.shape[1], image.shape[0])

    def _unit(self, unit: int, frame: int, weight: float, image: np.ndarray,
              mask: np.ndarray | None) -> ControlUnit:
        settings = self.plan.settings
        value = self.plan.value
        return ControlUnit(
            unit=unit,
            module=settings[unit_key(unit, "module")],
            model=settings[unit_key(unit, "model")],
            weight=weight,
            guidance_start=value(unit_key(unit, "guidance_start"), frame),
            guidance_end=value(unit_key(unit, "guidance_end"), frame),
            image=image,
            mask=mask,
            processor_res=settings[unit_key(unit, "processor_res")],
            threshold_a=settings[unit_key(unit, "threshold_a")],
            threshold_b=settings[unit_key(unit, "threshold_b")],
            resize_mode=settings[unit_key(unit, "resize_mode")],
            control_mode=settings[unit_key(unit, "control_mode")],
            pixel_perfect=settings[unit_key(unit, "pixel_perfect")],
            low_vram=settings[unit_key(unit, "low_vram")],
        )


def _fitted(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    """The mask at the control image's size (the extension needs both the same size)."""
    if mask.shape[:2] == (height, width):
        return mask
    return cv2.resize(mask, (width, height), interpolation=cv2.INTER_NEAREST)
