"""RAFT (large) optical flow, written here from the published architecture (Teed and Deng, 2020,
as torchvision packages it) so that torchvision's published `raft_large` weights load unchanged.

Two encoders turn the frames into 1/8-size maps: a feature encoder (instance norm) for both
frames and a context encoder (batch norm) for the first, whose output is split into the GRU's
initial hidden state and its context. Every pair of feature vectors is correlated once; a
4-level pyramid of that volume is read around each pixel's current match (radius 4), and a
convolutional GRU refines the flow for a number of updates. The 1/8 flow is upsampled by a
learned convex combination of each pixel's 3x3 neighbours. Module names and shapes follow
torchvision's (`feature_encoder.layer2.0.downsample.0.weight`,
`update_block.recurrent_block.convgru1.convz.bias`, `mask_predictor.conv.weight`, ...).

Frames are used as Deforum uses RAFT: RGB scaled to [-1, 1], 50 updates, the last prediction.
Sizes that are not multiples of 8 are padded by repeating the edge and the flow is cropped back.
torch is imported only by this module, which only RAFT flow loads.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from lib_animation.errors import DepthModelError
from lib_animation.motion.torch_weights import state_mismatch

FLOW_UPDATES = 50  # what Deforum asks torchvision's RAFT for
DOWNSAMPLE = 8
CORR_LEVELS = 4
CORR_RADIUS = 4
HIDDEN = 128
CONTEXT = 128


def _conv(in_channels: int, out_channels: int, kernel: int, *, stride: int = 1,
          norm: type[nn.Module] | None = None, relu: bool = True) -> nn.Sequential:
    """Convolution (index 0), optional norm (index 1), optional ReLU: torchvision's
    Conv2dNormActivation layout, so the weight names match."""
    layers: list[nn.Module] = [
        nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=(kernel - 1) // 2)
    ]
    if norm is not None:
        layers.append(norm(out_channels))
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class ResidualBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, norm: type[nn.Module],
                 stride: int) -> None:
        super().__init__()
        self.convnormrelu1 = _conv(in_channels, out_channels, 3, stride=stride, norm=norm)
        self.convnormrelu2 = _conv(out_channels, out_channels, 3, norm=norm)
        self.downsample: nn.Module = nn.Identity()
        if stride != 1:
            self.downsample = _conv(in_channels, out_channels, 1, stride=stride, norm=norm,
                                    relu=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.downsample(x) + self.convnormrelu2(self.convnormrelu1(x)))


class FeatureEncoder(nn.Module):
    """RGB -> 256 channels at 1/8 size."""

    def __init__(self, norm: type[nn.Module]) -> None:
        super().__init__()
        self.convnormrelu = _conv(3, 64, 7, stride=2, norm=norm)
        self.layer1 = self._two_blocks(64, 64, norm, 1)
        self.layer2 = self._two_blocks(64, 96, norm, 2)
        self.layer3 = self._two_blocks(96, 128, norm, 2)
        self.conv = nn.Conv2d(128, 256, 1)

    @staticmethod
    def _two_blocks(in_channels: int, out_channels: int, norm: type[nn.Module],
                    stride: int) -> nn.Sequential:
        return nn.Sequential(ResidualBlock(in_channels, out_channels, norm, stride),
                             ResidualBlock(out_channels, out_channels, norm, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.layer3(self.layer2(self.layer1(self.convnormrelu(x)))))


class MotionEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.convcorr1 = _conv(CORR_LEVELS * (2 * CORR_RADIUS + 1) ** 2, 256, 1)
        self.convcorr2 = _conv(256, 192, 3)
        self.convflow1 = _conv(2, 128, 7)
        self.convflow2 = _conv(128, 64, 3)
        self.conv = _conv(192 + 64, 128 - 2, 3)

    def forward(self, flow: torch.Tensor, corr: torch.Tensor) -> torch.Tensor:
        corr_features = self.convcorr2(self.convcorr1(corr))
        flow_features = self.convflow2(self.convflow1(flow))
        return torch.cat([self.conv(torch.cat([corr_features, flow_features], 1)), flow], 1)


class ConvGRU(nn.Module):
    def __init__(self, input_size: int, kernel: tuple[int, int], padding: tuple[int, int]) -> None:
        super().__init__()
        channels = HIDDEN + input_size
        self.convz = nn.Conv2d(channels, HIDDEN, kernel, padding=padding)
        self.convr = nn.Conv2d(channels, HIDDEN, kernel, padding=padding)
        self.convq = nn.Conv2d(channels, HIDDEN, kernel, padding=padding)

    def forward(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        hx = torch.cat([h, x], 1)
        z = torch.sigmoid(self.convz(hx))
        r = torch.sigmoid(self.convr(hx))
        q = torch.tanh(self.convq(torch.cat([r * h, x], 1)))
        return (1 - z) * h + z * q


class RecurrentBlock(nn.Module):
    """A horizontal (1x5) then a vertical (5x1) GRU pass."""

    def __init__(self, input_size: int) -> None:
        super().__init__()
        self.convgru1 = ConvGRU(input_size, (1, 5), (0, 2))
        self.convgru2 = ConvGRU(input_size, (5, 1), (2, 0))

    def forward(self, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        return self.convgru2(self.convgru1(h, x), x)


class FlowHead(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(HIDDEN, 256, 3, padding=1)
        self.conv2 = nn.Conv2d(256, 2, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(F.relu(self.conv1(x)))


class UpdateBlock(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.motion_encoder = MotionEncoder()
        self.recurrent_block = RecurrentBlock(CONTEXT + 128)
        self.flow_head = FlowHead()

    def forward(self, hidden: torch.Tensor, context: torch.Tensor, corr: torch.Tensor,
                flow: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        motion = self.motion_encoder(flow, corr)
        hidden = self.recurrent_block(hidden, torch.cat([context, motion], 1))
        return hidden, self.flow_head(hidden)


class MaskPredictor(nn.Module):
    """The weights of each 1/8 pixel's 3x3 neighbours for each of its 8x8 full-size pixels."""

    def __init__(self) -> None:
        super().__init__()
        self.convrelu = _conv(HIDDEN, 256, 3)
        self.conv = nn.Conv2d(256, DOWNSAMPLE * DOWNSAMPLE * 9, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.25 * self.conv(self.convrelu(x))


def _coords_grid(batch: int, height: int, width: int, device: torch.device) -> torch.Tensor:
    """(batch, 2, height, width): x then y of each pixel."""
    ys, xs = torch.meshgrid(torch.arange(height, device=device, dtype=torch.float32),
                            torch.arange(width, device=device, dtype=torch.float32),
                            indexing="ij")
    return torch.stack([xs, ys])[None].repeat(batch, 1, 1, 1)


def _correlation_pyramid(fmap1: torch.Tensor, fmap2: torch.Tensor) -> list[torch.Tensor]:
    """All-pairs dot products / sqrt(channels), one (1, h, w) map per first-frame pixel,
    average-pooled by 2 for each further level."""
    batch, channels, height, width = fmap1.shape
    corr = fmap1.flatten(2).transpose(1, 2) @ fmap2.flatten(2)
    volume = corr.reshape(batch * height * width, 1, height, width) / channels**0.5
    pyramid = [volume]
    for _ in range(CORR_LEVELS - 1):
        volume = F.avg_pool2d(volume, 2, stride=2)
        pyramid.append(volume)
    return pyramid


def _corr_features(pyramid: list[torch.Tensor], coords: torch.Tensor) -> torch.Tensor:
    """The pyramid read bilinearly (zeros outside) on a (2r+1)^2 window around each match."""
    side = 2 * CORR_RADIUS + 1
    steps = torch.linspace(-CORR_RADIUS, CORR_RADIUS, side, device=coords.device)
    # The first window axis moves x, the second y: the published weights' channel order.
    dx, dy = torch.meshgrid(steps, steps, indexing="ij")
    delta = torch.stack([dx, dy], -1).view(1, side, side, 2)
    batch, _, height, width = coords.shape
    centres = coords.permute(0, 2, 3, 1).reshape(batch * height * width, 1, 1, 2)
    levels = []
    for volume in pyramid:
        points = centres + delta
        level_h, level_w = volume.shape[-2:]
        grid = torch.stack([2 * points[..., 0] / max(level_w - 1, 1) - 1,
                            2 * points[..., 1] / max(level_h - 1, 1) - 1], -1)
        sampled = F.grid_sample(volume, grid, mode="bilinear", align_corners=True)
        levels.append(sampled.view(batch, height, width, -1))
        centres = centres / 2
    return torch.cat(levels, -1).permute(0, 3, 1, 2).contiguous()


def _upsample_flow(flow: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    batch, _, height, width = flow.shape
    weights = torch.softmax(mask.view(batch, 1, 9, DOWNSAMPLE, DOWNSAMPLE, height, width), 2)
    neighbours = F.unfold(DOWNSAMPLE * flow, 3, padding=1)
    neighbours = neighbours.view(batch, 2, 9, 1, 1, height, width)
    up = torch.sum(weights * neighbours, 2)
    return up.permute(0, 1, 4, 2, 5, 3).reshape(batch, 2, DOWNSAMPLE * height, DOWNSAMPLE * width)


class Raft(nn.Module):
    """RAFT large: frames (B, 3, H, W) in [-1, 1], H and W multiples of 8 -> flow (B, 2, H, W)."""

    def __init__(self) -> None:
        super().__init__()
        self.feature_encoder = FeatureEncoder(nn.InstanceNorm2d)
        self.context_encoder = FeatureEncoder(nn.BatchNorm2d)
        self.update_block = UpdateBlock()
        self.mask_predictor = MaskPredictor()

    def forward(self, image1: torch.Tensor, image2: torch.Tensor,
                updates: int = FLOW_UPDATES) -> torch.Tensor:
        batch, _, height, width = image1.shape
        fmap1, fmap2 = self.feature_encoder(torch.cat([image1, image2])).chunk(2)
        pyramid = _correlation_pyramid(fmap1, fmap2)
        hidden, context = self.context_encoder(image1).split([HIDDEN, CONTEXT], 1)
        hidden, context = torch.tanh(hidden), F.relu(context)
        coords0 = _coords_grid(batch, height // DOWNSAMPLE, width // DOWNSAMPLE, image1.device)
        coords1 = coords0.clone()
        for _ in range(updates):
            corr = _corr_features(pyramid, coords1)
            hidden, delta = self.update_block(hidden, context, corr, coords1 - coords0)
            coords1 = coords1 + delta
        return _upsample_flow(coords1 - coords0, self.mask_predictor(hidden))


def load_raft(weights: Mapping[str, torch.Tensor], source: str) -> Raft:
    """A RAFT large network holding `weights`, in eval mode; weights of another shape or with
    missing or extra names are refused in one line."""
    model = Raft()
    missing, extra, wrong = state_mismatch(model.state_dict(), weights)
    for problem, names in (("lacks", missing), ("has unknown", extra), ("has wrong-shaped", wrong)):
        if names:
            raise DepthModelError(
                f"{source} is not RAFT large weights: it {problem} tensors ({len(names)}, "
                f"first {names[0]})", hint="delete the file to download it again")
    model.load_state_dict(weights, strict=True)
    return model.eval()


class RaftFlow:
    """Dense flow from RAFT large on `device`, in `flow.estimate_flow`'s convention."""

    def __init__(self, model: Raft, device: str = "cpu") -> None:
        self.model = model.to(device)
        self.device = device

    @torch.inference_mode()
    def __call__(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        height, width = a.shape[:2]
        pad = (0, -width % DOWNSAMPLE, 0, -height % DOWNSAMPLE)
        first = F.pad(self._tensor(a), pad, mode="replicate")
        second = F.pad(self._tensor(b), pad, mode="replicate")
        flow = self.model(first, second)[0, :, :height, :width]
        return np.ascontiguousarray(flow.permute(1, 2, 0).float().cpu().numpy())

    def _tensor(self, image: np.ndarray) -> torch.Tensor:
        pixels = torch.from_numpy(np.ascontiguousarray(image[..., :3])).to(self.device)
        return pixels.permute(2, 0, 1)[None].float() / 127.5 - 1.0
