"""fake-only: a stand-in of sd-webui-controlnet's public API for other extensions (its
`internal_controlnet/external_code.py`, re-exported by `scripts/external_code.py`), written from
the API's documented names and behaviour, with a fixed list of models and preprocessors.

Facts kept: `ControlNetUnit(**fields)` refuses an unknown preprocessor, a weight outside 0..2 and
guidance that ends before it starts (ValueError), ignores fields it does not know, and accepts
Deforum's old resize-mode names; `update_cn_script_in_processing(p, units)` puts the units in
the ControlNet script's slots of `p.script_args_value`, padded with disabled units to
`control_net_unit_count`, and sets `p.script_args`; `get_models()` lists titles with a [hash]
(not its "None", which a unit may still name); `get_modules()` lists preprocessor names;
`find_cn_script(runner)` finds the always-on script titled "ControlNet" (None for no runner).
"""

from __future__ import annotations

from typing import Any

from modules import shared

MODELS = ("control_v11p_sd15_canny [d14c016b]", "control_v11f1p_sd15_depth [cfd03158]")
MODULES = ("none", "canny", "depth_midas", "reference_only")
RESIZE_MODES = ("Just Resize", "Crop and Resize", "Resize and Fill")
RESIZE_ALIASES = {"Inner Fit (Scale to Fit)": "Crop and Resize",
                  "Outer Fit (Shrink to Fit)": "Resize and Fill"}
CONTROL_MODES = ("Balanced", "My prompt is more important", "ControlNet is more important")
DEFAULTS = {
    "enabled": False, "module": "none", "model": "None", "weight": 1.0, "image": None,
    "mask": None, "resize_mode": "Crop and Resize", "low_vram": False, "processor_res": -1,
    "threshold_a": -1.0, "threshold_b": -1.0, "guidance_start": 0.0, "guidance_end": 1.0,
    "pixel_perfect": False, "control_mode": "Balanced",
}  # fmt: skip


class ControlNetUnit:
    def __init__(self, **fields: Any) -> None:
        if "mask_image" in fields:
            fields["mask"] = fields.pop("mask_image")
        values = {**DEFAULTS, **{k: v for k, v in fields.items() if k in DEFAULTS}}
        if values["module"] not in MODULES:
            raise ValueError(f"module({values['module']}) not found in supported modules.")
        if not 0.0 <= values["weight"] <= 2.0:
            raise ValueError("weight must be from 0 to 2")
        if values["guidance_start"] > values["guidance_end"]:
            raise ValueError(f"guidance_start({values['guidance_start']}) > "
                             f"guidance_end({values['guidance_end']})")
        values["resize_mode"] = RESIZE_ALIASES.get(values["resize_mode"], values["resize_mode"])
        if values["resize_mode"] not in RESIZE_MODES or values["control_mode"] not in \
                CONTROL_MODES:
            raise ValueError("unknown resize mode or control mode")
        vars(self).update(values)

    def serialize(self) -> str:
        """The unit's infotext value."""
        return (f"Module: {self.module}, Model: {self.model}, Weight: {self.weight}, "
                f"Resize Mode: {self.resize_mode}, Guidance Start: {self.guidance_start}, "
                f"Guidance End: {self.guidance_end}")


def get_api_version() -> int:
    return 3


def get_models(update: bool = False) -> list[str]:
    return list(MODELS)


def get_modules(alias_names: bool = False) -> list[str]:
    return list(MODULES)


def get_max_models_num() -> int:
    return shared.opts.data.get("control_net_unit_count", 3)


def is_cn_script(script) -> bool:
    return script.title().lower() == "controlnet"


def find_cn_script(script_runner):
    if script_runner is None:
        return None
    return next((s for s in script_runner.alwayson_scripts if is_cn_script(s)), None)


def get_all_units_from(script_args) -> list[ControlNetUnit]:
    return [arg for arg in script_args if isinstance(arg, ControlNetUnit)]


def update_cn_script(script_runner, script_args, cn_units):
    updated = list(script_args)
    script = find_cn_script(script_runner)
    if script is None or len(script_args) < script.args_from:
        return script_args
    units = cn_units + [ControlNetUnit(enabled=False)] * max(
        get_max_models_num() - len(cn_units), 0)
    shift = 0
    for each in script_runner.alwayson_scripts:
        if each is script:
            shift = len(units) - (script.args_to - script.args_from)
            updated[script.args_from:script.args_to] = units
            script.args_to = script.args_from + len(units)
        else:
            each.args_from += shift
            each.args_to += shift
    return type(script_args)(updated)


def update_cn_script_in_processing(p, cn_units, **_kwargs) -> None:
    p.script_args = update_cn_script(p.scripts, p.script_args_value, cn_units)
