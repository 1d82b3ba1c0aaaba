"""Per-frame cost of hybrid video next to the plain 2D frame, and the hybrid flow of a 512x512
pair next to the cadence flow tween.

    python bench/hybrid_bench.py [stages] [render] [raft] [--repeat 20] [--device cpu] [--json]

stages: median time per call at 512x512 and 1024x576 of each hybrid step (a composite without
        and with a mask, a Perspective or Affine matrix estimated and applied, one optical flow
        of each method estimated and applied, with and without the consistency check), each as
        a ratio to the plain 2D frame's work (`render_bench.py`'s default 2D frame, cadence 1:
        warp, colour match, anti-blur and noise), and the flows as a ratio to the cadence flow
        tween (two DIS Medium flows, two warps and a cross-fade; the other methods' tweens are
        listed too). The matrices' cost is SIFT's on the frames' detail: the bench's frames are
        dense 8x8 blocks, far more detailed than most video.
render: frames per second of a 48-frame 512x512 preview render in 2D from a panning video,
        without hybrid video, with a Normal composite, and with Optical Flow (DIS Medium)
        motion plus the composite (medians of 3 runs).
raft:   median time of one RAFT flow (50 updates) at 512x512 and 1024x576 on --device, with
        random weights of the published architecture (the cost does not depend on the weights;
        nothing is downloaded), next to the DIS Fine flow.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.render_bench import _image, _median_ms  # noqa: E402
from lib_animation.imaging.color import ColorMatcher  # noqa: E402
from lib_animation.imaging.composite import CompositeOptions, hybrid_composite  # noqa: E402
from lib_animation.imaging.noise import add_noise  # noqa: E402
from lib_animation.imaging.sharpen import unsharp_mask  # noqa: E402
from lib_animation.motion.flow import estimate_flow, warp_by_flow  # noqa: E402
from lib_animation.motion.hybrid import estimate_matrix, hybrid_flow, move_by_matrix  # noqa: E402
from lib_animation.motion.warp2d import Motion2D, warp_2d  # noqa: E402
from lib_animation.render import cross_fade  # noqa: E402

SIZES = ((512, 512), (1024, 576))
DEFAULT_ZOOM = Motion2D(zoom=1.0025 + 0.002 * np.sin(1.25 * 3.14 / 30))
PAN = Motion2D(translation_x=3, angle=0.4)
PLAIN = "plain 2D frame (warp, colour match, anti-blur, noise)"
CADENCE_TWEEN = "cadence flow tween (DIS Medium)"


def stage_costs(width: int, height: int, repeat: int) -> dict[str, float]:
    render = _image(width, height)
    video = warp_2d(render, PAN)
    later = warp_2d(video, PAN)
    matcher = ColorMatcher(video, "LAB")
    masked = CompositeOptions(alpha=0.5, mask_type="Difference", auto_contrast=True,
                              cutoff_low=5, cutoff_high=95, equalize="Both")

    def plain() -> np.ndarray:
        image = matcher(warp_2d(render, DEFAULT_ZOOM))
        image = unsharp_mask(image, amount=0.1, kernel=5, sigma=1)
        return add_noise(image, 0.065, seed=7)

    def cadence_tween(method: str):
        def tween() -> np.ndarray:
            forward = warp_by_flow(render, estimate_flow(render, video, method), 0.5)
            backward = warp_by_flow(video, estimate_flow(video, render, method), 0.5)
            return cross_fade(forward, backward, 0.5)
        return tween

    def flow(method: str, consistency: bool):
        return lambda: warp_by_flow(render, hybrid_flow(video, later, method,
                                                        consistency=consistency, blur=2))

    stages = {
        PLAIN: plain,
        CADENCE_TWEEN: cadence_tween("dis_medium"),
        "cadence flow tween (DIS Fine)": cadence_tween("dis_fine"),
        "cadence flow tween (Farneback)": cadence_tween("farneback"),
        "composite, no mask": lambda: hybrid_composite(render, video, CompositeOptions(0.5)),
        "composite, Difference mask + auto-contrast + equalize": lambda: hybrid_composite(
            render, video, masked),
        "Affine: estimate + move": lambda: move_by_matrix(
            render, estimate_matrix(video, later, "Affine")),
        "Perspective: estimate + move": lambda: move_by_matrix(
            render, estimate_matrix(video, later, "Perspective")),
        "Optical Flow DIS Medium: flow + move": flow("dis_medium", False),
        "Optical Flow DIS Fine: flow + move": flow("dis_fine", False),
        "Optical Flow Farneback: flow + move": flow("farneback", False),
        "Optical Flow DIS Medium + consistency": flow("dis_medium", True),
    }
    return {name: _median_ms(action, repeat) for name, action in stages.items()}


def raft_costs(device: str, repeat: int) -> dict[str, float]:
    from lib_animation.motion.raft import Raft, RaftFlow

    model = RaftFlow(Raft().eval(), device)
    costs = {}
    for width, height in SIZES:
        first = _image(width, height)
        second = warp_2d(first, PAN)
        costs[f"RAFT flow {width}x{height} ({device})"] = _median_ms(
            lambda a=first, b=second: model(a, b), repeat)
        costs[f"DIS Fine flow {width}x{height}"] = _median_ms(
            lambda a=first, b=second: estimate_flow(a, b, "dis_fine"), repeat)
    return costs


def _write_video(path: Path, frames: int, size: int) -> None:
    scene = _image(size + 3 * frames, size)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=15, options={"crf": "18"})
        stream.width, stream.height, stream.pix_fmt = size, size, "yuv420p"
        for index in range(frames):
            picture = np.ascontiguousarray(scene[:, 3 * index: 3 * index + size])
            frame = av.VideoFrame.from_ndarray(picture, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


VARIANTS = {
    "2D, no hybrid": {},
    "2D + Normal composite": {"hybrid_composite": "Normal"},
    "2D + Optical Flow (DIS Medium) + composite": {
        "hybrid_composite": "Normal", "hybrid_motion": "Optical Flow",
        "hybrid_flow_method": "DIS Medium"},
}  # fmt: skip


def render_speed(repeat: int = 3, frames: int = 48, size: int = 512) -> dict[str, float]:
    rates: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        video = out / "pan.mp4"
        _write_video(video, frames, size)
        for _ in range(repeat):
            for name, extra in VARIANTS.items():
                settings = {"max_frames": frames, "W": size, "H": size, "seed": 1,
                            "video_format": "none", "video_init_path": str(video), **extra}
                file = out / "bench.json"
                file.write_text(json.dumps(settings))
                command = [sys.executable, "-m", "lib_animation", "render", str(file), "--out",
                           str(out), "--no-report"]
                start = time.perf_counter()
                subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
                rates[name].append(frames / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="*", choices=["stages", "render", "raft"],
                        default=["stages"])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--device", default="cpu", help="torch device of the raft bench")
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    results: dict[str, object] = {}
    if "stages" in arguments.what:
        for width, height in SIZES:
            costs = stage_costs(width, height, arguments.repeat)
            results[f"stages {width}x{height} (ms)"] = costs
            if not arguments.json:
                print(f"\n{width}x{height}: median ms, x plain 2D frame, x cadence flow tween")
                for name, ms in costs.items():
                    print(f"  {name:58s} {ms:8.2f}  {ms / costs[PLAIN]:5.2f}x  "
                          f"{ms / costs[CADENCE_TWEEN]:5.2f}x")
    if "render" in arguments.what:
        speeds = render_speed()
        results["render 512x512 (frames/s)"] = speeds
        if not arguments.json:
            print("\n48-frame 512x512 preview render, frames/s (median of 3)")
            for name, rate in speeds.items():
                print(f"  {name:45s} {rate:6.2f}")
    if "raft" in arguments.what:
        costs = raft_costs(arguments.device, min(arguments.repeat, 3))
        results["raft (ms)"] = costs
        if not arguments.json:
            print("\none flow, median ms")
            for name, ms in costs.items():
                print(f"  {name:45s} {ms:10.1f}")
    if arguments.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
