"""DPT / MiDaS monocular depth through transformers' `DPTForDepthEstimation`.

The network sees a square image: transformers 4.30 (the host's pin) reshapes DPT tokens into a
square grid and its hybrid model accepts only its configured size. To keep the scene's aspect
ratio, the frame is scaled so its longer side fits the square and the rest is filled by
mirroring the edges; that band is cropped off the prediction before it is resized back to the
frame. torch and transformers are imported only here, and only when a model is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from lib_animation.errors import DepthModelError


@dataclass(frozen=True)
class Box:
    """Where the frame's pixels sit inside the square network input."""

    top: int
    left: int
    height: int
    width: int

    @property
    def rows(self) -> slice:
        return slice(self.top, self.top + self.height)

    @property
    def cols(self) -> slice:
        return slice(self.left, self.left + self.width)


def letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, Box]:
    """Scale `image` so its longer side is `size`, mirror-pad it to size x size."""
    height, width = image.shape[:2]
    scale = size / max(height, width)
    inner_h = min(size, max(1, round(height * scale)))
    inner_w = min(size, max(1, round(width * scale)))
    shrinking = inner_h * inner_w < height * width
    resized = cv2.resize(
        image,
        (inner_w, inner_h),
        interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC,
    )
    top = (size - inner_h) // 2
    left = (size - inner_w) // 2
    square = cv2.copyMakeBorder(
        resized, top, size - inner_h - top, left, size - inner_w - left, cv2.BORDER_REFLECT_101
    )
    return square, Box(top, left, inner_h, inner_w)


class DptNet:
    """A loaded depth network: RGB uint8 frame -> relative inverse depth at frame size."""

    def __init__(self, model: Any, *, device: str, half: bool, size: int) -> None:
        self.model = model
        self.device = device
        self.half = half
        self.size = size

    def infer(self, image: np.ndarray) -> np.ndarray:
        """Float32 (H, W) inverse depth (larger = nearer), not normalised."""
        if self.model is None:
            raise DepthModelError("the depth model was unloaded; ask for the depth provider again")
        import torch
        import torch.nn.functional as F  # noqa: N812

        height, width = image.shape[:2]
        square, box = letterbox(image, self.size)
        pixels = torch.from_numpy(np.ascontiguousarray(square)).to(self.device)
        pixels = pixels.permute(2, 0, 1).unsqueeze(0).float() / 127.5 - 1.0
        if self.half:
            pixels = pixels.half()
        with torch.inference_mode():
            predicted = self.model(pixel_values=pixels).predicted_depth
            inner = predicted[:, None, box.rows, box.cols].float()
            full = F.interpolate(inner, size=(height, width), mode="bicubic", align_corners=False)
            # bicubic overshoots at edges; the overshoot would become the new near/far extremes
            full = full.clamp(inner.min(), inner.max())
        return full[0, 0].cpu().numpy().astype(np.float32, copy=False)

    def release(self) -> None:
        """Drop the network so its memory can be freed."""
        self.model = None


def load_dpt(folder: Path, device: str) -> DptNet:
    """Load a saved `DPTForDepthEstimation` (config.json + weights) from `folder` onto `device`."""
    try:
        import torch
        from transformers import DPTForDepthEstimation
    except ImportError as exc:
        raise DepthModelError(
            f"depth models need torch and transformers, which cannot be imported: {exc}"
        ) from exc
    half = device.startswith("cuda") and torch.cuda.is_available()
    try:
        model = DPTForDepthEstimation.from_pretrained(
            str(folder),
            local_files_only=True,
            torch_dtype=torch.float16 if half else torch.float32,
        )
        model = model.to(device).eval()
    # transformers and torch report unreadable weights and bad devices with many exception types.
    except Exception as exc:
        raise DepthModelError(
            f"could not load the depth model in {folder} on {device}: {exc}"
        ) from exc
    return DptNet(model, device=device, half=half, size=_square_size(model.config.image_size))


def _square_size(image_size: int | list[int] | tuple[int, int]) -> int:
    if isinstance(image_size, int):
        return image_size
    return int(image_size[0])
