"""Shipped presets, rendered small with the preview host, give the frame files and the quality
report they gave when `data/preset_digests.json` was recorded: a change that should move no pixel
(a refactoring) and moves one, or changes one number of a report, fails here."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib_animation.host import PreviewHost
from lib_animation.output.report import REPORT_JSON
from lib_animation.presets import load_preset
from lib_animation.runs import finish_run, render_run, start_run

DIGESTS = Path(__file__).parent / "data" / "preset_digests.json"
SMALL = {"W": 96, "H": 64, "seed": 4242, "video_format": "none", "batch_name": "golden"}
FLIP = {
    "enable_perspective_flip": True, "perspective_flip_theta": "0:(2*sin(t/4))",
    "perspective_flip_phi": "0:(3)", "perspective_flip_gamma": "0:(-2)",
}  # fmt: skip
CASES = {
    "2d-zoom-rotate": ("2d-zoom-rotate", {"max_frames": 12}),
    "3d-fly-through": ("3d-fly-through", {"max_frames": 10, "save_depth_maps": True}),
    "2d-zoom-rotate-flipped": ("2d-zoom-rotate", {"max_frames": 7, **FLIP}),
    "3d-fly-through-flipped": ("3d-fly-through", {"max_frames": 7, **FLIP}),
}


def render_digests(preset: str, changes: dict[str, object], out: Path) -> dict[str, object]:
    """sha256 of the pixels of every PNG the run wrote (frames and depth maps) and of its
    report's numbers."""
    settings = load_preset(preset).settings.replace(**SMALL, **changes)
    host = PreviewHost()
    run = start_run(settings, out, host, stamp="golden")
    render_run(run, host)
    finish_run(run)
    frames = {path.name: _pixels_sha256(path) for path in sorted(run.folder.glob("*_*.png"))}
    report = json.loads((run.folder / REPORT_JSON).read_text(encoding="utf-8"))
    return {"frames": frames, "report": _sha256(json.dumps(report, sort_keys=True).encode())}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _pixels_sha256(path: Path) -> str:
    """The digest of a PNG's decoded pixels and their shape, whatever its compression."""
    with Image.open(path) as image:
        pixels = np.asarray(image)
    return _sha256(repr(pixels.shape).encode() + pixels.tobytes())


@pytest.mark.parametrize("case", sorted(CASES))
def test_presets_render_to_the_recorded_frames_and_report(case, tmp_path):
    preset, changes = CASES[case]
    expected = json.loads(DIGESTS.read_text(encoding="utf-8"))[case]
    got = render_digests(preset, changes, tmp_path)
    assert sorted(got["frames"]) == sorted(expected["frames"])
    changed = [name for name, digest in expected["frames"].items()
               if got["frames"][name] != digest]
    assert changed == [], f"frames that differ from the recorded ones: {changed}"
    assert got["report"] == expected["report"]
