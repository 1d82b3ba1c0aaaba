"""Perspective flip: the frame as a card rotated in 3D in front of a pinhole camera.

Geometry (as Deforum's "perspective flip"): the frame lies in the plane z = 0 with its centre on
the optical axis, at distance h = d / (2 sin(fv/2)) from the camera, where d = sqrt(W^2 + H^2)
and fv is the vanishing-point field of view in degrees (smaller fv: a longer lens, flatter
perspective; Deforum recommends 30-160). At zero angles the camera sees the frame exactly 1:1.
The card is rotated by R = Rx(phi) Ry(gamma) Rz(theta) about its centre and re-projected.

Axes are the image's: +x right, +y down, +z toward the viewer. Visible effect of positive angles:

- ``theta``: rotation in the image plane, clockwise on screen (the opposite of 2D ``angle``).
- ``phi``: the bottom edge comes toward the viewer (grows), the top edge recedes.
- ``gamma``: the left edge comes toward the viewer, the right edge recedes.

Angles are absolute for the frame they are given for, not cumulative; re-warping every frame
makes the effect compound. The pivot is the exact image centre. (Deforum's code pivots about
(s/2, s/2) with s = d / cos(fv/2), a point below and right of the centre, because its
re-centring translation is multiplied on the wrong side; that quirk is not reproduced.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lib_animation.errors import SettingsError
from lib_animation.motion.resample import check_finite_fields

_SETTING_PREFIX = "perspective_flip_"  # a field's setting is this prefix + the field's name


@dataclass(frozen=True)
class PerspectiveFlip:
    """Angles in degrees; ``fv`` is the vanishing-point field of view in degrees, in (0, 180)."""

    theta: float = 0.0
    phi: float = 0.0
    gamma: float = 0.0
    fv: float = 53.0

    def __post_init__(self) -> None:
        check_finite_fields(self, ("theta", "phi", "gamma", "fv"), prefix=_SETTING_PREFIX)
        if not 0.0 < self.fv < 180.0:
            raise SettingsError(
                f"perspective flip fv must be between 0 and 180 degrees, got {self.fv}",
                setting=_SETTING_PREFIX + "fv",
            )


def rotation_xyz(x_deg: float, y_deg: float, z_deg: float) -> np.ndarray:
    """Rx(x) @ Ry(y) @ Rz(z), right-handed rotations by angles in degrees."""
    a, b, c = (math.radians(v) for v in (x_deg, y_deg, z_deg))
    rx = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    ry = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
    rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    return rx @ ry @ rz


def flip_matrix(flip: PerspectiveFlip, width: int, height: int) -> np.ndarray:
    """3x3 homography, source pixel -> destination pixel (pixel centres at integers)."""
    distance = math.hypot(width, height) / (2.0 * math.sin(math.radians(flip.fv) / 2.0))
    r = rotation_xyz(flip.phi, flip.gamma, flip.theta)
    # A centred point (qx, qy, 0) goes to R q, then projects as h * (x, y) / (h - z).
    about_centre = np.array(
        [
            [distance * r[0, 0], distance * r[0, 1], 0.0],
            [distance * r[1, 0], distance * r[1, 1], 0.0],
            [-r[2, 0], -r[2, 1], distance],
        ]
    )
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    to_centre = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]])
    from_centre = np.array([[1.0, 0.0, cx], [0.0, 1.0, cy], [0.0, 0.0, 1.0]])
    matrix = from_centre @ about_centre @ to_centre
    return matrix / matrix[2, 2]
