"""FILM's network ("film_net", Google Research, Apache-2.0) as the published PyTorch port lays
it out, written here from the published architecture: the module tree and tensor names are the
ones its TorchScript file holds (`extract.extract_sublevels.convs.0.0.0.weight`,
`predict_flow._predictor._convs.3.0.weight`, `fuse.output_conv.weight`, ...), so a file can be
checked against it, and tests build it with random weights.

Three stages on 7-level image pyramids (so sides are multiples of 64): a cascaded feature
extractor (4-level sub-pyramids of 64, 128, 256, 512 channels from every pyramid level, level i
concatenating the sub-pyramids' features that land on it), a coarse-to-fine residual flow
estimator both ways (one predictor shared by the coarse levels, its own for the three finest),
and a U-Net-like decoder over the 5 finest levels of both images and their features warped to
the wanted time, with the flows.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

PYRAMID_LEVELS = 7
FUSION_LEVELS = 5
SPECIALIZED_LEVELS = 3
SUB_LEVELS = 4
FILTERS = 64
FLOW_CONVS = (3, 3, 3, 3)
FLOW_FILTERS = (32, 64, 128, 256)


class _Conv(nn.Sequential):
    """A convolution as the port stores it (`<name>.0.weight`): odd sizes keep the size, size 2
    pads one row and column after; leaky ReLU 0.2 unless `activate` is off."""

    def __init__(self, in_channels: int, out_channels: int, size: int,
                 activate: bool = True) -> None:
        super().__init__(nn.Conv2d(in_channels, out_channels, size,
                                   padding=size // 2 if size % 2 else 0))
        self.size = size
        self.activate = activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.size % 2 == 0:
            x = F.pad(x, (0, 1, 0, 1))
        y = self[0](x)
        return F.leaky_relu(y, 0.2) if self.activate else y


class _SubTree(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        channels = [FILTERS << level for level in range(SUB_LEVELS)]
        inputs = [3, *channels[:-1]]
        self.convs = nn.ModuleList(
            nn.Sequential(_Conv(cin, cout, 3), _Conv(cout, cout, 3))
            for cin, cout in zip(inputs, channels, strict=True))

    def forward(self, image: torch.Tensor, depth: int) -> list[torch.Tensor]:
        head, features = image, []
        for level, layer in enumerate(self.convs):
            head = layer(head)
            features.append(head)
            if level < depth - 1:
                head = F.avg_pool2d(head, 2, 2)
        return features


class _FeatureExtractor(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.extract_sublevels = _SubTree()

    def forward(self, pyramid: list[torch.Tensor]) -> list[torch.Tensor]:
        subtrees = [self.extract_sublevels(image, min(len(pyramid) - level, SUB_LEVELS))
                    for level, image in enumerate(pyramid)]
        return [torch.cat([subtrees[level - depth][depth]
                           for depth in range(min(level, SUB_LEVELS - 1) + 1)], dim=1)
                for level in range(len(pyramid))]


def feature_channels(level: int) -> int:
    """Channels of the cascaded features at pyramid level `level`."""
    return sum(FILTERS << depth for depth in range(min(level, SUB_LEVELS - 1) + 1))


class _FlowPredictor(nn.Module):
    def __init__(self, in_channels: int, convs: int, filters: int) -> None:
        super().__init__()
        layers = [_Conv(in_channels if index == 0 else filters, filters, 3)
                  for index in range(convs)]
        layers += [_Conv(filters, filters // 2, 1), _Conv(filters // 2, 2, 1, activate=False)]
        self._convs = nn.ModuleList(layers)

    def forward(self, features_a: torch.Tensor, features_b: torch.Tensor) -> torch.Tensor:
        net = torch.cat([features_a, features_b], dim=1)
        for layer in self._convs:
            net = layer(net)
        return net


class _PyramidFlow(nn.Module):
    """Residual flows from A to B, finest first; the coarsest is the flow itself."""

    def __init__(self) -> None:
        super().__init__()
        predictors = [_FlowPredictor(2 * feature_channels(level), convs, filters)
                      for level, (convs, filters)
                      in enumerate(zip(FLOW_CONVS, FLOW_FILTERS, strict=True))]
        self._predictor = predictors[-1]  # shared by every level from the fourth down
        self._predictors = nn.ModuleList(predictors[-2::-1])  # third, second, first level

    def forward(self, pyramid_a: list[torch.Tensor],
                pyramid_b: list[torch.Tensor]) -> list[torch.Tensor]:
        flow = self._predictor(pyramid_a[-1], pyramid_b[-1])
        residuals = [flow]
        finest_shared = len(self._predictors)
        for level in range(len(pyramid_a) - 2, -1, -1):
            predictor = (self._predictor if level >= finest_shared
                         else self._predictors[finest_shared - 1 - level])
            flow = F.interpolate(2 * flow, size=pyramid_a[level].shape[2:4], mode="bilinear")
            residual = predictor(pyramid_a[level], warp(pyramid_b[level], flow))
            residuals.insert(0, residual)
            flow = flow + residual
        return residuals


def aligned_channels(level: int) -> int:
    """Channels the decoder gets at `level`: both images, their features and both flows."""
    return 2 * (feature_channels(level) + 3 + 2)


class _Fusion(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.output_conv = nn.Conv2d(FILTERS, 3, kernel_size=1)
        stages = []
        below = aligned_channels(FUSION_LEVELS - 1)
        for level in range(FUSION_LEVELS - 2, -1, -1):
            filters = FILTERS << min(level, SPECIALIZED_LEVELS)
            stages.append(nn.ModuleList([
                _Conv(below, filters, 2, activate=False),
                _Conv(aligned_channels(level) + filters, filters, 3),
                _Conv(filters, filters, 3)]))
            below = filters
        self.convs = nn.ModuleList(stages)

    def forward(self, pyramid: list[torch.Tensor]) -> torch.Tensor:
        net = pyramid[-1]
        for index, (upconv, merge, refine) in enumerate(self.convs):
            level = len(self.convs) - 1 - index
            net = F.interpolate(net, size=pyramid[level].shape[2:4], mode="nearest")
            net = refine(merge(torch.cat([pyramid[level], upconv(net)], dim=1)))
        return self.output_conv(net)


class FilmNet(nn.Module):
    """`forward(first, second, dt)`: (B, 3, H, W) RGB in 0..1 (H, W multiples of 64) and the
    (B, 1) time to the in-between frame."""

    def __init__(self) -> None:
        super().__init__()
        self.extract = _FeatureExtractor()
        self.predict_flow = _PyramidFlow()
        self.fuse = _Fusion()

    def forward(self, first: torch.Tensor, second: torch.Tensor,
                dt: torch.Tensor) -> torch.Tensor:
        images = [_pyramid(first), _pyramid(second)]
        features = [self.extract(images[0]), self.extract(images[1])]
        flows_ab = _flows(self.predict_flow(features[0], features[1]))[:FUSION_LEVELS]
        flows_ba = _flows(self.predict_flow(features[1], features[0]))[:FUSION_LEVELS]
        to_first = [flow * dt[..., None, None] for flow in flows_ba]
        to_second = [flow * (1 - dt[..., None, None]) for flow in flows_ab]
        aligned = [
            torch.cat([warp(torch.cat([images[0][level], features[0][level]], 1), to_first[level]),
                       warp(torch.cat([images[1][level], features[1][level]], 1),
                            to_second[level]),
                       to_first[level], to_second[level]], dim=1)
            for level in range(FUSION_LEVELS)]
        return self.fuse(aligned)


def _pyramid(image: torch.Tensor) -> list[torch.Tensor]:
    levels = [image]
    for _ in range(PYRAMID_LEVELS - 1):
        levels.append(F.avg_pool2d(levels[-1], 2, 2))
    return levels


def _flows(residuals: list[torch.Tensor]) -> list[torch.Tensor]:
    """Residual flows (finest first) summed up from the coarsest into flows."""
    flow = residuals[-1]
    flows = [flow]
    for residual in residuals[-2::-1]:
        flow = residual + F.interpolate(2 * flow, size=residual.shape[2:4], mode="bilinear")
        flows.insert(0, flow)
    return flows


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Each output pixel read from `image` at itself plus `flow` ((x, y) in pixels), the edges
    repeating."""
    _, _, height, width = image.shape
    xs = torch.linspace(-1 + 1 / width, 1 - 1 / width, width, dtype=image.dtype,
                        device=image.device)
    ys = torch.linspace(-1 + 1 / height, 1 - 1 / height, height, dtype=image.dtype,
                        device=image.device)
    grid_x = (xs[None, None, :] + flow[:, 0] * (2.0 / width)).clamp(-1 + 1 / width,
                                                                     1 - 1 / width)
    grid_y = (ys[None, :, None] + flow[:, 1] * (2.0 / height)).clamp(-1 + 1 / height,
                                                                      1 - 1 / height)
    return F.grid_sample(image, torch.stack([grid_x, grid_y], dim=-1), mode="bilinear",
                         align_corners=False)
