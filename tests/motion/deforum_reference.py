"""Deforum's 3D warp, written here from its documented formula (deforum-reference.md, §6.3).

An independent route to what Deforum renders, for tests and bench/deforum_warp_bench.py: it
builds the two FoV perspective cameras as full 4x4 matrices (near and far included, to show they
cancel), projects Deforum's point grid ``(x_ndc, y_ndc, depth)`` with row vectors as pytorch3d
does, and resamples with ``grid_sample`` the way Deforum calls it. Needs torch.
"""

from __future__ import annotations

import math

import numpy as np


def _axis_rotation(axis: str, degrees: float):
    import torch

    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    rows = {
        "X": [[1, 0, 0], [0, c, -s], [0, s, c]],
        "Y": [[c, 0, s], [0, 1, 0], [-s, 0, c]],
        "Z": [[c, -s, 0], [s, c, 0], [0, 0, 1]],
    }[axis]
    return torch.tensor(rows, dtype=torch.float64)


def fov_projection(fov: float, aspect: float, near: float, far: float):
    """pytorch3d's FoVPerspectiveCameras matrix (column-vector form)."""
    import torch

    top = math.tan(math.radians(fov) / 2) * near
    right = top * aspect
    k = torch.zeros(4, 4, dtype=torch.float64)
    k[0, 0] = 2 * near / (2 * right)
    k[1, 1] = 2 * near / (2 * top)
    k[2, 2] = far / (far - near)
    k[2, 3] = -(far * near) / (far - near)
    k[3, 2] = 1.0
    return k


def deforum_offsets(
    depth: np.ndarray,
    *,
    tx: float = 0.0,
    ty: float = 0.0,
    tz: float = 0.0,
    rx: float = 0.0,
    ry: float = 0.0,
    rz: float = 0.0,
    fov: float = 70.0,
    aspect: float = 1.0,
    near: float = 200.0,
    far: float = 10000.0,
) -> np.ndarray:
    """(H, W, 2) NDC offsets ``new - old`` of the point grid, as Deforum computes them."""
    import torch

    h, w = depth.shape
    rotation = _axis_rotation("X", rx) @ _axis_rotation("Y", ry) @ _axis_rotation("Z", rz)
    shift = torch.tensor([-tx / 200, ty / 200, -tz / 200], dtype=torch.float64)
    ys, xs = torch.meshgrid(
        torch.linspace(-1, 1, h, dtype=torch.float64),
        torch.linspace(-1, 1, w, dtype=torch.float64),
        indexing="ij",
    )
    z = torch.as_tensor(depth, dtype=torch.float64)
    points = torch.stack((xs.flatten(), ys.flatten(), z.flatten()), dim=1)
    projection = fov_projection(fov, aspect, near, far)

    def project(view):
        homogeneous = torch.cat((view, torch.ones(len(view), 1, dtype=torch.float64)), dim=1)
        clip = homogeneous @ projection.T
        return clip[:, :2] / clip[:, 3:4]

    offsets = project(points @ rotation + shift) - project(points)
    return offsets.reshape(h, w, 2).numpy()


def deforum_warp(
    image: np.ndarray,
    depth: np.ndarray,
    *,
    sampling: str = "bilinear",
    padding: str = "border",
    truncate: bool = False,
    **motion: float,
) -> np.ndarray:
    """One frame of Deforum's warp of a uint8 (H, W, C) image.

    Deforum casts the result to uint8 by truncation, darkening every warp by half a grey level on
    average; ``truncate=False`` rounds instead (what Keyframes does).
    """
    import torch
    import torch.nn.functional as F  # noqa: N812

    h, w = depth.shape
    offsets = torch.from_numpy(deforum_offsets(depth, **motion)).float()
    identity = torch.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    base = F.affine_grid(identity, [1, 1, h, w], align_corners=False)
    grid = base - offsets[None]
    tensor = torch.from_numpy(image.astype(np.float32)).permute(2, 0, 1)[None]
    out = F.grid_sample(tensor, grid, mode=sampling, padding_mode=padding, align_corners=False)
    out = out[0].permute(1, 2, 0).clamp(0, 255)
    out = out.floor() if truncate else out.round()
    return out.numpy().astype(np.uint8)
