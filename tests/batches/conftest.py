"""Small batch settings shared by the batch tests."""

from __future__ import annotations

import json

import pytest

SMALL = {"animation_mode": "2D", "max_frames": 4, "W": 64, "H": 64, "seed": 7,
         "diffusion_cadence": 1, "video_format": "none", "zoom": "0:(1.02)",
         "sampler": "Euler a", "animation_prompts": {"0": "a lighthouse"}}


@pytest.fixture
def small_file(tmp_path):
    def write(name: str = "small.json", **values) -> str:
        path = tmp_path / name
        path.write_text(json.dumps({**SMALL, **values}))
        return str(path)

    return write
