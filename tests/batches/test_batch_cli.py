"""`python -m lib_animation batch` with the preview host: runs, folders, summary, contact
sheet, the run limit, checks before the first frame, and resume."""

from __future__ import annotations

import json
import threading

import pytest
from PIL import Image

from lib_animation.batches import create_batch_folder, load_batch_file, run_on_workers
from lib_animation.batches.contact_sheet import THUMB_WIDTH, picked_frames
from lib_animation.batches.execute import Worker
from lib_animation.cli import main
from lib_animation.host import PreviewHost
from lib_animation.png_frames import complete_frames, frame_path


def _frames(folder, count):
    return [frame_path(folder, index).read_bytes() for index in range(count)]


def test_a_sweep_renders_each_run_like_a_single_render_with_its_values(tmp_path, small_file,
                                                                        capsys):
    file = small_file()
    out = tmp_path / "out"
    assert main(["batch", file, "--sweep", "seed=3,4", "--sweep",
                 'strength_schedule=["0:(0.5)", "0:(0.7)"]', "--out", str(out),
                 "--name", "b", "--no-report"]) == 0, capsys.readouterr().err
    batch = out / "b"
    names = sorted(path.name for path in batch.iterdir() if path.is_dir())
    assert names == ["1_seed=3_strength_schedule=0.5", "2_seed=3_strength_schedule=0.7",
                     "3_seed=4_strength_schedule=0.5", "4_seed=4_strength_schedule=0.7"]
    # The independent route: `render` of the same file with the run's values written in.
    single = small_file("single.json", seed=4, strength_schedule="0:(0.7)", batch_name="one")
    assert main(["render", single, "--out", str(tmp_path / "single"), "--no-report"]) == 0
    assert _frames(batch / names[3], 4) == _frames(tmp_path / "single" / "one", 4)
    summary = json.loads((batch / "summary.json").read_text())
    assert summary["finished"] == summary["total"] == 4
    assert summary["runs"][2]["varied"] == {"seed": 4, "strength_schedule": "0:(0.5)"}
    assert "4 of 4 runs finished" in (batch / "summary.txt").read_text()
    assert len(load_batch_file(batch / "batch.json").items) == 4
    with Image.open(batch / "contact-sheet.png") as sheet:
        assert sheet.width == 3 * THUMB_WIDTH + 32
        assert sheet.height > 4 * THUMB_WIDTH


def test_the_contact_sheet_shows_first_middle_and_last_frames():
    assert picked_frames(120) == [0, 59, 119]
    assert picked_frames(2) == [0, 1]
    assert picked_frames(0) == []


def test_more_runs_than_the_limit_need_yes_and_nothing_is_made_without(tmp_path, small_file,
                                                                       capsys):
    file = small_file(max_frames=1)
    out = tmp_path / "out"
    arguments = ["batch", file, "--sweep", "seed=1,2,3", "--max-runs", "2", "--out", str(out),
                 "--no-report"]
    assert main(arguments) == 2
    assert "the batch makes 3 runs, more than --max-runs 2; add --yes" in capsys.readouterr().err
    assert not out.exists()
    assert main([*arguments, "--yes"]) == 0


