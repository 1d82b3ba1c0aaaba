"""`python -m lib_animation render`: a new run, its outputs, and clear errors."""

from __future__ import annotations

import json

import av
from PIL import Image

from lib_animation.cli import main
from lib_animation.render_cli import progress_line
from lib_animation.runs import RenderProgress


def test_render_writes_frames_video_gif_and_report(tmp_path, capsys):
    file = tmp_path / "small.json"
    file.write_text(json.dumps({"max_frames": 9, "W": 96, "H": 64, "seed": 4, "make_gif": True,
                                "batch_name": "small_{seed}", "fps": 12}))
    assert main(["render", str(file), "--out", str(tmp_path / "out")]) == 0
    run_dir = tmp_path / "out" / "small_4"
    with av.open(str(run_dir / "small_4.mp4")) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.frames) == ("h264", 9)
    with Image.open(run_dir / "small_4.gif") as gif:
        assert gif.n_frames == 9
    report = json.loads((run_dir / "report.json").read_text())
    assert "warp_error" in json.dumps(report)
    err = capsys.readouterr().err
    assert "rendered 9 frames" in err and "report:" in err


def test_render_needs_a_file_or_a_run_to_resume(tmp_path, capsys):
    assert main(["render"]) == 2
    assert main(["render", "--resume", str(tmp_path)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert "either FILE" in lines[0]
    assert "not a Keyframes run folder" in lines[-1]


def test_progress_line_shows_frame_rate_and_time_left():
    line = progress_line(RenderProgress(done=30, total=120, elapsed_s=3.0, rendered_now=30,
                                        text="frame 30/120"))
    assert "frame 30/120" in line
    assert "10.0 fps" in line
    assert "0:09 left" in line


def test_download_progress_prints_a_line_every_tenth(capsys):
    import sys

    from lib_animation.render_cli import DownloadProgress

    show = DownloadProgress(sys.stderr)
    total = 100 * 2**20
    for done in range(0, total + 1, 2**20):
        show(done, total, "downloading model.bin")
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 11
    assert lines[-1] == "downloading model.bin: 100/100 MiB"
