"""The frame loop with the preview host: frames, cadence, motion, modes and requests."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lib_animation.errors import KeyframesError
from lib_animation.png_frames import complete_frames, frame_path, read_frame
from tests.render.folder_rendering import render_folder

COUNTER = (slice(0, 16), slice(0, 40))  # where the preview host draws its frame counter


def _frames(run_dir, count):
    return [read_frame(frame_path(run_dir, i)) for i in range(count)]


def _without_counter(image):
    masked = image.copy()
    masked[COUNTER] = 0
    return masked


@pytest.mark.parametrize(("frames", "cadence"), [(11, 3), (12, 3), (10, 2), (5, 1), (1, 4)])
def test_every_frame_is_written_and_no_diffusion_is_wasted(run_factory, frames, cadence, make_host):
    run_dir = run_factory(max_frames=frames, diffusion_cadence=cadence)
    host = make_host()
    result = render_folder(run_dir, host)
    assert complete_frames(run_dir) == list(range(frames))
    expected = sorted(set(range(0, frames, cadence)) | {frames - 1})
    assert [request.frame for request in host.seen] == expected
    assert result.completed == frames and not result.interrupted
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "finished"


def test_still_camera_without_noise_keeps_the_picture(run_factory, make_host):
    run_dir = run_factory(max_frames=6, diffusion_cadence=2)
    render_folder(run_dir, make_host())
    first, *rest = [_without_counter(frame) for frame in _frames(run_dir, 6)]
    for frame in rest:
        assert np.array_equal(frame, first)


def test_translation_moves_each_frame_by_the_scheduled_pixels(run_factory, make_host):
    run_dir = run_factory(max_frames=4, diffusion_cadence=1, translation_x="0:(3)",
                          border="replicate")
    render_folder(run_dir, make_host())
    frames = _frames(run_dir, 4)
    for before, after in zip(frames, frames[1:], strict=False):
        inner_after = after[20:, 3:]
        inner_before = before[20:, :-3]
        assert np.array_equal(inner_after, inner_before)


def test_tweens_sit_where_the_motion_puts_them(run_factory, make_host):
    run_dir = run_factory(max_frames=3, diffusion_cadence=2, translation_x="0:(2)")
    render_folder(run_dir, make_host())
    first, tween, _ = _frames(run_dir, 3)
    # moved 2 px from frame 0, and the next diffused frame moved back 2 px from frame 2: both
    # are frame 0 shifted by 2, so the cross-fade is exactly that away from borders and counter
    assert np.array_equal(tween[20:, 8:-8], first[20:, 6:-10])


def test_flow_tweens_agree_with_the_motion_when_it_is_already_aligned(run_factory, make_host):
    run_dir = run_factory(max_frames=3, diffusion_cadence=2, translation_x="0:(2)",
                          optical_flow_cadence="DIS Medium")
    render_folder(run_dir, make_host())
    first, tween, _ = _frames(run_dir, 3)
    difference = np.abs(tween[20:, 8:-8].astype(int) - first[20:, 6:-10].astype(int))
    assert difference.mean() < 1.0


def test_requests_carry_the_planned_values(run_factory, make_host):
    run_dir = run_factory(max_frames=4, diffusion_cadence=1, seed_behavior="ladder", seed=10,
                          strength_schedule="0:(0.5), 3:(0.8)", cfg_scale_schedule="0:(7), 3:(4)",
                          enable_steps_scheduling=True, steps_schedule="0:(20), 3:(50)",
                          enable_sampler_scheduling=True,
                          sampler_schedule='0:("Euler a"), 2:("DPM++ 2M")',
                          animation_prompts={"0": "a cat --neg dog", "2": "a fox"})
    host = make_host()
    render_folder(run_dir, host)
    first, second, third, fourth = host.seen
    assert first.is_txt2img and not second.is_txt2img
    assert [r.seed for r in host.seen] == [10, 12, 11, 13]
    assert second.denoising_strength == pytest.approx(1 - 0.6)
    assert fourth.cfg_scale == pytest.approx(4.0)
    assert [r.steps for r in host.seen] == [20, 30, 40, 50]
    assert [r.sampler for r in host.seen] == ["Euler a", "Euler a", "DPM++ 2M", "DPM++ 2M"]
    assert first.prompt == "a cat" and first.negative_prompt.startswith("dog")
    assert third.prompt == "a fox"


def test_interpolation_mode_generates_every_frame_from_text(run_factory, make_host):
    run_dir = run_factory(animation_mode="Interpolation", max_frames=5, diffusion_cadence=3,
                          animation_prompts={"0": "cat", "4": "dog"})
    host = make_host()
    render_folder(run_dir, host)
    assert all(request.is_txt2img for request in host.seen)
    assert host.seen[1].prompt == "cat :0.75 AND dog :0.25"
    assert complete_frames(run_dir) == list(range(5))


def test_3d_on_a_flat_plane_renders_every_frame(run_factory, make_host):
    run_dir = run_factory(animation_mode="3D", max_frames=5, diffusion_cadence=2,
                          translation_z="0:(5)", rotation_3d_y="0:(1)")
    render_folder(run_dir, make_host())
    frames = _frames(run_dir, 5)
    assert complete_frames(run_dir) == list(range(5))
    assert not np.array_equal(frames[0], frames[4])


def test_depth_maps_are_saved_beside_every_frame_when_asked(run_factory, make_host):
    run_dir = run_factory(animation_mode="3D", max_frames=4, diffusion_cadence=2,
                          save_depth_maps=True, translation_z="0:(3)")
    render_folder(run_dir, make_host())
    assert complete_frames(run_dir, prefix="depth") == [0, 1, 2, 3]
    # the flat plane is z = 1 everywhere: the nearest depth, drawn white
    assert (read_frame(frame_path(run_dir, 0, prefix="depth")) == 255).all()


def test_the_torch_backend_renders_like_the_opencv_one(run_factory, make_host):
    pytest.importorskip("torch")
    from lib_animation.runs import RenderOptions, WarpOptions

    values = {"max_frames": 4, "zoom": "0:(1.03)", "angle": "0:(1)", "color_coherence": "LAB",
              "noise_schedule": "0:(0.04)"}
    cpu = run_factory(batch_name="cpu", **values)
    torch_run = run_factory(batch_name="torch", **values)
    render_folder(cpu, make_host())
    render_folder(torch_run, make_host(), RenderOptions(warp=WarpOptions(backend="torch")))
    for a, b in zip(_frames(cpu, 4), _frames(torch_run, 4), strict=True):
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 2.0


def test_noise_and_coherence_are_reproducible(run_factory, tmp_path, make_host):
    values = {"max_frames": 5, "noise_schedule": "0:(0.1)", "color_coherence": "LAB",
              "amount_schedule": "0:(0.3)", "contrast_schedule": "0:(1.02)", "zoom": "0:(1.05)"}
    first = run_factory(batch_name="a", **values)
    second = run_factory(batch_name="b", **values)
    render_folder(first, make_host())
    render_folder(second, make_host())
    for a, b in zip(_frames(first, 5), _frames(second, 5), strict=True):
        assert np.array_equal(a, b)


def test_a_missing_init_image_fails_before_any_generation(run_factory, make_host):
    run_dir = run_factory(max_frames=3, use_init=True, init_image="/nowhere/init.png")
    host = make_host()
    with pytest.raises(KeyframesError) as caught:
        render_folder(run_dir, host)
    assert caught.value.setting == "init_image"
    assert host.seen == []


def test_an_init_image_starts_the_run_with_its_own_strength(run_factory, tmp_path, make_host):
    from PIL import Image

    path = tmp_path / "init.png"
    Image.new("RGB", (32, 24), (200, 30, 40)).save(path)
    run_dir = run_factory(max_frames=2, use_init=True, init_image=str(path), strength=0.9)
    host = make_host()
    render_folder(run_dir, host)
    assert host.seen[0].denoising_strength == pytest.approx(0.1)
    assert tuple(host.seen[0].init_image[30, 40]) == (200, 30, 40)

