"""Warp and depth cost per frame on the CPU (OpenCV) and through torch (a GPU when given).

    python bench/warp_depth_bench.py [--device cuda] [--repeat 50] [--depth] [--json]

Warps: 2D (zoom + rotation), 3D on a flat plane and 3D on a varying depth map, bicubic, at
512x512 and 1024x576, numpy in and numpy out (what the render loop pays, transfers included).
--depth also times the DPT-Large depth network, randomly initialised (no weights are
downloaded: the cost does not depend on the weights), fp16 on a GPU, fp32 on the CPU.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib_animation.motion.warp2d import Motion2D, warp_2d  # noqa: E402
from lib_animation.motion.warp3d import Motion3D, warp_3d  # noqa: E402

SIZES = ((512, 512), (1024, 576))
ZOOM_ROTATE = Motion2D(zoom=1.01, angle=0.5, translation_x=1.5)
CAMERA = Motion3D(translation_x=2, translation_z=1.75, rotation_y=0.5)


def _synchronize(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def _median_ms(action: Callable[[], object], repeat: int, device: str) -> float:
    for _ in range(3):
        action()
    _synchronize(device)
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        _synchronize(device)
        durations.append(time.perf_counter() - start)
    return statistics.median(durations) * 1000


def warp_costs(width: int, height: int, device: str, repeat: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    flat = np.ones((height, width), np.float32)
    depth = rng.uniform(1.0, 2.0, size=(height, width)).astype(np.float32)
    results = {}
    for backend, where in (("opencv", "cpu"), ("torch", device)):
        options = {"backend": backend, "device": None if backend == "opencv" else device}
        cases = {
            "2D": lambda o=options: warp_2d(image, ZOOM_ROTATE, sampling="bicubic", **o),
            "3D flat": lambda o=options: warp_3d(image, flat, CAMERA, **o),
            "3D depth": lambda o=options: warp_3d(image, depth, CAMERA, **o),
        }
        for name, action in cases.items():
            results[f"{name} {backend}/{where}"] = _median_ms(action, repeat, where)
    return results


def depth_costs(device: str, repeat: int) -> dict[str, float]:
    from transformers import DPTConfig, DPTForDepthEstimation

    from lib_animation.motion.depth import inverse_depth_to_z
    from lib_animation.motion.depth_dpt import load_dpt

    results = {}
    with tempfile.TemporaryDirectory() as folder:
        DPTForDepthEstimation(DPTConfig()).save_pretrained(folder)
        net = load_dpt(Path(folder), device)
        rng = np.random.default_rng(0)
        for width, height in SIZES:
            image = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
            cost = _median_ms(lambda i=image: inverse_depth_to_z(net.infer(i)), repeat, device)
            results[f"DPT-Large depth {width}x{height} {device}"] = cost
        net.release()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="torch device for the torch path")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--depth", action="store_true", help="also time the depth network")
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    results: dict[str, float] = {}
    for width, height in SIZES:
        for name, cost in warp_costs(width, height, arguments.device, arguments.repeat).items():
            results[f"{name} {width}x{height}"] = cost
    if arguments.depth:
        results.update(depth_costs(arguments.device, max(5, arguments.repeat // 5)))
    if arguments.json:
        print(json.dumps(results))
        return
    for name, cost in results.items():
        print(f"{name:<44} {cost:8.2f} ms")


if __name__ == "__main__":
    main()
