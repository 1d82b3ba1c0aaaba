"""Video Input mode through the CLI: every selected input frame restyled, then MP4 and report."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np

from lib_animation.cli import main
from lib_animation.png_frames import complete_frames, frame_path, read_frame
from tests.inputs.media_files import encode_video

W, H = 72, 64


def _video(path: Path, count: int) -> Path:
    """Frame i is flat grey at 8 * i, so a restyled frame still tells which one it came from."""
    return encode_video(path, [np.full((H, W, 3), 8 * index, np.uint8) for index in range(count)])


def test_video_input_restyles_every_selected_frame(tmp_path, capsys):
    video = _video(tmp_path / "clip.mp4", 20)
    settings = {
        "animation_mode": "Video Input", "video_init_path": str(video), "W": W, "H": H,
        "extract_nth_frame": 3, "extract_from_frame": 2, "extract_to_frame": 17,
        "noise_schedule": "0:(0)", "amount_schedule": "0:(0)", "color_coherence": "None",
        "strength_schedule": "0:(0.5)", "seed": 1, "batch_name": "restyle", "fps": 10,
    }  # fmt: skip
    file = tmp_path / "restyle.json"
    file.write_text(json.dumps(settings))
    assert main(["render", str(file), "--out", str(tmp_path / "out")]) == 0
    run_dir = tmp_path / "out" / "restyle"
    selected = [2, 5, 8, 11, 14, 17]
    assert complete_frames(run_dir) == list(range(len(selected)))
    for output_index, source_index in enumerate(selected):
        corner = read_frame(frame_path(run_dir, output_index))[40:, 40:]
        assert abs(float(corner.mean()) - 8 * source_index) < 2
    saved = json.loads((run_dir / "settings.json").read_text())["settings"]
    assert saved["max_frames"] == len(selected)
    with av.open(str(run_dir / "restyle.mp4")) as container:
        assert container.streams.video[0].frames == len(selected)
    assert (run_dir / "report.json").exists()
    assert "rendered 6 frames" in capsys.readouterr().err


def test_a_missing_video_is_one_clear_line(tmp_path, capsys):
    file = tmp_path / "missing.json"
    file.write_text(json.dumps({"animation_mode": "Video Input",
                                "video_init_path": str(tmp_path / "nope.mp4")}))
    assert main(["render", str(file), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "video_init_path" in err[0] and "not found" in err[0]


def _video_run(tmp_path, video, name):
    from lib_animation.inputs.gather import video_frame_count
    from lib_animation.plan import make_plan
    from lib_animation.runs.folder import create_run_folder
    from lib_animation.schema import Settings

    settings = Settings({
        "animation_mode": "Video Input", "video_init_path": str(video), "W": W, "H": H,
        "color_coherence": "Video Input", "color_coherence_video_every_N_frames": 3,
        "noise_schedule": "0:(0.05)", "seed": 2, "batch_name": name, "video_format": "none",
    })  # fmt: skip
    plan = make_plan(settings, max_frames=video_frame_count(settings))
    return create_run_folder(plan, tmp_path / "out")


def test_video_input_with_video_coherence_resumes_to_the_same_bytes(tmp_path, make_host):
    from tests.render.folder_rendering import render_folder

    video = _video(tmp_path / "clip.mp4", 10)
    whole = _video_run(tmp_path, video, "whole")
    render_folder(whole, make_host())
    broken = _video_run(tmp_path, video, "broken")
    assert render_folder(broken, make_host(stop_after=5)).interrupted
    render_folder(broken, make_host())
    for index in range(10):
        assert frame_path(broken, index).read_bytes() == frame_path(whole, index).read_bytes()
