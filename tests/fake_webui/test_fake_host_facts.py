"""Checks of the fake host against facts of the real AUTOMATIC1111 WebUI 1.10.1.

Expected values are copied by hand from the host's source (tag v1.10.1, commit 82a973c0) and
from host-api.md; they are the independent check of the fake."""

from __future__ import annotations

import inspect
import textwrap

import pytest
from PIL import Image

# StableDiffusionProcessing.__init__ parameters and defaults (modules/processing.py). In the host,
# the ``sd_model`` and (img2img) ``mask_blur`` defaults are the property objects defined later in
# the class body (``PROPERTY`` below); the setters then ignore them.
PROPERTY = object()
HOST_BASE_INIT = {
    "sd_model": PROPERTY,
    "outpath_samples": None,
    "outpath_grids": None,
    "prompt": "",
    "prompt_for_display": None,
    "negative_prompt": "",
    "styles": None,
    "seed": -1,
    "subseed": -1,
    "subseed_strength": 0,
    "seed_resize_from_h": -1,
    "seed_resize_from_w": -1,
    "seed_enable_extras": True,
    "sampler_name": None,
    "scheduler": None,
    "batch_size": 1,
    "n_iter": 1,
    "steps": 50,
    "cfg_scale": 7.0,
    "width": 512,
    "height": 512,
    "restore_faces": None,
    "tiling": None,
    "do_not_save_samples": False,
    "do_not_save_grid": False,
    "extra_generation_params": None,
    "overlay_images": None,
    "eta": None,
    "do_not_reload_embeddings": False,
    "denoising_strength": None,
    "ddim_discretize": None,
    "s_min_uncond": None,
    "s_churn": None,
    "s_tmax": None,
    "s_tmin": None,
    "s_noise": None,
    "override_settings": None,
    "override_settings_restore_afterwards": True,
    "sampler_index": None,
    "refiner_checkpoint": None,
    "refiner_switch_at": None,
    "disable_extra_networks": False,
    "firstpass_image": None,
    "comments": None,
}

HOST_IMG2IMG_EXTRA = {
    "init_images": None,
    "resize_mode": 0,
    "denoising_strength": 0.75,
    "image_cfg_scale": None,
    "mask": None,
    "mask_blur_x": 4,
    "mask_blur_y": 4,
    "mask_blur": PROPERTY,
    "mask_round": True,
    "inpainting_fill": 0,
    "inpaint_full_res": True,
    "inpaint_full_res_padding": 0,
    "inpainting_mask_invert": 0,
    "initial_noise_multiplier": None,
    "latent_mask": None,
    "force_task_id": None,
}

HOST_TXT2IMG_EXTRA = {
    "enable_hr": False,
    "denoising_strength": 0.75,
    "firstphase_width": 0,
    "firstphase_height": 0,
    "hr_scale": 2.0,
    "hr_upscaler": None,
    "hr_second_pass_steps": 0,
    "hr_resize_x": 0,
    "hr_resize_y": 0,
    "hr_checkpoint_name": None,
    "hr_sampler_name": None,
    "hr_scheduler": None,
    "hr_prompt": "",
    "hr_negative_prompt": "",
    "force_task_id": None,
}

HOST_SAMPLERS = [
    "DPM++ 2M",
    "DPM++ SDE",
    "DPM++ 2M SDE",
    "DPM++ 2M SDE Heun",
    "DPM++ 2S a",
    "DPM++ 3M SDE",
    "Euler a",
    "Euler",
    "LMS",
    "Heun",
    "DPM2",
    "DPM2 a",
    "DPM fast",
    "DPM adaptive",
    "Restart",
    "DDIM",
    "DDIM CFG++",
    "PLMS",
    "UniPC",
    "LCM",
]

HOST_SCHEDULERS = [
    ("automatic", "Automatic"),
    ("uniform", "Uniform"),
    ("karras", "Karras"),
    ("exponential", "Exponential"),
    ("polyexponential", "Polyexponential"),
    ("sgm_uniform", "SGM Uniform"),
    ("kl_optimal", "KL Optimal"),
    ("align_your_steps", "Align Your Steps"),
    ("simple", "Simple"),
    ("normal", "Normal"),
    ("ddim", "DDIM"),
    ("beta", "Beta"),
]