def test_every_run_is_checked_before_the_first_frame(tmp_path, small_file, capsys):
    good = small_file("good.json")
    bad = small_file("bad.json", use_init=True, init_image="missing.png")
    out = tmp_path / "out"
    assert main(["batch", good, bad, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2_source=bad" in err[0] and "missing.png" in err[0]
    assert not out.exists()


def test_a_stopped_batch_resumes_finished_runs_skipped_and_partial_ones_from_frames(
        tmp_path, small_file, capsys):
    file = small_file(max_frames=6)
    whole = tmp_path / "whole"
    arguments = ["batch", file, "--sweep", "seed=1,2,3", "--no-report"]
    assert main([*arguments, "--out", str(whole), "--name", "b"]) == 0
    capsys.readouterr()
    # The same batch stopped in its second run, as Ctrl-C does.
    spec = load_batch_file(whole / "b" / "batch.json")
    cut = create_batch_folder(spec, tmp_path / "cut", "b")
    stop = threading.Event()

    def stop_in_second_run(name, progress):
        if name.startswith("2_") and progress.done == 3:
            stop.set()

    outcomes = run_on_workers(spec.items, cut, [Worker("preview", PreviewHost)], report=False,
                              on_progress=stop_in_second_run, stop=stop)
    assert [outcomes[item.name].status for item in spec.items] == [
        "finished", "interrupted", "not run"]
    assert complete_frames(cut / spec.items[1].name) == [0, 1, 2]
    assert main(["batch", "--resume", str(cut), "--no-report"]) == 0
    err = capsys.readouterr().err
    assert f"{spec.items[0].name} skipped" in err
    summary = json.loads((cut / "summary.json").read_text())
    assert [run["this_session"] for run in summary["runs"]] == ["skipped", "finished",
                                                                 "finished"]
    assert summary["runs"][1]["resumed"] is True
    for item in spec.items:
        assert _frames(cut / item.name, 6) == _frames(whole / "b" / item.name, 6)


@pytest.mark.parametrize(("arguments", "message"), [
    (["--resume", "x", "--sweep", "seed=1"], "--resume continues a batch as it was made"),
    (["--host", "preview", "--url", "http://127.0.0.1:1"], "--url, --api-auth and --ray"),
    (["--zip"], "--zip pairs --sweep values"),
    (["--sweep", "seed"], "--sweep 'seed': write NAME=V1,V2"),
    (["--sweep", "seeds=1,2"], "seeds: not a Keyframes setting (did you mean seed?)"),
])
def test_batch_options_that_cannot_work_are_one_line(tmp_path, small_file, capsys, arguments,
                                                      message):
    file = small_file()
    command = ["batch", *([] if "--resume" in arguments else [file]), *arguments,
               "--out" if "--resume" not in arguments else "--name", str(tmp_path / "o")]
    assert main(command) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_resume_needs_a_batch_folder(tmp_path, capsys):
    assert main(["batch", "--resume", str(tmp_path)]) == 2
    assert "is not a Keyframes batch folder" in capsys.readouterr().err


def test_ray_without_ray_installed_says_how_to_install_it(tmp_path, small_file, capsys,
                                                          monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)
    assert main(["batch", small_file(), "--host", "webui", "--url", "http://127.0.0.1:9",
                 "--ray", "local", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "--ray needs Ray, which is not installed" in err
    assert "pip install -e '.[ray]'" in err


def test_a_deforum_file_in_batch_mode_renders_the_files_it_lists(tmp_path, small_file, capsys):
    from lib_animation.settings_files import load_settings
    from tests.batches.conftest import SMALL

    small_file("first.txt", seed=1)
    second = small_file("second.txt", seed=2)
    deforum = tmp_path / "deforum.txt"
    # Deforum records the paths its upload box kept; the files are found beside this one.
    deforum.write_text(json.dumps({**SMALL, "override_settings_with_file": True,
                                   "custom_settings_file": ["/tmp/gradio/x/first.txt",
                                                            str(second)]}))
    assert main(["batch", str(deforum), "--out", str(tmp_path / "out"), "--name", "d",
                 "--no-report"]) == 0, capsys.readouterr().err
    runs = sorted(path.name for path in (tmp_path / "out" / "d").iterdir() if path.is_dir())
    assert runs == ["1_source=first", "2_source=second"]
    settings = json.loads((tmp_path / "out" / "d" / runs[1] / "settings.json").read_text())
    assert settings["settings"]["seed"] == 2
    warnings = load_settings(deforum).warnings
    assert any("render them with `python -m lib_animation batch`" in line for line in warnings)
    assert not any("not supported" in line or "custom_settings_file" in line.split(":")[0]
                   for line in warnings)
    plain = tmp_path / "plain.txt"
    plain.write_text(json.dumps({**SMALL, "override_settings_with_file": False,
                                 "custom_settings_file": None}))
    assert load_settings(plain).warnings == ()


def test_the_contact_sheet_labels_any_text_and_greys_frames_not_made(tmp_path):
    from lib_animation.batches import BaseSettings, Sweep, expand, write_contact_sheet
    from lib_animation.schema import Settings

    items = expand([BaseSettings("a", Settings())],
                   Sweep({"animation_prompts": ({"0": "猫 ⟶ cat"}, {"0": "a fox"})}))
    sheet = write_contact_sheet(tmp_path, items)
    with Image.open(sheet) as image:
        assert image.width == 3 * THUMB_WIDTH + 32
        assert image.getpixel((THUMB_WIDTH // 2, 8 + 16 + 10)) == (64, 64, 64)
