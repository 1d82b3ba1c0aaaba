"""What a batch costs on top of its runs: planning and checking every item before the first
frame, placing each run (its folder, the queue, with --ray a Ray task on a free WebUI) and
gathering (the summary and the contact sheet), per run, next to the time of the run itself.

    python bench/batch_bench.py [--runs 6] [--frames 24] [--size 256] [--ray] [--json]

Runs render with the preview host; with --ray they render on two stand-in WebUIs (the tests'
HTTP stand-in on 127.0.0.1) through a local Ray cluster, whose start-up is printed apart.
Prints medians per run in milliseconds; with --json one line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib_animation.batches import (  # noqa: E402
    BaseSettings,
    Sweep,
    Worker,
    batch_summary,
    check_items,
    create_batch_folder,
    expand,
    run_on_workers,
    write_contact_sheet,
    write_summary,
)
from lib_animation.batches.batch_file import BatchSpec  # noqa: E402
from lib_animation.host import PreviewHost  # noqa: E402
from lib_animation.schema import Settings  # noqa: E402


def settings(frames: int, size: int) -> Settings:
    return Settings({"animation_mode": "2D", "max_frames": frames, "W": size, "H": size,
                     "zoom": "0:(1.02)", "angle": "0:(0.5)", "video_format": "none",
                     "sampler": "Euler a", "animation_prompts": {"0": "a lighthouse"}})


def run(arguments: argparse.Namespace, folder: Path) -> dict[str, float]:
    sweep = Sweep({"seed": tuple(range(1, arguments.runs + 1))})
    clock = time.perf_counter()
    items = expand([BaseSettings("bench", settings(arguments.frames, arguments.size))], sweep)
    check_items(items)
    planning = time.perf_counter() - clock
    clock = time.perf_counter()
    batch = create_batch_folder(BatchSpec(tuple(items), sweep), folder, "bench")
    placing = time.perf_counter() - clock
    startup = 0.0
    clock = time.perf_counter()
    if arguments.ray:
        outcomes, startup = on_ray(items, batch)
    else:
        outcomes = run_on_workers(items, batch, [Worker("preview", PreviewHost)], report=False)
    running = time.perf_counter() - clock - startup
    clock = time.perf_counter()
    write_summary(batch, batch_summary(batch, items, outcomes))
    write_contact_sheet(batch, items)
    gathering = time.perf_counter() - clock
    runs = [outcome.elapsed_s for outcome in outcomes.values()]
    workers = 2 if arguments.ray else 1
    # Runs overlap on several workers: the placement left is the wall time not spent in runs.
    placement = max(0.0, running - sum(runs) / workers) / len(runs) + placing / len(runs)
    return {"runs": len(runs), "frames": arguments.frames, "run_ms": 1000 * statistics.median(runs),
            "planning_ms": 1000 * planning / len(runs), "placement_ms": 1000 * placement,
            "gathering_ms": 1000 * gathering / len(runs), "ray_start_s": startup}


def on_ray(items, batch: Path):
    import ray

    from lib_animation.batches.ray_executor import connect_ray
    from tests.batches.stand_in import start_webui

    webuis = [start_webui(), start_webui()]
    clock = time.perf_counter()
    executor = connect_ray("local", [webui.url for webui in webuis])
    executor.check(items)
    startup = time.perf_counter() - clock
    try:
        return executor.run(items, batch, report=False), startup
    finally:
        for webui in webuis:
            webui.stop()
        ray.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--ray", action="store_true")
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        figures = run(arguments, Path(folder))
    if arguments.json:
        print(json.dumps(figures))
        return
    where = "Ray, 2 stand-in WebUIs" if arguments.ray else "preview host, 1 worker"
    print(f"{figures['runs']} runs of {figures['frames']} frames ({where}); per run:")
    print(f"  the run itself  {figures['run_ms']:9.1f} ms (median)")
    for name in ("planning", "placement", "gathering"):
        share = figures[f"{name}_ms"] / figures["run_ms"] if figures["run_ms"] else 0.0
        print(f"  {name:<15} {figures[f'{name}_ms']:9.1f} ms ({share:.1%} of a run)")
    if arguments.ray:
        print(f"  (Ray start-up and name checks, once: {figures['ray_start_s']:.1f} s)")


if __name__ == "__main__":
    main()
