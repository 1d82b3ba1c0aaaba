"""A resume cannot be misled: the run folder records what its frames were made from, an edited
settings file either continues consistently or is refused with one line, one process renders a
folder at a time, and leftovers of a kill are cleaned up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lib_animation.cli import main
from lib_animation.errors import RenderError
from lib_animation.host import PreviewHost
from lib_animation.png_frames import complete_frames, frame_path
from lib_animation.runs import open_run, read_run_state, render_run
from lib_animation.runs.lock import RunLock

BASE = {
    "W": 64, "H": 64, "seed": 7, "max_frames": 12, "diffusion_cadence": 4,
    "translation_x": "0:(2)", "zoom": "0:(1.01)", "noise_schedule": "0:(0.03)",
    "color_coherence": "LAB", "video_format": "none", "batch_name": "walk",
}  # fmt: skip


def _render(tmp_path: Path, name: str, **values) -> Path:
    file = tmp_path / f"{name}.json"
    file.write_text(json.dumps({**BASE, "batch_name": name, **values}))
    assert main(["render", str(file), "--out", str(tmp_path / "out"), "--no-report"]) == 0
    return tmp_path / "out" / name


def _edit(folder: Path, **values) -> None:
    path = folder / "settings.json"
    document = json.loads(path.read_text())
    document["settings"].update(values)
    path.write_text(json.dumps(document))


def _frames(folder: Path, count: int) -> list[bytes]:
    return [frame_path(folder, index).read_bytes() for index in range(count)]


def test_a_shorter_max_frames_finishes_at_the_new_length(tmp_path, capsys):
    run = _render(tmp_path, "long")
    _edit(run, max_frames=7)
    assert main(["render", "--resume", str(run), "--no-report"]) == 0, capsys.readouterr().err
    fresh = _render(tmp_path, "short", max_frames=7)
    assert _frames(run, 7) == _frames(fresh, 7)
    state = read_run_state(run)
    assert (state.status, state.total_frames, state.frames_done) == ("finished", 7, 7)
    assert main(["render", "--resume", str(run), "--no-report"]) == 0


def test_a_longer_max_frames_renders_on_and_resumes_again(tmp_path, capsys):
    run = _render(tmp_path, "grow", max_frames=6)
    _edit(run, max_frames=14)
    assert main(["render", "--resume", str(run), "--no-report"]) == 0, capsys.readouterr().err
    fresh = _render(tmp_path, "fresh", max_frames=14)
    assert complete_frames(run) == list(range(14))
    assert _frames(run, 14) == _frames(fresh, 14)
    capsys.readouterr()
    assert main(["render", "--resume", str(run), "--no-report"]) == 0, capsys.readouterr().err


@pytest.mark.parametrize(("setting", "value"), [("W", 128), ("translation_x", "0:(5)"),
                                                ("seed", 8), ("diffusion_cadence", 2)])
def test_an_edit_the_frames_cannot_follow_is_refused_naming_the_setting(tmp_path, capsys,
                                                                         setting, value):
    run = _render(tmp_path, "edited")
    before = _frames(run, 12)
    _edit(run, **{setting: value})
    capsys.readouterr()
    assert main(["render", "--resume", str(run)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert f"settings.json: {setting} changed from" in err[0]
    assert "render the edited settings file as a new run" in err[0]
    assert _frames(run, 12) == before


def test_a_run_folder_renders_in_one_process_at_a_time(tmp_path):
    run = _render(tmp_path, "busy", max_frames=4)
    _edit(run, max_frames=8)
    host = PreviewHost()
    opened = open_run(run, host)
    with RunLock(run), pytest.raises(RenderError, match=r"is being rendered by process \d+"):
        render_run(opened, host)
    assert complete_frames(run) == list(range(4))
    assert render_run(opened, host).completed == 8


def test_leftovers_of_a_killed_write_are_removed_when_the_run_resumes(tmp_path):
    run = _render(tmp_path, "tidy", max_frames=4)
    leftover = run / ".frame_00003.png.0123456789abcdef.tmp"
    leftover.write_bytes(b"half a frame")
    _edit(run, max_frames=5)
    assert main(["render", "--resume", str(run), "--no-report"]) == 0
    assert not leftover.exists()


def test_resuming_a_folder_that_does_not_exist_says_so(tmp_path, capsys):
    assert main(["render", "--resume", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"{tmp_path / 'nope'}: no such run folder (give the folder a render made)"]
