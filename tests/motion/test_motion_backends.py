"""The OpenCV and torch backends agree within the stated tolerance; OpenCV needs no torch.

Stated tolerance (resample module docstring): mean absolute difference < 1.0 and 99th percentile
< 4 grey levels on a textured image, for every border and sampling mode.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest

from lib_animation.motion.perspective_flip import PerspectiveFlip
from lib_animation.motion.resample import BORDER_MODES, SAMPLING_MODES
from lib_animation.motion.warp2d import Motion2D, warp_2d
from lib_animation.motion.warp3d import Motion3D, warp_3d

MODES = list(itertools.product(BORDER_MODES, SAMPLING_MODES))


def assert_within_tolerance(a: np.ndarray, b: np.ndarray) -> None:
    diff = np.abs(a.astype(float) - b.astype(float))
    assert diff.mean() < 1.0
    assert np.percentile(diff, 99) < 4


@pytest.fixture
def sharp_texture(make_image):
    return make_image(64, 96, seed=11, blur=0.6)


@pytest.mark.parametrize(("border", "sampling"), MODES)
def test_2d_backends_agree(sharp_texture, border, sampling):
    pytest.importorskip("torch")
    motion = Motion2D(angle=7, zoom=0.9, translation_x=3.3, translation_y=-2.6,
                      transform_center_x=0.4, flip=PerspectiveFlip(5, 10, -8, 53))
    cpu = warp_2d(sharp_texture, motion, border=border, sampling=sampling)
    torch_out = warp_2d(sharp_texture, motion, border=border, sampling=sampling, backend="torch")
    assert_within_tolerance(cpu, torch_out)


@pytest.mark.parametrize(("border", "sampling"), MODES)
def test_3d_backends_agree(sharp_texture, border, sampling):
    pytest.importorskip("torch")
    h, w = sharp_texture.shape[:2]
    rng = np.random.default_rng(4)
    depth = cv2.GaussianBlur(rng.uniform(1, 2, (h, w)).astype(np.float32), (0, 0), 3)
    motion = Motion3D(translation_x=8, translation_y=-5, translation_z=-30, rotation_x=2,
                      rotation_y=-3, rotation_z=6, fov=60, aspect_ratio=1.2,
                      flip=PerspectiveFlip(theta=1, phi=4, gamma=2, fv=60))
    cpu = warp_3d(sharp_texture, depth, motion, border=border, sampling=sampling)
    torch_out = warp_3d(sharp_texture, depth, motion, border=border, sampling=sampling,
                        backend="torch")
    assert_within_tolerance(cpu, torch_out)


def test_torch_backend_takes_a_depth_tensor(sharp_texture):
    torch = pytest.importorskip("torch")
    h, w = sharp_texture.shape[:2]
    depth = np.linspace(1, 2, h * w, dtype=np.float32).reshape(h, w)
    motion = Motion3D(translation_x=5, translation_z=10)
    from_array = warp_3d(sharp_texture, depth, motion, backend="torch", device="cpu")
    from_tensor = warp_3d(sharp_texture, torch.from_numpy(depth), motion, backend="torch")
    assert np.array_equal(from_array, from_tensor)


def test_torch_backend_keeps_float_images(sharp_texture):
    pytest.importorskip("torch")
    image = sharp_texture.astype(np.float32) / 255.0
    motion = Motion2D(angle=3, zoom=1.05)
    cpu = warp_2d(image, motion)
    torch_out = warp_2d(image, motion, backend="torch")
    assert torch_out.dtype == np.float32
    assert np.abs(cpu - torch_out).mean() < 1.0 / 255.0


def test_opencv_path_runs_without_torch():
    script = textwrap.dedent(
        """
        import sys
        sys.modules["torch"] = None  # any "import torch" now raises ImportError
        import numpy as np
        from lib_animation.motion.flow import estimate_flow, warp_by_flow
        from lib_animation.motion.perspective_flip import PerspectiveFlip
        from lib_animation.motion.warp2d import Motion2D, valid_mask_2d, warp_2d
        from lib_animation.motion.warp3d import Motion3D, valid_mask_3d, warp_3d

        image = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
        depth = np.random.default_rng(1).uniform(1, 2, (48, 64)).astype(np.float32)
        warp_2d(image, Motion2D(angle=3, flip=PerspectiveFlip(phi=4)))
        warp_3d(image, depth, Motion3D(translation_z=5, rotation_y=1))
        valid_mask_2d(Motion2D(zoom=0.9), 64, 48)
        valid_mask_3d(depth, Motion3D(translation_x=3))
        warp_by_flow(image, estimate_flow(image, image), 0.5)
        try:
            warp_2d(image, Motion2D(), backend="torch")
        except ImportError:
            print("ok")
        """
    )
    repo_root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=False, timeout=60, cwd=repo_root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
