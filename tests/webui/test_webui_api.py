"""The REST jobs API: the same settings files as the CLI, 422 for bad input, the queue lock."""

from __future__ import annotations

import base64
import io
import json
import threading
import time

import numpy as np
import pytest
from PIL import Image

from lib_animation.schema import Settings
from lib_animation.settings_files import dumps_settings
from tests.webui.harness import SMALL, manager, start, wait

DEFORUM_FLAT = {"W": "64", "H": "64", "steps": "4", "max_frames": "4", "seed": 3,
                "sampler": "Euler a Karras", "video_format": "none", "init_image": None,
                "prompts": {"0": "a lighthouse --neg fog"}, "diffusion_cadence": "2"}


def _output_dir():
    from lib_animation.webui.options import current_options

    return current_options().output_dir


def _folders() -> list[str]:
    root = _output_dir()
    return sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) \
        if root.exists() else []


def _done(client, answer):
    assert answer.status_code == 202, answer.text
    job = wait(answer.json()["id"])
    body = client.get(f"/keyframes/v1/jobs/{job.id}").json()
    assert body["state"] == "done" and body["frame"] == body["frames"]
    return body


@pytest.mark.parametrize("kind", ["file", "flat", "deforum", "preset"])
def test_a_job_renders_from_every_kind_of_settings(fake_webui, kind):
    webui = start(fake_webui)
    client = webui.client()
    bodies = {
        "file": json.loads(dumps_settings(Settings(SMALL))),
        "flat": dict(SMALL),
        "deforum": DEFORUM_FLAT,
        "preset": {"preset": "2d-zoom-rotate",
                   "overrides": {**SMALL, "video_format": "mp4"}},
    }
    body = _done(client, client.post("/keyframes/v1/jobs", json=bodies[kind]))
    if kind == "preset":
        assert body["video"].endswith(".mp4") and body["report"].endswith("report.json")
    if kind == "deforum":
        settings = json.loads((_output_dir() / body["id"] / "settings.json").read_text())
        assert settings["settings"]["scheduler"] == "Karras"


@pytest.mark.parametrize(("body", "named"), [
    ({"max_frames": 0}, "max_frames"),
    ({"zoom": "0:(1+)"}, "zoom"),
    ({"preset": "no-such-preset"}, "no preset named"),
    ({"preset": "2d-zoom-rotate", "extra": 1}, "unknown keys"),
    ({"sampler": "Euler z"}, "Euler z"),
    ({"animation_mode": "Video Input", "video_init_path": "/etc/passwd"}, "video_init_path"),
])  # fmt: skip
def test_bad_input_gets_422_with_one_line_per_problem_and_nothing_is_made(fake_webui, body, named):
    webui = start(fake_webui)
    answer = webui.client().post("/keyframes/v1/jobs", json=body)
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert named in detail["error"] and all("\n" not in line for line in detail["errors"])
    assert _folders() == [] and manager().jobs() == []


def test_input_files_outside_the_allowed_folders_are_refused(fake_webui, tmp_path):
    webui = start(fake_webui)
    client = webui.client()
    outside = tmp_path / "private.png"
    Image.new("RGB", (64, 64), "red").save(outside)
    inside = _output_dir().parent / "inputs"
    inside.mkdir(parents=True, exist_ok=True)
    (inside / "link.png").symlink_to(outside)
    for path in (str(outside), str(inside / "link.png"), str(inside / ".." / ".." / "x.png")):
        answer = client.post("/keyframes/v1/validate",
                             json={**SMALL, "use_init": True, "init_image": path})
        assert answer.status_code == 422, path
        assert answer.json()["detail"]["error"].startswith("init_image: ")
    allowed = inside / "fine.png"
    Image.new("RGB", (64, 64), "blue").save(allowed)
    answer = client.post("/keyframes/v1/validate",
                         json={**SMALL, "use_init": True, "init_image": str(allowed)})
    assert answer.status_code == 200 and answer.json()["valid"]


def test_an_init_image_can_come_inline_as_base64(fake_webui):
    webui = start(fake_webui)
    from modules import processing

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(buffer, format="PNG")
    data = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    body = _done(webui.client(), webui.client().post(
        "/keyframes/v1/jobs", json={**SMALL, "use_init": True, "init_image": data,
                                    "strength": 1.0}))
    first = processing.processed_log[0].p
    assert np.asarray(first.init_images[0])[0, 0].tolist() == [10, 200, 30]
    assert body["state"] == "done"
    staged = _output_dir() / ".inputs"  # the inline file is removed once its job is done
    assert not staged.exists() or list(staged.iterdir()) == []


def test_validate_and_plan_answer_what_the_cli_prints(fake_webui):
    webui = start(fake_webui)
    client = webui.client()
    answer = client.post("/keyframes/v1/validate", json={**SMALL, "angel": "0:(1)"})
    assert answer.status_code == 200
    assert any("angle" in warning for warning in answer.json()["warnings"])
    plan = client.post("/keyframes/v1/plan?form=full", json=SMALL).json()["plan"]
    assert plan["max_frames"] == 6 and len(plan["seeds"]) == 6
    assert plan["diffused"] == [True, False, True, False, True, True]
    assert _folders() == []


def test_a_job_waits_for_a_generation_that_holds_the_queue_lock(fake_webui):
    webui = start(fake_webui)
    from modules import call_queue, processing

    released = threading.Event()

    def plain_txt2img():
        with call_queue.queue_lock:
            p = processing.StableDiffusionProcessingTxt2Img(
                prompt="plain", width=64, height=64, steps=2, do_not_save_samples=True,
                do_not_save_grid=True)
            processing.process_images(p)
            released.wait(5)
            processing.process_images(p)

    other = threading.Thread(target=plain_txt2img)
    other.start()
    time.sleep(0.2)
    answer = webui.client().post("/keyframes/v1/jobs", json=SMALL)
    assert answer.status_code == 202
    time.sleep(0.5)
    assert [call.p.prompt for call in processing.processed_log] == ["plain"]
    released.set()
    other.join()
    wait(answer.json()["id"])
    prompts = [call.p.prompt for call in processing.processed_log]
    assert prompts[:2] == ["plain", "plain"] and len(prompts) == 6
    assert all(call.queue_lock_held for call in processing.processed_log)


def test_cancel_then_resume_through_the_api_and_jobs_survive_a_restart(fake_webui):
    webui = start(fake_webui)
    client = webui.client()
    from modules import call_queue

    with call_queue.queue_lock:  # keep the job queued while we cancel it
        job = client.post("/keyframes/v1/jobs", json=SMALL).json()
        cancelled = client.delete(f"/keyframes/v1/jobs/{job['id']}").json()
    assert cancelled["state"] == "interrupted" and cancelled["resumable"]
    resumed = client.post(f"/keyframes/v1/jobs/{job['id']}/resume")
    assert resumed.status_code == 202
    assert wait(job["id"]).state == "done"
    # After a restart, the manager reads earlier jobs back from their run folders.
    from lib_animation.webui.host import WebUISession
    from lib_animation.webui.jobs import JobManager

    fresh = JobManager(WebUISession(), _output_dir)
    again = fresh.get(job["id"])
    assert again.state == "done" and again.frames_done == 6
    assert [listed.id for listed in fresh.jobs()] == [job["id"]]
    assert client.get("/keyframes/v1/jobs/../../etc").status_code == 404
