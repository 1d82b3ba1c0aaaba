"""`python -m lib_animation render`: a new run or a resumed one, with a progress bar."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from lib_animation.host import PreviewHost
from lib_animation.http_host import WebUIHttpHost
from lib_animation.motion.depth import DepthModelCache
from lib_animation.motion.frame_motion import WarpOptions
from lib_animation.output.finish import RunOutputs
from lib_animation.presets import load_file_or_preset, user_presets_dir
from lib_animation.render import RenderOptions, RenderProgress
from lib_animation.runs import RenderResult, finish_run, open_run, render_run, start_run
from lib_animation.schema import Mode

BAR_WIDTH = 24
PLAIN_UPDATE_S = 2.0
EXIT_OK = 0
EXIT_INTERRUPTED = 130


def run_render(arguments: argparse.Namespace) -> int:
    device = _torch_device() if arguments.backend == "torch" else None
    options = RenderOptions(
        warp=WarpOptions(backend=arguments.backend, device=device),
        models_dir=Path(arguments.models_dir) if arguments.models_dir else None,
        depth_device=device or "cpu",
        depth_progress=DownloadProgress(sys.stderr),
        depth_cache=DepthModelCache(),
    )
    host = _host(arguments)
    if arguments.resume:
        run = open_run(Path(arguments.resume), host)
    else:
        loaded = load_file_or_preset(arguments.file, user_presets_dir())
        _warn(arguments.file, loaded.warnings)
        run = start_run(loaded.settings, Path(arguments.out), host)
        _warn(arguments.file, run.warnings)
    print(f"run folder: {run.folder}", file=sys.stderr)
    settings = run.plan.settings
    flat = settings.use_depth_warping and not options.models_dir
    if settings.animation_mode == Mode.THREE_D and flat:
        print(f"note: 3D renders on a flat depth plane; pass --models-dir DIR to use "
              f"{settings.depth_algorithm} (downloaded there on first use)", file=sys.stderr)
    bar = ProgressBar(sys.stderr)
    with _stop_on_first_ctrl_c(host):
        result = render_run(run, host, options, on_progress=bar.update)
    bar.close()
    if result.interrupted:
        print(f"interrupted after {result.completed} of {run.plan.max_frames} frames; "
              f"continue with: python -m lib_animation render --resume {run.folder}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    outputs = finish_run(run, report=not arguments.no_report)
    print(summary(result, outputs), file=sys.stderr)
    return EXIT_OK


def _warn(source: str, warnings) -> None:
    for warning in warnings:
        print(f"{source}: warning: {warning}", file=sys.stderr)


def _host(arguments: argparse.Namespace) -> PreviewHost | WebUIHttpHost:
    if arguments.host == "webui":
        return WebUIHttpHost(arguments.url, auth=arguments.api_auth)
    return PreviewHost()


def _torch_device() -> str:
    """The GPU when torch sees one, else the CPU."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class _stop_on_first_ctrl_c:
    """First Ctrl-C: finish the frame being made, then stop cleanly (resumable).
    Second Ctrl-C: stop at once."""

    def __init__(self, host: PreviewHost | WebUIHttpHost) -> None:
        self.host = host

    def __enter__(self) -> None:
        self.previous = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, _signal, _frame) -> None:
        if self.host.interrupted():
            raise KeyboardInterrupt
        print("\nstopping after this frame (Ctrl-C again to stop now)", file=sys.stderr)
        self.host.interrupt()

    def __exit__(self, *_exc) -> None:
        signal.signal(signal.SIGINT, self.previous)


class ProgressBar:
    """frame i/N, frames per second and time left; redrawn in place on a terminal, one line
    every few seconds otherwise (logs, CI)."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.last_plain = 0.0
        self.drawn = False

    def update(self, progress: RenderProgress) -> None:
        line = progress_line(progress)
        if self.interactive:
            self.stream.write("\r" + line)
            self.stream.flush()
            self.drawn = True
        elif progress.done == progress.total or (
            time.monotonic() - self.last_plain >= PLAIN_UPDATE_S
        ):
            self.stream.write(line + "\n")
            self.last_plain = time.monotonic()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")


class DownloadProgress:
    """Depth-model downloads: one line per file every 10 percent."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.shown: dict[str, int] = {}

    def __call__(self, done: int, total: int, text: str) -> None:
        step = done * 10 // total if total else 0
        if self.shown.get(text) == step:
            return
        self.shown[text] = step
        size = f"{done / 2**20:.0f}/{total / 2**20:.0f} MiB" if total else f"{done / 2**20:.0f} MiB"
        self.stream.write(f"{text}: {size}\n")


def progress_line(progress: RenderProgress) -> str:
    filled = round(BAR_WIDTH * progress.done / max(progress.total, 1))
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    left = progress.seconds_left
    eta = "--:--" if left is None else _clock(left)
    return (f"[{bar}] frame {progress.done}/{progress.total}  "
            f"{progress.frames_per_second:5.1f} fps  {eta} left")


def _clock(seconds: float) -> str:
    minutes, second = divmod(int(round(seconds)), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"


def summary(result: RenderResult, outputs: RunOutputs) -> str:
    plan = result.run.plan
    made = plan.max_frames - result.resumed_from
    rate = made / result.elapsed_s if result.elapsed_s > 0 else 0.0
    lines = [
        f"rendered {made} frames in {result.elapsed_s:.1f} s ({rate:.1f} fps), "
        f"{result.generations} generations; {plan.max_frames} frames in {result.run.folder}",
    ]
    if outputs.video:
        lines.append(f"video:  {outputs.video}")
    if outputs.gif:
        lines.append(f"gif:    {outputs.gif}")
    if outputs.report_json:
        lines.append(f"report: {outputs.report_json} and {outputs.report_png}")
    return "\n".join(lines)
