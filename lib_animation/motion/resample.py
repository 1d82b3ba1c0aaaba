"""Resampling a frame at source coordinates: border modes, sampling modes and the two backends.

Border modes (what an out-of-frame sample sees):

- ``replicate``: the nearest edge pixel, extended outward.
- ``wrap``: the frame tiled periodically (leaving the right edge re-enters on the left).
- ``reflect``: the frame mirrored about its outer pixel edge, edge pixel repeated
  (``cba|abc``; OpenCV ``BORDER_REFLECT``, torch ``reflection`` with ``align_corners=False``).
- ``zeros``: black (0).

Sampling modes: ``bilinear``, ``bicubic`` (cubic convolution with a = -0.75 in both backends) and
``nearest``.

Backends: ``opencv`` runs on the CPU and needs no torch. ``torch`` uses
``torch.nn.functional.grid_sample`` on the device given (CPU when None); torch is imported only
when this backend is used. ``wrap`` on torch pads the frame circularly and wraps the coordinates,
so the seam interpolates across the opposite edge exactly as OpenCV's ``BORDER_WRAP`` does.

Agreement: on a textured uint8 image the two backends differ by a mean absolute difference below
1.0 and a 99th percentile below 4 grey levels for every border and sampling mode (OpenCV quantises
coordinates to 1/32 pixel and uses fixed-point weights; nearest may round ties differently).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from lib_animation.errors import SettingsError

if TYPE_CHECKING:
    import torch

BORDER_MODES = ("replicate", "wrap", "reflect", "zeros")
SAMPLING_MODES = ("bilinear", "bicubic", "nearest")
BACKENDS = ("opencv", "torch")

_CV2_BORDER = {
    "replicate": cv2.BORDER_REPLICATE,
    "wrap": cv2.BORDER_WRAP,
    "reflect": cv2.BORDER_REFLECT,
    "zeros": cv2.BORDER_CONSTANT,
}
_CV2_SAMPLING = {
    "bilinear": cv2.INTER_LINEAR,
    "bicubic": cv2.INTER_CUBIC,
    "nearest": cv2.INTER_NEAREST,
}
_TORCH_PADDING = {"replicate": "border", "reflect": "reflection", "zeros": "zeros"}
# Taps reach up to 2 pixels beyond a coordinate inside the frame (bicubic).
_WRAP_PAD = 2


def check_modes(border: str, sampling: str, backend: str = "opencv") -> None:
    """Raise ValueError for a border, sampling or backend name that is not one of the choices."""
    for kind, value, choices in (
        ("border mode", border, BORDER_MODES),
        ("sampling mode", sampling, SAMPLING_MODES),
        ("backend", backend, BACKENDS),
    ):
        if value not in choices:
            raise ValueError(f"unknown {kind} {value!r}; choose one of {', '.join(choices)}")


def check_finite_fields(record: object, names: tuple[str, ...], *, prefix: str = "") -> None:
    """SettingsError naming the setting (`prefix` + field) of the first non-finite field."""
    for name in names:
        value = getattr(record, name)
        if not math.isfinite(value):
            label = prefix.replace("_", " ") + name
            raise SettingsError(
                f"{label} must be a finite number, got {value}", setting=prefix + name
            )


def check_image(image: np.ndarray) -> None:
    """Raise ValueError unless ``image`` is a uint8 or float32 (H, W) or (H, W, C) array."""
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3):
        raise ValueError("image must be a numpy array of shape (H, W) or (H, W, C)")
    if image.dtype not in (np.uint8, np.float32):
        raise ValueError(f"image dtype must be uint8 or float32, got {image.dtype}")


def cv2_flags(border: str, sampling: str) -> tuple[int, int]:
    """OpenCV (interpolation flag, border mode) for the given names."""
    return _CV2_SAMPLING[sampling], _CV2_BORDER[border]


def warp_perspective_opencv(
    image: np.ndarray, inverse: np.ndarray, border: str, sampling: str
) -> np.ndarray:
    """Sample ``image`` through a destination -> source homography (one OpenCV call)."""
    height, width = image.shape[:2]
    interpolation, border_mode = cv2_flags(border, sampling)
    return cv2.warpPerspective(
        np.ascontiguousarray(image),
        inverse,
        (width, height),
        flags=interpolation | cv2.WARP_INVERSE_MAP,
        borderMode=border_mode,
        borderValue=0,
    )


def remap_opencv(
    image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, border: str, sampling: str
) -> np.ndarray:
    """Sample ``image`` at float32 source coordinates (one OpenCV call)."""
    interpolation, border_mode = cv2_flags(border, sampling)
    return cv2.remap(
        np.ascontiguousarray(image),
        map_x.astype(np.float32, copy=False),
        map_y.astype(np.float32, copy=False),
        interpolation,
        borderMode=border_mode,
        borderValue=0,
    )


def torch_device(device: Any) -> torch.device:
    """The torch device for a name, a torch.device or None (the CPU)."""
    import torch

    return torch.device("cpu") if device is None else torch.device(device)


def image_to_torch(image: np.ndarray, device: torch.device) -> torch.Tensor:
    """(H, W[, C]) numpy -> (1, C, H, W) float32 tensor on ``device``."""
    import torch

    tensor = torch.from_numpy(np.ascontiguousarray(image)).to(device)
    if tensor.ndim == 2:
        tensor = tensor[..., None]
    return tensor.permute(2, 0, 1)[None].float()


def image_from_torch(tensor: torch.Tensor, like: np.ndarray) -> np.ndarray:
    """(1, C, H, W) float tensor -> numpy with the shape and dtype of ``like``."""
    import torch

    out = tensor[0].permute(1, 2, 0)
    if like.dtype == np.uint8:
        out = out.round().clamp(0, 255).to(torch.uint8)
    array = np.ascontiguousarray(out.cpu().numpy())
    return array.reshape(like.shape)


def sample_torch(
    image: torch.Tensor, coords_x: torch.Tensor, coords_y: torch.Tensor, border: str, sampling: str
) -> torch.Tensor:
    """Sample a (1, C, H, W) tensor at (H', W') pixel coordinates with ``grid_sample``."""
    import torch
    import torch.nn.functional as F  # noqa: N812

    height, width = image.shape[-2:]
    if border == "wrap":
        image = F.pad(image, (_WRAP_PAD,) * 4, mode="circular")
        coords_x = torch.remainder(coords_x + 0.5, width) - 0.5 + _WRAP_PAD
        coords_y = torch.remainder(coords_y + 0.5, height) - 0.5 + _WRAP_PAD
        height, width = height + 2 * _WRAP_PAD, width + 2 * _WRAP_PAD
        padding = "border"
    else:
        padding = _TORCH_PADDING[border]
    grid = torch.stack(((2 * coords_x + 1) / width - 1, (2 * coords_y + 1) / height - 1), dim=-1)
    return F.grid_sample(
        image, grid[None].to(image.dtype), mode=sampling, padding_mode=padding,
        align_corners=False,
    )
