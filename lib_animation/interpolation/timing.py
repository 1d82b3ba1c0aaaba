"""How many frames interpolation makes and how fast they play.

Deforum's rule (its RIFE and FILM paths agree on it for runs of more than a few frames): every
pair of neighbouring frames gets x-1 new frames between them, so n frames become x*(n-1)+1 and
the video plays at fps*x (divided by the slow-motion amount when slow motion is on).
"""

from __future__ import annotations

from lib_animation.errors import RenderError

MAX_VIDEO_FPS = 240  # output/video.py's limit; checked here before any frame is made


def interpolated_count(frame_count: int, x_amount: int) -> int:
    """Frames after interpolating `frame_count` frames `x_amount` times."""
    if frame_count <= 0:
        return 0
    return x_amount * (frame_count - 1) + 1


def between_times(x_amount: int) -> tuple[float, ...]:
    """The times (0 < t < 1) of the new frames between two neighbours."""
    return tuple(step / x_amount for step in range(1, x_amount))


def interpolated_fps(fps: float, x_amount: int, slow_motion: int | None) -> float:
    """The interpolated video's fps: x times the run's, divided by the slow-motion amount."""
    return fps * x_amount / (slow_motion or 1)


def check_interpolated_fps(fps: float, x_amount: int, slow_motion: int | None) -> None:
    """One line when the interpolated video would play faster than a video can hold."""
    out = interpolated_fps(fps, x_amount, slow_motion)
    if out > MAX_VIDEO_FPS:
        raise RenderError(
            f"frame_interpolation_x_amount {x_amount} at {fps:g} fps gives a {out:g} fps video, "
            f"more than the {MAX_VIDEO_FPS} a video can hold",
            hint="use a smaller x amount, a lower fps, or slow motion",
        )