PROBE_SCRIPT = """
import sys

import gradio as gr

import probe_pkg
from modules import script_callbacks, scripts, shared

LOAD_INFO = {"basedir": scripts.basedir(), "sys_path0": sys.path[0], "name": __name__}
APP_STARTED = []


class ProbeScript(scripts.Script):
    def title(self):
        return "Probe"

    def show(self, is_img2img):
        return scripts.AlwaysVisible

    def ui(self, is_img2img):
        return [gr.Checkbox(value=False, label="Enabled"),
                gr.Slider(minimum=0, maximum=9, value=3, label="N")]

    def process(self, p, enabled, n):
        p.extra_generation_params["Probe"] = f"{enabled}-{n}"


def on_settings():
    shared.opts.add_option("probe_fps", shared.OptionInfo(12, "Probe FPS", gr.Slider,
                           {"minimum": 1, "maximum": 60, "step": 1}, section=("probe", "Probe")))


def on_tabs():
    with gr.Blocks(analytics_enabled=False) as blocks:
        gr.Textbox(label="probe")
    return [(blocks, "Probe", "probe_tab")]


script_callbacks.on_ui_settings(on_settings)
script_callbacks.on_ui_tabs(on_tabs)
script_callbacks.on_app_started(lambda demo, app: APP_STARTED.append((demo, app)))
"""


@pytest.fixture
def probe_ext(tmp_path):
    ext = tmp_path / "exts" / "probe-ext"
    (ext / "scripts").mkdir(parents=True)
    (ext / "probe_pkg").mkdir()
    (ext / "probe_pkg" / "__init__.py").write_text("VALUE = 1\n")
    (ext / "scripts" / "probe.py").write_text(PROBE_SCRIPT)
    (ext / "install.py").write_text(
        textwrap.dedent("""
        import launch
        if not launch.is_installed("surely-not-installed-pkg"):
            launch.run_pip("install surely-not-installed-pkg==1.0", "surely-not-installed-pkg")
        print("git is", type(launch.git).__name__)
    """)
    )
    return ext


def _probe_module():
    from modules import scripts

    return next(d.module for d in scripts.scripts_data if d.path.endswith("probe.py"))


def _img2img(**kwargs):
    from modules import processing

    args = {
        "init_images": [Image.new("RGB", (64, 48), (200, 30, 30))],
        "width": 64,
        "height": 48,
        "steps": 10,
        "prompt": "a cat",
        "do_not_save_samples": True,
        "do_not_save_grid": True,
    }
    args.update(kwargs)
    return processing.StableDiffusionProcessingImg2Img(**args)


def _defaults(cls):
    params = inspect.signature(cls).parameters
    return {
        k: PROPERTY if isinstance(v.default, property) else v.default for k, v in params.items()
    }


def test_processing_init_signatures_match_host(fake_webui):
    fake_webui()
    from modules import processing

    assert list(_defaults(processing.StableDiffusionProcessing).items()) == list(
        HOST_BASE_INIT.items()
    )
    assert _defaults(processing.StableDiffusionProcessingImg2Img) == {
        **HOST_BASE_INIT,
        **HOST_IMG2IMG_EXTRA,
    }
    assert _defaults(processing.StableDiffusionProcessingTxt2Img) == {
        **HOST_BASE_INIT,
        **HOST_TXT2IMG_EXTRA,
    }
    assert list(_defaults(processing.StableDiffusionProcessingImg2Img))[
        -len(HOST_IMG2IMG_EXTRA) + 1 :
    ] == [k for k in HOST_IMG2IMG_EXTRA if k != "denoising_strength"]


def test_img2img_defaults_and_non_init_fields(fake_webui):
    fake_webui()
    from modules import shared

    p = _img2img(mask=Image.new("L", (64, 48), 255))
    assert p.image_mask is not None and p.mask is None  # mask moves to image_mask
    assert p.initial_noise_multiplier == shared.opts.initial_noise_multiplier == 1.0
    assert p.is_api is False and p.scripts is None and p.script_args == {}
    assert p.mask_blur == 4
    assert p.sd_model is shared.sd_model


def test_signatures_of_host_functions(fake_webui):
    fake_webui()
    import launch
    from modules import images, options, processing, script_callbacks, scripts, sd_models
    from modules.api.api import Api

    def sig(f):
        return str(inspect.signature(f))

    assert sig(processing.create_infotext) == (
        "(p, all_prompts, all_seeds, all_subseeds, comments=None, iteration=0, "
        "position_in_batch=0, "
        "use_main_prompt=False, index=None, all_negative_prompts=None)"
    )
    assert sig(images.save_image) == (
        "(image, path, basename, seed=None, prompt=None, extension='png', info=None, "
        "short_filename=False, no_prompt=False, grid=False, pnginfo_section_name='parameters', "
        "p=None, existing_info=None, "
        "forced_filename=None, suffix='', save_to_dirs=None)"
    )
    assert sig(sd_models.reload_model_weights) == "(sd_model=None, info=None, forced_reload=False)"
    assert sig(sd_models.checkpoint_tiles) == "(use_short=False)"
    assert sig(options.Options.set) == "(self, key, value, is_api=False, run_callbacks=True)"
    assert sig(options.OptionInfo.__init__) == (
        "(self, default=None, label='', component=None, component_args=None, onchange=None, "
        "section=None, refresh=None, comment_before='', comment_after='', infotext=None, "
        "restrict_api=False, category_id=None)"
    )
    assert sig(Api.init_default_script_args) == "(self, script_runner)"
    assert sig(launch.run_pip) == "(command, desc=None, live=False)"
    assert (
        sig(launch.run)
        == "(command, desc=None, errdesc=None, custom_env=None, live: bool = False) -> str"
    )
    assert isinstance(launch.git, str)
    assert (
        sig(scripts.ScriptRunner.set_named_arg)
        == "(self, args, script_name, arg_elem_id, value, fuzzy=False)"
    )
    for name, fn in vars(script_callbacks).items():
        if name.startswith("on_") and callable(fn):
            assert sig(fn) == "(callback, *, name=None)", name
    assert sig(script_callbacks.app_started_callback) == "(demo, app)"


