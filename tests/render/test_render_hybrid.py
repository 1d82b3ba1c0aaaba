"""Hybrid video through the frame loop: the render's length follows the video, the video's
frames are composited in and its camera motion carried into the render, extra frames stay in the
run folder, bad videos are refused before frame 0, and a resumed run gives the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from lib_animation.cli import main
from lib_animation.errors import RenderError
from lib_animation.host import PreviewHost
from lib_animation.inputs.gather import INPUT_FRAMES
from lib_animation.png_frames import complete_frames, frame_path, read_frame
from lib_animation.runs.folder import create_run_folder
from lib_animation.runs.start import check_run, plan_run
from lib_animation.schema import Settings
from tests.inputs.media_files import encode_video
from tests.motion.conftest import make_texture
from tests.render.conftest import QUIET
from tests.render.folder_rendering import render_folder

W, H = 96, 80
PAN = 3  # the video's camera pans this many pixels a frame: its content moves left
SCENE = make_texture(H, W + 64, seed=9, blur=1.2)
INTERIOR = (slice(16, -16), slice(24, -24))


def video_frame(index: int, size: tuple[int, int] = (W, H),
                tint: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> np.ndarray:
    width, height = size
    crop = (SCENE[:H, index * PAN: index * PAN + W] * np.array(tint)).astype(np.uint8)
    return np.ascontiguousarray(crop if (width, height) == (W, H) else
                                np.resize(crop, (height, width, 3)))


def write_video(path: Path, count: int, size: tuple[int, int] = (W, H),
                tint: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> Path:
    return encode_video(path, [video_frame(index, size, tint) for index in range(count)])


@pytest.fixture
def video(tmp_path) -> Path:
    return write_video(tmp_path / "pan.mp4", 8)


def hybrid_settings(video: Path, **values) -> Settings:
    return Settings({**QUIET, "W": W, "H": H, "diffusion_cadence": 1, "max_frames": 50,
                     "strength_schedule": "0:(0.5)", "video_init_path": str(video),
                     "seed_behavior": "fixed", **values})


def hybrid_run(tmp_path: Path, video: Path, **values) -> Path:
    plan = plan_run(hybrid_settings(video, **values))
    return create_run_folder(plan, tmp_path / "out")


def _inputs(run_dir: Path, index: int) -> np.ndarray:
    return read_frame(run_dir / INPUT_FRAMES / f"frame_{index:06d}.png")


def test_the_render_has_as_many_frames_as_the_video_and_starts_from_its_first(
        tmp_path, video, make_host):
    run_dir = hybrid_run(tmp_path, video, hybrid_composite="Normal",
                         hybrid_comp_alpha_schedule="0:(1)")
    host = make_host()
    render_folder(run_dir, host)
    assert complete_frames(run_dir) == list(range(8))
    assert json.loads((run_dir / "settings.json").read_text())["settings"]["max_frames"] == 8
    assert np.array_equal(host.seen[0].init_image, _inputs(run_dir, 0))
    for index in range(1, 8):  # alpha 1 and no mask: the init is the video frame itself
        assert np.array_equal(host.seen[index].init_image, _inputs(run_dir, index))


def test_after_generation_the_frame_is_blended_with_the_video(tmp_path, video, make_host):
    run_dir = hybrid_run(tmp_path, video, hybrid_composite="After Generation",
                         hybrid_comp_alpha_schedule="0:(0.5)")
    host = make_host()
    render_folder(run_dir, host)
    generated = PreviewHost().generate(host.seen[3]).astype(int)
    written = read_frame(frame_path(run_dir, 3)).astype(int)
    expected = (generated + _inputs(run_dir, 3)) / 2  # half of the video is mixed in
    assert np.abs(written - expected).max() <= 1


@pytest.mark.parametrize("motion", ["Affine", "Perspective", "Optical Flow"])
def test_hybrid_motion_moves_the_render_as_the_video_pans(tmp_path, video, make_host, motion):
    """The render starts from the video's first frame; moved as the video moves, each frame's
    init matches the video frame of its time, far better than without the motion."""
    errors = {}
    for name, chosen in (("still", "None"), ("moving", motion)):
        run_dir = hybrid_run(tmp_path, video, batch_name=f"{name}-{motion}",
                             hybrid_composite="Normal", hybrid_comp_alpha_schedule="0:(0)",
                             hybrid_motion=chosen, hybrid_flow_method="DIS Medium")
        host = make_host()
        render_folder(run_dir, host)
        errors[name] = np.mean([
            np.abs(host.seen[index].init_image.astype(int)
                   - _inputs(run_dir, index).astype(int))[INTERIOR].mean()
            for index in range(1, 4)])
    assert errors["moving"] < errors["still"] / 3


def test_composite_extra_frames_are_written_inside_the_run_folder(tmp_path, video, make_host):
    run_dir = hybrid_run(tmp_path, video, hybrid_composite="Normal",
                         hybrid_comp_mask_type="Difference", hybrid_comp_save_extra_frames=True)
    render_folder(run_dir, make_host())
    extra = sorted(path.name for path in (run_dir / "hybridframes").iterdir())
    assert extra[:3] == ["blend_000001.png", "blend_000002.png", "blend_000003.png"]
    assert {name.split("_")[0] for name in extra} == {"blend", "composite", "mask"}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out", "pan.mp4"]


BUSY = {
    "diffusion_cadence": 3, "hybrid_composite": "Normal", "hybrid_motion": "Optical Flow",
    "hybrid_flow_consistency": True, "hybrid_comp_mask_type": "Blend",
    "hybrid_comp_mask_auto_contrast": True, "noise_schedule": "0:(0.04)", "zoom": "0:(1.02)",
    "color_coherence": "LAB", "seed_behavior": "iter",
}  # fmt: skip


def test_an_interrupted_hybrid_run_resumes_to_the_same_bytes(tmp_path, make_host):
    video = write_video(tmp_path / "long.mp4", 11)
    whole = hybrid_run(tmp_path, video, batch_name="whole", **BUSY)
    render_folder(whole, make_host())
    broken = hybrid_run(tmp_path, video, batch_name="broken", **BUSY)
    first = render_folder(broken, make_host(stop_after=2))
    assert first.interrupted and 0 < first.completed < 11
    assert not render_folder(broken, make_host()).interrupted
    for index in range(11):
        assert frame_path(broken, index).read_bytes() == frame_path(whole, index).read_bytes()


def _empty_video(path: Path) -> Path:
    """A container with a video stream and no frame in it."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        container.start_encoding()
    return path


