"""The in-process host: every frame is the WebUI's own img2img/txt2img, under its queue lock."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from PIL import Image

from lib_animation.host import FrameRequest, GenerationInterrupted, MaskOptions, NamesInUse
from lib_animation.png_frames import frame_path
from lib_animation.schema import Settings
from tests.webui.harness import ROOT, SMALL, manager, probe_module, start, wait


def _request(**changes) -> FrameRequest:
    rng = np.random.default_rng(3)
    values = {
        "frame": 4, "prompt": "a red fox", "negative_prompt": "blurry", "seed": 123,
        "width": 64, "height": 48,
        "steps": 12, "cfg_scale": 6.5, "sampler": "DPM++ 2M", "scheduler": "Karras",
        "init_image": rng.integers(0, 255, (48, 64, 3), dtype=np.uint8), "denoising_strength": 0.35,
        "mask": np.tile(np.array([0, 255], np.uint8).repeat(32), (48, 1)),
        "mask_options": MaskOptions(invert=True, blur=7, fill="latent noise", full_resolution=False,
                                 full_resolution_padding=12),
        "subseed": 77, "subseed_strength": 0.25, "seed_resize_from_w": 128,
        "seed_resize_from_h": 96,
        "checkpoint": "tiny-sd1", "clip_skip": 2, "noise_multiplier": 1.1, "eta_ddim": 0.3,
        "eta_ancestral": 0.8, "image_cfg_scale": 1.7, "restore_faces": True, "tiling": True,
    }  # fmt: skip
    values.update(changes)
    return FrameRequest(**values)


def _host():
    from lib_animation.webui.host import WebUIHost

    return WebUIHost("unused", always_on_scripts=True)


def test_every_request_field_reaches_the_processing_object(fake_webui):
    start(fake_webui)
    from modules import processing

    request = _request()
    image = _host().generate(request)
    call = processing.processed_log[-1]
    p = call.p
    assert isinstance(p, processing.StableDiffusionProcessingImg2Img)
    expected = {
        "prompt": "a red fox", "negative_prompt": "blurry", "seed": 123, "subseed": 77,
        "subseed_strength": 0.25, "seed_resize_from_w": 128, "seed_resize_from_h": 96,
        "steps": 12, "cfg_scale": 6.5, "sampler_name": "DPM++ 2M", "scheduler": "Karras",
        "width": 64, "height": 48, "denoising_strength": 0.35, "restore_faces": True,
        "tiling": True, "mask_blur": 7, "inpainting_fill": 2, "inpaint_full_res": False,
        "inpaint_full_res_padding": 12, "inpainting_mask_invert": 1,
        "initial_noise_multiplier": 1.1, "batch_size": 1, "n_iter": 1,
        "do_not_save_samples": True, "do_not_save_grid": True, "is_api": True,
    }  # fmt: skip
    assert {key: getattr(p, key) for key in expected} == expected
    assert p.override_settings == {"sd_model_checkpoint": "tiny-sd1",
                                   "CLIP_stop_at_last_layers": 2, "eta_ddim": 0.3,
                                   "eta_ancestral": 0.8}
    # image_cfg_scale is kept by the WebUI only for instruct-pix2pix checkpoints.
    assert np.array_equal(np.asarray(p.init_images[0]), request.init_image)
    assert np.array_equal(np.asarray(p.image_mask.convert("L")), request.mask)
    assert call.opts["CLIP_stop_at_last_layers"] == 2 and call.checkpoint.startswith("tiny-sd1.")
    assert image.shape == (48, 64, 3) and image.dtype == np.uint8


def test_a_request_without_init_image_is_txt2img(fake_webui):
    start(fake_webui)
    from modules import processing

    _host().generate(_request(init_image=None, mask=None))
    assert isinstance(processing.processed_log[-1].p, processing.StableDiffusionProcessingTxt2Img)


def test_the_same_request_gives_the_same_frame_whatever_ran_before(fake_webui):
    start(fake_webui)
    import torch

    host = _host()
    first = host.generate(_request(checkpoint=None))
    torch.randn(1000)  # another job used torch's global generator in between
    host.generate(_request(checkpoint=None, seed=9))
    assert np.array_equal(host.generate(_request(checkpoint=None)), first)


def test_names_are_checked_against_the_webuis_own_lists(fake_webui):
    webui = start(fake_webui)
    from modules import sd_models

    from lib_animation.errors import RenderError

    webui.hash_all_checkpoints()
    tiny = next(info for info in sd_models.checkpoints_list.values()
                if info.name == "tiny-sd1.safetensors")
    host = _host()
    host.check_names(NamesInUse({"euler a", "DPM++ 2M"}, {"Karras", "karras"},
                                {"tiny-sd1", f"tiny-sd1 [{tiny.shorthash}]", tiny.title}))
    with pytest.raises(RenderError, match="sd1-b"):
        host.check_names(NamesInUse({"Euler a"}, {"Karras"}, {"sd1-b"}))
    with pytest.raises(RenderError, match="Euler z"):
        host.check_names(NamesInUse({"Euler z"}, {"Karras"}, set()))


def _submit(**values):
    return manager().submit(Settings({**SMALL, **values}))


def test_a_job_holds_the_queue_lock_on_every_frame_and_restores_the_options(fake_webui):
    start(fake_webui)
    from modules import processing, sd_models, shared

    shared.opts.set("CLIP_stop_at_last_layers", 1)
    before = dict(shared.opts.data)
    loads_before = len(sd_models.weights_load_log)
    job = _submit(enable_checkpoint_scheduling=True, enable_clipskip_scheduling=True,
                  checkpoint_schedule='0:("tiny-sd1"), 2:("tiny-sd1-b")',
                  clipskip_schedule="0:(2)")
    assert wait(job.id).state == "done"
    calls = processing.processed_log
    assert len(calls) == 4 and all(call.queue_lock_held for call in calls)
    assert [call.checkpoint.split(".")[0] for call in calls] == \
        ["tiny-sd1", "tiny-sd1-b", "tiny-sd1-b", "tiny-sd1-b"]
    assert shared.opts.data == before
    # Weights reload only where the checkpoint changes: once to tiny-sd1, once back.
    assert [title.split(".")[0] for title in sd_models.weights_load_log[loads_before:]] == \
        ["tiny-sd1", "tiny-sd1-b"]


def test_options_are_restored_after_a_failing_frame(fake_webui, monkeypatch):
    start(fake_webui)
    from modules import processing, shared

    before = dict(shared.opts.data)
    real = processing.process_images

    def failing(p):
        if len(processing.processed_log) >= 2:
            raise RuntimeError("out of memory\n\twhile copying layer 1\n\twhile copying layer 2")
        return real(p)

    monkeypatch.setattr(processing, "process_images", failing)
    job = _submit(enable_clipskip_scheduling=True, clipskip_schedule="0:(3)")
    finished = wait(job.id)
    assert finished.state == "failed" and "out of memory" in finished.error
    assert "\n" not in finished.error and "layer" not in finished.error  # one line; the log has all
    assert shared.opts.data == before
    assert shared.state.job == "" and shared.state.job_count == 0


def test_always_on_scripts_of_other_extensions_run_on_every_frame(fake_webui):
    start(fake_webui, probe=True)
    from modules import shared

    probe = probe_module()
    probe.SEEN.clear()
    assert wait(_submit().id).state == "done"
    assert len(probe.SEEN) == 4  # frames 0, 2, 4 and the last
    shared.opts.set("keyframes_always_on_scripts", False)
    probe.SEEN.clear()
    assert wait(_submit(batch_name="quiet").id).state == "done"
    assert probe.SEEN == []


def test_interrupt_keeps_the_frames_and_resume_gives_the_same_bytes(fake_webui):
    start(fake_webui, probe=True)
    probe = probe_module()
    whole = wait(_submit(batch_name="whole", max_frames=9).id)
    probe.SEEN.clear()
    probe.ACTIONS[3] = "interrupt"  # the user presses Interrupt during the third generation
    stopped = wait(_submit(batch_name="stopped", max_frames=9).id)
    assert stopped.state == "interrupted" and stopped.resumable
    assert stopped.frames_done == 3  # frames 0-2; the half-made frame 4 and tween 3 are not
    resumed = wait(manager().resume(stopped.id).id)
    assert resumed.state == "done"
    for index in range(9):
        name = f"frame_{index:06d}.png"
        assert (stopped.folder / name).read_bytes() == (whole.folder / name).read_bytes()


def test_skip_keeps_the_warped_frame(fake_webui):
    start(fake_webui, probe=True)
    probe = probe_module()
    probe.SEEN.clear()
    probe.ACTIONS[2] = "skip"
    job = wait(_submit(diffusion_cadence=1, max_frames=3, noise_schedule="0:(0)",
                       amount_schedule="0:(0)", zoom="0:(1)", color_coherence="None").id)
    assert job.state == "done"
    frame0 = np.asarray(Image.open(job.folder / "frame_000000.png"))
    frame1 = np.asarray(Image.open(job.folder / "frame_000001.png"))
    assert np.array_equal(frame0, frame1)  # no motion, no noise: the warped frame is frame 0


def test_each_frame_carries_the_webuis_parameters_for_png_info(fake_webui):
    start(fake_webui)
    from modules import processing

    job = wait(_submit().id)
    with Image.open(job.folder / "frame_000002.png") as image:
        text = image.info["parameters"]
    second = processing.processed_log[1].p
    assert text.startswith("a red fox\nNegative prompt: ")
    assert f"Seed: {second.seed}," in text and "Steps: 4," in text and "Model: tiny-sd1" in text


def test_progress_counts_frames_and_shows_the_frame_text(fake_webui):
    start(fake_webui, probe=True)
    from modules import shared

    probe = probe_module()
    seen = []

    def look(p, *args):
        seen.append((shared.state.job_count, shared.state.job_no, shared.state.textinfo))

    type(probe.script).process = lambda self, p, *args: look(p)
    assert wait(_submit().id).state == "done"
    assert [count for count, _no, _text in seen] == [4, 4, 4, 4]
    assert [text for _count, _no, text in seen][1] == "Keyframes: frame 1/6"


def test_stopped_midway_generation_raises_so_nothing_is_written(fake_webui):
    start(fake_webui)
    from modules import shared

    shared.state.interrupted = True
    with pytest.raises(GenerationInterrupted):
        _host().generate(_request(checkpoint=None))
    shared.state.interrupted = False


def test_a_checkpoint_picked_during_a_run_waits_for_the_run_to_end(fake_webui):
    start(fake_webui, probe=True)
    from modules import processing, sd_models, shared

    probe = probe_module()
    titles = sorted(info.title for info in sd_models.checkpoints_list.values())
    run_checkpoint = shared.opts.sd_model_checkpoint
    picked = next(title for title in titles if title != run_checkpoint)

    def pick_in_quicksettings():  # the user's own page: waits for the queue like the WebUI
        threading.Thread(target=shared.opts.set, args=("sd_model_checkpoint", picked),
                         daemon=True).start()
        while shared.opts.data.get("sd_model_checkpoint") != picked:
            time.sleep(0.01)

    probe.ACTIONS[2] = pick_in_quicksettings
    assert wait(_submit().id).state == "done"
    used = [call.checkpoint for call in processing.processed_log]
    assert len(used) == 4 and set(used) == {run_checkpoint}
    # The user's pick is kept (and loaded once the run lets go of the queue).
    assert shared.opts.data["sd_model_checkpoint"].split(" ")[0] == picked.split(" ")[0]


def test_a_cancel_stops_the_job_within_one_generation_whatever_clears_the_flags(fake_webui):
    start(fake_webui, probe=True)
    from modules import call_queue, processing

    probe = probe_module()
    job_ids: list[str] = []

    def cancel_then_another_page_finishes():
        manager().cancel(job_ids[0])
        call_queue.wrap_gradio_call(lambda: ["", ""])()  # clears the WebUI's interrupt flag

    probe.ACTIONS[2] = cancel_then_another_page_finishes
    job = _submit(max_frames=20, diffusion_cadence=1)
    job_ids.append(job.id)
    stopped = wait(job.id)
    assert stopped.state == "interrupted" and len(processing.processed_log) <= 3
    behind = wait(_submit(batch_name="behind").id)
    assert behind.state == "done"


def test_stop_after_the_current_image_keeps_that_frame(fake_webui):
    webui = start(fake_webui, probe=True)
    probe = probe_module()
    whole = wait(_submit(batch_name="whole", max_frames=9).id)
    probe.SEEN.clear()
    probe.ACTIONS[3] = webui.press_interrupt  # "Don't interrupt in the middle" is the default
    stopped = wait(_submit(batch_name="stopped", max_frames=9).id)
    assert stopped.state == "interrupted" and stopped.resumable
    assert stopped.frames_done == 5  # frames 0-4: the third generation (frame 4) finished
    assert wait(manager().resume(stopped.id).id).state == "done"
    for index in range(9):
        name = f"frame_{index:06d}.png"
        assert (stopped.folder / name).read_bytes() == (whole.folder / name).read_bytes()


def test_frames_are_extracted_and_the_video_encoded_outside_the_queue_lock(fake_webui,
                                                                           monkeypatch):
    start(fake_webui)
    from modules import call_queue

    from lib_animation.webui import jobs

    held: dict[str, bool] = {}
    for name in ("prepare_run", "finish_run"):
        real = getattr(jobs, name)

        def spy(run, *args, _real=real, _name=name, **kwargs):
            held[_name] = call_queue.queue_lock.held_by_current_thread()
            return _real(run, *args, **kwargs)

        monkeypatch.setattr(jobs, name, spy)
    assert wait(_submit(video_format="mp4").id).state == "done"
    assert held == {"prepare_run": False, "finish_run": False}


def test_no_job_renders_while_the_webui_reloads_its_ui(fake_webui):
    webui = start(fake_webui, probe=True)
    from modules import processing, sd_models

    probe = probe_module()
    counted: dict[str, int] = {}
    reloaded = threading.Event()

    def midway():  # the WebUI is rebuilding its scripts and checkpoint list
        time.sleep(0.1)
        counted["before"] = len(processing.processed_log)
        counted["checkpoints"] = len(sd_models.checkpoints_list)
        time.sleep(0.4)
        counted["after"] = len(processing.processed_log)

    def reload_in_the_settings_tab():
        threading.Thread(target=lambda: (webui.reload_ui(midway=midway), reloaded.set()),
                         daemon=True).start()

    probe.ACTIONS[2] = reload_in_the_settings_tab
    first = _submit(batch_name="first", max_frames=9)
    second = _submit(batch_name="second")
    assert reloaded.wait(60)
    assert counted["checkpoints"] == 0 and counted["before"] == counted["after"]
    assert wait(second.id).state == "done"
    assert wait(first.id).state in ("done", "interrupted")
    assert len(probe_module().SEEN) >= 4  # the reloaded always-on scripts ran on its frames


def test_a_colour_correction_reaches_the_webuis_img2img(fake_webui):
    start(fake_webui)
    from modules import processing

    reference = np.zeros((48, 64, 3), np.uint8)
    reference[..., 2] = 200
    _host().generate(_request(mask=None, color_correction=reference))
    corrections = processing.processed_log[-1].color_corrections
    assert len(corrections) == 1
    assert np.array_equal(corrections[0], processing.setup_color_correction(
        Image.fromarray(reference)))
    _host().generate(_request(mask=None))
    assert processing.processed_log[-1].color_corrections is None


def test_a_guided_job_sends_the_image_strength_and_colour_corrections(fake_webui, tmp_path):
    start(fake_webui)
    from modules import processing

    guide = tmp_path / "guide.png"
    Image.new("RGB", (64, 64), (20, 40, 220)).save(guide)
    before = len(processing.processed_log)
    job = _submit(use_looper=True, init_images={"0": str(guide)},
                  image_strength_schedule="0:(0.6)", strength_schedule="0:(0.1)")
    assert wait(job.id).state == "done"
    calls = processing.processed_log[before:]
    assert [round(call.p.denoising_strength, 6) for call in calls] == [0.4] * len(calls)
    assert calls[0].color_corrections is None
    assert all(call.color_corrections is not None for call in calls[1:])
    assert np.array_equal(np.asarray(calls[0].p.init_images[0]),
                          np.full((64, 64, 3), (20, 40, 220), np.uint8))


def test_a_job_started_while_the_webui_still_loads_its_model_waits_for_it(fake_webui):
    # The host loads the checkpoint in a thread at start-up; a second load at the same time
    # spoils both, so the first frame must wait for that load instead of starting another.
    # Five seconds: long enough to be still loading on a machine busy with other work.
    fake_webui(extensions={"keyframes": ROOT}, args=["--api"], model_load_s=5.0)
    from modules import sd_models

    assert sd_models.model_data.sd_model is None  # still loading
    job = manager().submit(Settings(SMALL))
    finished = wait(job.id)
    assert finished.state == "done", finished.error
    assert sd_models.weights_load_log == [sd_models.model_data.sd_model.sd_checkpoint_info.title]


def test_the_host_lists_the_webuis_upscalers_and_upscales_by_name_and_factor(fake_webui):
    start(fake_webui)
    from modules import upscaler

    host = _host()
    assert host.upscaler_names() == ["None", "Lanczos", "Nearest"]
    image = np.random.default_rng(5).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    upscaled = host.upscale(image, "Nearest", 3)
    assert upscaler.upscale_log[-1][:3] == ("Nearest", 3, None)
    assert np.array_equal(upscaled, image.repeat(3, axis=0).repeat(3, axis=1))


def test_a_job_with_upscaling_upscales_every_frame_under_the_queue_lock(fake_webui):
    start(fake_webui)
    from modules import upscaler

    calls_before = len(upscaler.upscale_log)
    job = wait(_submit(upscale_after_render=True, upscaler="Lanczos", upscale_factor=2,
                       video_format="mp4").id)
    assert job.state == "done"
    calls = upscaler.upscale_log[calls_before:]
    assert len(calls) == 6 and all(call[1] == 2 and call[3] for call in calls)
    upscaled = sorted((job.folder / "upscaled").glob("frame_*.png"))
    assert len(upscaled) == 6 and Image.open(upscaled[0]).size == (128, 128)
    assert job.folder / f"{job.folder.name}_upscaled_x2.mp4" in job.videos


def test_a_job_naming_an_upscaler_the_webui_lacks_is_refused_with_its_names(fake_webui):
    start(fake_webui)
    from lib_animation.errors import KeyframesError

    with pytest.raises(KeyframesError) as caught:
        _submit(upscale_after_render=True, upscaler="R-ESRGAN 4x+")
    assert "'R-ESRGAN 4x+'" in str(caught.value) and "None, Lanczos, Nearest" in str(caught.value)


def test_a_finished_run_is_upscaled_later_and_lists_its_second_video(fake_webui):
    start(fake_webui)
    from lib_animation.webui.jobs import UpscaleChoice

    job = wait(_submit(video_format="mp4").id)
    assert job.state == "done" and len(job.videos) == 1
    upscaled = manager().upscale(job.id, UpscaleChoice("Nearest", 3))
    assert upscaled.state == "done"
    video = job.folder / f"{job.folder.name}_upscaled_x3.mp4"
    assert upscaled.videos[-1] == video and video.is_file()
    first = np.asarray(Image.open(frame_path(job.folder, 0)).convert("RGB"))
    third = np.asarray(Image.open(frame_path(job.folder / "upscaled", 0)))
    assert np.array_equal(third, first.repeat(3, axis=0).repeat(3, axis=1))
    assert manager().get(job.id).videos[-1] == video


def test_an_unknown_upscaler_or_an_unfinished_run_is_refused_and_the_run_stays_done(fake_webui):
    start(fake_webui)
    from lib_animation.errors import KeyframesError
    from lib_animation.webui.jobs import UpscaleChoice

    job = wait(_submit().id)
    with pytest.raises(KeyframesError, match="None, Lanczos, Nearest"):
        manager().upscale(job.id, UpscaleChoice("SwinIR 4x", 2))
    assert manager().get(job.id).state == "done"
    assert not (job.folder / "upscaled").exists()
    queued = _submit(max_frames=40)
    with pytest.raises(KeyframesError, match="only a finished run"):
        manager().upscale(queued.id, UpscaleChoice("Lanczos", 2))
    manager().cancel(queued.id)


def test_interrupting_an_upscale_stops_it_and_resume_upscales_again(fake_webui):
    start(fake_webui)
    from modules import upscaler

    calls_before = len(upscaler.upscale_log)
    original = upscaler.Upscaler.upscale

    def slow(self, img, scale, selected_model=None):
        time.sleep(0.3)
        return original(self, img, scale, selected_model)

    upscaler.Upscaler.upscale = slow
    try:
        job = _submit(upscale_after_render=True, upscaler="Lanczos", upscale_factor=2,
                      video_format="mp4")
        deadline = time.monotonic() + 30
        while len(upscaler.upscale_log) == calls_before and time.monotonic() < deadline:
            time.sleep(0.02)
        manager().cancel(job.id)
        stopped = wait(job.id)
    finally:
        upscaler.Upscaler.upscale = original
    assert stopped.state == "interrupted" and stopped.resumable
    assert len(upscaler.upscale_log) - calls_before < 6
    resumed = wait(manager().resume(job.id).id)
    assert resumed.state == "done"
    assert all(frame_path(job.folder / "upscaled", index).is_file() for index in range(6))
    assert job.folder / f"{job.folder.name}_upscaled_x2.mp4" in resumed.videos