def test_samplers_and_schedulers_match_host(fake_webui):
    fake_webui()
    from modules import sd_samplers, sd_schedulers

    assert [x.name for x in sd_samplers.all_samplers] == HOST_SAMPLERS
    assert sd_samplers.samplers is sd_samplers.all_samplers is sd_samplers.samplers_for_img2img
    assert sd_samplers.samplers_map["k_euler_a"] == "Euler a"
    assert sd_samplers.samplers_map["k_euler_ancestral"] == "Euler a"
    assert [(x.name, x.label) for x in sd_schedulers.schedulers] == HOST_SCHEDULERS
    assert sd_schedulers.schedulers_map["Karras"] is sd_schedulers.schedulers_map["karras"]
    assert sd_samplers.get_sampler_and_scheduler("Euler a Karras", None) == ("Euler a", "Karras")
    assert sd_samplers.get_sampler_and_scheduler("DPM++ 2M", "Karras") == ("DPM++ 2M", "Automatic")
    assert sd_samplers.get_sampler_and_scheduler(None, None) == ("DPM++ 2M", "Automatic")


def test_job_count_set_only_when_minus_one_and_nextjob_per_batch(fake_webui):
    fake_webui()
    from modules import processing, shared

    shared.state.begin(job="frames")
    assert shared.state.job_count == -1
    processing.process_images(_img2img(n_iter=2))
    assert shared.state.job_count == 2 and shared.state.job_no == 2

    shared.state.begin(job="frames")
    shared.state.job_count = 20
    processing.process_images(_img2img())
    processing.process_images(_img2img())
    assert shared.state.job_count == 20 and shared.state.job_no == 2
    shared.state.end()
    assert shared.state.job == "" and shared.state.job_count == 0


def test_unknown_checkpoint_dropped_and_opts_restored(fake_webui):
    webui = fake_webui()
    from modules import processing, sd_models, shared

    webui.hash_all_checkpoints()
    loaded = shared.opts.sd_model_checkpoint
    other = next(x for x in sd_models.checkpoints_list.values() if x.title != loaded)
    reloads = len(sd_models.weights_load_log)

    processing.process_images(_img2img(override_settings={"sd_model_checkpoint": "tiny-sd"}))
    assert processing.processed_log[-1].checkpoint == loaded  # substring: dropped
    assert len(sd_models.weights_load_log) == reloads

    alias = f"{other.name_for_extra} [{other.shorthash}]"
    res = processing.process_images(
        _img2img(override_settings={"sd_model_checkpoint": alias, "CLIP_stop_at_last_layers": 2})
    )
    call = processing.processed_log[-1]
    assert call.checkpoint == other.title
    assert call.opts["sd_model_checkpoint"] == other.title
    assert res.sd_model_hash == other.shorthash and "Clip skip: 2" in res.info
    assert shared.opts.sd_model_checkpoint == loaded  # opts restored ...
    assert sd_models.model_data.sd_model.sd_checkpoint_info is other  # ... weights stay loaded
    assert len(sd_models.weights_load_log) == reloads + 1

    processing.process_images(_img2img())  # no override: the opts checkpoint is reloaded
    assert sd_models.model_data.sd_model.sd_checkpoint_info.title == loaded
    assert len(sd_models.weights_load_log) == reloads + 2


def test_override_of_key_missing_from_opts_data_is_not_restored(fake_webui):
    """Host behaviour: without config.json, opts.data starts empty, and process_images only
    stores (and restores) overridden keys that are in opts.data."""
    fake_webui()
    from modules import processing, shared

    assert "eta_ancestral" not in shared.opts.data
    processing.process_images(_img2img(override_settings={"eta_ancestral": 0.5}))
    assert shared.opts.eta_ancestral == 0.5


