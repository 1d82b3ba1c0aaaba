"""`python -m lib_animation render`: a new run or a resumed one, with a progress bar."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import time
from pathlib import Path

from lib_animation.errors import RenderError
from lib_animation.host import PreviewHost
from lib_animation.http_host import DEFAULT_URL, WebUIHttpHost
from lib_animation.presets import load_file_or_preset, user_presets_dir
from lib_animation.runs import (
    INTERPOLATE_STAGE,
    UPSCALE_STAGE,
    DepthModelCache,
    EngineSetup,
    InterpolateChoice,
    InterpolatedOutputs,
    RenderOptions,
    RenderProgress,
    RenderResult,
    RunOutputs,
    UpscaleChoice,
    UpscaledOutputs,
    UrlFetcher,
    WarpOptions,
    check_render_options,
    describe_host,
    finish_run,
    host_identity,
    interpolate_earlier_run,
    interpolate_run,
    interpolation_choice,
    load_origin,
    load_run_settings,
    open_run,
    render_run,
    start_run,
    upscale_choice,
    upscale_earlier_run,
    upscale_run,
)
from lib_animation.schema import Mode

BAR_WIDTH = 24
PLAIN_UPDATE_S = 2.0
EXIT_OK = 0
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def run_render(arguments: argparse.Namespace) -> int:
    device = _torch_device() if arguments.backend == "torch" else None
    options = RenderOptions(
        warp=WarpOptions(backend=arguments.backend, device=device),
        models_dir=Path(arguments.models_dir) if arguments.models_dir else None,
        depth_device=device or "cpu",
        depth_progress=DownloadProgress(sys.stderr),
        depth_cache=DepthModelCache(),
        quality_metrics=not arguments.no_report,
    )
    if arguments.resume:
        folder = Path(arguments.resume)
        host = _host(arguments, _recorded_host(folder, arguments))
        run = open_run(folder, host, other_host=arguments.other_host, urls=UrlFetcher())
    else:
        host = _host(arguments, None)
        loaded = load_file_or_preset(arguments.file, user_presets_dir())
        _warn(arguments.file, loaded.warnings)
        check_render_options(loaded.settings, options)  # before the run folder is made
        run = start_run(loaded.settings, Path(arguments.out or "outputs"), host,
                        urls=UrlFetcher())
        _warn(arguments.file, run.warnings)
    print(f"run folder: {run.folder}", file=sys.stderr)
    settings = run.plan.settings
    flat = settings.use_depth_warping and not options.models_dir
    if settings.animation_mode == Mode.THREE_D and flat:
        print(f"note: 3D renders on a flat depth plane; pass --models-dir DIR to use "
              f"{settings.depth_algorithm} (downloaded there on first use)", file=sys.stderr)
    bar = ProgressBar(sys.stderr)
    stopper = _stop_after_this_frame(host)
    with stopper:
        result = render_run(run, host, options, on_progress=bar.update)
    bar.close()
    if result.interrupted:
        print(f"interrupted after {result.completed} of {run.plan.max_frames} frames; "
              f"continue with: {resume_command(run.folder, host, arguments)}", file=sys.stderr)
        return EXIT_TERMINATED if stopper.terminated else EXIT_INTERRUPTED
    stages = StageProgress(sys.stderr)
    choice = upscale_choice(settings)
    upscaled = upscale_run(run, host, choice, progress=stages.update) if choice else None
    interpolation = interpolation_choice(settings)
    interpolated = None
    if interpolation is not None:
        setup = EngineSetup(options.models_dir, options.depth_device, options.depth_progress)
        interpolated = interpolate_run(run, interpolation, setup, progress=stages.update)
    outputs = finish_run(run, report=not arguments.no_report, progress=stages.update)
    stages.close()
    print(summary(result, outputs), file=sys.stderr)
    if upscaled is not None:
        print(upscaled_summary(upscaled), file=sys.stderr)
    if interpolated is not None:
        print(interpolated_summary(interpolated), file=sys.stderr)
    return EXIT_OK


def run_interpolate(arguments: argparse.Namespace) -> int:
    """`python -m lib_animation interpolate RUN_FOLDER`: an earlier run's frames, interpolated."""
    choice = InterpolateChoice(arguments.engine, arguments.x, arguments.slow_mo,
                               keep_frames=arguments.keep_frames,
                               use_upscaled=arguments.use_upscaled)
    device = _torch_device() if arguments.engine != "Optical flow" else "cpu"
    setup = EngineSetup(Path(arguments.models_dir) if arguments.models_dir else None, device,
                        DownloadProgress(sys.stderr))
    stages = StageProgress(sys.stderr)
    stop = PreviewHost()  # holds the Ctrl-C flag: the pair being made is finished first
    stopper = _stop_after_this_frame(stop)
    with stopper:
        interpolated = interpolate_earlier_run(Path(arguments.folder), choice, setup,
                                               progress=stages.update,
                                               should_stop=stop.interrupted)
    stages.close()
    if interpolated.interrupted:
        print(f"interrupted; the same command goes on from the {interpolated.folder.name}/ "
              "frames made", file=sys.stderr)
        return EXIT_TERMINATED if stopper.terminated else EXIT_INTERRUPTED
    print(interpolated_summary(interpolated), file=sys.stderr)
    return EXIT_OK


