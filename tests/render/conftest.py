"""Shared helpers for render tests: small runs with the preview host."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lib_animation.host import FrameRequest, PreviewHost
from lib_animation.plan import make_plan
from lib_animation.runs.folder import create_run_folder
from lib_animation.schema import Settings

# Everything that changes pixels besides the motion switched off, so tests can reason exactly.
QUIET = {
    "W": 72, "H": 64, "seed": 5, "noise_schedule": "0:(0)", "contrast_schedule": "0:(1)",
    "amount_schedule": "0:(0)", "color_coherence": "None", "zoom": "0:(1)",
    "video_format": "none",
}  # fmt: skip


class RecordingHost(PreviewHost):
    """The preview host, remembering every request it was given."""

    def __init__(self, stop_after: int | None = None) -> None:
        super().__init__()
        self.seen: list[FrameRequest] = []
        self.stop_after = stop_after

    def generate(self, request: FrameRequest) -> np.ndarray:
        self.seen.append(request)
        if self.stop_after is not None and len(self.seen) >= self.stop_after:
            self.interrupt()
        return super().generate(request)


def new_run(tmp_path: Path, **values) -> Path:
    settings = Settings({**QUIET, **values})
    return create_run_folder(make_plan(settings), tmp_path / "out")


@pytest.fixture
def run_factory(tmp_path):
    def make(**values) -> Path:
        return new_run(tmp_path, **values)

    return make


@pytest.fixture
def make_host():
    return RecordingHost