def test_checkpoint_aliases_have_host_ids(fake_webui):
    webui = fake_webui()
    from modules import sd_models

    webui.hash_all_checkpoints()
    for info in sd_models.checkpoints_list.values():
        expected = [
            info.hash,
            info.model_name,
            info.title,
            info.name,
            info.name_for_extra,
            f"{info.name} [{info.hash}]",
            info.shorthash,
            info.sha256,
            f"{info.name} [{info.shorthash}]",
            f"{info.name_for_extra} [{info.shorthash}]",
        ]
        assert set(info.ids) == set(expected)
        assert all(sd_models.checkpoint_aliases[i] is info for i in expected)
        assert info.title == f"{info.name} [{info.shorthash}]"


def test_unhashed_checkpoint_has_no_shorthash_alias_and_first_listed_is_loaded(fake_webui):
    fake_webui()
    from modules import sd_models, shared

    titles = sd_models.checkpoint_tiles()
    # natural sort puts "tiny-sd1-b" before "tiny-sd1." ("-" < "."); the first is loaded, hashed
    assert titles[0].startswith("tiny-sd1-b.safetensors [")
    assert titles[1] == "tiny-sd1.safetensors"
    assert shared.opts.sd_model_checkpoint == titles[0]
    with pytest.raises(FileNotFoundError):
        sd_models.checkpoints_list.clear()
        sd_models.checkpoint_aliases.clear()
        shared.opts.data["sd_model_checkpoint"] = None
        sd_models.select_checkpoint()


def test_no_checkpoint_raises_file_not_found(fake_webui):
    fake_webui(checkpoints=())
    from modules import processing, shared

    assert shared.sd_model is None
    with pytest.raises(FileNotFoundError):
        processing.process_images(_img2img())


def test_builtin_seed_and_sampler_scripts_overwrite_unless_is_api(fake_webui):
    webui = fake_webui(args=["--api"])
    from modules import scripts

    runner = scripts.scripts_img2img
    defaults = webui.api.init_default_script_args(runner)

    p = _img2img(seed=1234, steps=33, sampler_name="Euler a")
    p.scripts = runner
    p.script_args = list(defaults)
    assert (p.seed, p.steps, p.sampler_name, p.scheduler) == (-1, 20, "DPM++ 2M", "Automatic")

    p = _img2img(seed=1234, steps=33, sampler_name="Euler a")
    p.is_api = True
    p.scripts = runner
    p.script_args = list(defaults)
    assert (p.seed, p.steps, p.sampler_name) == (1234, 33, "Euler a")


def test_script_args_layout_and_hooks(fake_webui, probe_ext):
    webui = fake_webui(extensions=[probe_ext], args=["--api"])
    from modules import processing, scripts

    runner = scripts.scripts_img2img
    by_title = {s.title(): s for s in runner.scripts}
    # sections in the host's order: sampler, accordions (refiner), seed, then section-less scripts
    assert (by_title["Sampler"].args_from, by_title["Sampler"].args_to) == (1, 4)
    assert (by_title["Refiner"].args_from, by_title["Refiner"].args_to) == (4, 7)
    assert (by_title["Seed"].args_from, by_title["Seed"].args_to) == (7, 13)
    args = webui.api.init_default_script_args(runner)
    probe = by_title["Probe"]
    assert args[0] == 0 and args[probe.args_from : probe.args_to] == [False, 3]
    args[probe.args_from] = True
    p = _img2img()
    p.is_api = True
    p.scripts = runner
    p.script_args = tuple(args)
    res = processing.process_images(p)
    assert "Probe: True-3" in res.info
    assert runner.title_map["probe"] is probe and probe.name == "probe"


def test_scripts_load_by_path_with_extension_dir_on_sys_path(fake_webui, probe_ext):
    webui = fake_webui(extensions=[probe_ext])
    import sys

    from modules import scripts

    info = _probe_module().LOAD_INFO
    ext_dir = str(webui.extensions_dir / "probe-ext")
    assert info == {"basedir": ext_dir, "sys_path0": ext_dir, "name": "probe.py"}
    assert scripts.basedir() != ext_dir and ext_dir not in sys.path
    assert "probe.py" not in sys.modules


def test_app_started_gets_demo_none_with_nowebui_and_tabs_still_built(fake_webui, probe_ext):
    webui = fake_webui(extensions=[probe_ext], args=["--nowebui"])
    from modules import shared

    started = _probe_module().APP_STARTED
    assert len(started) == 1 and started[0][0] is None and started[0][1] is webui.app
    assert "Probe" in shared.tab_names and shared.opts.probe_fps == 12
    assert shared.demo is None


def test_app_started_with_ui_and_tab_elem_id(fake_webui, probe_ext):
    webui = fake_webui(extensions=[probe_ext])
    started = _probe_module().APP_STARTED
    assert started[0][0] is webui.demo is not None
    ids = [getattr(b, "elem_id", None) for b in webui.demo.blocks.values()]
    assert "tab_probe_tab" in ids


