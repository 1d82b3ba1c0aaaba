"""Per-frame cost of each render stage, the preview render's speed, and its peak memory.

    python bench/render_bench.py [stages] [render] [memory] [--repeat 30] [--json]

stages: median time per call of every stage at 512x512 and 1024x576, and the per-frame work of
        the default 2D settings (warp every frame; coherence, anti-blur and noise every diffused
        frame; a backward warp and a cross-fade per tween), PNG writing excluded: it runs on the
        writer thread.
render: frames per second of a whole 120-frame preview render of the default 2D settings at
        512x512 (frames, manifest and MP4; medians of 3 runs).
memory: peak resident memory of a preview render (with its MP4 and report) of 120 vs 1,200
        frames at 128x128, each in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib_animation.atomic_files import write_atomic  # noqa: E402
from lib_animation.imaging.color import ColorMatcher  # noqa: E402
from lib_animation.imaging.noise import add_noise  # noqa: E402
from lib_animation.imaging.sharpen import unsharp_mask  # noqa: E402
from lib_animation.motion.flow import estimate_flow, warp_by_flow  # noqa: E402
from lib_animation.motion.perspective_flip import PerspectiveFlip  # noqa: E402
from lib_animation.motion.resample import warp_perspective_opencv  # noqa: E402
from lib_animation.motion.warp2d import Motion2D, matrix_2d, warp_2d  # noqa: E402
from lib_animation.motion.warp3d import Motion3D, warp_3d  # noqa: E402
from lib_animation.png_frames import encode_png  # noqa: E402
from lib_animation.render import cross_fade  # noqa: E402

SIZES = ((512, 512), (1024, 576))
DEFAULT_ZOOM = Motion2D(zoom=1.0025 + 0.002 * np.sin(1.25 * 3.14 / 30))
FLIPPED = Motion2D(zoom=1.01, angle=0.5, translation_x=1.5,
                   flip=PerspectiveFlip(theta=1, phi=2, gamma=3, fv=53))
CAMERA = Motion3D(translation_x=2, translation_z=1.75, rotation_y=0.5)


def _image(width: int, height: int) -> np.ndarray:
    rng = np.random.default_rng(0)
    coarse = rng.integers(0, 256, size=(height // 8, width // 8, 3), dtype=np.uint8)
    return np.ascontiguousarray(np.repeat(np.repeat(coarse, 8, 0), 8, 1))


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    action()
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        durations.append(time.perf_counter() - start)
    return statistics.median(durations) * 1000


def stage_costs(width: int, height: int, repeat: int, folder: Path) -> dict[str, float]:
    image = _image(width, height)
    other = warp_2d(image, Motion2D(translation_x=3))
    flat = np.ones((height, width), np.float32)
    matcher = ColorMatcher(other, "LAB")
    inverse_matrix = matrix_2d(DEFAULT_ZOOM, width, height)
    png = folder / "frame.png"

    def flow_tween() -> np.ndarray:
        forward = warp_by_flow(image, estimate_flow(image, other, "dis_medium"), 0.5)
        backward = warp_by_flow(other, estimate_flow(other, image, "dis_medium"), 0.5)
        return cross_fade(forward, backward, 0.5)

    stages = {
        "warp 2D": lambda: warp_2d(image, DEFAULT_ZOOM),
        "warp 2D + perspective flip": lambda: warp_2d(image, FLIPPED),
        "warp 3D flat depth (bicubic)": lambda: warp_3d(image, flat, CAMERA),
        "colour match LAB": lambda: matcher(image),
        "anti-blur (kernel 5)": lambda: unsharp_mask(image, amount=0.1, kernel=5, sigma=1),
        "perlin noise (4 octaves)": lambda: add_noise(image, 0.065, seed=7),
        "tween cross-fade (backward warp + blend)": lambda: cross_fade(
            image, warp_perspective_opencv(other, inverse_matrix, "replicate", "bilinear"), 0.5),
        "tween by flow (DIS Medium)": flow_tween,
        "PNG write (writer thread)": lambda: write_atomic(png, encode_png(image)),
    }
    costs = {name: _median_ms(action, repeat) for name, action in stages.items()}
    costs["default 2D per frame, cadence 2 (no PNG)"] = (
        costs["warp 2D"]
        + (costs["colour match LAB"] + costs["anti-blur (kernel 5)"]
           + costs["perlin noise (4 octaves)"]) / 2
        + costs["tween cross-fade (backward warp + blend)"] / 2
    )
    return costs


def _render_command(frames: int, size: int, out: Path, extra: dict) -> list[str]:
    settings = {"max_frames": frames, "W": size, "H": size, "seed": 1, **extra}
    file = out / f"bench_{frames}.json"
    file.write_text(json.dumps(settings))
    return [sys.executable, "-m", "lib_animation", "render", str(file), "--out", str(out)]


def render_speed(repeat: int = 3) -> float:
    rates = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            command = _render_command(120, 512, Path(folder), {"video_format": "mp4"})
            command.append("--no-report")
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
            rates.append(120 / (time.perf_counter() - start))
    return statistics.median(rates)


def peak_memory_mib(frames: int) -> float:
    """Peak RSS of one render, measured by a fresh wrapper process around it."""
    wrapper = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    with tempfile.TemporaryDirectory() as folder:
        command = _render_command(frames, 128, Path(folder), {})
        done = subprocess.run([sys.executable, "-c", wrapper, *command], cwd=ROOT, check=True,
                              capture_output=True, text=True)
        return int(done.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="*", default=["stages", "render", "memory"])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    results: dict[str, object] = {}
    if "stages" in arguments.what:
        with tempfile.TemporaryDirectory() as folder:
            for width, height in SIZES:
                costs = stage_costs(width, height, arguments.repeat, Path(folder))
                results[f"stages_ms_{width}x{height}"] = costs
                if not arguments.json:
                    print(f"per-call medians at {width}x{height}:")
                    for name, cost in costs.items():
                        print(f"  {name:<44} {cost:8.2f} ms")
    if "render" in arguments.what:
        results["preview_render_fps_120_frames_512"] = render_speed()
        if not arguments.json:
            print(f"preview render, 120 frames at 512x512 with MP4: "
                  f"{results['preview_render_fps_120_frames_512']:.1f} fps (median of 3)")
    if "memory" in arguments.what:
        for frames in (120, 1200):
            results[f"peak_rss_mib_{frames}_frames"] = peak_memory_mib(frames)
            if not arguments.json:
                print(f"peak memory, {frames} frames at 128x128 with MP4 and report: "
                      f"{results[f'peak_rss_mib_{frames}_frames']:.0f} MiB")
    if arguments.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
