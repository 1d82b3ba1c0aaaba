"""A frame-writing process killed with SIGKILL leaves only whole frames counted as complete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib_animation.png_frames import complete_frames

REPO = Path(__file__).resolve().parents[2]

WRITER_SCRIPT = """
import os, stat, sys, time
import numpy as np
from lib_animation.output.frames import FrameWriter

folder, slow_disk = sys.argv[1], sys.argv[2] == "slow"
if slow_disk:  # a slow fsync of the frame data keeps each temp file around for a while
    real_fsync = os.fsync
    def fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):
            time.sleep(0.3)
        real_fsync(fd)
    os.fsync = fsync
with FrameWriter(folder, max_pending=2) as writer:
    for index in range(100_000):
        rng = np.random.default_rng(index)
        writer.submit(index, rng.integers(0, 256, (256, 320, 3), dtype=np.uint8))
"""


def expected_frame(index: int) -> np.ndarray:
    return np.random.default_rng(index).integers(0, 256, (256, 320, 3), dtype=np.uint8)


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def wait_for(condition, process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 60
    while not condition():
        assert process.poll() is None, "writer process died on its own"
        assert time.monotonic() < deadline, "writer process made no progress"
        time.sleep(0.005)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
@pytest.mark.parametrize("disk", ["fast", "slow"])
def test_sigkill_mid_run_leaves_only_whole_frames(tmp_path: Path, disk: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-c", WRITER_SCRIPT, str(tmp_path), disk]
    process = subprocess.Popen(command, env=env)
    try:
        wait_for(lambda: len(list(tmp_path.glob("frame_*.png"))) >= 3, process)
        if disk == "slow":  # kill while a frame is half-way: written to its temp name only
            wait_for(lambda: bool(temp_files(tmp_path)), process)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL

    complete = complete_frames(tmp_path)
    assert len(complete) >= 3
    for index in complete:
        with Image.open(tmp_path / f"frame_{index:06d}.png") as image:
            image.load()
            np.testing.assert_array_equal(np.asarray(image), expected_frame(index))
    leftovers = temp_files(tmp_path)
    assert all(name.startswith(".frame_") and name.endswith(".tmp") for name in leftovers)
    if disk == "slow":
        assert leftovers, "the kill was meant to leave a temp file behind"
        assert len(complete) + len(leftovers) == len(list(tmp_path.iterdir()))
    # One writer thread writes in order: the complete frames form a prefix with no holes.
    assert complete == list(range(len(complete)))