def test_api_auth_guards_api_routes_only(fake_webui, probe_ext):
    webui = fake_webui(extensions=[probe_ext], args=["--api", "--api-auth", "user:pass"])
    started = _probe_module().APP_STARTED
    app = started[0][1]
    app.add_api_route("/probe/ping", lambda: {"ok": True}, methods=["GET"])
    client = webui.client()
    assert client.get("/sdapi/v1/samplers").status_code == 401
    assert client.get("/sdapi/v1/samplers", auth=("user", "pass")).status_code == 200
    assert client.get("/probe/ping").json() == {"ok": True}


def test_img2img_depends_on_torch_global_rng(fake_webui):
    fake_webui()
    import numpy as np
    import torch
    from modules import processing

    def run():
        return np.asarray(processing.process_images(_img2img(seed=5)).images[0])

    torch.manual_seed(1)
    a = run()
    torch.manual_seed(1)
    b = run()
    torch.manual_seed(2)
    c = run()
    assert (a == b).all() and not (a == c).all()


def test_img2img_mask_keeps_init_outside(fake_webui):
    fake_webui()
    import numpy as np
    from modules import processing

    init = Image.new("RGB", (64, 48), (10, 200, 30))
    mask = Image.new("L", (64, 48), 0)
    mask.paste(255, (0, 0, 16, 48))
    res = processing.process_images(_img2img(init_images=[init], mask=mask, seed=3))
    out = np.asarray(res.images[0])
    assert (out[:, 40:] == (10, 200, 30)).all()
    assert not (out[:, :8] == (10, 200, 30)).all()


def test_steps_progress_interrupt_and_infotext(fake_webui):
    fake_webui()
    from modules import processing, shared

    p = _img2img(steps=20, denoising_strength=0.5, seed=77, negative_prompt="blurry")
    res = processing.process_images(p)
    assert shared.state.sampling_steps == 11  # t_enc + 1, as the host's launch_sampling
    assert res.info == (
        "a cat\nNegative prompt: blurry\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Automatic, "
        "CFG scale: 7.0, "
        f"Seed: 77, Size: 64x48, Model hash: {p.sd_model_hash}, Model: {p.sd_model_name}, "
        "Denoising strength: 0.5, Version: v1.10.1"
    )
    assert processing.processed_log[-1].p is p

    shared.opts.img2img_fix_steps = True
    processing.process_images(_img2img(steps=20, denoising_strength=0.5))
    assert shared.state.sampling_steps == 20

    shared.state.interrupted = True
    res = processing.process_images(_img2img(n_iter=2))
    assert res.images == []  # interrupted before the first batch: no image, still a Processed
    shared.state.interrupted = False

    shared.state.skip()
    res = processing.process_images(_img2img(steps=10))
    assert len(res.images) == 1  # a skip set before the batch is cleared; the image is made
    assert shared.state.skipped is False


def test_live_preview_after_poll(fake_webui):
    fake_webui()
    from modules import processing, shared

    shared.state.begin(job="x")
    processing.process_images(_img2img(steps=40, denoising_strength=0.9))
    assert shared.state.current_latent is not None and shared.state.current_image is None
    shared.state.sampling_step = 10  # as when a progress poll comes in mid-sampling
    shared.state.set_current_image()
    assert shared.state.current_image is not None and shared.state.id_live_preview == 1


def test_queue_lock_recorded(fake_webui):
    fake_webui()
    from modules import call_queue, processing

    processing.process_images(_img2img())
    assert processing.processed_log[-1].queue_lock_held is False
    with call_queue.queue_lock:
        processing.process_images(_img2img())
    assert processing.processed_log[-1].queue_lock_held is True


def test_save_image_fires_callbacks_and_writes_parameters(fake_webui, tmp_path):
    fake_webui()
    from modules import images, script_callbacks

    calls = []
    script_callbacks.on_before_image_saved(lambda params: calls.append(("before", params.filename)))
    script_callbacks.on_image_saved(lambda params: calls.append(("after", params.filename)))
    script_callbacks.on_image_saved(lambda params: 1 / 0)  # reported, does not stop saving
    fn, txt = images.save_image(
        Image.new("RGB", (8, 8)),
        str(tmp_path / "out"),
        "",
        seed=5,
        prompt="x",
        info="hello\nSteps: 1",
    )
    assert [c[0] for c in calls] == ["before", "after"] and txt is None
    assert Image.open(fn).info["parameters"] == "hello\nSteps: 1"
    assert fn.endswith("-5.png")


def test_callback_exception_is_reported_per_callback(fake_webui, capsys):
    fake_webui()
    from modules import script_callbacks

    ran = []
    script_callbacks.on_model_loaded(lambda m: 1 / 0)
    script_callbacks.on_model_loaded(lambda m: ran.append(m))
    script_callbacks.model_loaded_callback("model")
    assert ran == ["model"]
    assert "Error executing callback model_loaded_callback" in capsys.readouterr().err


