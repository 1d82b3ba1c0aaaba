"""Dense optical flow (OpenCV DIS and Farneback, or RAFT with its downloaded weights), and
warping by flow.

Flow convention (OpenCV's): ``flow = estimate_flow(a, b)`` is (H, W, 2) float32 in pixels with
``a[y, x] ~ b[y + flow[y, x, 1], x + flow[y, x, 0]]``: content at (x, y) in ``a`` has moved by
the flow vector in ``b``.

Methods: ``dis_medium`` (OpenCV's MEDIUM preset), ``dis_fine`` (MEDIUM refined down to full
resolution with more gradient-descent iterations, like Deforum's "DIS Fine"; slower),
``farneback`` (with the parameters Deforum passes) and ``raft``, a network whose loaded model
(`raft_weights.load_raft_flow`) the caller passes in. The OpenCV methods are deterministic: the
same two frames give the same flow bytes.
"""

from __future__ import annotations

import cv2
import numpy as np

from lib_animation.motion.coords import pixel_axes
from lib_animation.motion.raft_weights import FlowModel
from lib_animation.motion.resample import check_image, check_modes, remap_opencv

RAFT = "raft"
OPENCV_FLOW_METHODS = ("dis_medium", "dis_fine", "farneback")
FLOW_METHODS = (RAFT, *OPENCV_FLOW_METHODS)
# The flow settings' choices -> these methods.
FLOW_METHOD_OF_SETTING = {
    "RAFT": RAFT, "DIS Medium": "dis_medium", "DIS Fine": "dis_fine", "Farneback": "farneback",
}  # fmt: skip


def _dis(method: str) -> cv2.DISOpticalFlow:
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    if method == "dis_fine":
        dis.setFinestScale(0)
        dis.setGradientDescentIterations(192)
        dis.setPatchSize(8)
        dis.setPatchStride(4)
    return dis


def _grey(image: np.ndarray) -> np.ndarray:
    check_image(image)
    if image.dtype != np.uint8:
        raise ValueError("flow frames must be uint8")
    if image.ndim == 2:
        return image
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def _rgb(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB) if image.ndim == 2 else image


def estimate_flow(a: np.ndarray, b: np.ndarray, method: str = "dis_medium", *,
                  model: FlowModel | None = None) -> np.ndarray:
    """Dense flow from frame ``a`` to frame ``b`` (uint8 RGB or grey, same size); ``raft``
    needs its loaded ``model``."""
    if method not in FLOW_METHODS:
        raise ValueError(f"unknown flow method {method!r}; choose one of {', '.join(FLOW_METHODS)}")
    grey_a, grey_b = _grey(a), _grey(b)
    if grey_a.shape != grey_b.shape:
        raise ValueError(f"flow frames differ in size: {grey_a.shape} and {grey_b.shape}")
    if method == RAFT:
        if model is None:
            raise ValueError("RAFT flow needs its loaded model")
        return model(_rgb(a), _rgb(b)).astype(np.float32, copy=False)
    if method == "farneback":
        flow = cv2.calcOpticalFlowFarneback(
            grey_a, grey_b, None, pyr_scale=0.5, levels=5, winsize=21, iterations=5,
            poly_n=7, poly_sigma=1.2, flags=0,
        )
    else:
        flow = _dis(method).calc(grey_a, grey_b, None)
    return flow.astype(np.float32, copy=False)


def warp_by_flow(
    image: np.ndarray,
    flow: np.ndarray,
    factor: float = 1.0,
    *,
    border: str = "reflect",
    sampling: str = "bilinear",
) -> np.ndarray:
    """Move ``image``'s content along ``flow * factor``: ``out[p] = image[p - factor * flow[p]]``.

    With ``flow = estimate_flow(a, b)``, ``warp_by_flow(a, flow)`` approximates ``b`` and
    ``factor=0.5`` the halfway frame. The flow is read at the destination pixel, which is exact
    for locally uniform motion.
    """
    check_image(image)
    check_modes(border, sampling)
    height, width = image.shape[:2]
    if flow.shape != (height, width, 2):
        raise ValueError(f"flow shape {flow.shape} does not match the image ({height}, {width}, 2)")
    xs, ys = pixel_axes(width, height)
    step = np.float32(-factor)
    map_x = flow[..., 0] * step
    map_x += xs
    map_y = flow[..., 1] * step
    map_y += ys
    return remap_opencv(image, map_x, map_y, border, sampling)
