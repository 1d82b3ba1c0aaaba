"""Rendering through a WebUI's HTTP API, against a stand-in API server on loopback that accepts
only the request fields the WebUI 1.10 API models define (see shared/host-api.md, A9)."""

from __future__ import annotations

import base64
import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from PIL import Image

from lib_animation.cli import main
from lib_animation.png_frames import complete_frames, frame_path

COMMON_FIELDS = {
    "prompt", "negative_prompt", "styles", "seed", "subseed", "subseed_strength",
    "seed_resize_from_h", "seed_resize_from_w", "sampler_name", "scheduler", "batch_size",
    "n_iter", "steps", "cfg_scale", "width", "height", "restore_faces", "tiling", "eta",
    "s_min_uncond", "s_churn", "s_tmax", "s_tmin", "s_noise", "do_not_save_samples",
    "do_not_save_grid", "denoising_strength", "override_settings",
    "override_settings_restore_afterwards", "refiner_checkpoint", "refiner_switch_at",
    "disable_extra_networks", "firstpass_image", "comments", "force_task_id", "sampler_index",
    "infotext", "script_name", "script_args", "alwayson_scripts", "send_images", "save_images",
}  # fmt: skip
IMG2IMG_FIELDS = COMMON_FIELDS | {
    "init_images", "resize_mode", "image_cfg_scale", "initial_noise_multiplier", "latent_mask",
    "mask", "mask_blur_x", "mask_blur_y", "mask_blur", "mask_round", "inpainting_fill",
    "inpaint_full_res", "inpaint_full_res_padding", "inpainting_mask_invert",
    "include_init_images",
}  # fmt: skip
TXT2IMG_FIELDS = COMMON_FIELDS | {
    "enable_hr", "firstphase_width", "firstphase_height", "hr_scale", "hr_upscaler",
    "hr_second_pass_steps", "hr_resize_x", "hr_resize_y", "hr_checkpoint_name",
    "hr_sampler_name", "hr_scheduler", "hr_prompt", "hr_negative_prompt",
}  # fmt: skip
EXTRAS_FIELDS = {
    "resize_mode", "show_extras_results", "gfpgan_visibility", "codeformer_visibility",
    "codeformer_weight", "upscaling_resize", "upscaling_resize_w", "upscaling_resize_h",
    "upscaling_crop", "upscaler_1", "upscaler_2", "extras_upscaler_2_visibility",
    "upscale_first", "image",
}  # fmt: skip
UPSCALERS = [{"name": name, "model_name": None, "model_path": None, "model_url": None,
              "scale": 4} for name in ("None", "Lanczos", "Nearest", "R-ESRGAN 4x+")]
SAMPLERS = [{"name": "Euler a", "aliases": ["k_euler_a"]}, {"name": "DPM++ 2M", "aliases": []}]
SCHEDULERS = [{"name": "automatic", "label": "Automatic"}, {"name": "karras", "label": "Karras"}]
MODELS = [{"title": "v1-5-pruned-emaonly.safetensors [6ce0161689]", "model_name": "v1-5"},
          {"title": "dreamshaper_8.safetensors [879db523c3]", "model_name": "dreamshaper_8"}]


