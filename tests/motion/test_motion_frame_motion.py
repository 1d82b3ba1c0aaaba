"""A run's motion moved forward then back: what cadence tweens see.

Each tween cross-fades the previous diffused frame moved forward with the next one moved back, so
`backward(forward(x))` must land on `x`, or the two images disagree and the tween ghosts.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lib_animation.frame_motions import frame_motion
from lib_animation.motion.frame_motion import FrameMotion, FrameWarper
from lib_animation.motion.warp3d import Motion3D, warp_3d
from lib_animation.plan import make_plan
from lib_animation.schema import Settings

from .conftest import make_texture

MODES = [("2D", "deforum"), ("3D", "deforum"), ("3D", "pinhole")]
IMAGE = make_texture(96, 128, seed=2, blur=2.0)
WARPER = FrameWarper()


def _motion(mode: str, camera_model: str, values: dict[str, float], flip: bool) -> FrameMotion:
    chosen = {
        "animation_mode": mode, "camera_model": camera_model, "max_frames": 2,
        "border": "zeros", "padding_mode": "zeros", "enable_perspective_flip": flip,
    }  # fmt: skip
    chosen.update({name: f"0:({value})" for name, value in values.items()})
    return frame_motion(make_plan(Settings(chosen)), 1)


def _round_trip_error(motion: FrameMotion, depth: np.ndarray | None) -> tuple[float, float]:
    """Mean error of backward(forward(x)) where both moves saw the frame, and that area."""
    moved = WARPER.forward(IMAGE, depth, motion)
    back = WARPER.backward(moved, depth, motion)
    seen = WARPER.valid_mask(IMAGE, depth, motion).astype(np.float32)
    kept = WARPER.backward(seen, depth, motion) > 0.999
    kept = cv2.erode(kept.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    error = np.abs(back.astype(int) - IMAGE.astype(int)).mean(axis=-1)
    return float(error[kept].mean()) if kept.any() else 0.0, float(kept.mean())


_flip = st.fixed_dictionaries({
    "perspective_flip_theta": st.floats(-40, 40),
    "perspective_flip_phi": st.floats(-40, 40),
    "perspective_flip_gamma": st.floats(-40, 40),
    "perspective_flip_fv": st.floats(40, 120),
})  # fmt: skip
_move = st.fixed_dictionaries({
    "angle": st.floats(-3, 3), "zoom": st.floats(0.97, 1.03),
    "translation_x": st.floats(-4, 4), "translation_y": st.floats(-4, 4),
    "translation_z": st.floats(-8, 8), "rotation_3d_x": st.floats(-2, 2),
    "rotation_3d_y": st.floats(-2, 2), "rotation_3d_z": st.floats(-2, 2),
    "fov_schedule": st.floats(40, 100),
})  # fmt: skip


@pytest.mark.parametrize(("mode", "camera_model"), MODES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flip=_flip, move=_move, ramp=st.booleans())
def test_backward_undoes_forward_with_the_perspective_flip_on(mode, camera_model, flip, move,
                                                              ramp):
    motion = _motion(mode, camera_model, {**flip, **move}, flip=True)
    height, width = IMAGE.shape[:2]
    depth = np.tile(np.linspace(1, 1.5, width, dtype=np.float32), (height, 1)) if ramp else None
    error, area = _round_trip_error(motion, depth)
    assume(area > 0.1)
    assert error < 2.5


@pytest.mark.parametrize(("mode", "camera_model"), MODES)
def test_strong_flip_round_trip_is_far_closer_than_the_forward_move(mode, camera_model):
    values = {"perspective_flip_theta": 40, "perspective_flip_phi": 40,
              "perspective_flip_gamma": 40, "translation_x": 3, "translation_z": 6,
              "rotation_3d_y": 1.5, "angle": 1, "zoom": 1.02}
    motion = _motion(mode, camera_model, values, flip=True)
    error, area = _round_trip_error(motion, None)
    forward = np.abs(WARPER.forward(IMAGE, None, motion).astype(int) - IMAGE.astype(int)).mean()
    assert area > 0.5
    assert error < 1.5
    assert forward > 20 * error


def test_a_frames_motion_holds_that_frames_numbers_and_the_modes_sampling():
    plan = make_plan(Settings({
        "animation_mode": "3D", "max_frames": 3, "translation_z": "0:(t)", "fov_schedule": "0:(50)",
        "padding_mode": "reflect", "sampling_mode": "nearest", "aspect_ratio_use_old_formula": True,
        "W": 128, "H": 64,
    }))  # fmt: skip
    motion = frame_motion(plan, 2)
    assert (motion.border, motion.sampling) == ("reflect", "nearest")
    assert (motion.camera.translation_z, motion.camera.fov) == (2.0, 50.0)
    assert motion.camera.aspect_ratio == 2.0 and motion.camera.flip is None
    flat = plan.settings.replace(animation_mode="2D", border="wrap", zoom="0:(1.5)")
    motion = frame_motion(make_plan(flat), 1)
    assert (motion.border, motion.sampling, motion.camera.zoom) == ("wrap", "bilinear", 1.5)


def test_a_depth_map_travels_with_its_image_and_a_flat_one_stays_flat():
    warper = FrameWarper()
    motion = FrameMotion(Motion3D(translation_x=8, translation_z=-15, rotation_y=4),
                         "replicate", "bicubic")
    flat = np.full((32, 48), 2.0, np.float32)
    assert np.array_equal(warper.forward_depth(flat, motion), flat)
    # The general path gives the same for a flat map: every sample, border included, is 2.
    assert np.array_equal(warp_3d(flat, flat, motion.camera, sampling="nearest"), flat)
    sloped = np.tile(np.linspace(1.0, 3.0, 48, dtype=np.float32), (32, 1))
    assert not np.array_equal(warper.forward_depth(sloped, motion), sloped)
