"""A batch on a real local Ray cluster (2 CPUs) over two stand-in WebUIs on 127.0.0.1, each a
Ray resource; one WebUI is killed mid-run. Every run finishes, the killed one resumed on the
other WebUI, and the frames are those one WebUI makes alone. One cluster for the module: Ray
starts slowly."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from lib_animation.batches import create_batch_folder, load_batch_file
from lib_animation.batches.ray_executor import connect_ray, webui_resource
from lib_animation.cli import main
from tests.batches.stand_in import start_webui
from tests.batches.test_batch_webuis import SWEEP, frames_of, one_worker_batch

ray = pytest.importorskip("ray")
FRAMES = 6


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def ports():
    """Two ports whose WebUIs are resources of a Ray cluster started for this module."""
    chosen = (_free_port(), _free_port())
    resources = {webui_resource(f"http://127.0.0.1:{port}"): 1.0 for port in chosen}
    ray.init(num_cpus=2, resources=resources, include_dashboard=False, log_to_driver=False)
    yield chosen
    ray.shutdown()


def test_a_killed_webui_run_is_resumed_on_the_other_with_the_same_frames(
        tmp_path, small_file, capsys, ports):
    reference = one_worker_batch(small_file, tmp_path, FRAMES)
    dying, steady = start_webui(ports[0], dies_after=3), start_webui(ports[1])
    try:
        status = main(["batch", small_file(max_frames=FRAMES), *SWEEP, "--url", dying.url,
                       "--url", steady.url, "--ray", "local", "--out", str(tmp_path / "ray"),
                       "--name", "b", "--no-report"])
    finally:
        dying.stop()
        steady.stop()
    err = capsys.readouterr().err
    assert status == 0, err
    assert "Ray: 1 node(s)" in err
    assert f"{dying.url} stopped answering during" in err
    summary = json.loads((tmp_path / "ray" / "b" / "summary.json").read_text())
    assert [run["state"] for run in summary["runs"]] == ["finished"] * 4
    resumed = [run for run in summary["runs"] if run["resumed"]]
    assert len(resumed) == 1 and resumed[0]["worker"] == steady.url
    assert len(dying.requests) == 3
    assert frames_of(tmp_path / "ray" / "b", FRAMES) == reference


def test_workers_without_the_batch_folder_send_the_frames_back_through_ray(
        tmp_path, small_file, ports):
    reference = one_worker_batch(small_file, tmp_path, FRAMES)
    webuis = [start_webui(ports[0]), start_webui(ports[1])]
    try:
        executor = connect_ray("local", [webui.url for webui in webuis])
        batch_file = tmp_path / "batch.json"
        batch_file.write_text(json.dumps({
            "format": "keyframes-batch", "version": 1,
            "items": [Path(small_file(max_frames=FRAMES)).name],
            "sweep": {"values": {"seed": [11, 12, 13, 14]}}}))
        spec = load_batch_file(batch_file)
        executor.check(spec.items)
        folder = create_batch_folder(spec, tmp_path / "apart", "b")
        outcomes = executor.run(spec.items, folder, report=False,
                                shared={webui.url: False for webui in webuis})
    finally:
        for webui in webuis:
            webui.stop()
    assert {outcome.status for outcome in outcomes.values()} == {"finished"}
    assert frames_of(folder, FRAMES) == reference
