"""RIFE v4.6 (Practical-RIFE's IFNet, MIT licensed), written here from the published
architecture so that the published `RIFE46.pkl` loads unchanged.

IFNet estimates, coarse to fine at 1/8, 1/4, 1/2 and full size, two flows from the wanted time
to each frame and a blend mask; the frame at time t is the two frames warped along their flows,
blended by the mask. Each of its four blocks: two stride-2 convolutions, eight residual
convolutions with a learned per-channel scale (`beta`), and a transposed convolution with a pixel
shuffle back to the block's input size. Module names follow the published weights
(`block0.conv0.0.0.weight`, `block1.convblock.3.beta`, `block3.lastconv.0.bias`, ...); the file
stores them under a `module.` prefix (the model was trained in DistributedDataParallel).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lib_animation.errors import DepthModelError
from lib_animation.motion.torch_weights import state_mismatch

SCALES = (8, 4, 2, 1)
PAD_MULTIPLE = 64  # the coarsest block works at 1/8 size and halves that twice
_TRAINING_PREFIX = "module."


def _conv(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=True),
                         nn.LeakyReLU(0.2, True))


class _ScaledResidual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, 1, 1)
        self.beta = nn.Parameter(torch.ones((1, channels, 1, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.conv(x) * self.beta + x, 0.2)


class _FlowBlock(nn.Module):
    def __init__(self, in_channels: int, channels: int) -> None:
        super().__init__()
        self.conv0 = nn.Sequential(_conv(in_channels, channels // 2, 2),
                                   _conv(channels // 2, channels, 2))
        self.convblock = nn.Sequential(*(_ScaledResidual(channels) for _ in range(8)))
        self.lastconv = nn.Sequential(nn.ConvTranspose2d(channels, 4 * 6, 4, 2, 1),
                                      nn.PixelShuffle(2))

    def forward(self, x: torch.Tensor, flow: torch.Tensor | None,
                scale: int) -> tuple[torch.Tensor, torch.Tensor]:
        x = F.interpolate(x, scale_factor=1.0 / scale, mode="bilinear", align_corners=False)
        if flow is not None:
            flow = F.interpolate(flow, scale_factor=1.0 / scale, mode="bilinear",
                                 align_corners=False) / scale
            x = torch.cat((x, flow), 1)
        out = self.lastconv(self.convblock(self.conv0(x)))
        out = F.interpolate(out, scale_factor=scale, mode="bilinear", align_corners=False)
        return out[:, :4] * scale, out[:, 4:5]


class IFNet(nn.Module):
    """`forward(first, second, time)`: (B, 3, H, W) frames in 0..1, H and W multiples of 64,
    to the (B, 3, H, W) frame at `time`."""

    def __init__(self) -> None:
        super().__init__()
        self.block0 = _FlowBlock(3 + 3 + 1, 192)
        self.block1 = _FlowBlock(3 + 3 + 1 + 1 + 4, 128)
        self.block2 = _FlowBlock(3 + 3 + 1 + 1 + 4, 96)
        self.block3 = _FlowBlock(3 + 3 + 1 + 1 + 4, 64)

    def forward(self, first: torch.Tensor, second: torch.Tensor,
                time: float) -> torch.Tensor:
        times = torch.full_like(first[:, :1], time)
        flow, mask = self.block0(torch.cat((first, second, times), 1), None, SCALES[0])
        warped_first, warped_second = _warp(first, flow[:, :2]), _warp(second, flow[:, 2:4])
        for block, scale in zip((self.block1, self.block2, self.block3), SCALES[1:], strict=False):
            inputs = torch.cat((warped_first, warped_second, times, mask), 1)
            flow_step, mask_step = block(inputs, flow, scale)
            flow, mask = flow + flow_step, mask + mask_step
            warped_first, warped_second = _warp(first, flow[:, :2]), _warp(second, flow[:, 2:4])
        weight = torch.sigmoid(mask)
        return warped_first * weight + warped_second * (1 - weight)


def _warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Sample `image` at each pixel moved by `flow` (pixels), edges repeated."""
    _, _, height, width = image.shape
    ys = torch.linspace(-1.0, 1.0, height, device=image.device, dtype=image.dtype)
    xs = torch.linspace(-1.0, 1.0, width, device=image.device, dtype=image.dtype)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.stack((grid_x + flow[:, 0] * (2.0 / (width - 1)),
                        grid_y + flow[:, 1] * (2.0 / (height - 1))), dim=-1)
    # Clamped to the corner pixels' centres: the edges repeat (grid_sample's border padding).
    return F.grid_sample(image, grid.clamp(-1.0, 1.0), mode="bilinear", align_corners=True)


def published_state_dict(raw: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The published file's tensors under IFNet's names (its `module.` prefix removed)."""
    if any(key.startswith(_TRAINING_PREFIX) for key in raw):
        return {key[len(_TRAINING_PREFIX):]: value for key, value in raw.items()
                if key.startswith(_TRAINING_PREFIX)}
    return dict(raw)


def load_ifnet(weights: Mapping[str, torch.Tensor], label: str) -> IFNet:
    """An IFNet holding `weights` (the published file's dict); one line when they do not fit."""
    model = IFNet()
    state = published_state_dict(weights)
    missing, unexpected, misshaped = state_mismatch(model.state_dict(), state)
    if missing or unexpected or misshaped:
        first = (missing or unexpected or misshaped)[0]
        raise DepthModelError(
            f"{label} does not hold RIFE v4.6 weights: {len(missing)} missing, "
            f"{len(unexpected)} unexpected and {len(misshaped)} misshaped tensors, first {first}")
    model.load_state_dict({key: value.float() for key, value in state.items()})
    return model.eval()


class RifeInterpolator:
    """RIFE v4.6 on `device`, one pass per wanted time (v4.x takes any time directly)."""

    def __init__(self, model: IFNet, device: str = "cpu") -> None:
        self.model = model.to(device)
        self.device = device

    @torch.inference_mode()
    def between(self, first: np.ndarray, second: np.ndarray,
                times: Sequence[float]) -> list[np.ndarray]:
        height, width = first.shape[:2]
        pad = (0, -width % PAD_MULTIPLE, 0, -height % PAD_MULTIPLE)
        a = F.pad(_to_tensor(first, self.device), pad, mode="replicate")
        b = F.pad(_to_tensor(second, self.device), pad, mode="replicate")
        return [_to_image(self.model(a, b, time)[:, :, :height, :width]) for time in times]


def _to_tensor(image: np.ndarray, device: str) -> torch.Tensor:
    tensor = torch.from_numpy(np.ascontiguousarray(image[..., :3])).to(device)
    return tensor.permute(2, 0, 1).unsqueeze(0).float() / 255.0


def _to_image(tensor: torch.Tensor) -> np.ndarray:
    scaled = (tensor[0].clamp(0, 1) * 255.0).round().byte()
    return scaled.permute(1, 2, 0).cpu().numpy()
