"""Time to plan the default settings (every schedule, seeds and prompts) for N frames.

    python bench/plan_bench.py [--frames 120 1000 10000 100000] [--repeat 15] [--json]

Prints the median of repeated runs per size; with --json one line per size:
{"frames": N, "median_s": x}. Parsing is cached after the first run, as it is in a real session
(the UI re-plans on every edit), so the figure is the cost of evaluating the plan.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib_animation.plan import make_plan  # noqa: E402
from lib_animation.schema import Settings  # noqa: E402

DEFAULT_SIZES = (120, 1_000, 10_000, 100_000)


def time_plan(frames: int, repeat: int) -> float:
    settings = Settings({"max_frames": frames, "seed": 1})
    make_plan(settings)
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        make_plan(settings)
        durations.append(time.perf_counter() - start)
    return statistics.median(durations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    for frames in arguments.frames:
        repeat = max(3, arguments.repeat if frames <= 10_000 else arguments.repeat // 3)
        median = time_plan(frames, repeat)
        if arguments.json:
            print(json.dumps({"frames": frames, "median_s": round(median, 6)}))
        else:
            print(f"{frames:>8} frames: {median * 1000:9.2f} ms median of {repeat}")


if __name__ == "__main__":
    main()