def test_install_py_runs_with_launch_importable_and_pip_recorded(fake_webui, probe_ext):
    webui = fake_webui(extensions=[probe_ext])
    commands = webui.run_extension_installers()
    assert len(commands) == 1
    assert commands[0].endswith("-m pip install surely-not-installed-pkg==1.0 --prefer-binary")


def test_opts_add_option_set_and_onchange(fake_webui):
    fake_webui()
    from modules import shared

    shared.opts.add_option("probe_x", shared.OptionInfo(3, "X", section=("probe", "Probe")))
    changed = []
    shared.opts.onchange("probe_x", lambda: changed.append(shared.opts.probe_x), call=False)
    assert shared.opts.set("probe_x", 4) is True and changed == [4]
    assert shared.opts.set("probe_x", 4) is False
    assert shared.opts.set("probe_x", 5, run_callbacks=False) and changed == [4]
    assert shared.opts.get_default("probe_x") == 3
    assert shared.opts.outdir_samples == "" and shared.opts.samples_format == "png"
    assert shared.opts.eta_ancestral == 1.0 and shared.opts.eta_ddim == 0.0
    assert shared.opts.CLIP_stop_at_last_layers == 1 and shared.opts.return_grid is True


def test_fixture_leaves_no_fake_modules_behind():
    import sys

    assert not any(name == "modules" or name.startswith("modules.") for name in sys.modules)
    assert "launch" not in sys.modules


# Reload UI, the Interrupt button, the UI call wrappers and the command line (modules/webui.py,
# initialize.py, ui_toprow.py, call_queue.py, shared_state.py, shared_cmd_options.py and
# ui_gradio_extensions.py of v1.10.1).

RELOAD_SCRIPT = """
import reload_pkg
from modules import script_callbacks, sd_models

EVENTS = reload_pkg.EVENTS
EVENTS.append(("loaded", len(sd_models.checkpoints_list)))
script_callbacks.on_before_reload(
    lambda: EVENTS.append(("before_reload", len(sd_models.checkpoints_list))))
script_callbacks.on_script_unloaded(
    lambda: EVENTS.append(("unloaded", len(sd_models.checkpoints_list))))
script_callbacks.on_app_started(lambda demo, app: EVENTS.append(("app_started", demo, app)))
"""


@pytest.fixture
def reload_ext(tmp_path):
    ext = tmp_path / "exts" / "reload-ext"
    (ext / "scripts").mkdir(parents=True)
    (ext / "reload_pkg").mkdir()
    (ext / "reload_pkg" / "__init__.py").write_text("EVENTS = []\n")
    (ext / "scripts" / "reload_probe.py").write_text(RELOAD_SCRIPT)
    (ext / "javascript").mkdir()
    (ext / "javascript" / "probe.js").write_text("window.probeLoaded = true;\n")
    (ext / "javascript" / "probe.mjs").write_text("export const probe = 1;\n")
    (ext / "style.css").write_text(".probe { color: red; }\n")
    return ext


def _txt2img(**kwargs):
    from modules import processing

    args = {"prompt": "a cat", "seed": 5, "steps": 10, "width": 64, "height": 48,
            "do_not_save_samples": True, "do_not_save_grid": True}
    args.update(kwargs)
    return processing.StableDiffusionProcessingTxt2Img(**args)


def _flags(state):
    return (state.skipped, state.interrupted, state.stopping_generation, state.job_count,
            state.job)


def test_a_wrapped_ui_call_clears_the_job_flags_even_when_it_fails(fake_webui):
    fake_webui()
    from modules import call_queue, shared

    def work(fail):
        state = shared.state
        state.skipped = state.interrupted = state.stopping_generation = True
        state.job_count, state.job = 7, "busy"
        if fail:
            raise ValueError("no <good>")
        return ["out", "<p>html</p>"]

    wrapped = call_queue.wrap_gradio_call(work)
    assert wrapped(False) == ("out", "<p>html</p>")
    assert _flags(shared.state) == (False, False, False, 0, "")
    assert wrapped(True) == (None, "", "<div class='error'>ValueError: no &lt;good&gt;</div>")
    assert _flags(shared.state) == (False, False, False, 0, "")
    with_extra = call_queue.wrap_gradio_call(work, extra_outputs=["gallery", "text"])
    assert with_extra(True) == ("gallery", "text",
                                "<div class='error'>ValueError: no &lt;good&gt;</div>")


