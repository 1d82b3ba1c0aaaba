"""Standalone use: `python -m lib_animation validate|plan|plot|audio-schedules|render|upscale|
interpolate ...`.

Every command accepts Keyframes settings files, presets and Deforum settings files. Problems are
printed one line each on stderr, never as a traceback, and give exit status 2.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from lib_animation import __version__
from lib_animation.errors import KeyframesError, KeyframesErrors
from lib_animation.numbers import format_number
from lib_animation.plan import FramePlan
from lib_animation.presets import (
    list_presets,
    load_file_or_preset,
    save_user_preset,
    user_presets_dir,
)
from lib_animation.schema import INTERPOLATION_ENGINES, applies
from lib_animation.settings_files import Loaded

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
EXIT_OK = 0
EXIT_INVALID = 2
# A full disk or a failing device while printing (`plan --json > /full/disk/plan.json`).
OUTPUT_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
PLOT_SUFFIXES = (".png", ".svg", ".pdf", ".jpg", ".jpeg", ".webp")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    arguments = parser.parse_args(argv)
    try:
        status = arguments.handler(arguments)
        sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (`| head`); nothing more to say
        return EXIT_INVALID
    except OSError as error:
        if error.errno not in OUTPUT_ERRNOS:
            raise
        _silence_stdout()
        print(f"cannot write the output: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID


def _silence_stdout() -> None:
    """Point stdout at the null device, so the exit does not try to flush it again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib_animation",
        description="Keyframes: plan, check and preview keyframed animations without the WebUI.",
    )
    parser.add_argument("--version", action="version", version=f"Keyframes {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check settings files; exit 0 when all are valid, 2 otherwise",
        description="Check settings files (Keyframes, presets or Deforum .txt). Prints one line "
        "per problem on stderr; exit status 0 when every file is valid, 2 otherwise.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="settings files or presets")
    validate.set_defaults(handler=_validate)

    plan = commands.add_parser(
        "plan",
        help="print every per-frame value of a settings file",
        description="Evaluate every schedule, seed and prompt for every frame.",
    )
    plan.add_argument("file", metavar="FILE")
    plan.add_argument("--json", action="store_true", help="print the whole plan as JSON")
    plan.set_defaults(handler=_plan)

    plot = commands.add_parser(
        "plot",
        help="plot the schedules of a settings file to a PNG",
        description="Write one panel per schedule that changes over the run, keyframes marked.",
    )
    plot.add_argument("file", metavar="FILE")
    plot.add_argument("-o", "--output", default="curves.png", metavar="PNG",
                      help="where to write the plot (default: curves.png)")
    plot.set_defaults(handler=_plot)

    audio = commands.add_parser(
        "audio-schedules",
        help="write the audio variables of a settings file as Deforum schedules",
        description="Analyse the audio of a settings file (audio_path, else its soundtrack) and "
        "write each audio variable (loudness, bass, mid, treble, onset, beat, tempo) as a plain "
        "Deforum schedule with one keyframe per frame, as a JSON object.",
    )
    audio.add_argument("file", metavar="FILE", help="settings file or preset name")
    audio.add_argument("--out", metavar="JSON", help="write to this file (default: stdout)")
    audio.set_defaults(handler=_audio_schedules)

    render = commands.add_parser(
        "render",
        help="render a settings file to frames, a video and a quality report",
        description="Render a settings file into a new run folder inside --out, or continue an "
        "interrupted run with --resume RUN_FOLDER. The preview host needs no GPU and no model: "
        "it shows the motion, coherence, noise and timing of the real pipeline.",
    )
    render.add_argument("file", nargs="?", metavar="FILE", help="settings file or preset name")
    render.add_argument("--out", metavar="DIR",
                        help="output folder; the run gets its own folder inside (default: outputs)")
    render.add_argument("--resume", metavar="RUN_FOLDER",
                        help="continue this run from its last complete frame, with the host it "
                        "was made with")
    render.add_argument("--host", choices=("preview", "webui"),
                        help="preview: no model, on this machine (default); webui: a running "
                        "WebUI started with --api, at --url")
    render.add_argument("--other-host", action="store_true",
                        help="with --resume: continue with another host than the one the run "
                        "was made with (its frames will not match the earlier ones)")
    _add_webui_address(render)
    render.add_argument("--backend", choices=("opencv", "torch"), default="opencv",
                        help="warp backend (torch uses the GPU when there is one)")
    render.add_argument("--models-dir", metavar="DIR",
                        help="folder with depth-model weights for 3D (downloaded there on first "
                        "use); without it 3D renders on a flat depth plane")
    render.add_argument("--no-report", action="store_true", help="skip the quality report")
    render.set_defaults(handler=_render)

    upscale = commands.add_parser(
        "upscale",
        help="upscale the frames of a rendered run into a second video",
        description="Upscale every frame of RUN_FOLDER with one of the host's upscalers into "
        "RUN_FOLDER/upscaled/ and a video <run>_upscaled_x<factor> beside the original, with "
        "its soundtrack. The original frames and video are kept.",
    )
    upscale.add_argument("folder", metavar="RUN_FOLDER")
    upscale.add_argument("--upscaler", default="Lanczos",
                         help="the host's upscaler by name (default: Lanczos; the preview host "
                         "has Lanczos and Nearest)")
    upscale.add_argument("--factor", type=int, choices=(2, 3, 4), default=2,
                         help="how many times wider and taller (default: 2)")
    upscale.add_argument("--delete-frames", action="store_true",
                         help="delete the upscaled PNG frames once the video holds them")
    upscale.add_argument("--host", choices=("preview", "webui"), default="preview",
                         help="preview: Pillow's filters, on this machine (default); webui: a "
                         "running WebUI started with --api, at --url")
    _add_webui_address(upscale)
    upscale.set_defaults(handler=_upscale)

    interpolate = commands.add_parser(
        "interpolate",
        help="add frames between the frames of a rendered run, into a smoother video",
        description="Interpolate RUN_FOLDER's frames x times into RUN_FOLDER/interpolated/ and a "
        "video <run>_interpolated_x<x> beside the original: n frames become x*(n-1)+1 at x "
        "times the fps, with the soundtrack (none in slow motion). Needs no WebUI.",
    )
    interpolate.add_argument("folder", metavar="RUN_FOLDER")
    interpolate.add_argument("--engine", choices=INTERPOLATION_ENGINES[1:],
                             default=INTERPOLATION_ENGINES[1],
                             help="Optical flow needs no download (default); RIFE v4.6 and FILM "
                             "download their weights into --models-dir on first use")
    interpolate.add_argument("--x", type=int, choices=range(2, 11), default=2, metavar="2..10",
                             help="frames per original frame (default: 2)")
    interpolate.add_argument("--slow-mo", type=int, choices=range(2, 11), metavar="2..10",
                             help="play the video this many times slower (no soundtrack)")
    interpolate.add_argument("--use-upscaled", action="store_true",
                             help="interpolate the run's upscaled frames when it has them all")
    interpolate.add_argument("--keep-frames", action="store_true",
                             help="keep the interpolated PNG frames once the video holds them")
    interpolate.add_argument("--models-dir", metavar="DIR",
                             help="folder for the RIFE and FILM weights (downloaded there into "
                             "interpolation/ on first use)")
    interpolate.set_defaults(handler=_interpolate)

    from lib_animation.batch_cli import add_batch_parser

    add_batch_parser(commands, _batch)

    presets = commands.add_parser(
        "presets",
        help="list presets, or save a settings file as your own preset",
        description="List the shipped presets and your own. Every command that takes FILE also "
        "takes a preset name. Your presets live in $KEYFRAMES_PRESETS, or "
        "~/.config/keyframes/presets.",
    )
    presets.add_argument("--save", metavar="NAME", help="save FILE as your preset NAME")
    presets.add_argument("file", nargs="?", metavar="FILE", help="with --save: the settings")
    presets.add_argument("--description", default="", help="with --save: one line about it")
    presets.set_defaults(handler=_presets)

    ui = commands.add_parser(
        "ui",
        help="open the Keyframes tab in a browser, without a WebUI (preview host)",
        description="Serve the Keyframes tab on 127.0.0.1 in a plain page. Frames are made by "
        "the preview host (no diffusion, no GPU): for trying settings, motion and timing.",
    )
    ui.add_argument("--port", type=int, default=7870, help="port on 127.0.0.1 (default: 7870)")
    ui.add_argument("--out", default="outputs", metavar="DIR",
                    help="output folder for runs (default: outputs)")
    ui.add_argument("--frame-delay", type=float, default=0.0, metavar="S",
                    help="seconds the preview host takes per generation (default: 0)")
    ui.set_defaults(handler=_ui)

    docs = commands.add_parser(
        "docs",
        help="print or update the README's generated sections",
        description="Print the settings reference, or update the generated sections of a README "
        "(settings reference and schedule syntax).",
    )
    docs.add_argument("--write", metavar="README",
                      help="replace the generated sections inside this file")
    docs.set_defaults(handler=_docs)
    return parser


def _add_webui_address(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="with --host webui: the WebUI's address (default: "
                        "http://127.0.0.1:7860)")
    parser.add_argument("--api-auth", metavar="USER:PASSWORD",
                        help="with --host webui: the login of a WebUI started with --api-auth")


def terminal_safe(text: str) -> str:
    """Control characters from files (escape sequences, bells) shown as \\xNN, never sent to
    the terminal."""
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _report(error: KeyframesError, source: str) -> None:
    lines = error.lines() if isinstance(error, KeyframesErrors) else [str(error)]
    for line in lines:
        shown = line if line.startswith(source) else f"{source}: {line}"
        print(terminal_safe(shown), file=sys.stderr)


def _warn(source: str, warnings: Sequence[str]) -> None:
    for warning in warnings:
        print(terminal_safe(f"{source}: warning: {warning}"), file=sys.stderr)


def _load_and_plan(file: str) -> tuple[Loaded, FramePlan]:
    from lib_animation.runs import UrlFetcher, preview_plan

    loaded = load_file_or_preset(file, user_presets_dir())
    return loaded, preview_plan(loaded.settings, urls=UrlFetcher())


def _with_plan(file: str, action: Callable[[Loaded, FramePlan], int]) -> int:
    try:
        loaded, plan = _load_and_plan(file)
    except KeyframesError as error:
        _report(error, file)
        return EXIT_INVALID
    _warn(file, loaded.warnings + plan.warnings)
    return action(loaded, plan)


def _validate(arguments: argparse.Namespace) -> int:
    status = EXIT_OK
    for file in arguments.files:
        result = _validate_one(file)
        if result == EXIT_OK:
            print(f"{file}: valid", file=sys.stderr)
        status = max(status, result)
    return status


def _validate_one(file: str) -> int:
    """What `render` checks before it makes a run folder: the settings, the plan (Video Input's
    frame count from its video) and every input file the settings use."""
    from lib_animation.runs import UrlFetcher, check_run

    try:
        loaded = load_file_or_preset(file, user_presets_dir())
        plan = check_run(loaded.settings, urls=UrlFetcher()).plan
    except KeyframesError as error:
        _report(error, file)
        return EXIT_INVALID
    _warn(file, loaded.warnings + plan.warnings)
    return EXIT_OK


def _plan(arguments: argparse.Namespace) -> int:
    def show(_loaded: Loaded, plan: FramePlan) -> int:
        if arguments.json:
            json.dump(plan.to_json(), sys.stdout, separators=(",", ":"))
            sys.stdout.write("\n")
        else:
            print(_summary(plan))
        return EXIT_OK

    return _with_plan(arguments.file, show)


def _summary(plan: FramePlan) -> str:
    settings = plan.settings
    diffused = int(plan.diffused.sum())
    lines = [
        f"{settings.animation_mode}, {plan.max_frames} frames at {settings.W}x{settings.H}, "
        f"{diffused} diffused (cadence {plan.cadence}), seed {settings.seed} "
        f"({settings.seed_behavior})",
    ]
    for name, values in plan.values.items():
        if not applies(settings, name):
            continue  # the mode or a switch leaves this schedule unread
        if isinstance(values, tuple):
            distinct = sorted(set(values))
            shown = ", ".join(distinct[:4]) + (" ..." if len(distinct) > 4 else "")
            lines.append(f"  {name}: {shown}{_source_mark(plan, name)}")
        else:
            low, high = format_number(values.min(), 6), format_number(values.max(), 6)
            span = low if low == high else f"{low} .. {high}"
            lines.append(f"  {name}: {span}{_source_mark(plan, name)}")
    if plan.sources:
        lines.append(f"  (Parseq) = from the Parseq manifest: {', '.join(plan.sources)}")
    return "\n".join(lines)


def _source_mark(plan: FramePlan, name: str) -> str:
    return " (Parseq)" if plan.from_manifest(name) else ""


def _plot(arguments: argparse.Namespace) -> int:
    from lib_animation.curves import plot_curves

    target = Path(arguments.output)
    if target.is_dir():
        print(f"{arguments.output}: is a folder; give the plot's file name, e.g. "
              f"{target / 'curves.png'}", file=sys.stderr)
        return EXIT_INVALID
    if not target.suffix:
        target = target.with_name(target.name + ".png")
    if target.suffix.lower() not in PLOT_SUFFIXES:
        print(f"{arguments.output}: cannot write a plot as {target.suffix} (use one of "
              f"{', '.join(PLOT_SUFFIXES)})", file=sys.stderr)
        return EXIT_INVALID

    def draw(_loaded: Loaded, plan: FramePlan) -> int:
        try:
            path = plot_curves(plan, target)
        except OSError as error:
            print(f"{target}: cannot write plot: {error.strerror or error}", file=sys.stderr)
            return EXIT_INVALID
        print(f"wrote {path}", file=sys.stderr)
        return EXIT_OK

    return _with_plan(arguments.file, draw)


def _audio_schedules(arguments: argparse.Namespace) -> int:
    from lib_animation.audio_schedules import audio_schedules_json
    from lib_animation.runs import UrlFetcher, run_audio

    try:
        loaded = load_file_or_preset(arguments.file, user_presets_dir())
        features = run_audio(loaded.settings, urls=UrlFetcher())
    except KeyframesError as error:
        _report(error, arguments.file)
        return EXIT_INVALID
    _warn(arguments.file, loaded.warnings)
    text = audio_schedules_json(features)
    if arguments.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        Path(arguments.out).write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"{arguments.out}: cannot write: {error.strerror or error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {arguments.out}", file=sys.stderr)
    return EXIT_OK


