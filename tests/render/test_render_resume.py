"""Interrupted and killed runs resume to frames byte-identical to an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from lib_animation.png_frames import complete_frames, frame_path
from tests.render.folder_rendering import render_folder

ROOT = Path(__file__).resolve().parents[2]
BUSY = {
    "max_frames": 14, "diffusion_cadence": 3, "zoom": "0:(1.04)", "angle": "0:(0.5*t)",
    "noise_schedule": "0:(0.05)", "color_coherence": "LAB", "amount_schedule": "0:(0.2)",
    "contrast_schedule": "0:(0.99)", "seed_behavior": "random",
}  # fmt: skip


def _bytes(run_dir: Path, count: int) -> list[bytes]:
    return [frame_path(run_dir, i).read_bytes() for i in range(count)]


def test_an_interrupted_run_resumes_to_the_same_bytes(run_factory, make_host):
    whole = run_factory(batch_name="whole", **BUSY)
    render_folder(whole, make_host())
    broken = run_factory(batch_name="broken", **BUSY)
    first = render_folder(broken, make_host(stop_after=3))
    assert first.interrupted
    assert 0 < first.completed < 14
    manifest = json.loads((broken / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    second = render_folder(broken, make_host())
    assert not second.interrupted
    assert second.resumed_from > 0
    assert _bytes(broken, 14) == _bytes(whole, 14)


def test_resuming_a_finished_run_changes_nothing(run_factory, make_host):
    run_dir = run_factory(**BUSY)
    render_folder(run_dir, make_host())
    before = _bytes(run_dir, 14)
    host = make_host()
    result = render_folder(run_dir, host)
    assert host.seen == []
    assert result.completed == 14
    assert _bytes(run_dir, 14) == before


def _cli(*arguments: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lib_animation", "render", *arguments],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_a_run_killed_mid_write_resumes_to_the_same_bytes(tmp_path):
    settings = {**BUSY, "W": 256, "H": 256, "max_frames": 90, "video_format": "none",
                "seed": 3}
    file = tmp_path / "busy.json"
    file.write_text(json.dumps(settings))
    whole = _cli(str(file), "--out", str(tmp_path / "whole"), "--no-report")
    killed = _cli(str(file), "--out", str(tmp_path / "killed"), "--no-report")
    deadline = time.monotonic() + 60
    run_dir = None
    while time.monotonic() < deadline:
        folders = list((tmp_path / "killed").glob("Keyframes_*"))
        if folders and len(complete_frames(folders[0])) >= 20:
            run_dir = folders[0]
            break
        time.sleep(0.01)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert run_dir is not None, "the render never got going"
    assert whole.wait(timeout=120) == 0
    done_before = len(complete_frames(run_dir))
    assert done_before < 90
    resumed = _cli("--resume", str(run_dir), "--no-report")
    assert resumed.wait(timeout=120) == 0, resumed.stderr.read().decode()
    reference = next((tmp_path / "whole").glob("Keyframes_*"))
    assert _bytes(run_dir, 90) == _bytes(reference, 90)


def _wait_for_frames(folder_parent: Path, count: int, timeout: float = 60) -> Path | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        folders = list(folder_parent.glob("Keyframes_*"))
        if folders and len(complete_frames(folders[0])) >= count:
            return folders[0]
        time.sleep(0.005)
    return None


def test_a_kill_soon_after_the_start_keeps_every_frame_already_on_disk(tmp_path):
    settings = {**BUSY, "W": 128, "H": 128, "max_frames": 40, "diffusion_cadence": 1,
                "video_format": "none"}
    file = tmp_path / "early.json"
    file.write_text(json.dumps(settings))
    killed = _cli(str(file), "--out", str(tmp_path / "out"), "--no-report")
    run_dir = _wait_for_frames(tmp_path / "out", 3)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert run_dir is not None, "the render never got going"
    on_disk = len(complete_frames(run_dir))
    resumed = _cli("--resume", str(run_dir), "--no-report")
    assert resumed.wait(timeout=120) == 0
    made = int(resumed.stderr.read().decode().split("rendered ")[1].split()[0])
    assert made <= 40 - on_disk, "frames whole on disk are not made again"


def test_sigterm_stops_after_the_frame_and_records_the_run_as_interrupted(tmp_path):
    settings = {**BUSY, "W": 128, "H": 128, "max_frames": 400, "video_format": "none"}
    file = tmp_path / "long.json"
    file.write_text(json.dumps(settings))
    render = _cli(str(file), "--out", str(tmp_path / "out"), "--no-report")
    run_dir = _wait_for_frames(tmp_path / "out", 3)
    render.send_signal(signal.SIGTERM)
    assert render.wait(timeout=60) == 143
    assert run_dir is not None
    err = render.stderr.read().decode()
    assert "continue with: python -m lib_animation render --resume" in err
    assert "Traceback" not in err
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "interrupted"
