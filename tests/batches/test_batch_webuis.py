"""A batch on several WebUIs, one worker each: a WebUI that dies mid-run loses only its worker;
the run goes on from its finished frames on another WebUI, and the frames are those one WebUI
makes alone."""

from __future__ import annotations

import json

from lib_animation.cli import main
from lib_animation.png_frames import complete_frames, frame_path
from tests.batches.stand_in import start_webui

SWEEP = ["--sweep", "seed=11,12,13,14"]


def frames_of(batch, frames):
    return {run.name: [frame_path(run, index).read_bytes() for index in range(frames)]
            for run in sorted(batch.iterdir()) if run.is_dir()}


def one_worker_batch(small_file, tmp_path, frames):
    """The reference: the same batch on one WebUI alone."""
    alone = start_webui()
    try:
        assert main(["batch", small_file(max_frames=frames), *SWEEP, "--host", "webui",
                     "--url", alone.url, "--out", str(tmp_path / "alone"), "--name", "b",
                     "--no-report"]) == 0
    finally:
        alone.stop()
    return frames_of(tmp_path / "alone" / "b", frames)


def test_a_dying_webui_hands_its_run_to_another_with_the_same_frames(tmp_path, small_file,
                                                                      capsys):
    reference = one_worker_batch(small_file, tmp_path, 6)
    dying, steady = start_webui(dies_after=3), start_webui()
    try:
        status = main(["batch", small_file(max_frames=6), *SWEEP, "--url", dying.url,
                       "--url", steady.url, "--out", str(tmp_path / "two"), "--name", "b",
                       "--no-report"])
    finally:
        dying.stop()
        steady.stop()
    err = capsys.readouterr().err
    assert status == 0, err
    assert f"{dying.url} stopped answering during" in err
    summary = json.loads((tmp_path / "two" / "b" / "summary.json").read_text())
    assert [run["state"] for run in summary["runs"]] == ["finished"] * 4
    resumed = [run for run in summary["runs"] if run["resumed"]]
    assert len(resumed) == 1 and resumed[0]["worker"] == steady.url
    assert frames_of(tmp_path / "two" / "b", 6) == reference
    assert all(complete_frames(tmp_path / "two" / "b" / name) == list(range(6))
               for name in reference)