def _presets(arguments: argparse.Namespace) -> int:
    folder = user_presets_dir()
    if arguments.save:
        if not arguments.file:
            print("presets: --save NAME needs the settings FILE to save", file=sys.stderr)
            return EXIT_INVALID
        try:
            settings = load_file_or_preset(arguments.file, folder).settings
            path = save_user_preset(settings, arguments.save, folder,
                                    description=arguments.description)
        except KeyframesError as error:
            _report(error, arguments.file)
            return EXIT_INVALID
        print(f"saved preset {arguments.save!r} to {path}", file=sys.stderr)
        return EXIT_OK
    for preset in list_presets(folder):
        owner = "shipped" if preset.shipped else "yours"
        print(f"{preset.name:<32} {owner:<8} {preset.description}")
    return EXIT_OK


def _docs(arguments: argparse.Namespace) -> int:
    from lib_animation.docs import settings_table, with_generated_sections

    if not arguments.write:
        sys.stdout.write(settings_table())
        return EXIT_OK
    path = Path(arguments.write)
    try:
        path.write_text(with_generated_sections(path.read_text(encoding="utf-8")), encoding="utf-8")
    except (OSError, ValueError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return EXIT_INVALID
    print(f"updated {path}", file=sys.stderr)
    return EXIT_OK


def _render(arguments: argparse.Namespace) -> int:
    from lib_animation.render_cli import run_render

    if bool(arguments.file) == bool(arguments.resume):
        print("render: give either FILE (a new run) or --resume RUN_FOLDER", file=sys.stderr)
        return EXIT_INVALID
    problem = _render_option_problem(arguments)
    if problem:
        print(f"render: {problem}", file=sys.stderr)
        return EXIT_INVALID
    try:
        return run_render(arguments)
    except KeyframesError as error:
        _report(error, arguments.file or arguments.resume)
        return EXIT_INVALID


def _upscale(arguments: argparse.Namespace) -> int:
    from lib_animation.render_cli import run_upscale

    if arguments.host == "preview" and (arguments.url or arguments.api_auth):
        print("upscale: --url and --api-auth are for --host webui", file=sys.stderr)
        return EXIT_INVALID
    try:
        return run_upscale(arguments)
    except KeyframesError as error:
        _report(error, arguments.folder)
        return EXIT_INVALID


def _interpolate(arguments: argparse.Namespace) -> int:
    from lib_animation.render_cli import run_interpolate

    try:
        return run_interpolate(arguments)
    except KeyframesError as error:
        _report(error, arguments.folder)
        return EXIT_INVALID


def _render_option_problem(arguments: argparse.Namespace) -> str | None:
    """Options that would be silently ignored are errors."""
    if arguments.resume and arguments.out is not None:
        return "--out is for a new run; a resumed run stays in its folder (leave --out out)"
    if not arguments.resume and arguments.other_host:
        return "--other-host is for --resume"
    preview = arguments.host == "preview" or (arguments.host is None and not arguments.resume)
    if preview and (arguments.url is not None or arguments.api_auth is not None):
        return "--url and --api-auth are for --host webui"
    return None


def _batch(arguments: argparse.Namespace) -> int:
    from lib_animation.batch_cli import run_batch_command

    try:
        return run_batch_command(arguments)
    except KeyframesError as error:
        _report(error, "batch")
        return EXIT_INVALID


def _ui(arguments: argparse.Namespace) -> int:
    from lib_animation.webui.standalone import serve

    print(f"Keyframes: http://127.0.0.1:{arguments.port} (Ctrl-C stops)", file=sys.stderr)
    serve(arguments.port, Path(arguments.out), delay_s=max(0.0, arguments.frame_delay))
    return EXIT_OK
