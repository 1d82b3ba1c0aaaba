"""FILM (Google Research's frame interpolation for large motion), through the published PyTorch
port's TorchScript file (`film_net_fp16.pt`, the file Deforum downloads).

That file is a compiled TorchScript program that carries its own network: it is run as it is,
the network the port's authors checked against the original, rather than its tensors in our
`film_net.FilmNet`, which could only be checked against the file by running both. FilmNet checks
the file's tensor names and shapes before use, and tests run it with random weights. The file is
loaded with `torch.jit.load` (TorchScript, no arbitrary Python) and called as the port documents,
`model(first, second, dt)` on RGB frames in 0..1 padded to multiples of 64. FILM is trained for
the midpoint, so several frames between two neighbours are made as the port does: each next
frame is the known one nearest the middle of the two frames around it, made from those two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from lib_animation.errors import DepthModelError
from lib_animation.interpolation.film_net import FilmNet

PAD_MULTIPLE = 64


def read_film(path: Path) -> Any:
    """The TorchScript program in `path`, once its tensors are checked to be FILM's."""
    try:
        model = torch.jit.load(str(path), map_location="cpu").eval()
    except Exception as exc:  # torch raises many types for a damaged or foreign file
        raise DepthModelError(f"cannot read the FILM model {path}: {exc}".splitlines()[0],
                              hint="delete the file to download it again") from exc
    _check_tensors(model.state_dict(), str(path))
    return model


def _check_tensors(state: Mapping[str, torch.Tensor], label: str) -> None:
    expected = {key: tuple(value.shape) for key, value in FilmNet().state_dict().items()}
    found = {key: tuple(value.shape) for key, value in state.items()}
    wrong = sorted(set(expected) ^ set(found)) or sorted(
        key for key in expected if expected[key] != found[key])
    if wrong:
        raise DepthModelError(f"{label} is not a FILM network: {len(wrong)} tensors differ from "
                              f"film_net's, first {wrong[0]}")


def bisection_order(times: Sequence[float]) -> list[tuple[int, float, float]]:
    """The order to make the frames at `times` (sorted, 0 < t < 1): (index in `times`, time
    of the known frame before it, time of the known frame after it), each step the frame
    nearest the middle of its two neighbours."""
    known = [0.0, 1.0]
    remaining = list(range(len(times)))
    order = []
    while remaining:
        def off_middle(index: int) -> float:
            before = max(t for t in known if t < times[index])
            after = min(t for t in known if t > times[index])
            return round(abs((times[index] - before) / (after - before) - 0.5), 9)
        chosen = min(remaining, key=off_middle)
        before = max(t for t in known if t < times[chosen])
        after = min(t for t in known if t > times[chosen])
        order.append((chosen, before, after))
        known.append(times[chosen])
        remaining.remove(chosen)
    return order


class FilmInterpolator:
    def __init__(self, model: Any, device: str = "cpu") -> None:
        half = device.startswith("cuda")
        self.dtype = torch.float16 if half else torch.float32
        self.model = model.to(device=device, dtype=self.dtype)
        self.device = device

    @torch.inference_mode()
    def between(self, first: np.ndarray, second: np.ndarray,
                times: Sequence[float]) -> list[np.ndarray]:
        height, width = first.shape[:2]
        pad = (0, -width % PAD_MULTIPLE, 0, -height % PAD_MULTIPLE)
        frames = {0.0: self._tensor(first, pad), 1.0: self._tensor(second, pad)}
        for index, before, after in bisection_order(times):
            dt = (times[index] - before) / (after - before)
            step = frames[before].new_full((1, 1), dt)
            frames[times[index]] = self.model(frames[before], frames[after], step).clamp(0, 1)
        return [_image(frames[time][:, :, :height, :width]) for time in times]

    def _tensor(self, image: np.ndarray, pad: tuple[int, int, int, int]) -> torch.Tensor:
        tensor = torch.from_numpy(np.ascontiguousarray(image[..., :3])).to(self.device)
        tensor = tensor.permute(2, 0, 1).unsqueeze(0).to(self.dtype) / 255.0
        return F.pad(tensor, pad, mode="replicate")


def _image(tensor: torch.Tensor) -> np.ndarray:
    scaled = (tensor[0].float().clamp(0, 1) * 255.0).round().byte()
    return scaled.permute(1, 2, 0).cpu().numpy()
