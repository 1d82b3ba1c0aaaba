"""One FrameMotion from the plan: the camera move of one frame of a 2D or 3D run, in numbers."""

from __future__ import annotations

from lib_animation.motion.frame_motion import FrameMotion
from lib_animation.motion.perspective_flip import PerspectiveFlip
from lib_animation.motion.warp2d import Motion2D
from lib_animation.motion.warp3d import Motion3D
from lib_animation.plan import FramePlan
from lib_animation.schema import NAME, Mode

SAMPLING_2D = "bilinear"


def frame_motion(plan: FramePlan, frame: int) -> FrameMotion:
    """What moves the image into `frame`: a 3D run's camera with the 3D border and sampling
    settings, or a 2D run's move."""
    settings = plan.settings
    if settings.animation_mode == Mode.THREE_D:
        return FrameMotion(_camera_3d(plan, frame), settings.padding_mode, settings.sampling_mode)
    return FrameMotion(_camera_2d(plan, frame), settings.border, SAMPLING_2D)


def _camera_2d(plan: FramePlan, frame: int) -> Motion2D:
    value = plan.value
    return Motion2D(
        angle=value(NAME.angle, frame),
        zoom=value(NAME.zoom, frame),
        translation_x=value(NAME.translation_x, frame),
        translation_y=value(NAME.translation_y, frame),
        transform_center_x=value(NAME.transform_center_x, frame),
        transform_center_y=value(NAME.transform_center_y, frame),
        flip=_flip(plan, frame),
    )


def _camera_3d(plan: FramePlan, frame: int) -> Motion3D:
    value = plan.value
    settings = plan.settings
    aspect = (
        settings.W / settings.H
        if settings.aspect_ratio_use_old_formula
        else value(NAME.aspect_ratio_schedule, frame)
    )
    return Motion3D(
        translation_x=value(NAME.translation_x, frame),
        translation_y=value(NAME.translation_y, frame),
        translation_z=value(NAME.translation_z, frame),
        rotation_x=value(NAME.rotation_3d_x, frame),
        rotation_y=value(NAME.rotation_3d_y, frame),
        rotation_z=value(NAME.rotation_3d_z, frame),
        fov=value(NAME.fov_schedule, frame),
        aspect_ratio=aspect,
        flip=_flip(plan, frame),
        camera_model=settings.camera_model,
    )


def _flip(plan: FramePlan, frame: int) -> PerspectiveFlip | None:
    if not plan.settings.enable_perspective_flip:
        return None
    value = plan.value
    return PerspectiveFlip(
        theta=value(NAME.perspective_flip_theta, frame),
        phi=value(NAME.perspective_flip_phi, frame),
        gamma=value(NAME.perspective_flip_gamma, frame),
        fv=value(NAME.perspective_flip_fv, frame),
    )
