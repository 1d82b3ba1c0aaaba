"""`validate` checks the input files `render` reads, and `render` checks them before it makes a
run folder: a missing or unusable file is one line and leaves nothing behind."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib_animation.cli import main
from tests.inputs.media_files import encode_video

SMALL = {"W": 64, "H": 64, "max_frames": 3, "video_format": "none"}


def _silent_video(path: Path) -> Path:
    return encode_video(path, [np.zeros((64, 64, 3), np.uint8)] * 3, pix_fmt="yuv420p",
                        lossless=False)


def _cases(tmp_path: Path) -> dict[str, tuple[dict, str]]:
    image = tmp_path / "ok.png"
    Image.new("RGB", (64, 64), "grey").save(image)
    text = tmp_path / "notes.mp3"
    text.write_text("these are not sounds")
    missing = str(tmp_path / "gone.png")
    return {
        "video": ({"animation_mode": "Video Input", "video_init_path": str(tmp_path / "gone.mp4")},
                  "video_init_path: video file not found"),
        "init image": ({"use_init": True, "init_image": missing},
                       "init_image: image file not found"),
        "mask": ({"use_mask": True, "mask_file": missing, "use_init": True,
                  "init_image": str(image)}, "mask_file: image file not found"),
        "colour reference": ({"color_coherence": "Image",
                              "color_coherence_image_path": missing},
                             "color_coherence_image_path: image file not found"),
        "soundtrack": ({"video_format": "mp4", "add_soundtrack": "File",
                        "soundtrack_path": str(tmp_path / "gone.wav")},
                       "soundtrack_path: soundtrack file not found"),
        "text as soundtrack": ({"video_format": "mp4", "add_soundtrack": "File",
                                "soundtrack_path": str(text)},
                               "soundtrack_path: cannot read soundtrack"),
        "video as soundtrack": ({"video_format": "mp4", "add_soundtrack": "File",
                                 "soundtrack_path": str(_silent_video(tmp_path / "quiet.mp4"))},
                                "has no audio"),
    }


CASES = ["video", "init image", "mask", "colour reference", "soundtrack", "text as soundtrack",
         "video as soundtrack"]


@pytest.mark.parametrize("case", CASES)
def test_validate_and_render_refuse_a_bad_input_file_before_any_folder(tmp_path, capsys, case):
    values, expected = _cases(tmp_path)[case]
    file = tmp_path / "s.json"
    file.write_text(json.dumps({**SMALL, **values}))
    assert main(["validate", str(file)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert expected in err[0]
    out = tmp_path / "out"
    assert main(["render", str(file), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0]
    assert not out.exists() or list(out.iterdir()) == []
