"""Per-frame cost of the frame loop as it runs, of each render stage, the preview render's
speed, and its peak memory.

    python bench/render_bench.py [loop] [stages] [render] [memory] [--repeat 30] [--json]

loop:   the real frame loop (`render_run`) with the preview host over the shipped 2D preset
        (2d-zoom-rotate: cadence 2, noise, LAB coherence) and the 3D preset on a flat depth, at
        512x512, video and report drawing excluded: ms per output frame, with and without the
        quality report's in-loop work, on one thread and on OpenCV's default threads (medians
        of --loop-repeat runs), and the split of that same loop by stage, timed around the
        loop's own methods. The preview host's generation is its own line; the frame writer's
        thread, which runs beside the loop, is the last.
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
from lib_animation.output.frames import FrameWriter  # noqa: E402
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


LOOP_PRESETS = ("2d-zoom-rotate", "3d-fly-through")
LOOP_FRAMES = 48
# The frame loop's stages: methods of the loop, none of which calls another of them.
LOOP_STAGES = {
    "_move_forward": "warp forward",
    "_backward_chain": "warp backward (tweens)",
    "_prepare": "init: coherence, contrast, anti-blur, noise",
    "_host_generate": "generation (preview host)",
    "_finish": "after generation: colour match",
    "_tween": "tween blend",
    "_warp_error": "quality report: warp error",
    "_predict_depth": "depth",
}
# The frame writer's thread, beside the loop: PNG encoding and writing, and the report's metrics.
WRITER = "writer"
WRITER_LABEL = "beside the loop: frame writer thread (PNG, report metrics)"


def _loop_run(preset: str, folder: Path, quality_metrics: bool,
              stage_totals: dict[str, float] | None) -> float:
    """One preview render of `preset`'s frame loop; returns ms per output frame."""
    from lib_animation import render
    from lib_animation.host import PreviewHost
    from lib_animation.presets import load_preset
    from lib_animation.render_options import RenderOptions
    from lib_animation.runs import render_run, start_run
    from lib_animation.schema import Settings

    values = load_preset(preset).settings.to_dict()
    values.update(W=512, H=512, max_frames=LOOP_FRAMES, video_format="None")
    host = PreviewHost()
    run = start_run(Settings(values), folder, host)
    originals = {name: getattr(render._FrameLoop, name) for name in LOOP_STAGES}
    write = FrameWriter._write
    if stage_totals is not None:
        for name, method in originals.items():
            setattr(render._FrameLoop, name, _timed(method, name, stage_totals))
        FrameWriter._write = _timed(write, WRITER, stage_totals)
    try:
        start = time.perf_counter()
        render_run(run, host, RenderOptions(quality_metrics=quality_metrics))
        elapsed = time.perf_counter() - start
    finally:
        for name, method in originals.items():
            setattr(render._FrameLoop, name, method)
        FrameWriter._write = write
    return elapsed * 1000 / LOOP_FRAMES


def _timed(method: Callable, name: str, totals: dict[str, float]) -> Callable:
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            totals[name] = totals.get(name, 0.0) + time.perf_counter() - start
    return timed


def loop_costs(repeat: int) -> dict[str, object]:
    import cv2

    results: dict[str, object] = {}
    default_threads = cv2.getNumThreads()
    for preset in LOOP_PRESETS:
        for threads in (1, default_threads):
            cv2.setNumThreads(threads)
            for metrics in (True, False):
                costs = []
                for _ in range(repeat):
                    with tempfile.TemporaryDirectory() as folder:
                        costs.append(_loop_run(preset, Path(folder), metrics, None))
                label = "with report work" if metrics else "without report work"
                results[f"{preset}, {threads} thread(s), {label}"] = statistics.median(costs)
        cv2.setNumThreads(1)
        splits = []
        for _ in range(repeat):
            totals: dict[str, float] = {}
            with tempfile.TemporaryDirectory() as folder:
                whole = _loop_run(preset, Path(folder), True, totals)
            writer = totals.pop(WRITER, 0.0) * 1000 / LOOP_FRAMES
            staged = {LOOP_STAGES[name]: seconds * 1000 / LOOP_FRAMES
                      for name, seconds in totals.items()}
            staged["rest of the loop (planning, handoff to the PNG writer)"] = \
                whole - sum(staged.values())
            staged[WRITER_LABEL] = writer
            splits.append(staged)
        results[f"{preset}, 1 thread, split"] = {
            stage: statistics.median(split.get(stage, 0.0) for split in splits)
            for stage in splits[0]}
    cv2.setNumThreads(default_threads)
    return results


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
    parser.add_argument("what", nargs="*", default=["loop", "stages", "render", "memory"])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--loop-repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    results: dict[str, object] = {}
    if "loop" in arguments.what:
        results["loop_ms_per_output_frame_512"] = loops = loop_costs(arguments.loop_repeat)
        if not arguments.json:
            print(f"frame loop at 512x512, ms per output frame (median of "
                  f"{arguments.loop_repeat} runs of {LOOP_FRAMES} frames):")
            for name, value in loops.items():
                if isinstance(value, dict):
                    print(f"  {name}:")
                    for stage, cost in value.items():
                        print(f"    {stage:<56} {cost:7.2f}")
                else:
                    print(f"  {name:<58} {value:7.2f}")
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