@pytest.mark.parametrize(("count", "message"), [
    (0, "cannot read video empty.mkv"), (1, "gives 1 frame; hybrid video needs at least 2"),
])  # fmt: skip
def test_a_video_with_too_few_frames_is_refused_before_frame_0(tmp_path, count, message):
    video = _empty_video(tmp_path / "empty.mkv") if count == 0 else write_video(
        tmp_path / "short.mp4", count)
    with pytest.raises(RenderError, match=message) as caught:
        check_run(hybrid_settings(video, hybrid_motion="Affine"))
    assert caught.value.setting == "video_init_path"


def test_a_broken_video_is_one_line_before_frame_0(tmp_path, capsys):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    file = tmp_path / "hybrid.json"
    file.write_text(json.dumps({"hybrid_composite": "Normal", "video_init_path": str(broken)}))
    assert main(["render", str(file), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "video_init_path" in err[0]
    assert not (tmp_path / "out").exists()


def test_a_video_of_another_size_is_stretched_to_the_render_with_a_warning(tmp_path):
    video = write_video(tmp_path / "wide.mp4", 3, size=(128, 64))
    plan = check_run(hybrid_settings(video, hybrid_composite="Normal")).plan
    assert ("video_init_path: the video's 128x64 frames are stretched to the render's 96x80 "
            "for hybrid video") in plan.warnings


def test_the_init_image_as_video_keeps_max_frames_and_needs_an_init_image(tmp_path, video):
    settings = hybrid_settings(video, hybrid_composite="Normal", hybrid_use_init_image=True,
                               max_frames=20)
    with pytest.raises(RenderError, match="needs use_init and an init image"):
        check_run(settings)
    image = tmp_path / "still.png"
    from PIL import Image

    Image.fromarray(video_frame(0)).save(image)
    checked = check_run(settings.replace(use_init=True, init_image=str(image)))
    assert checked.plan.max_frames == 20
    assert checked.inputs.video_frames == ()


def test_a_deforum_hybrid_file_renders_with_the_preview_host_without_a_warning(
        tmp_path, video, capsys):
    deforum = {
        "animation_mode": "2D", "W": W, "H": H, "max_frames": 120, "diffusion_cadence": "2",
        "video_init_path": str(video), "hybrid_generate_inputframes": True,
        "hybrid_generate_human_masks": "None", "hybrid_composite": "Normal",
        "hybrid_motion": "Perspective", "hybrid_flow_method": "RAFT",
        "hybrid_comp_mask_type": "Depth", "hybrid_comp_alpha_schedule": "0:(0.5)",
        "hybrid_comp_mask_equalize": "Both", "hybrid_comp_save_extra_frames": False,
        "batch_name": "deforum", "video_format": "none", "seed": 3,
    }  # fmt: skip
    file = tmp_path / "deforum.txt"
    file.write_text(json.dumps(deforum))
    assert main(["render", str(file), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "not supported" not in err and "RAFT" not in err
    assert complete_frames(tmp_path / "out" / "deforum") == list(range(8))


def test_video_input_colour_coherence_matches_each_init_to_the_video(tmp_path, make_host):
    """A render starting from text, its colours pulled toward a reddish video's frames."""
    video = write_video(tmp_path / "red.mp4", 6, tint=(1.0, 0.35, 0.3))
    means = {}
    for coherence in ("None", "Video Input"):
        run_dir = hybrid_run(tmp_path, video, batch_name=coherence, color_coherence=coherence,
                             hybrid_composite="Normal", hybrid_comp_alpha_schedule="0:(0)",
                             hybrid_use_first_frame_as_init_image=False)
        host = make_host()
        render_folder(run_dir, host)
        means[coherence] = np.abs(host.seen[3].init_image.reshape(-1, 3).mean(axis=0)
                                  - _inputs(run_dir, 3).reshape(-1, 3).mean(axis=0)).max()
    assert means["Video Input"] < 6 < means["None"]
