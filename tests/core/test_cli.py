"""The command line: validate, plan, plot, docs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PIL import Image

from lib_animation.cli import main
from lib_animation.presets import SHIPPED_PRESETS

ROOT = Path(__file__).resolve().parents[2]


def _write(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_validate_accepts_every_shipped_preset_but_asks_for_the_video_to_restyle(capsys):
    presets = sorted(str(p) for p in SHIPPED_PRESETS.glob("*.json"))
    needs_video = str(SHIPPED_PRESETS / "video-input-restyle.json")
    assert main(["validate", *presets]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err.count(f"{needs_video}: valid") == 0
    assert sum(line.endswith(": valid") for line in err) == len(presets) - 1
    problems = [line for line in err if not line.endswith(": valid")]
    assert len(problems) == 1
    assert problems[0].startswith(f"{needs_video}: video_init_path: video file not found")


def test_validate_prints_one_line_per_problem_with_location(tmp_path, capsys):
    bad = _write(tmp_path / "bad.json", {"zoom": "0:(1), 10:(1+tt)", "fps": "fast"})
    good = _write(tmp_path / "good.json", {"max_frames": 5})
    assert main(["validate", str(good), str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert f"{good}: valid" in err
    problems = [line for line in err if line.startswith(str(bad))]
    assert len(problems) == 2
    assert f"{bad}: zoom, keyframe 2, column 14: unknown name 'tt' (did you mean t?)" in problems
    assert all("Traceback" not in line for line in err)


def test_plan_json_prints_every_frame(tmp_path, capsys):
    path = _write(tmp_path / "p.json", {"max_frames": 4, "seed": 10, "diffusion_cadence": 1,
                                        "seed_behavior": "ladder"})
    assert main(["plan", str(path), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["max_frames"] == 4
    assert plan["seeds"] == [10, 12, 11, 13]
    assert len(plan["values"]["zoom"]) == 4


def test_plot_writes_one_panel_per_changing_schedule(tmp_path, capsys):
    path = _write(tmp_path / "p.json", {"max_frames": 30, "angle": "0:(0), 29:(3)"})
    out = tmp_path / "curves.png"
    assert main(["plot", str(path), "-o", str(out)]) == 0
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.height > 200


def test_module_entry_point_runs_with_help():
    done = subprocess.run([sys.executable, "-m", "lib_animation", "validate", "--help"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0
    assert "exit status 0" in done.stdout


def test_readme_generated_sections_are_current():
    from lib_animation.docs import with_generated_sections

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    current = with_generated_sections(readme)
    assert current == readme, "run: python -m lib_animation docs --write README.md"
    assert "| `zoom` |" in readme and "ease_in_out" in readme


def test_presets_are_listed_saved_and_usable_by_name(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KEYFRAMES_PRESETS", str(tmp_path / "mine"))
    source = _write(tmp_path / "s.json", {"max_frames": 7, "zoom": "0:(1.2)"})
    assert main(["presets", "--save", "big zoom", str(source), "--description", "mine"]) == 0
    assert main(["presets"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert any(line.startswith("big zoom") and "yours" in line for line in listing)
    assert sum("shipped" in line for line in listing) >= 6
    assert main(["plan", "big zoom", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["max_frames"] == 7
    assert main(["validate", "2d-zoom-rotate"]) == 0
    assert main(["validate", "no-such-preset"]) == 2
    assert "no such settings file or preset" in capsys.readouterr().err


def _run(*arguments: str, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib_animation", *arguments], cwd=ROOT,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60)


def test_plot_refuses_formats_and_folders_in_one_line_and_says_what_it_wrote(tmp_path, capsys):
    assert main(["plot", "2d-zoom-rotate", "-o", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write a plot as .txt" in err[0]
    assert main(["plot", "2d-zoom-rotate", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a folder" in err[0]
    assert main(["plot", "2d-zoom-rotate", "-o", str(tmp_path / "curves")]) == 0
    assert capsys.readouterr().err.strip() == f"wrote {tmp_path / 'curves.png'}"
    assert (tmp_path / "curves.png").is_file()


def test_plan_into_a_closed_pipe_or_a_full_disk_is_no_traceback():
    reader = subprocess.Popen([sys.executable, "-m", "lib_animation", "plan",
                               "2d-zoom-rotate", "--json"], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert reader.stdout.read(100)
    reader.stdout.close()
    assert reader.wait(timeout=60) == 2
    assert b"Traceback" not in reader.stderr.read()
    if Path("/dev/full").exists():
        with open("/dev/full", "w") as full:
            done = _run("plan", "2d-zoom-rotate", "--json", stdout=full)
        assert done.returncode == 2
        assert done.stderr.strip() == "cannot write the output: No space left on device"