def _png(image: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


class StandInWebUI(BaseHTTPRequestHandler):
    """img2img, like the real one, depends on the request before it: the init image's VAE
    sample comes from a global generator in the state the previous request's seed left."""

    requests: list = []
    auth: str | None = None
    fail_after: int | None = None
    generator: int = 0
    # The ControlNet extension's routes and lists (None: not installed), as sd-webui-controlnet
    # answers them: models with their [hash], preprocessor names, its unit count.
    controlnet: dict | None = None

    def log_message(self, *_args):
        pass

    def _reply(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.auth is None:
            return True
        expected = "Basic " + base64.b64encode(self.auth.encode()).decode()
        if self.headers.get("Authorization") == expected:
            return True
        self._reply(401, {"detail": "Not authenticated"})
        return False

    def do_GET(self):  # noqa: N802 - http.server's name
        if not self._authorised():
            return
        lists = {"/sdapi/v1/samplers": SAMPLERS, "/sdapi/v1/schedulers": SCHEDULERS,
                 "/sdapi/v1/sd-models": MODELS, "/sdapi/v1/upscalers": UPSCALERS}
        if self.controlnet is not None:
            lists.update({
                "/controlnet/model_list": {"model_list": self.controlnet["models"]},
                "/controlnet/module_list": {"module_list": self.controlnet["modules"],
                                            "module_detail": {}},
                "/controlnet/settings": {"control_net_unit_count": self.controlnet["units"]},
            })  # fmt: skip
        if self.path in lists:
            self._reply(200, lists[self.path])
        else:
            self._reply(404, {"detail": "Not Found"})

    def do_POST(self):  # noqa: N802 - http.server's name
        if not self._authorised():
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        allowed = {"/sdapi/v1/txt2img": TXT2IMG_FIELDS, "/sdapi/v1/img2img": IMG2IMG_FIELDS,
                   "/sdapi/v1/extra-single-image": EXTRAS_FIELDS}
        if self.path not in allowed:
            self._reply(404, {"detail": "Not Found"})
            return
        unknown = set(body) - allowed[self.path]
        if unknown:
            self._reply(422, {"detail": f"unknown fields {sorted(unknown)}"})
            return
        scripts = body.get("alwayson_scripts") or {}
        if any(name != "controlnet" or self.controlnet is None for name in scripts):
            self._reply(422, {"detail": f"always on script {next(iter(scripts))} not found"})
            return
        type(self).requests.append((self.path, body))
        if self.path == "/sdapi/v1/extra-single-image":
            self._extras(body)
            return
        left_by_previous, type(self).generator = type(self).generator, body["seed"]
        if self.fail_after is not None and len(self.requests) > self.fail_after:
            self._reply(500, {"error": "OutOfMemoryError", "detail": "CUDA out of memory"})
            return
        if "init_images" in body:
            data = base64.b64decode(body["init_images"][0])
            image = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(np.int16)
            image = np.clip(image + left_by_previous % 7 - 3, 0, 255).astype(np.uint8)
        else:
            image = np.full((body["height"], body["width"], 3), body["seed"] % 256, np.uint8)
        self._reply(200, {"images": [_png(image)], "parameters": {}, "info": "{}"})

    def _extras(self, body) -> None:
        """Every upscaler of the stand-in upscales as Nearest does, by `upscaling_resize`."""
        data = base64.b64decode(body["image"])
        image = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
        factor = int(body["upscaling_resize"])
        self._reply(200, {"image": _png(image.repeat(factor, axis=0).repeat(factor, axis=1)),
                          "html_info": ""})



@pytest.fixture
def webui():
    handler = type("Handler", (StandInWebUI,), {"requests": [], "auth": None,
                                                "fail_after": None, "generator": 0,
                                                "controlnet": None})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield handler
    server.shutdown()
    server.server_close()


def _settings(tmp_path, **values):
    file = tmp_path / "run.json"
    base = {"max_frames": 4, "W": 64, "H": 64, "seed": 7, "diffusion_cadence": 2,
            "video_format": "none", "batch_name": "api", "sampler": "Euler a",
            "scheduler": "Karras", "animation_prompts": {"0": "a lighthouse"}}
    file.write_text(json.dumps({**base, **values}))
    return str(file)


def test_a_run_renders_through_the_webui_api(tmp_path, webui, capsys):
    file = _settings(tmp_path, enable_checkpoint_scheduling=True,
                     checkpoint_schedule='0:("v1-5-pruned-emaonly"), 3:("dreamshaper_8")',
                     enable_clipskip_scheduling=True, clipskip_schedule="0:(2)")
    assert main(["render", file, "--out", str(tmp_path / "out"), "--host", "webui",
                 "--url", webui.url, "--no-report"]) == 0, capsys.readouterr().err
    assert complete_frames(tmp_path / "out" / "api") == [0, 1, 2, 3]
    paths = [path for path, _ in webui.requests]
    assert paths == ["/sdapi/v1/txt2img", "/sdapi/v1/img2img", "/sdapi/v1/img2img"]
    first, second, third = (body for _, body in webui.requests)
    assert (first["seed"], first["sampler_name"], first["scheduler"]) == (7, "Euler a", "Karras")
    assert first["override_settings"] == {"sd_model_checkpoint": "v1-5-pruned-emaonly",
                                          "CLIP_stop_at_last_layers": 2}
    assert third["override_settings"]["sd_model_checkpoint"] == "dreamshaper_8"
    assert second["denoising_strength"] == pytest.approx(0.35)
    assert first["save_images"] is False and first["send_images"] is True


def test_unknown_checkpoints_are_refused_before_anything_is_made(tmp_path, webui, capsys):
    file = _settings(tmp_path, enable_checkpoint_scheduling=True,
                     checkpoint_schedule='0:("v1-5"), 2:("sdxl_turbo")')
    assert main(["render", file, "--out", str(tmp_path / "out"), "--host", "webui",
                 "--url", webui.url]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "checkpoint_schedule" in err[0] and "'sdxl_turbo'" in err[0]
    assert "dreamshaper_8" in err[0]
    assert webui.requests == []
    assert not (tmp_path / "out").exists()


def test_a_webui_with_a_login_needs_api_auth(tmp_path, webui, capsys):
    webui.auth = "me:secret"
    file = _settings(tmp_path)
    arguments = ["render", file, "--out", str(tmp_path / "out"), "--host", "webui",
                 "--url", webui.url, "--no-report"]
    assert main(arguments) == 2
    assert "--api-auth" in capsys.readouterr().err
    assert main([*arguments, "--api-auth", "me:secret"]) == 0


def test_a_failing_webui_stops_the_run_with_its_message_and_it_resumes(tmp_path, webui, capsys):
    webui.fail_after = 2
    file = _settings(tmp_path, max_frames=6)
    out = tmp_path / "out"
    assert main(["render", file, "--out", str(out), "--host", "webui", "--url", webui.url,
                 "--no-report"]) == 2
    err = capsys.readouterr().err
    assert "CUDA out of memory" in err
    manifest = json.loads((out / "api" / "manifest.json").read_text())
    assert manifest["status"] == "failed"
    webui.fail_after = None
    assert main(["render", "--resume", str(out / "api"), "--host", "webui",
                 "--url", webui.url, "--no-report"]) == 0
    assert complete_frames(out / "api") == list(range(6))


def _frames(folder, count):
    return [frame_path(folder, index).read_bytes() for index in range(count)]


def test_a_resumed_run_makes_the_frames_an_uninterrupted_one_makes(tmp_path, webui, capsys):
    file = _settings(tmp_path, max_frames=8, diffusion_cadence=1)
    common = ["--host", "webui", "--url", webui.url, "--no-report"]
    assert main(["render", file, "--out", str(tmp_path / "whole"), *common]) == 0
    webui.fail_after = len(webui.requests) + 4  # the 5th request runs, then fails
    assert main(["render", file, "--out", str(tmp_path / "broken"), *common]) == 2
    capsys.readouterr()
    webui.fail_after = None
    broken = tmp_path / "broken" / "api"
    assert 0 < len(complete_frames(broken)) < 8
    requests_before = len(webui.requests)
    assert main(["render", "--resume", str(broken), "--no-report"]) == 0, \
        capsys.readouterr().err
    assert len(webui.requests) > requests_before, "the resume went to the recorded WebUI"
    assert _frames(broken, 8) == _frames(tmp_path / "whole" / "api", 8)


def test_a_webui_run_is_not_resumed_with_another_host_unless_asked(tmp_path, webui, capsys):
    file = _settings(tmp_path, max_frames=4)
    out = tmp_path / "out"
    webui.fail_after = 1
    assert main(["render", file, "--out", str(out), "--host", "webui", "--url", webui.url]) == 2
    webui.fail_after = None
    capsys.readouterr()
    run = str(out / "api")
    assert main(["render", "--resume", run, "--host", "preview", "--no-report"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert f"rendered with the webui host at {webui.url}, not the preview host" in err[0]
    assert main(["render", "--resume", run, "--host", "preview", "--other-host",
                 "--no-report"]) == 0


def test_the_stop_hint_names_the_host_and_its_address(tmp_path, webui, capsys, monkeypatch):
    from lib_animation import http_host

    file = _settings(tmp_path, max_frames=4, diffusion_cadence=1)
    original = http_host.WebUIHttpHost.generate

    def stop_after_one(self, request):
        self.interrupt()
        return original(self, request)

    monkeypatch.setattr(http_host.WebUIHttpHost, "generate", stop_after_one)
    assert main(["render", file, "--out", str(tmp_path / "out"), "--host", "webui",
                 "--url", webui.url, "--api-auth", "me:secret"]) == 130
    err = capsys.readouterr().err
    assert f"--host webui --url {webui.url} --api-auth USER:PASSWORD" in err
    assert "secret" not in err
    origin = (tmp_path / "out" / "api" / "origin.json").read_text()
    assert "secret" not in origin and webui.url in origin


@pytest.mark.parametrize(("arguments", "message"), [
    (["--host", "webui", "--url", "not a url"], "'not a url' is not a WebUI address"),
    (["--url", "http://127.0.0.1:7860"], "--url and --api-auth are for --host webui"),
    (["--host", "preview", "--api-auth", "a:b"], "--url and --api-auth are for --host webui"),
])
def test_render_options_that_cannot_work_are_one_line(tmp_path, capsys, arguments, message):
    file = _settings(tmp_path)
    assert main(["render", file, "--out", str(tmp_path / "out"), *arguments]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "out").exists()


def test_out_with_resume_is_an_error(tmp_path, capsys):
    assert main(["render", "--resume", str(tmp_path), "--out", str(tmp_path / "x")]) == 2
    assert "--out is for a new run" in capsys.readouterr().err


def test_a_run_upscales_through_the_webuis_extras(tmp_path, webui, capsys):
    file = _settings(tmp_path, upscale_after_render=True, upscaler="R-ESRGAN 4x+",
                     upscale_factor=3)
    assert main(["render", file, "--out", str(tmp_path / "out"), "--host", "webui",
                 "--url", webui.url, "--no-report"]) == 0, capsys.readouterr().err
    run = tmp_path / "out" / "api"
    extras = [body for path, body in webui.requests if path == "/sdapi/v1/extra-single-image"]
    assert len(extras) == 4
    assert {(b["upscaler_1"], b["upscaling_resize"], b["resize_mode"]) for b in extras} == \
        {("R-ESRGAN 4x+", 3, 0)}
    original = np.asarray(Image.open(frame_path(run, 1)).convert("RGB"))
    upscaled = np.asarray(Image.open(frame_path(run / "upscaled", 1)).convert("RGB"))
    assert np.array_equal(upscaled, original.repeat(3, axis=0).repeat(3, axis=1))


def test_an_upscaler_the_webui_lacks_is_refused_before_frame_zero(tmp_path, webui, capsys):
    file = _settings(tmp_path, upscale_after_render=True, upscaler="R-ESRGAN 4x+ Anime6B")
    assert main(["render", file, "--out", str(tmp_path / "out"), "--host", "webui",
                 "--url", webui.url]) == 2
    error = capsys.readouterr().err
    assert "'R-ESRGAN 4x+ Anime6B'" in error and "None, Lanczos, Nearest, R-ESRGAN 4x+" in error
    assert webui.requests == []


CONTROLNET = {"models": ["control_v11p_sd15_canny [d14c016b]"],
              "modules": ["none", "canny"], "units": 3}


def test_controlnet_units_go_as_alwayson_script_arguments(tmp_path, webui, capsys):
    webui.controlnet = CONTROLNET
    Image.fromarray(np.full((40, 50, 3), 90, np.uint8)).save(tmp_path / "edges.png")
    file = _settings(tmp_path, cn_1_enabled=True, cn_1_module="canny",
                     cn_1_model="control_v11p_sd15_canny", cn_1_weight="0:(0), 1:(0), 2:(1)",
                     cn_1_vid_path=str(tmp_path / "edges.png"), cn_1_pixel_perfect=True)
    assert main(["render", file, "--out", str(tmp_path / "out"), "--host", "webui",
                 "--url", webui.url, "--no-report"]) == 0, capsys.readouterr().err
    bodies = [body for _, body in webui.requests]
    assert "alwayson_scripts" not in bodies[0]  # frame 0 at weight 0
    (unit,) = bodies[1]["alwayson_scripts"]["controlnet"]["args"]
    image = Image.open(io.BytesIO(base64.b64decode(unit.pop("image"))))
    assert image.size == (50, 40) and np.asarray(image).mean() == 90
    assert unit == {"enabled": True, "module": "canny", "model": "control_v11p_sd15_canny",
                    "weight": 1.0, "guidance_start": 0.0, "guidance_end": 1.0,
                    "processor_res": -1, "threshold_a": -1.0, "threshold_b": -1.0,
                    "resize_mode": "Crop and Resize", "control_mode": "Balanced",
                    "pixel_perfect": True, "low_vram": False}


@pytest.mark.parametrize(("installed", "message"), [
    (CONTROLNET, "cn_1_model: ControlNet unit 1: the extension has no model 'control_depth' "
                 "(it has: control_v11p_sd15_canny [d14c016b])"),
    (None, "cn_1_enabled: ControlNet unit 1 is on, but the WebUI has no ControlNet extension "
           "(install sd-webui-controlnet, or turn the unit off)"),
])  # fmt: skip
def test_controlnet_names_are_checked_with_the_webui_before_frame_0(tmp_path, webui, capsys,
                                                                   installed, message):
    webui.controlnet = installed
    file = _settings(tmp_path, cn_1_enabled=True, cn_1_module="canny",
                     cn_1_model="control_depth")
    assert main(["render", file, "--out", str(tmp_path / "out"), "--host", "webui",
                 "--url", webui.url]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"{file}: {message}"]
    assert webui.requests == [] and not (tmp_path / "out").exists()
