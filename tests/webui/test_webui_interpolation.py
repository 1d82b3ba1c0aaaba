"""Frame interpolation in the WebUI: after a job's render, and later from the Result tab."""

from __future__ import annotations

import time

import av
import pytest

from lib_animation.schema import Settings
from tests.webui.harness import SMALL, manager, start, wait


def _frame_count(path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_a_job_asking_for_interpolation_lists_its_video_with_2n_minus_1_frames(fake_webui):
    start(fake_webui)
    job = wait(manager().submit(Settings({**SMALL, "video_format": "mp4",
                                          "frame_interpolation_engine": "Optical flow"})).id)
    assert job.state == "done", job.error
    video = job.folder / f"{job.folder.name}_interpolated_x2.mp4"
    assert job.videos[-1] == video and _frame_count(video) == 11


def test_a_finished_run_is_interpolated_later_and_lists_the_video(fake_webui):
    start(fake_webui)
    from lib_animation.webui.jobs import InterpolateChoice

    job = wait(manager().submit(Settings({**SMALL, "video_format": "mp4"})).id)
    made = manager().interpolate(job.id, InterpolateChoice("Optical flow", 3, slow_motion=2))
    video = job.folder / f"{job.folder.name}_interpolated_x3_slowmo_x2.mp4"
    assert made.state == "done" and made.videos[-1] == video
    assert _frame_count(video) == 16
    assert manager().get(job.id).videos[-1] == video


def test_an_unfinished_run_is_not_interpolated(fake_webui):
    start(fake_webui)
    from lib_animation.errors import KeyframesError
    from lib_animation.webui.jobs import InterpolateChoice

    queued = manager().submit(Settings({**SMALL, "max_frames": 40}))
    with pytest.raises(KeyframesError, match="only a finished run"):
        manager().interpolate(queued.id, InterpolateChoice("Optical flow", 2))
    manager().cancel(queued.id)
    wait(queued.id)


def test_the_result_tab_has_an_interpolate_row(tmp_path):
    pytest.importorskip("gradio")
    from lib_animation.webui.jobs import DONE
    from lib_animation.webui.standalone import build_standalone
    from lib_animation.webui.tab_actions import interpolate_job

    blocks, jobs = build_standalone(tmp_path / "out", presets_dir=tmp_path / "p",
                                    last_settings=tmp_path / "l.json")
    ids = {getattr(block, "elem_id", None) for block in blocks.blocks.values()}
    assert {"keyframes_interpolate_with", "keyframes_interpolate"} <= ids
    job = jobs.submit(Settings({"max_frames": 3, "W": 64, "H": 64, "video_format": "mp4"}))
    deadline = time.monotonic() + 60
    while jobs.get(job.id).state != DONE and time.monotonic() < deadline:
        time.sleep(0.05)

    class Context:
        manager = jobs

    made = interpolate_job(Context(), job.id, "Optical flow", 4, 1)
    assert made.videos[-1].name == f"{job.id}_interpolated_x4.mp4"