def interpolated_summary(interpolated: InterpolatedOutputs) -> str:
    frames = f"{interpolated.frame_count} interpolated frames"
    if interpolated.video is None:
        return f"{frames} in {interpolated.folder}"
    if interpolated.frames_deleted:
        return f"interpolated video: {interpolated.video} ({frames})"
    return f"interpolated video: {interpolated.video} ({frames} in {interpolated.folder})"


def run_upscale(arguments: argparse.Namespace) -> int:
    """`python -m lib_animation upscale RUN_FOLDER`: the frames of an earlier run, upscaled."""
    host: PreviewHost | WebUIHttpHost = PreviewHost()
    if arguments.host == "webui":
        host = WebUIHttpHost(arguments.url or DEFAULT_URL, auth=arguments.api_auth)
    choice = UpscaleChoice(arguments.upscaler, arguments.factor,
                           keep_frames=not arguments.delete_frames)
    stages = StageProgress(sys.stderr)
    upscaled = upscale_earlier_run(Path(arguments.folder), host, choice, progress=stages.update)
    stages.close()
    print(upscaled_summary(upscaled), file=sys.stderr)
    return EXIT_OK


def upscaled_summary(upscaled: UpscaledOutputs) -> str:
    if upscaled.video is None:
        return f"upscaled frames: {upscaled.folder}"
    if upscaled.frames_deleted:
        return f"upscaled video: {upscaled.video}"
    return f"upscaled video: {upscaled.video} (frames in {upscaled.folder})"


def _warn(source: str, warnings) -> None:
    for warning in warnings:
        print(f"{source}: warning: {warning}", file=sys.stderr)


def _recorded_host(folder: Path, arguments: argparse.Namespace) -> dict[str, str] | None:
    """The host a run was made with, when the command line names none."""
    if arguments.host is not None:
        return None
    load_run_settings(folder)  # a missing or foreign folder says so first
    origin = load_origin(folder)
    return origin.host if origin is not None else None


def _host(arguments: argparse.Namespace,
          recorded: dict[str, str] | None) -> PreviewHost | WebUIHttpHost:
    kind = arguments.host or (recorded or {}).get("kind", "preview")
    if kind == "webui":
        url = arguments.url or (recorded or {}).get("url") or DEFAULT_URL
        return WebUIHttpHost(url, auth=arguments.api_auth)
    if kind != "preview":
        raise RenderError(f"this run was rendered with {describe_host(recorded or {})}; resume "
                          "it there", hint="or give --host and --other-host to continue here")
    return PreviewHost()


def resume_command(folder: Path, host: object, arguments: argparse.Namespace) -> str:
    """The command that continues the run, with the host it was rendered with."""
    command = f"python -m lib_animation render --resume {shlex.quote(str(folder))}"
    identity = host_identity(host)
    if identity.get("kind") == "webui":
        command += f" --host webui --url {shlex.quote(identity['url'])}"
        if arguments.api_auth:
            command += " --api-auth USER:PASSWORD"
    return command


def _torch_device() -> str:
    """The GPU when torch sees one, else the CPU."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class _stop_after_this_frame:
    """First Ctrl-C or SIGTERM: finish the frame being made, then stop cleanly (resumable,
    status recorded). Second Ctrl-C: stop at once."""

    def __init__(self, host: PreviewHost | WebUIHttpHost) -> None:
        self.host = host
        self.terminated = False
        self.previous: dict[int, object] = {}

    def __enter__(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self._handle)

    def _handle(self, signum, _frame) -> None:
        if signum == signal.SIGTERM:
            self.terminated = True
            print("\nterminated: stopping after this frame", file=sys.stderr)
            self.host.interrupt()
            return
        if self.host.interrupted():
            raise KeyboardInterrupt
        print("\nstopping after this frame (Ctrl-C again to stop now)", file=sys.stderr)
        self.host.interrupt()

    def __exit__(self, *_exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


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


class StageProgress:
    """After the frames: `mp4: frame i/N` while the video is encoded, `report: frame i/N` while
    the report measures; in place on a terminal, every few seconds and at each end otherwise."""

    STAGE_NAMES = {"report": "quality report", UPSCALE_STAGE: "upscale",
                   INTERPOLATE_STAGE: "interpolate (pairs)"}

    def __init__(self, stream) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.last_plain = 0.0
        self.stage: str | None = None

    def update(self, stage: str, done: int, total: int) -> None:
        name = self.STAGE_NAMES.get(stage, f"{stage} video")
        line = f"{name}: frame {done}/{total}"
        if self.interactive:
            self.stream.write(("\n" if stage != self.stage and self.stage else "\r") + line)
            self.stream.flush()
        elif done in (0, total) or time.monotonic() - self.last_plain >= PLAIN_UPDATE_S:
            self.stream.write(line + "\n")
            self.last_plain = time.monotonic()
        self.stage = stage

    def close(self) -> None:
        if self.interactive and self.stage is not None:
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
