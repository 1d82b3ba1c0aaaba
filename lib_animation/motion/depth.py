"""Depth providers: an RGB frame -> camera-space depth z for the 3D warp.

Every provider returns float32 (H, W) z in [1, 2], 1 = nearest; a flat plane is all ones.
MiDaS-family models predict relative inverse depth, so each frame is min-max normalised,
histogram-equalised (as Deforum does, per frame) and mapped to z = 2 - d: absolute scale is
discarded on purpose. Weights are fetched on first use into `<models_dir>/<model name>/`
(inside the WebUI: `models/Keyframes/depth/`) and kept loaded, per (name, device), until
`unload()` gives the memory back for diffusion.
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from lib_animation.errors import SettingsError
from lib_animation.motion.depth_download import Progress, RemoteFile, ensure_files
from lib_animation.motion.depth_dpt import DptNet, load_dpt

FLAT = "flat"
EQUALIZE_BINS = 1024
NEAR = 1.0
FAR = 2.0


class DepthProvider(Protocol):
    name: str

    def predict(self, image: np.ndarray) -> np.ndarray:
        """uint8 (H, W, 3) RGB -> float32 (H, W) z in [1, 2], 1 = nearest."""
        ...


@dataclass(frozen=True)
class DepthModelSpec:
    """A downloadable depth model: its files, fetched into `<models_dir>/<name>/`."""

    name: str
    files: tuple[RemoteFile, ...]


_HF = "https://huggingface.co"
# Pinned values come from the Hugging Face file pages; entries with sha256=None are checked
# after download only by what is pinned (size, if any) and their computed hash is recorded.
DEPTH_MODELS: Mapping[str, DepthModelSpec] = {
    "dpt-hybrid-midas": DepthModelSpec(
        "dpt-hybrid-midas",
        (
            RemoteFile("config.json", f"{_HF}/Intel/dpt-hybrid-midas/resolve/main/config.json"),
            RemoteFile(
                "pytorch_model.bin",
                f"{_HF}/Intel/dpt-hybrid-midas/resolve/main/pytorch_model.bin",
                sha256="b6c4d44f9d96ca3fa76dd3bbb153989a60b4ad5526559f3c598562a368d687ec",
            ),
        ),
    ),
    "dpt-large": DepthModelSpec(
        "dpt-large",
        (
            RemoteFile(
                "config.json",
                f"{_HF}/Intel/dpt-large/resolve/bc15f29aa3a80d532f2ed650b5e16ac48d8958f9/config.json",
                size=942,
            ),
            RemoteFile(
                "pytorch_model.bin",
                f"{_HF}/Intel/dpt-large/resolve/bc15f29aa3a80d532f2ed650b5e16ac48d8958f9/"
                "pytorch_model.bin",
                sha256="71150941604c39c1c770a72a7b2f56487669f0e3a4d99c8759e233fb1be24080",
            ),
        ),
    ),
}


def inverse_depth_to_z(inverse: np.ndarray, *, equalize: bool = True) -> np.ndarray:
    """Relative inverse depth (larger = nearer) -> float32 z in [1, 2], 1 = nearest.

    Min-max normalised per call, optionally histogram-equalised. An empty, constant or
    non-finite map gives a flat plane (all ones) rather than noise or NaN.
    """
    values = np.asarray(inverse, dtype=np.float64)
    flat = np.full(values.shape, NEAR, dtype=np.float32)
    if values.size == 0 or not np.isfinite(values).all():
        return flat
    low, high = float(values.min()), float(values.max())
    if high - low <= 1e-6 * max(abs(low), abs(high)):
        return flat
    nearness = (values - low) / (high - low)
    if equalize:
        nearness = equalize_histogram(nearness)
    return (FAR - nearness).astype(np.float32)


def equalize_histogram(unit: np.ndarray) -> np.ndarray:
    """Spread values in [0, 1] evenly over [0, 1], keeping their order (0 -> 0, 1 -> 1)."""
    counts, edges = np.histogram(unit, bins=EQUALIZE_BINS, range=(0.0, 1.0))
    cdf = np.concatenate(([0.0], np.cumsum(counts))) / unit.size
    return np.interp(unit, edges, cdf)


def depth_to_png_array(z: np.ndarray) -> np.ndarray:
    """z in [1, 2] -> uint8 (H, W) grey image, near = bright (255), far = dark (0)."""
    nearness = FAR - np.nan_to_num(np.asarray(z, dtype=np.float64), nan=FAR)
    return np.clip(np.rint(nearness * 255.0), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class FlatDepth:
    """No model: every pixel at z = 1."""

    name: str = FLAT

    def predict(self, image: np.ndarray) -> np.ndarray:
        _check_image(image)
        return np.ones(image.shape[:2], dtype=np.float32)


class ModelDepth:
    """A depth network wrapped with the per-frame normalisation to z."""

    def __init__(self, name: str, net: DptNet) -> None:
        self.name = name
        self.net = net

    def predict(self, image: np.ndarray) -> np.ndarray:
        _check_image(image)
        return inverse_depth_to_z(self.net.infer(image))

    def release(self) -> None:
        self.net.release()


def depth_model_names() -> tuple[str, ...]:
    """Every name `DepthModelCache.get` accepts, "flat" first."""
    return (FLAT, *DEPTH_MODELS)


class DepthModelCache:
    """Loads each model once per (name, device) and hands the same provider back."""

    def __init__(self, models: Mapping[str, DepthModelSpec] = DEPTH_MODELS) -> None:
        self._models = models
        self._loaded: dict[tuple[str, str], ModelDepth] = {}
        self._lock = threading.Lock()

    def get(
        self,
        name: str,
        *,
        models_dir: Path,
        device: str = "cpu",
        progress: Progress | None = None,
    ) -> DepthProvider:
        if name == FLAT:
            return FlatDepth()
        spec = self._models.get(name)
        if spec is None:
            valid = ", ".join((FLAT, *self._models))
            raise SettingsError(f"unknown depth model {name!r}; choose one of: {valid}")
        key = (name, device)
        with self._lock:
            if key not in self._loaded:
                folder = Path(models_dir) / spec.name
                ensure_files(spec.name, spec.files, folder, progress)
                self._loaded[key] = ModelDepth(spec.name, load_dpt(folder, device))
            return self._loaded[key]

    def unload(self) -> None:
        """Release every loaded model and return its GPU memory to the allocator's pool (a
        whole garbage collection, so only when a model was loaded: in a big host process it
        takes a quarter of a second)."""
        with self._lock:
            released = list(self._loaded.values())
            for provider in released:
                provider.release()
            self._loaded.clear()
        if not released:
            return
        del released
        gc.collect()
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
            torch.cuda.empty_cache()


def _check_image(image: np.ndarray) -> None:
    if not (
        isinstance(image, np.ndarray)
        and image.dtype == np.uint8
        and image.ndim == 3
        and image.shape[2] == 3
        and image.shape[0] > 0
        and image.shape[1] > 0
    ):
        shape = getattr(image, "shape", None)
        dtype = getattr(image, "dtype", type(image).__name__)
        raise ValueError(f"depth needs a uint8 (H, W, 3) RGB image, got {dtype} {shape}")