def test_a_gpu_call_is_a_job_named_by_its_task_id_only_when_it_looks_like_one(fake_webui):
    fake_webui()
    from modules import call_queue, progress, shared

    seen = []

    def generate(first, prompt):
        state = shared.state
        seen.append((state.job, state.job_count, progress.current_task,
                     call_queue.queue_lock.held_by_current_thread()))
        return ["image", "<p>info</p>"]

    wrapped = call_queue.wrap_gradio_gpu_call(generate)
    images, info = wrapped("task(abc)", "a cat")
    assert seen[-1] == ("task(abc)", -1, "task(abc)", True)
    assert images == "image" and info.startswith("<p>info</p><div class='performance'>")
    assert "Time taken:" in info and "task(abc)" in progress.finished_tasks
    wrapped("a cat", "a cat")
    assert seen[-1] == (None, -1, None, True)
    assert _flags(shared.state) == (False, False, False, 0, "")


def test_the_interrupt_button_lets_the_current_image_finish_first(fake_webui):
    webui = fake_webui()
    from modules import shared

    info = shared.opts.data_labels["interrupt_after_current"]
    assert (info.default, info.label) == (True, "Don't Interrupt in the middle")
    ids = {getattr(block, "elem_id", None) for block in webui.demo.blocks.values()}
    for tab in ("txt2img", "img2img"):
        assert {f"{tab}_prompt", f"{tab}_neg_prompt", f"{tab}_interrupt", f"{tab}_skip",
                f"{tab}_interrupting", f"{tab}_generate"} <= ids
    state = shared.state
    state.begin(job="three images")
    state.job_count = 3
    webui.press_interrupt()
    assert (state.stopping_generation, state.interrupted) == (True, False)
    webui.press_interrupt()
    assert (state.stopping_generation, state.interrupted) == (True, True)

    state.begin(job="one image")
    state.job_count = 1
    webui.press_interrupt("img2img")
    assert (state.stopping_generation, state.interrupted) == (False, True)

    shared.opts.interrupt_after_current = False
    state.begin(job="three images")
    state.job_count = 3
    webui.button_function("txt2img_interrupting")()
    assert (state.stopping_generation, state.interrupted) == (False, True)
    webui.button_function("txt2img_skip")()
    assert state.skipped is True


def test_a_stop_is_checked_before_each_batch_and_an_interrupt_ends_sampling(fake_webui):
    fake_webui()
    import numpy as np
    from modules import processing, script_callbacks, shared

    state = shared.state
    full = np.asarray(processing.process_images(_txt2img()).images[0])

    state.begin(job="stopped before")
    state.stop_generating()
    assert processing.process_images(_txt2img()).images == []

    state.begin(job="stopped while sampling")
    script_callbacks.on_cfg_denoiser(
        lambda params: params.sampling_step == 2 and state.stop_generating())
    res = processing.process_images(_txt2img(n_iter=2))
    assert len(res.images) == 1 and (np.asarray(res.images[0]) == full).all()
    script_callbacks.clear_callbacks()

    state.begin(job="interrupted while sampling")
    steps = []

    def interrupt_at_the_fourth_step(params):
        steps.append(params.total_sampling_steps)
        if len(steps) == 4:
            state.interrupt()

    script_callbacks.on_cfg_denoiser(interrupt_at_the_fourth_step)
    res = processing.process_images(_txt2img())
    assert steps == [10] * 4  # the next step is never taken
    assert len(res.images) == 1 and not (np.asarray(res.images[0]) == full).all()


def test_request_restart_interrupts_and_leaves_a_server_command(fake_webui):
    fake_webui()
    import threading

    from modules import shared

    state = shared.state
    assert state.server_command is None
    assert state.wait_for_server_command(timeout=0.01) is None
    state.begin(job="x")
    state.request_restart()
    assert state.interrupted is True and state.server_command == "restart"
    assert state.need_restart is True
    assert state.wait_for_server_command(timeout=1) == "restart"
    assert state.server_command is None
    assert state.wait_for_server_command(timeout=0.01) is None
    threading.Timer(0.05, lambda: setattr(state, "server_command", "stop")).start()
    assert state.wait_for_server_command(timeout=5) == "stop"


def test_reload_ui_runs_the_restart_sequence_and_makes_a_new_app(fake_webui, reload_ext):
    webui = fake_webui(extensions=[reload_ext], args=["--api"])
    import reload_pkg
    from modules import script_callbacks, sd_models, shared

    titles = list(sd_models.checkpoints_list)
    assert len(titles) == 2
    assert [e[0] for e in reload_pkg.EVENTS] == ["loaded", "app_started"]
    old_app, old_demo = webui.app, webui.demo
    reload_pkg.EVENTS.clear()
    midway = []
    webui.reload_ui(midway=lambda: midway.append(
        (dict(sd_models.checkpoints_list), list(reload_pkg.EVENTS))))

    assert midway == [({}, [("before_reload", 2), ("unloaded", 2)])]
    assert [e[:2] for e in reload_pkg.EVENTS[:3]] == [
        ("before_reload", 2), ("unloaded", 2), ("loaded", 2)]
    name, demo, app = reload_pkg.EVENTS[3]
    assert name == "app_started" and len(reload_pkg.EVENTS) == 4
    assert demo is webui.demo is shared.demo and demo is not old_demo
    assert app is webui.app and app is not old_app
    assert list(sd_models.checkpoints_list) == titles
    assert len(script_callbacks.callback_map["callbacks_app_started"]) == 1
    assert webui.client().get("/sdapi/v1/options").status_code == 200
    assert shared.state.server_command is None and shared.state.interrupted is True


