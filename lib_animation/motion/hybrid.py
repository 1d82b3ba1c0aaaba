"""Hybrid video motion: the input video's camera motion, estimated between two of its frames and
applied to a render frame.

- Perspective / Affine: SIFT features of the two frames, matched with Lowe's ratio test (0.75),
  then a RANSAC homography (reprojection threshold 5 px) or a RANSAC rotation + uniform scale +
  translation (OpenCV's partial affine). Fewer than 9 good matches, or no model found, give the
  identity: a frame without texture does not move the render.
- Optical flow: dense flow from frame a to frame b (`flow.estimate_flow`), optionally checked
  against the backward flow (forward-backward consistency): where going forward then back does
  not return near the start, the flow is reversed at 0.75 of its length, elsewhere kept; the
  reliability can be blurred first, so the change is gradual.

Matrices map frame a's pixel coordinates to frame b's (`b ~ M a`), so applying one to a render
frame moves its content as the video's content moved.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

from lib_animation.motion.flow import estimate_flow
from lib_animation.motion.raft_weights import FlowModel

MatrixKind = Literal["Perspective", "Affine"]
RATIO_TEST = 0.75
RANSAC_THRESHOLD_PX = 5.0
MIN_MATCHES = 9
UNRELIABLE = -0.75  # what the consistency check multiplies an unconfirmed flow vector by


def identity_matrix(kind: MatrixKind) -> np.ndarray:
    """The matrix of no motion: 3x3 for Perspective, 2x3 for Affine."""
    return np.eye(3) if kind == "Perspective" else np.eye(2, 3)


def _grey(image: np.ndarray) -> np.ndarray:
    if image.dtype != np.uint8 or image.ndim not in (2, 3):
        raise ValueError("hybrid motion frames must be uint8 grey or RGB images")
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def estimate_matrix(a: np.ndarray, b: np.ndarray, kind: MatrixKind) -> np.ndarray:
    """The motion from frame `a` to frame `b` (uint8 RGB or grey, same size) as a float64
    matrix of `kind`."""
    sift = cv2.SIFT_create()
    points_a, features_a = sift.detectAndCompute(_grey(a), None)
    points_b, features_b = sift.detectAndCompute(_grey(b), None)
    if features_a is None or features_b is None or len(points_b) < 2:
        return identity_matrix(kind)
    pairs = cv2.BFMatcher().knnMatch(features_a, features_b, k=2)
    good = [pair[0] for pair in pairs
            if len(pair) == 2 and pair[0].distance < RATIO_TEST * pair[1].distance]
    if len(good) < MIN_MATCHES:
        return identity_matrix(kind)
    source = np.float32([points_a[m.queryIdx].pt for m in good]).reshape(-1, 1, 2)
    target = np.float32([points_b[m.trainIdx].pt for m in good]).reshape(-1, 1, 2)
    if kind == "Perspective":
        matrix, _ = cv2.findHomography(source, target, cv2.RANSAC, RANSAC_THRESHOLD_PX)
    else:
        matrix, _ = cv2.estimateAffinePartial2D(source, target)
    return identity_matrix(kind) if matrix is None else matrix.astype(np.float64)


def move_by_matrix(image: np.ndarray, matrix: np.ndarray, *, backward: bool = False
                   ) -> np.ndarray:
    """`image` moved by `matrix` (or by its inverse with `backward`), bilinear, with the border
    mirrored (OpenCV's reflect-101)."""
    height, width = image.shape[:2]
    flags = cv2.INTER_LINEAR | (cv2.WARP_INVERSE_MAP if backward else 0)
    warp = cv2.warpPerspective if matrix.shape == (3, 3) else cv2.warpAffine
    return warp(np.ascontiguousarray(image), matrix, (width, height), flags=flags,
                borderMode=cv2.BORDER_REFLECT_101)


def flow_reliability(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """Per pixel 1.0 where the backward flow, read (bilinearly) where the forward flow lands,
    brings the pixel back: |f + b|^2 < 0.01 (|f|^2 + |b|^2) + 0.5; UNRELIABLE elsewhere.
    Landing points outside the frame read the backward flow at the nearest inside point."""
    height, width = forward.shape[:2]
    ys, xs = np.mgrid[:height, :width]
    land_x = np.clip(xs + forward[..., 0].astype(np.float64), 0, width - 2)
    land_y = np.clip(ys + forward[..., 1].astype(np.float64), 0, height - 2)
    x0, y0 = np.floor(land_x).astype(np.intp), np.floor(land_y).astype(np.intp)
    fx, fy = (land_x - x0)[..., None], (land_y - y0)[..., None]
    back = backward.astype(np.float64)
    top = back[y0, x0] * (1 - fx) + back[y0, x0 + 1] * fx
    bottom = back[y0 + 1, x0] * (1 - fx) + back[y0 + 1, x0 + 1] * fx
    back_at_landing = top * (1 - fy) + bottom * fy
    forward64 = forward.astype(np.float64)
    round_trip = np.sum((forward64 + back_at_landing) ** 2, axis=2)
    allowed = 0.01 * np.sum(forward64**2 + back_at_landing**2, axis=2) + 0.5
    return np.where(round_trip >= allowed, UNRELIABLE, 1.0)


def blur_reliability(reliability: np.ndarray, sigma: float) -> np.ndarray:
    """A Gaussian of `sigma` cut at one sigma, zero outside the frame (so the edges fade)."""
    radius = int(sigma + 0.5)
    kernel = cv2.getGaussianKernel(2 * radius + 1, sigma, cv2.CV_64F)
    return cv2.sepFilter2D(reliability.astype(np.float64), cv2.CV_64F, kernel, kernel,
                           borderType=cv2.BORDER_CONSTANT)


def hybrid_flow(a: np.ndarray, b: np.ndarray, method: str, *, consistency: bool = False,
                blur: float = 0.0, model: FlowModel | None = None) -> np.ndarray:
    """Dense flow from `a` to `b` (`flow.estimate_flow` method names; RAFT's loaded `model`),
    float32 (H, W, 2); with `consistency`, each vector scaled by its (blurred)
    forward-backward reliability."""
    forward = estimate_flow(a, b, method, model=model)
    if not consistency:
        return forward
    reliability = flow_reliability(forward, estimate_flow(b, a, method, model=model))
    if blur > 0:
        reliability = blur_reliability(reliability, blur)
    return (forward * reliability[..., None]).astype(np.float32)
