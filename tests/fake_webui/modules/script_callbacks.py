"""Callbacks extensions register with ``on_<event>(callback, *, name=None)``; the host fires them
with ``<event>_callback(...)``. A failing callback is reported and the others still run."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from modules import errors


@dataclass
class ImageSaveParams:
    image: Any
    p: Any
    filename: str
    pnginfo: dict


@dataclass
class ExtraNoiseParams:
    noise: Any
    x: Any
    xi: Any


@dataclass
class CFGDenoiserParams:
    x: Any
    image_cond: Any
    sigma: Any
    sampling_step: int
    total_sampling_steps: int
    text_cond: Any
    text_uncond: Any
    denoiser: Any = None


@dataclass
class CFGDenoisedParams:
    x: Any
    sampling_step: int
    total_sampling_steps: int
    inner_model: Any


@dataclass
class AfterCFGCallbackParams:
    x: Any
    sampling_step: int
    total_sampling_steps: int


@dataclass
class UiTrainTabParams:
    txt2img_preview_params: Any


@dataclass
class ImageGridLoopParams:
    imgs: Any
    cols: int
    rows: int


@dataclass
class BeforeTokenCounterParams:
    prompt: str
    steps: int
    styles: list = field(default_factory=list)
    is_positive: bool = True


@dataclass
class ScriptCallback:
    script: str
    callback: Any
    name: str = None


CATEGORIES = (
    "app_started", "model_loaded", "ui_tabs", "ui_train_tabs", "ui_settings",
    "before_image_saved", "image_saved", "extra_noise", "cfg_denoiser", "cfg_denoised",
    "cfg_after_cfg", "before_component", "after_component", "image_grid", "infotext_pasted",
    "script_unloaded", "before_ui", "on_reload", "list_optimizers", "list_unets",
    "before_token_counter",
)
callback_map = {f"callbacks_{category}": [] for category in CATEGORIES}


def _registrar(file):
    """The file of the script that is registering a callback (outside this module)."""
    for frame in inspect.stack(0)[2:]:
        if frame.filename != __file__:
            return frame.filename
    return file


def add_callback(callbacks, fun, *, name=None, category="unknown", filename=None):
    script = filename or _registrar("unknown")
    from modules import scripts

    owner = Path(scripts.basedir()).name.lower()
    unique = f"{owner}/{Path(script).name}/{category}" + (f"/{name}" if name else "")
    callbacks.append(ScriptCallback(script, fun, unique))


def _make_register(category):
    def register(callback, *, name=None):
        add_callback(callback_map[f"callbacks_{category}"], callback, name=name,
                     category=category)

    register.__name__ = f"on_{category}"
    return register


on_app_started = _make_register("app_started")
on_before_reload = _make_register("on_reload")
on_model_loaded = _make_register("model_loaded")
on_ui_tabs = _make_register("ui_tabs")
on_ui_train_tabs = _make_register("ui_train_tabs")
on_ui_settings = _make_register("ui_settings")
on_before_image_saved = _make_register("before_image_saved")
on_image_saved = _make_register("image_saved")
on_extra_noise = _make_register("extra_noise")
on_cfg_denoiser = _make_register("cfg_denoiser")
on_cfg_denoised = _make_register("cfg_denoised")
on_cfg_after_cfg = _make_register("cfg_after_cfg")
on_before_component = _make_register("before_component")
on_after_component = _make_register("after_component")
on_image_grid = _make_register("image_grid")
on_infotext_pasted = _make_register("infotext_pasted")
on_script_unloaded = _make_register("script_unloaded")
on_before_ui = _make_register("before_ui")
on_list_optimizers = _make_register("list_optimizers")
on_list_unets = _make_register("list_unets")
on_before_token_counter = _make_register("before_token_counter")


def _fire(category, job, *args, **kwargs):
    """Every callback of ``category``; the results of those that did not fail."""
    results = []
    for entry in list(callback_map[f"callbacks_{category}"]):
        try:
            results.append(entry.callback(*args, **kwargs))
        except Exception:
            errors.report(f"Error executing callback {job} for {entry.script}", exc_info=True)
    return results


def app_started_callback(demo, app):
    _fire("app_started", "app_started_callback", demo, app)


def model_loaded_callback(sd_model):
    _fire("model_loaded", "model_loaded_callback", sd_model)


def ui_tabs_callback():
    return [tab for tabs in _fire("ui_tabs", "ui_tabs_callback") for tab in tabs or []]


def ui_train_tabs_callback(params):
    _fire("ui_train_tabs", "ui_train_tabs_callback", params)


def ui_settings_callback():
    _fire("ui_settings", "ui_settings_callback")


def before_image_saved_callback(params):
    _fire("before_image_saved", "before_image_saved_callback", params)


def image_saved_callback(params):
    _fire("image_saved", "image_saved_callback", params)


def extra_noise_callback(params, *args):
    _fire("extra_noise", "extra_noise_callback", params)


def cfg_denoiser_callback(params):
    _fire("cfg_denoiser", "cfg_denoiser_callback", params)


def cfg_denoised_callback(params):
    _fire("cfg_denoised", "cfg_denoised_callback", params)


def cfg_after_cfg_callback(params):
    _fire("cfg_after_cfg", "cfg_after_cfg_callback", params)


def before_component_callback(component, **kwargs):
    _fire("before_component", "before_component_callback", component, **kwargs)


def after_component_callback(component, **kwargs):
    _fire("after_component", "after_component_callback", component, **kwargs)


def image_grid_callback(params):
    _fire("image_grid", "image_grid", params)


def infotext_pasted_callback(infotext, params):
    _fire("infotext_pasted", "infotext_pasted", infotext, params)


def script_unloaded_callback():
    _fire("script_unloaded", "script_unloaded")


def before_ui_callback():
    _fire("before_ui", "before_ui")


def app_reload_callback():
    """Fired by the WebUI's main loop when Reload UI restarts it, before the scripts unload."""
    _fire("on_reload", "callbacks_on_reload")


def list_optimizers_callback():
    found = []
    _fire("list_optimizers", "list_optimizers", found)
    return found


def list_unets_callback():
    found = []
    _fire("list_unets", "list_unets", found)
    return found


def before_token_counter_callback(params):
    _fire("before_token_counter", "before_token_counter", params)


def clear_callbacks():
    for callbacks in callback_map.values():
        callbacks.clear()


def remove_current_script_callbacks():
    """Drops the callbacks registered by the file that calls this."""
    caller = _registrar(None)
    for callbacks in callback_map.values():
        callbacks[:] = [c for c in callbacks if c.script != caller]


def remove_callbacks_for_function(callback_func):
    for callbacks in callback_map.values():
        callbacks[:] = [c for c in callbacks if c.callback != callback_func]
