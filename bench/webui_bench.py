"""The extension's own time per frame inside the WebUI, next to the command line's.

    python bench/webui_bench.py [--frames 60] [--repeat 3] [--size 512]

Both render the default 2D settings (cadence 2, 60 frames, 512x512, no video, with the quality
report) after one warm-up run, and time every generation call; what is left is the extension's
own work per frame (plan, warps, coherence, noise, tweens, frame writing, report, and for the
WebUI the processing object, the queue lock and the progress state). The WebUI is the fake host
of the tests (tests/fake_webui), loaded with the extension as the WebUI loads it; its processing
function stands in for the sampler, so only the time outside it counts. The command line uses the
preview host, which generates nothing. Run it with OMP_NUM_THREADS=1, as the WebUI on a CPU.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib_animation.host import PreviewHost  # noqa: E402
from lib_animation.runs import finish_run, render_run, start_run  # noqa: E402
from lib_animation.schema import Settings  # noqa: E402


def _settings(frames: int, size: int, name: str) -> Settings:
    return Settings({"W": size, "H": size, "max_frames": frames, "video_format": "none",
                     "seed": 1, "batch_name": name})


class _TimedPreviewHost(PreviewHost):
    def __init__(self) -> None:
        super().__init__()
        self.generating_s = 0.0

    def generate(self, request):
        started = time.perf_counter()
        try:
            return super().generate(request)
        finally:
            self.generating_s += time.perf_counter() - started


def cli_ms_per_frame(frames: int, size: int, folder: Path, index: int) -> float:
    host = _TimedPreviewHost()
    started = time.perf_counter()  # planning included, as in the WebUI's submit
    run = start_run(_settings(frames, size, f"cli{index}"), folder, host)
    finish_run(render_run(run, host).run)
    total = time.perf_counter() - started
    return (total - host.generating_s) * 1000 / frames


def webui_ms_per_frame(frames: int, size: int, folder: Path, index: int) -> float:
    from tests.fake_webui.webui import FakeWebUI

    for name in [name for name in sys.modules if name.startswith("lib_animation.webui")]:
        del sys.modules[name]  # a fresh fake host: the adapter binds to its new modules
    FakeWebUI(folder / f"webui{index}", extensions={"keyframes": ROOT}, args=["--api"]).start()
    from modules import processing

    from lib_animation.webui.entry import job_manager

    inside = [0.0]
    real = processing.process_images

    def timed(p):
        started = time.perf_counter()
        try:
            return real(p)
        finally:
            inside[0] += time.perf_counter() - started

    processing.process_images = timed
    manager = job_manager()
    started = time.perf_counter()
    job = manager.submit(_settings(frames, size, f"webui{index}"))
    while manager.get(job.id).state in ("queued", "running"):
        time.sleep(0.005)
    total = time.perf_counter() - started
    if manager.get(job.id).state != "done":
        raise SystemExit(f"the WebUI job ended {manager.get(job.id).state}")
    return (total - inside[0]) * 1000 / frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        sys.path.insert(0, str(ROOT / "tests" / "fake_webui"))
        webui = [webui_ms_per_frame(arguments.frames, arguments.size, folder, index)
                 for index in range(arguments.repeat + 1)][1:]
        cli = [cli_ms_per_frame(arguments.frames, arguments.size, folder, index)
               for index in range(arguments.repeat + 1)][1:]
    size = f"{arguments.size}x{arguments.size}"
    print(f"extension's own time per frame, {arguments.frames} frames at {size}, cadence 2, "
          f"median of {arguments.repeat}:")
    print(f"  inside the WebUI (fake host): {statistics.median(webui):6.2f} ms")
    print(f"  command line (preview host):  {statistics.median(cli):6.2f} ms")
    print(f"  ratio: {statistics.median(webui) / statistics.median(cli):.2f}")


if __name__ == "__main__":
    main()
