"""What the command line prints: one clean line per problem, nothing the user did not write."""

from __future__ import annotations

import json

from lib_animation.cli import main


def _write(path, data):
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


def test_a_huge_number_states_the_limit_without_pythons_advice(tmp_path, capsys):
    file = _write(tmp_path / "big.json", '{"max_frames": ' + "9" * 5000 + "}")
    assert main(["validate", file]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "more than 4300 digits" in line and "sys." not in line


def test_control_characters_never_reach_the_terminal(tmp_path, capsys):
    name = str(tmp_path / "\x1b[2Jclear\x07.json")
    assert main(["validate", name]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\x1b[2Jclear\\x07" in err


def test_the_example_prompts_of_a_short_file_raise_no_warnings(tmp_path, capsys):
    file = _write(tmp_path / "short.json", {"max_frames": 20})
    assert main(["validate", file]) == 0
    assert capsys.readouterr().err.strip().splitlines() == [f"{file}: valid"]
    own = _write(tmp_path / "own.json", {"max_frames": 20, "animation_prompts": {"0": "a",
                                                                                  "50": "b"}})
    assert main(["validate", own]) == 0
    assert "after the last frame" in capsys.readouterr().err


def test_plan_text_shows_only_what_the_mode_reads_and_seeds_as_integers(tmp_path, capsys):
    flat = _write(tmp_path / "2d.json", {"max_frames": 10, "seed": 4000000000,
                                         "seed_behavior": "schedule"})
    assert main(["plan", flat]) == 0
    text = capsys.readouterr().out
    assert "  zoom:" in text and "translation_z" not in text and "fov_schedule" not in text
    assert "seed_schedule: -1 .. 4000000000" in text and "e+" not in text
    deep = _write(tmp_path / "3d.json", {"max_frames": 10, "animation_mode": "3D"})
    assert main(["plan", deep]) == 0
    text = capsys.readouterr().out
    assert "translation_z" in text and "  zoom:" not in text and "seed_schedule" not in text


def test_video_and_report_show_their_own_progress(tmp_path, capsys):
    file = _write(tmp_path / "r.json", {"max_frames": 6, "W": 64, "H": 64, "seed": 1})
    assert main(["render", file, "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "mp4 video: frame 6/6" in err and "quality report: frame 6/6" in err
    assert err.index("mp4 video: frame 6/6") < err.index("rendered 6 frames")
