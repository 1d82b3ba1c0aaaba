"""Weight files of the torch networks whose code Keyframes carries (RAFT, RIFE): read as a
dictionary of tensors, and compared name by name and shape by shape with a network's own."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from lib_animation.errors import DepthModelError


def read_tensor_file(path: Path, network: str) -> dict[str, torch.Tensor]:
    """The tensors of `network`'s weights file; a damaged or foreign file is one
    DepthModelError."""
    try:
        raw = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged or foreign file
        raise DepthModelError(f"cannot read the {network} weights {path}: {exc}".splitlines()[0],
                              hint="delete the file to download it again") from exc
    if not isinstance(raw, Mapping) or not all(isinstance(v, torch.Tensor) for v in raw.values()):
        raise DepthModelError(f"{path} is not a {network} weights file (no tensor dictionary)")
    return dict(raw)


def state_mismatch(expected: Mapping[str, torch.Tensor], given: Mapping[str, torch.Tensor]
                   ) -> tuple[list[str], list[str], list[str]]:
    """The names `given` lacks, the names it has that `expected` does not, and the names whose
    shapes differ, each sorted."""
    missing = sorted(set(expected) - set(given))
    unexpected = sorted(set(given) - set(expected))
    misshaped = sorted(name for name in set(expected) & set(given)
                       if tuple(given[name].shape) != tuple(expected[name].shape))
    return missing, unexpected, misshaped
