"""The declaration of the ControlNet units `cn_1` ... `cn_5`: the same keys, defaults and help for
each unit, generated here once and joined to `schema.SETTINGS`. Names are Deforum's
(`cn_<unit>_<key>`), so Deforum files load as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lib_animation.setting_kinds import (
    BOOL,
    CHOICE,
    FLOAT,
    INT,
    PATH,
    SCHEDULE,
    TEXT,
    Requirement,
    Setting,
)

CONTROLNET_UNITS = 5
GROUP = "controlnet"
# The ControlNet extension's own names (its ResizeMode and ControlMode values).
RESIZE_MODES = ("Crop and Resize", "Resize and Fill", "Just Resize")
CONTROL_MODES = ("Balanced", "My prompt is more important", "ControlNet is more important")
ENABLED = "enabled"
KEYS = (
    "enabled", "overwrite_frames", "vid_path", "mask_vid_path", "low_vram", "pixel_perfect",
    "module", "model", "weight", "guidance_start", "guidance_end", "processor_res",
    "threshold_a", "threshold_b", "resize_mode", "control_mode", "loopback_mode",
)  # fmt: skip


def unit_key(unit: int, key: str) -> str:
    """The setting name of one unit's key: `unit_key(1, "weight") == "cn_1_weight"`."""
    if key not in KEYS or not 1 <= unit <= CONTROLNET_UNITS:
        raise KeyError(f"no ControlNet setting {key!r} of unit {unit}")
    return f"cn_{unit}_{key}"


def enabled_units(settings: Mapping[str, Any]) -> tuple[int, ...]:
    """The numbers of the units a run with these settings uses."""
    return tuple(unit for unit in range(1, CONTROLNET_UNITS + 1)
                 if settings[unit_key(unit, ENABLED)])


def _unit(unit: int) -> tuple[Setting, ...]:
    name = f"ControlNet {unit}"
    on = Requirement(unit_key(unit, ENABLED), (True,))
    no_loopback = Requirement(unit_key(unit, "loopback_mode"), (False,))

    def setting(key, kind, default, label, help, minimum=None, maximum=None, step=None,
                choices=(), requires=(on,)):
        return Setting(unit_key(unit, key), kind, default, GROUP, f"{name}: {label}", help,
                       minimum, maximum, step, choices=choices, requires=requires)

    return (
        setting("enabled", BOOL, False, "enabled",
                "Steer every frame with this ControlNet unit (needs the ControlNet extension).",
                requires=()),
        setting("module", TEXT, "none", "preprocessor",
                "The ControlNet preprocessor (module), as the extension names it: canny, "
                "depth_midas, none, ..."),
        setting("model", TEXT, "None", "model",
                "The ControlNet model, as the extension lists it (with or without its [hash])."),
        setting("weight", SCHEDULE, "0:(1)", "weight schedule",
                "How strongly the unit steers each frame; a frame at weight 0 is made without "
                "the unit.", 0.0, 2.0),
        setting("guidance_start", SCHEDULE, "0:(0.0)", "guidance start schedule",
                "Fraction of the sampling steps at which the unit starts to steer.", 0.0, 1.0),
        setting("guidance_end", SCHEDULE, "0:(1.0)", "guidance end schedule",
                "Fraction of the sampling steps at which the unit stops steering (not before "
                "its start).", 0.0, 1.0),
        setting("loopback_mode", BOOL, False, "loopback",
                "The previous frame is the control image (frame 0: the init image; without one "
                "the unit starts on frame 1)."),
        setting("vid_path", PATH, "", "control video or image",
                "Video (one frame per frame; a short video holds its last frame) or image "
                "(every frame) to steer with. Empty: the frame's own init image.",
                requires=(on, no_loopback)),
        setting("mask_vid_path", PATH, "", "mask video or image",
                "Optional mask video or image given to the unit with its control image "
                "(white = where it steers, for the preprocessors that read a mask).",
                requires=(on, no_loopback)),
        setting("overwrite_frames", BOOL, True, "extract the video again",
                "Extract the control video's frames again even if the run folder has them.",
                requires=(on, no_loopback)),
        setting("processor_res", INT, -1, "preprocessor resolution",
                "Resolution the preprocessor works at; -1 = the preprocessor's own default.",
                -1, 2048, 1),
        setting("threshold_a", FLOAT, -1.0, "threshold A",
                "The preprocessor's first parameter (canny: low threshold); -1 = its default.",
                -1.0, 1024.0, 1.0),
        setting("threshold_b", FLOAT, -1.0, "threshold B",
                "The preprocessor's second parameter (canny: high threshold); -1 = its default.",
                -1.0, 1024.0, 1.0),
        setting("resize_mode", CHOICE, RESIZE_MODES[0], "resize mode",
                "How the control image is fitted to the frame (Deforum's Inner Fit is Crop and "
                "Resize, Outer Fit is Resize and Fill).", choices=RESIZE_MODES),
        setting("control_mode", CHOICE, CONTROL_MODES[0], "control mode",
                "Which weighs more: the prompt or the control image.", choices=CONTROL_MODES),
        setting("pixel_perfect", BOOL, False, "pixel perfect",
                "Let the extension pick the preprocessor resolution from the frame size."),
        setting("low_vram", BOOL, False, "low VRAM",
                "The extension's low-VRAM mode for this unit."),
    )


def controlnet_unit_settings() -> tuple[Setting, ...]:
    """Every unit's settings, unit by unit."""
    return tuple(setting for unit in range(1, CONTROLNET_UNITS + 1) for setting in _unit(unit))


def control_paths_read(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The path settings of the units in use whose control image or mask comes from a file."""
    names = []
    for unit in enabled_units(settings):
        if settings[unit_key(unit, "loopback_mode")]:
            continue
        for key in ("vid_path", "mask_vid_path"):
            if settings[unit_key(unit, key)].strip():
                names.append(unit_key(unit, key))
    return tuple(names)


def control_path_settings() -> tuple[str, ...]:
    """Every unit's path settings (control video or image, mask video or image)."""
    return tuple(unit_key(unit, key) for unit in range(1, CONTROLNET_UNITS + 1)
                 for key in ("vid_path", "mask_vid_path"))


def unit_of(name: str) -> int:
    """The unit number of one of the units' setting names."""
    return int(name.split("_", 2)[1])


def _check() -> None:
    declared = {setting.name for setting in _unit(1)}
    if declared != {unit_key(1, key) for key in KEYS}:
        raise RuntimeError("the ControlNet unit declaration and KEYS disagree")


_check()
