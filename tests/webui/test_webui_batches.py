"""Batches through the REST API: a batch's runs queued as jobs in order through the queue
lock, listed, cancelled and resumed per batch; every run checked before any is queued."""

from __future__ import annotations

import json
import time

import pytest

from lib_animation.errors import KeyframesError
from tests.webui.harness import SMALL, manager, start, wait


def _output_dir():
    from lib_animation.webui.options import current_options

    return current_options().output_dir


def _wait_batch(client, name):
    view = client.get(f"/keyframes/v1/batches/{name}").json()
    for run in view["runs"]:
        wait(run["id"])
    return client.get(f"/keyframes/v1/batches/{name}").json()


def _written(path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.is_file():
        assert time.monotonic() < deadline, f"{path.name} was not written"
        time.sleep(0.05)


def test_a_sweep_queues_its_runs_in_order_and_writes_summary_and_sheet(fake_webui):
    webui = start(fake_webui)
    client = webui.client()
    from modules import processing

    answer = client.post("/keyframes/v1/batches", json={
        "name": "seeds", "items": [{"preset": "2d-zoom-rotate", "overrides": SMALL}],
        "sweep": {"values": {"seed": [100, 200], "steps": [3, 4]}}})
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["batch"] == "seeds" and body["total"] == 4
    assert [run["id"] for run in body["runs"]] == [
        "seeds~1_seed=100_steps=3", "seeds~2_seed=100_steps=4", "seeds~3_seed=200_steps=3",
        "seeds~4_seed=200_steps=4"]
    view = _wait_batch(client, "seeds")
    assert view["state"] == "done" and view["finished"] == 4
    assert all(run["batch"] == "seeds" and run["frame"] == 6 for run in view["runs"])
    calls = [(call.p.seed, call.p.steps) for call in processing.processed_log]
    assert [steps for _, steps in calls] == [3] * 4 + [4] * 4 + [3] * 4 + [4] * 4
    assert calls[0][0] == 100 and calls[8][0] == 200
    assert all(call.queue_lock_held for call in processing.processed_log)
    folder = _output_dir() / "seeds"
    _written(folder / "contact-sheet.png")  # after the last run's job ends
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["finished"] == 4
    listed = client.get("/keyframes/v1/batches").json()["batches"]
    assert [batch["batch"] for batch in listed] == ["seeds"]
    assert client.get(f"/keyframes/v1/jobs/{body['runs'][0]['id']}").json()["state"] == "done"


def test_a_batch_over_the_run_limit_or_with_a_bad_run_is_refused_whole(fake_webui):
    webui = start(fake_webui)
    client = webui.client()
    too_many = client.post("/keyframes/v1/batches", json={
        "items": [SMALL], "sweep": {"values": {"seed": list(range(101))}}})
    assert too_many.status_code == 422
    assert "the batch makes 101 runs; this WebUI allows 100" in too_many.json()["detail"]["error"]
    bad = client.post("/keyframes/v1/batches", json={
        "items": [SMALL, {**SMALL, "sampler": "Euler z"}]})
    assert bad.status_code == 422
    error = bad.json()["detail"]["error"]
    assert error.startswith("2_source=item2") and "Euler z" in error
    swept = client.post("/keyframes/v1/batches", json={
        "items": [SMALL], "sweep": {"values": {"W": [64, 65]}}})
    assert swept.status_code == 422 and "W" in swept.json()["detail"]["error"]
    assert not _output_dir().exists() or [
        path for path in _output_dir().iterdir() if not path.name.startswith(".")] == []
    assert manager().jobs() == []


def test_a_batch_is_cancelled_and_resumed_as_one(fake_webui):
    webui = start(fake_webui)
    client = webui.client()
    from modules import call_queue

    with call_queue.queue_lock:  # keep the runs queued while the batch is cancelled
        body = client.post("/keyframes/v1/batches", json={
            "name": "b", "items": [SMALL], "sweep": {"values": {"seed": [1, 2, 3]}}}).json()
        cancelled = client.delete("/keyframes/v1/batches/b").json()
    assert cancelled["state"] == "interrupted"
    assert all(run["state"] == "interrupted" for run in cancelled["runs"])
    assert client.post("/keyframes/v1/batches/b/resume").status_code == 202
    view = _wait_batch(client, "b")
    assert view["state"] == "done" and view["finished"] == 3
    assert [run["id"] for run in view["runs"]] == [run["id"] for run in body["runs"]]
    assert client.get("/keyframes/v1/batches/..%2F..").status_code == 404
    assert client.delete("/keyframes/v1/batches/nope").status_code == 404


def test_the_tabs_batch_section_queues_the_form_crossed_with_its_sweep(fake_webui):
    from lib_animation.schema import Settings
    from lib_animation.webui import tab_model as model
    from lib_animation.webui.entry import batch_queue
    from lib_animation.webui.tab import webui_context
    from lib_animation.webui.tab_batch import batch_markdown, start_batch
    from tests.webui.harness import ROOT

    fake_webui(extensions={"keyframes": ROOT}, args=[])
    context = webui_context(manager(), batch_queue())
    values = model.ui_values(Settings(SMALL))
    view = start_batch(context, values, "seed=5,6\n\nsteps=3", False, "tabbed")
    assert [job.id for job in view.jobs] == ["tabbed~1_seed=5_steps=3",
                                             "tabbed~2_seed=6_steps=3"]
    for job in view.jobs:
        assert wait(job.id).state == "done"
    shown = batch_markdown(context.batches.get("tabbed"))
    assert "**tabbed**: done, 2 of 2 done" in shown and "| 2_seed=6_steps=3 | done | 6/6 |" in shown
    with pytest.raises(KeyframesError, match="seeds: not a Keyframes setting"):
        start_batch(context, values, "seeds=1,2", False, None)