def test_while_reload_ui_lists_checkpoints_a_generation_finds_none(fake_webui):
    webui = fake_webui()
    import threading

    from modules import processing, sd_models, shared

    reached, release = threading.Event(), threading.Event()

    def midway():
        reached.set()
        release.wait(10)

    thread = threading.Thread(target=webui.reload_ui, kwargs={"midway": midway})
    thread.start()
    try:
        assert reached.wait(10)
        assert sd_models.checkpoints_list == {} and sd_models.checkpoint_aliases == {}
        with pytest.raises(FileNotFoundError):
            processing.process_images(_txt2img())
    finally:
        release.set()
        thread.join(10)
    assert len(sd_models.checkpoints_list) == 2
    # The restart's interrupt is still set: only a job that begins anew makes images.
    assert processing.process_images(_txt2img()).images == []
    shared.state.begin(job="after the reload")
    assert len(processing.process_images(_txt2img()).images) == 1


def test_reload_ui_reloads_the_ui_modules_only_when_the_option_is_on(fake_webui):
    webui = fake_webui()
    from modules import shared, ui

    assert shared.opts.enable_reloading_ui_scripts is False
    before = ui.create_ui
    webui.reload_ui()
    assert ui.create_ui is before
    shared.opts.enable_reloading_ui_scripts = True
    webui.reload_ui()
    assert ui.create_ui is not before


@pytest.mark.parametrize(("args", "non_local", "no_extension_access", "server_name"), [
    ([], False, False, None),
    (["--gradio-auth", "ann:pw"], False, False, None),
    (["--listen"], True, True, "0.0.0.0"),
    (["--share"], True, True, None),
    (["--ngrok", "token123"], True, True, None),
    (["--server-name", "box.lan", "--listen"], True, True, "box.lan"),
    (["--listen", "--enable-insecure-extension-access"], True, False, "0.0.0.0"),
])
def test_command_line_says_whether_the_webui_is_reachable_from_elsewhere(
        fake_webui, args, non_local, no_extension_access, server_name):
    fake_webui(args=args)
    from modules import initialize_util, shared

    assert shared.cmd_opts.webui_is_non_local is non_local
    assert shared.cmd_opts.disable_extension_access is no_extension_access
    assert initialize_util.gradio_server_name() == server_name


def test_gradio_logins_come_from_the_flag_and_the_file(fake_webui, tmp_path):
    logins = tmp_path / "logins.txt"
    logins.write_text("cy:pw3\n\ndee:pw:4,\n")
    fake_webui(args=["--gradio-auth", "ann:pw1, bob:pw2", "--gradio-auth-path", str(logins)])
    from modules import initialize_util

    assert list(initialize_util.get_gradio_auth_creds()) == [
        ("ann", "pw1"), ("bob", "pw2"), ("cy", "pw3"), ("dee", "pw:4")]


@pytest.mark.parametrize(("args", "status"), [([], 404), (["--api"], 200), (["--nowebui"], 200)])
def test_the_api_is_served_only_with_api_or_nowebui(fake_webui, args, status):
    webui = fake_webui(args=args)
    assert webui.client().get("/sdapi/v1/options").status_code == status


def test_the_served_page_links_extension_scripts_and_styles_and_survives_a_reload(
        fake_webui, reload_ext):
    import re
    import urllib.request

    webui = fake_webui(extensions=[reload_ext], serve=True)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def get(path):
        with opener.open(webui.url + path, timeout=10) as response:
            return response.read().decode()

    for _ in range(2):
        head, body = get("").split("</head>")
        links = re.findall(r'(?:src|href)="(file=[^"?]+)\?[^"]*"', head + body)
        names = [link.rsplit("/", 1)[-1] for link in links]
        assert names == ["script.js", "probe.js", "probe.mjs", "style.css"]
        assert '<script type="module" src="file=' in head and "probe.mjs" in head
        assert '<link rel="stylesheet" property="stylesheet" href="file=' in body
        assert get(links[1]) == "window.probeLoaded = true;\n"
        assert "function gradioApp()" in get(links[0])
        webui.reload_ui()
