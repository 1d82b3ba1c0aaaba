"""Benchmarks of the output side (run by hand; prints medians, asserts nothing).

.venv/bin/python bench/output_bench.py png
.venv/bin/python bench/output_bench.py mp4
.venv/bin/python bench/output_bench.py memory
.venv/bin/python bench/output_bench.py finish [--repeat 3]

finish: a 120-frame 512x512 preview render of the default 2D settings with an MP4 and the
report: `finish_run`'s ms per frame when it reads every frame back (the stream and the recorded
metrics deleted first, as for a run rendered before they existed) and when it muxes the stream
and reads the metrics; and the frame loop's ms per frame with the video streamed (and the
report's work: warp error in the loop, metrics on the writer thread), without a video, and
without either. Medians of --repeat renders.
"""

from __future__ import annotations

import io
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from skimage import data

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lib_animation.output.frames import FrameWriter  # noqa: E402
from lib_animation.output.video import VideoOptions, encode_video  # noqa: E402
from lib_animation.png_frames import encode_png, frame_path  # noqa: E402


def natural_frame(index: int, size: int = 512) -> np.ndarray:
    """A photo panning slowly: realistic content for PNG and H.264."""
    photo = cv2.resize(data.astronaut(), (size + 200, size + 200), interpolation=cv2.INTER_AREA)
    offset = index % 200
    return np.ascontiguousarray(photo[offset : offset + size, offset : offset + size])


def median_ms(function, repeats: int = 30) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def bench_png() -> None:
    image = natural_frame(0)
    for level in (1, 3, 6):
        ms = median_ms(lambda level=level: encode_png(image, level))
        print(f"ours (Up filter) level {level}: {ms:6.1f} ms/frame, "
              f"{len(encode_png(image, level))} bytes")
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    for level in (1, 3, 6):
        flags = [cv2.IMWRITE_PNG_COMPRESSION, level]
        ms = median_ms(lambda flags=flags: cv2.imencode(".png", bgr, flags))
        print(f"cv2 level {level}: {ms:6.1f} ms/frame, {len(cv2.imencode('.png', bgr, flags)[1])} "
              "bytes")
    for level in (1, 3, 6):

        def pil(level: int = level) -> bytes:
            buffer = io.BytesIO()
            Image.fromarray(image).save(buffer, format="PNG", compress_level=level)
            return buffer.getvalue()

        print(f"PIL level {level}: {median_ms(pil):6.1f} ms/frame, {len(pil())} bytes")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        with FrameWriter(Path(folder)) as writer:
            for index in range(60):
                writer.submit(index, image)
        total = time.perf_counter() - start
        print(f"FrameWriter (encode + fsync + rename), 60 frames: {total / 60 * 1000:.1f} ms/frame")


def write_frames(folder: Path, count: int, size: int) -> list[Path]:
    with FrameWriter(folder) as writer:
        for index in range(count):
            writer.submit(index, natural_frame(index, size))
    return [frame_path(folder, index) for index in range(count)]


def bench_mp4() -> None:
    with tempfile.TemporaryDirectory() as folder:
        frames = write_frames(Path(folder), 120, 512)
        for preset in ("slow", "medium", "veryfast"):
            times = []
            for _ in range(3):
                start = time.perf_counter()
                encode_video(frames, Path(folder) / "out.mp4", VideoOptions(fps=15, preset=preset))
                times.append(time.perf_counter() - start)
            seconds = statistics.median(times)
            print(
                f"MP4 preset {preset}: 120 frames 512x512 in {seconds:.2f} s = "
                f"{120 / seconds:.0f} fps (median of 3, PNG decoding included)"
            )


def encode_once(folder: Path, count: int) -> None:
    """Child process: encode the first `count` frames of `folder` to MP4 and GIF, print peaks."""
    frames = [frame_path(folder, index) for index in range(count)]
    tracemalloc.start()
    encode_video(frames, folder / f"out{count}.mp4", VideoOptions(fps=15, preset="veryfast"))
    encode_video(frames, folder / f"out{count}.gif", VideoOptions(fps=15))
    _, traced = tracemalloc.get_traced_memory()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{count:5d} frames of 256x256 to MP4 + GIF: peak RSS {peak / 1024:.1f} MiB, "
        f"peak traced Python/numpy memory {traced / 1024:.0f} KiB"
    )


def bench_memory() -> None:
    with tempfile.TemporaryDirectory() as folder:
        write_frames(Path(folder), 1200, 256)
        for count in (120, 1200):
            command = [sys.executable, __file__, "encode-once", folder, str(count)]
            subprocess.run(command, check=True)


FINISH_FRAMES = 120


def _timed_render(folder: Path, video_format: str, report_work: bool):
    """A preview render of the default 2D settings; (the run, loop ms per frame)."""
    from lib_animation.host import PreviewHost
    from lib_animation.render_options import RenderOptions
    from lib_animation.runs import render_run, start_run
    from lib_animation.schema import Settings, defaults

    settings = Settings(defaults()).replace(W=512, H=512, max_frames=FINISH_FRAMES,
                                            video_format=video_format, batch_name="bench")
    host = PreviewHost()
    run = start_run(settings, folder, host)
    start = time.perf_counter()
    render_run(run, host, RenderOptions(quality_metrics=report_work))
    return run, (time.perf_counter() - start) * 1000 / FINISH_FRAMES


def _finish_once(folder: Path, streamed: bool) -> tuple[float, float]:
    """One render and its finish; (loop ms per frame, finish ms per frame)."""
    from lib_animation.output.frame_metrics import metrics_log_path
    from lib_animation.output.video_stream import discard_stream
    from lib_animation.runs import finish_run

    run, loop = _timed_render(folder, "mp4", streamed)
    if not streamed:
        discard_stream(run.folder)
        metrics_log_path(run.folder).unlink(missing_ok=True)
    start = time.perf_counter()
    finish_run(run)
    return loop, (time.perf_counter() - start) * 1000 / FINISH_FRAMES


def _loop_without_video(folder: Path, report_work: bool) -> float:
    return _timed_render(folder, "none", report_work)[1]


def bench_finish(repeat: int) -> None:
    results: dict[str, list[float]] = {}
    for _ in range(repeat):
        for streamed in (False, True):
            with tempfile.TemporaryDirectory() as folder:
                loop, finish = _finish_once(Path(folder), streamed)
            kind = "streamed video + recorded metrics" if streamed else "read back from PNGs"
            results.setdefault(f"finish_run, {kind}", []).append(finish)
            if streamed:
                results.setdefault("loop, MP4 streamed, report work", []).append(loop)
        for report_work in (True, False):
            with tempfile.TemporaryDirectory() as folder:
                label = "report work" if report_work else "no report work"
                results.setdefault(f"loop, no video, {label}", []).append(
                    _loop_without_video(Path(folder), report_work))
    print(f"{FINISH_FRAMES} frames 512x512, default 2D settings, preview host, MP4 + report "
          f"(medians of {repeat}):")
    for label, values in results.items():
        print(f"  {label}: {statistics.median(values):6.2f} ms/frame")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "png"
    if command == "png":
        bench_png()
    elif command == "mp4":
        bench_mp4()
    elif command == "memory":
        bench_memory()
    elif command == "finish":
        bench_finish(int(sys.argv[3]) if sys.argv[2:3] == ["--repeat"] else 3)
    elif command == "encode-once":
        encode_once(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        raise SystemExit(__doc__)
