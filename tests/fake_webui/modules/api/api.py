"""The ``/sdapi/v1`` routes an extension's tests use. With ``--api-auth`` every route added
through ``Api.add_api_route`` needs one of its logins (routes added to the app directly do not).
"""

from __future__ import annotations

import base64
import io
import time
from secrets import compare_digest
from typing import Any

import gradio as gr
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from modules import processing, scripts, sd_models, sd_samplers, sd_schedulers, shared, ui
from modules.api import models
from PIL import Image


def decode_base64_to_image(encoding):
    if encoding.startswith("data:image/"):
        encoding = encoding.split(";", 1)[1].split(",", 1)[1]
    try:
        return Image.open(io.BytesIO(base64.b64decode(encoding)))
    except Exception as e:
        raise HTTPException(status_code=500, detail="Invalid encoded image") from e


def encode_pil_to_base64(image):
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


class Api:
    def __init__(self, app: FastAPI, queue_lock):
        self.app = app
        self.queue_lock = queue_lock
        self.credentials = dict(
            login.split(":", 1) for login in (shared.cmd_opts.api_auth or "").split(",")
            if ":" in login)
        get, post = {"methods": ["GET"]}, {"methods": ["POST"]}
        self.add_api_route("/sdapi/v1/txt2img", self.text2imgapi, **post,
                           response_model=models.ImageResponse)
        self.add_api_route("/sdapi/v1/img2img", self.img2imgapi, **post,
                           response_model=models.ImageResponse)
        self.add_api_route("/sdapi/v1/progress", self.progressapi, **get,
                           response_model=models.ProgressResponse)
        self.add_api_route("/sdapi/v1/interrupt", self.interruptapi, **post)
        self.add_api_route("/sdapi/v1/skip", self.skip, **post)
        self.add_api_route("/sdapi/v1/options", self.get_config, **get)
        self.add_api_route("/sdapi/v1/options", self.set_config, **post)
        self.add_api_route("/sdapi/v1/samplers", self.get_samplers, **get)
        self.add_api_route("/sdapi/v1/schedulers", self.get_schedulers, **get)
        self.add_api_route("/sdapi/v1/sd-models", self.get_sd_models, **get)
        # The host builds the UI here when nothing has built the script runners yet.
        if not scripts.scripts_txt2img.scripts or not scripts.scripts_img2img.scripts:
            ui.create_ui()
        self.default_script_arg_txt2img = self.init_default_script_args(scripts.scripts_txt2img)
        self.default_script_arg_img2img = self.init_default_script_args(scripts.scripts_img2img)

    def add_api_route(self, path: str, endpoint, **kwargs):
        if shared.cmd_opts.api_auth:
            kwargs["dependencies"] = [Depends(self.auth)]
        return self.app.add_api_route(path, endpoint, **kwargs)

    def auth(self, credentials: HTTPBasicCredentials = Depends(HTTPBasic())):
        expected = self.credentials.get(credentials.username)
        if expected is not None and compare_digest(credentials.password, expected):
            return True
        raise HTTPException(status_code=401, detail="Incorrect username or password",
                            headers={"WWW-Authenticate": "Basic"})

    def init_default_script_args(self, script_runner):
        """A full ``script_args`` list: slot 0 (no selectable script) and every script's UI
        defaults at its ``args_from:args_to``."""
        size = max([1, *(s.args_to or 0 for s in script_runner.scripts)])
        args: list[Any] = [None] * size
        args[0] = 0
        with gr.Blocks():
            for script in script_runner.scripts:
                controls = script.ui(script.is_img2img)
                if controls:
                    args[script.args_from:script.args_to] = [c.value for c in controls]
        return args

    def _script_args(self, request, runner, defaults):
        args = list(defaults)
        selected = None
        if request.script_name:
            titles = [s.title().lower() for s in runner.selectable_scripts]
            name = request.script_name.lower()
            if name not in titles:
                raise HTTPException(status_code=422, detail=f"Script '{name}' not found")
            selected = runner.selectable_scripts[titles.index(name)]
            args[0] = titles.index(name) + 1
            given = request.script_args or []
            args[selected.args_from:selected.args_from + len(given)] = given
        for name, body in (request.alwayson_scripts or {}).items():
            script = runner.title_map.get(name.lower())
            if script is None or not script.alwayson:
                raise HTTPException(status_code=422, detail=f"always on script {name} not found")
            given = (body or {}).get("args", [])
            args[script.args_from:script.args_from + len(given)] = given
        return args, selected

    def _generate(self, request, cls, runner, defaults, outdir, extra=None):
        values = request.dict()
        for key in models.API_ONLY:
            values.pop(key, None)
        values.pop("include_init_images", None)
        values.update(extra or {})
        values["sampler_name"] = request.sampler_name or request.sampler_index
        values["do_not_save_samples"] = values["do_not_save_grid"] = not request.save_images
        script_args, selected = self._script_args(request, runner, defaults)
        with self.queue_lock:
            p = cls(sd_model=shared.sd_model, **values)
            p.is_api = True
            p.scripts = runner
            p.outpath_samples = p.outpath_grids = outdir
            shared.state.begin(job="scripts_api")
            try:
                p.script_args = tuple(script_args)
                processed = (runner.run(p, *p.script_args) if selected else None) or \
                    processing.process_images(p)
            finally:
                shared.state.end()
                p.close()
        encoded = [encode_pil_to_base64(i) for i in processed.images] \
            if request.send_images else []
        return models.ImageResponse(images=encoded, parameters=request.dict(),
                                    info=processed.js())

    def text2imgapi(self, txt2imgreq: models.StableDiffusionTxt2ImgProcessingAPI):
        outdir = shared.opts.outdir_samples or shared.opts.outdir_txt2img_samples
        return self._generate(txt2imgreq, processing.StableDiffusionProcessingTxt2Img,
                              scripts.scripts_txt2img, self.default_script_arg_txt2img, outdir)

    def img2imgapi(self, img2imgreq: models.StableDiffusionImg2ImgProcessingAPI):
        if not img2imgreq.init_images:
            raise HTTPException(status_code=404, detail="Init image not found")
        extra = {"init_images": [decode_base64_to_image(x) for x in img2imgreq.init_images],
                 "mask": decode_base64_to_image(img2imgreq.mask) if img2imgreq.mask else None}
        outdir = shared.opts.outdir_samples or shared.opts.outdir_img2img_samples
        response = self._generate(img2imgreq, processing.StableDiffusionProcessingImg2Img,
                                  scripts.scripts_img2img, self.default_script_arg_img2img,
                                  outdir, extra)
        if not img2imgreq.include_init_images:
            response.parameters["init_images"] = None
            response.parameters["mask"] = None
        return response

    def progressapi(self, req: models.ProgressRequest = Depends()):
        state = shared.state
        if state.job_count == 0:
            return models.ProgressResponse(progress=0, eta_relative=0, state=state.dict(),
                                           textinfo=state.textinfo)
        progress = 0.01
        if state.job_count > 0:
            progress += state.job_no / state.job_count
        if state.sampling_steps > 0:
            progress += state.sampling_step / state.sampling_steps / state.job_count
        elapsed = time.time() - (state.time_start or time.time())
        eta_relative = elapsed / progress - elapsed
        state.set_current_image()
        image = state.current_image
        current = encode_pil_to_base64(image) if image and not req.skip_current_image else None
        return models.ProgressResponse(progress=min(progress, 1), eta_relative=eta_relative,
                                       state=state.dict(), current_image=current,
                                       textinfo=state.textinfo)

    def interruptapi(self):
        shared.state.interrupt()
        return {}

    def skip(self):
        shared.state.skip()

    def get_config(self):
        opts = shared.opts
        return {key: opts.data.get(key) for key in opts.data}

    def set_config(self, req: dict[str, Any]):
        checkpoint = req.get("sd_model_checkpoint")
        if checkpoint is not None and checkpoint not in sd_models.checkpoint_aliases:
            raise RuntimeError(f"model {checkpoint!r} not found")
        for key, value in req.items():
            shared.opts.set(key, value, is_api=True)
        shared.opts.save(shared.config_filename)

    def get_samplers(self):
        return [{"name": x.name, "aliases": x.aliases, "options": x.options}
                for x in sd_samplers.all_samplers]

    def get_schedulers(self):
        return [{"name": x.name, "label": x.label, "aliases": x.aliases,
                 "default_rho": x.default_rho, "need_inner_model": x.need_inner_model}
                for x in sd_schedulers.schedulers]

    def get_sd_models(self):
        return [{"title": x.title, "model_name": x.model_name, "hash": x.shorthash,
                 "sha256": x.sha256, "filename": x.filename, "config": None}
                for x in sd_models.checkpoints_list.values()]
