"""The run manifest over a long run with long prompts (run by hand; prints medians, asserts
nothing): per-frame recording cost, process memory and file sizes, block by block.

.venv/bin/python bench/manifest_bench.py                  # 100,000 frames, 20,000-character prompts
.venv/bin/python bench/manifest_bench.py --frames 10000 --prompt-chars 20000

Each frame is recorded as the frame loop records it (`set_params` with the request's parameters
and a warp error, then `frame_written`, with the real 2 s status-save interval); no PNGs are
written, so the figures are the manifest's own. Flat columns mean the cost per frame does not
grow with the run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lib_animation.host import FrameRequest  # noqa: E402
from lib_animation.output.manifest import (  # noqa: E402
    FRAME_LOG_NAME,
    MANIFEST_NAME,
    ManifestRecorder,
    read_frame_log,
)


def rss_mib() -> float:
    """Resident memory now (Linux), in MiB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * 4096 / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--prompt-chars", type=int, default=20_000)
    parser.add_argument("--blocks", type=int, default=10)
    arguments = parser.parse_args()
    prompt = ("a lighthouse on a cliff at dusk, " * 1000)[: arguments.prompt_chars]
    negative = ("blurry, low quality, " * 1000)[: arguments.prompt_chars]
    block = max(1, arguments.frames // arguments.blocks)
    with tempfile.TemporaryDirectory() as folder:
        run = Path(folder)
        recorder = ManifestRecorder.start(run, "settings.json", arguments.frames)
        print(f"{arguments.frames} frames, prompts of {arguments.prompt_chars} characters")
        print(f"{'frames':>9} {'median us/frame':>16} {'RSS MiB':>8} {'log MiB':>8} "
              f"{'status B':>9}")
        start_rss = rss_mib()
        times: list[float] = []
        for index in range(arguments.frames):
            request = FrameRequest(frame=index, prompt=prompt, negative_prompt=negative,
                                   seed=1000 + index, width=512, height=512, steps=25,
                                   cfg_scale=7.0, sampler="DPM++ 2M", scheduler="Karras",
                                   checkpoint="v1-5-pruned-emaonly.safetensors")
            began = time.perf_counter()
            params = request.parameters()
            params["warp_error"] = 1.2345
            recorder.set_params(index, params)
            recorder.frame_written(index)
            times.append(time.perf_counter() - began)
            if (index + 1) % block == 0:
                log = (run / FRAME_LOG_NAME).stat().st_size / 2**20
                status = (run / MANIFEST_NAME).stat().st_size
                print(f"{index + 1:>9} {statistics.median(times) * 1e6:>16.1f} "
                      f"{rss_mib():>8.1f} {log:>8.2f} {status:>9}")
                times = []
        recorder.finish("finished")
        began = time.perf_counter()
        errors = read_frame_log(run, keys=("warp_error",))
        print(f"reading every frame's warp error back: {time.perf_counter() - began:.2f} s "
              f"({len(errors)} frames); memory grew {rss_mib() - start_rss:.1f} MiB in all")


if __name__ == "__main__":
    main()
