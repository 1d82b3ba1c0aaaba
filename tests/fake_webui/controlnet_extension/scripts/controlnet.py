"""fake-only: the stand-in ControlNet extension's always-on script and API routes.

Like the real one: titled "ControlNet", one UI slot per unit (`control_net_unit_count`, default
3) holding a disabled unit, writes each enabled unit into the infotext as "ControlNet <i>", and
answers /controlnet/model_list, /controlnet/module_list and /controlnet/settings. Its effect on
a picture is a stand-in too: each enabled unit brightens the image by 40 x its weight, so a
frame made with a unit differs from one made without. `RECEIVED` keeps the enabled units of
every generation.
"""

import gradio as gr
import numpy as np
from fastapi import FastAPI
from internal_controlnet import external_code
from modules import script_callbacks, scripts, shared
from PIL import Image

RECEIVED: list = []


class ControlNetForTests(scripts.Script):
    def title(self):
        return "ControlNet"

    def show(self, is_img2img):
        return scripts.AlwaysVisible

    def ui(self, is_img2img):
        count = shared.opts.data.get("control_net_unit_count", 3)
        return [gr.State(value=external_code.ControlNetUnit()) for _ in range(count)]

    def _enabled(self, args):
        return [unit for unit in external_code.get_all_units_from(args) if unit.enabled]

    def process(self, p, *args):
        units = self._enabled(args)
        RECEIVED.append(units)
        for index, unit in enumerate(units):
            p.extra_generation_params[f"ControlNet {index}"] = unit.serialize()

    def postprocess_image(self, p, pp, *args):
        shift = sum(40 * unit.weight for unit in self._enabled(args))
        if shift:
            pixels = np.asarray(pp.image).astype(np.float32) + shift
            pp.image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def _routes(_demo, app: FastAPI):
    @app.get("/controlnet/model_list")
    async def model_list(update: bool = True):
        return {"model_list": external_code.get_models(update=update)}

    @app.get("/controlnet/module_list")
    async def module_list(alias_names: bool = False):
        return {"module_list": external_code.get_modules(alias_names), "module_detail": {}}

    @app.get("/controlnet/settings")
    async def settings():
        return {"control_net_unit_count": external_code.get_max_models_num()}


script_callbacks.on_app_started(_routes)
