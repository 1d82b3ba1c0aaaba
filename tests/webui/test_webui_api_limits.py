"""The REST API only where the WebUI's owner opened it, within the owner's limits, and jobs that
cannot jam the WebUI: bodies read with a limit, plans answered off the event loop, one lock
around every job's state."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from lib_animation.plan import make_plan
from lib_animation.schema import Settings
from tests.webui.harness import ROOT, SMALL, manager, start, wait

JOBS = "/keyframes/v1/jobs"


def _error(answer) -> str:
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert all("\n" not in line for line in detail["errors"])
    return detail["error"]


def test_without_api_the_webui_serves_no_keyframes_routes(fake_webui):
    webui = fake_webui(extensions={"keyframes": ROOT}, args=[])
    client = webui.client()
    assert client.get(JOBS).status_code == 404
    assert client.post("/keyframes/v1/validate", json=SMALL).status_code == 404


@pytest.mark.parametrize("args", [["--api"], ["--nowebui"]])
def test_with_api_or_nowebui_the_routes_answer(fake_webui, args):
    webui = fake_webui(extensions={"keyframes": ROOT}, args=args)
    assert webui.client().get(JOBS).status_code == 200


@pytest.mark.parametrize(("changes", "named"), [
    ({"W": 4096, "H": 4096}, "W: 4096×4096 = 16,777,216 pixels is over this WebUI's limit"),
    ({"max_frames": 10_001}, "max_frames: 10,001 frames is over this WebUI's limit of 10,000"),
    ({"steps": 1000}, "steps: 1000 steps is over this WebUI's limit of 150"),
    ({"enable_steps_scheduling": True, "steps_schedule": "0:(20), 5:(400)"},
     "steps_schedule: 400 steps is over"),
])  # fmt: skip
def test_a_job_over_the_owners_limits_gets_422_naming_the_limit(fake_webui, changes, named):
    webui = start(fake_webui)
    answer = webui.client().post(JOBS, json={**SMALL, **changes})
    error = _error(answer)
    assert error.startswith(named) and "Settings > Keyframes" in error
    assert manager().jobs() == []


def test_the_owner_sets_the_limits_and_the_api_cannot(fake_webui):
    webui = start(fake_webui)
    from modules import shared

    client = webui.client()
    client.post("/sdapi/v1/options", json={"keyframes_max_job_steps": 5000})
    assert _error(client.post(JOBS, json={**SMALL, "steps": 200})).startswith("steps: ")
    shared.opts.set("keyframes_max_job_steps", 300)  # the owner, in Settings
    answer = client.post(JOBS, json={**SMALL, "steps": 200})
    assert answer.status_code == 202
    wait(answer.json()["id"])


def test_one_client_queues_no_more_jobs_than_the_owner_allows(fake_webui):
    webui = start(fake_webui)
    from modules import call_queue, shared

    shared.opts.set("keyframes_max_jobs_per_client", 2)
    client = webui.client()
    with call_queue.queue_lock:  # the WebUI is busy: jobs wait in the queue
        first = client.post(JOBS, json={**SMALL, "batch_name": "one"})
        second = client.post(JOBS, json={**SMALL, "batch_name": "two"})
        third = client.post(JOBS, json={**SMALL, "batch_name": "three"})
        assert [first.status_code, second.status_code] == [202, 202]
        assert "2 Keyframes jobs queued or running" in _error(third)
    for answer in (first, second):
        assert wait(answer.json()["id"]).state == "done"
    assert client.post(JOBS, json={**SMALL, "batch_name": "four"}).status_code == 202


def test_a_body_over_the_limit_is_refused_before_it_is_read_whole(fake_webui):
    webui = start(fake_webui)
    from modules import shared

    shared.opts.set("keyframes_max_body_mib", 1)
    padding = "x" * (2 * 2**20)
    answer = webui.client().post(JOBS, json={**SMALL, "batch_name": padding})
    assert "larger than this WebUI's limit of 1 MiB" in _error(answer)
    answer = webui.client().post(JOBS, content=b"{not json", headers={
        "content-type": "application/json"})
    assert _error(answer) == "request: the body is not valid JSON"


def test_a_run_the_disk_cannot_hold_is_refused_before_frame_zero(fake_webui):
    webui = start(fake_webui)
    from modules import shared

    for key, value in (("max_pixels", 4096 * 4096), ("max_job_frames", 100_000)):
        shared.opts.set(f"keyframes_{key}", value)
    answer = webui.client().post(JOBS, json={**SMALL, "W": 4096, "H": 4096,
                                             "max_frames": 100_000, "diffusion_cadence": 8})
    assert "of disk space" in _error(answer)
    assert manager().jobs() == []


def test_the_plan_comes_as_its_changes_and_whole_on_request(fake_webui):
    webui = start(fake_webui)
    client = webui.client()
    body = {**SMALL, "max_frames": 40, "zoom": "0:(1), 10:(1.5)", "angle": "0:(0)",
            "animation_prompts": {"0": "a fox", "20": "a hare"}}
    compact = client.post("/keyframes/v1/plan", json=body).json()["plan"]
    full = client.post("/keyframes/v1/plan?form=full", json=body).json()["plan"]
    assert compact["values"]["angle"] == [[0, 0.0]]
    assert compact["diffused"] == [frame for frame, made in enumerate(full["diffused"]) if made]
    assert [frame for frame, _prompt in compact["prompts"]] == [0, 20]
    for name, series in full["values"].items():  # the changes give back every frame's value
        assert _expand(compact["values"][name], 40) == series, name
    assert _expand(compact["seeds"], 40) == full["seeds"]
    assert _error(client.post("/keyframes/v1/plan?form=xml", json=body)).startswith("form: ")


def _expand(changes: list, frames: int) -> list:
    values = []
    for index, (start_frame, value) in enumerate(changes):
        end = changes[index + 1][0] if index + 1 < len(changes) else frames
        values += [value] * (end - start_frame)
    return values


def test_a_plan_of_100000_frames_is_small_and_the_server_answers_meanwhile(fake_webui):
    webui = start(fake_webui)
    from modules import shared

    shared.opts.set("keyframes_max_job_frames", 100_000)
    body = {**SMALL, "max_frames": 100_000, "zoom": "0:(1+0.01*sin(t/10))"}
    finished: list[str] = []
    with webui.client() as client:  # one event loop for both requests
        def plan():
            answer = client.post("/keyframes/v1/plan", json=body)
            finished.append("plan")
            plan.size = len(answer.content)
            plan.status = answer.status_code

        worker = threading.Thread(target=plan)
        worker.start()
        while not worker.is_alive():
            pass
        assert client.get("/keyframes/v1/presets").status_code == 200
        finished.append("presets")
        worker.join(120)
    assert finished == ["presets", "plan"] and plan.status == 200
    # zoom changes every frame (2.4 MB of numbers); every constant setting is a single pair.
    assert plan.size < 8 * 2**20


def test_concurrent_resumes_queue_a_job_once_and_the_worker_goes_on(fake_webui):
    webui = start(fake_webui)
    from modules import call_queue, processing

    client = webui.client()
    with call_queue.queue_lock:
        job = client.post(JOBS, json=SMALL).json()
        client.delete(f"{JOBS}/{job['id']}")
        answers: list = []
        threads = [threading.Thread(target=lambda: answers.append(
            client.post(f"{JOBS}/{job['id']}/resume"))) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        behind = client.post(JOBS, json={**SMALL, "batch_name": "behind"}).json()
    assert [answer.status_code for answer in answers] == [202] * 4
    assert wait(job["id"]).state == "done" and wait(behind["id"]).state == "done"
    assert len(processing.processed_log) == 8  # each job's four generations, once


def test_resuming_a_running_job_by_its_timestring_is_refused(fake_webui):
    webui = start(fake_webui)
    from modules import call_queue

    client = webui.client()
    with call_queue.queue_lock:
        job = client.post(JOBS, json={**SMALL, "batch_name": "run_{timestring}"}).json()
        stamp = job["id"].removeprefix("run_")
        answer = client.post(JOBS, json={**SMALL, "batch_name": "run_{timestring}",
                                         "resume_from_timestring": True,
                                         "resume_timestring": stamp})
        assert "already queued or running" in _error(answer)
        cancelled = client.delete(f"{JOBS}/{job['id']}").json()
    assert cancelled["state"] == "interrupted"


def test_a_failing_host_fails_one_job_and_the_next_one_runs(fake_webui, monkeypatch):
    start(fake_webui)
    from lib_animation.webui.host import WebUISession

    real_begin = WebUISession.begin
    calls = []

    def begin_once_broken(self, title, generations):
        calls.append(title)
        if len(calls) == 1:
            raise RuntimeError("the host's progress state is broken")
        real_begin(self, title, generations)

    monkeypatch.setattr(WebUISession, "begin", begin_once_broken)
    first = manager().submit(Settings({**SMALL, "batch_name": "first"}))
    second = manager().submit(Settings({**SMALL, "batch_name": "second"}))
    failed = wait(first.id)
    assert failed.state == "failed" and "progress state is broken" in failed.error
    assert wait(second.id).state == "done"
    from modules import shared

    assert shared.state.job == "" and shared.state.job_count == 0


def test_the_plans_changes_match_a_plan_made_directly():
    plan = make_plan(Settings({"max_frames": 30, "zoom": "0:(1), 15:(2)",
                               "seed_behavior": "fixed", "seed": 5}))
    compact = json.loads(json.dumps(plan.to_compact_json()))
    assert compact["seeds"] == [[0, 5]]
    zoom = np.asarray(_expand(compact["values"]["zoom"], 30))
    assert np.array_equal(zoom, plan.values["zoom"])


def test_validate_checks_what_a_job_checks_so_it_never_says_valid_to_a_job_refused(fake_webui):
    webui = start(fake_webui)
    client = webui.client()
    body = {**SMALL, "enable_checkpoint_scheduling": True,
            "checkpoint_schedule": '0: ("no-such-model")'}
    for route in ("/keyframes/v1/validate", JOBS):
        assert "no-such-model" in _error(client.post(route, json=body)), route
    assert "over this WebUI's limit" in _error(client.post("/keyframes/v1/validate",
                                                           json={**SMALL, "steps": 999}))


def test_a_run_to_resume_that_is_not_there_is_named_without_the_servers_folders(fake_webui):
    webui = start(fake_webui)
    answer = webui.client().post(JOBS, json={**SMALL, "resume_from_timestring": True,
                                             "resume_timestring": "20200101000000"})
    error = _error(answer)
    assert error.startswith("resume_timestring: no run '20200101000000' to resume")
    assert str(webui.root) not in error
