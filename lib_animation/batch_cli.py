"""`python -m lib_animation batch`: many runs from settings files, presets or a batch file,
with sweeps, on the preview host, one WebUI or several (one worker each), or a Ray cluster."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from lib_animation.batches import (
    FAILED,
    GRID,
    INTERRUPTED,
    NOT_RUN,
    ZIP,
    BatchItem,
    BatchSpec,
    RunOutcome,
    Sweep,
    Worker,
    bases_from_sources,
    batch_summary,
    check_items,
    checked_sweep,
    create_batch_folder,
    expand,
    is_batch_file,
    load_batch_file,
    load_workers,
    open_batch_folder,
    parse_sweep_option,
    run_on_workers,
    save_workers,
    summary_text,
    write_contact_sheet,
    write_summary,
)
from lib_animation.errors import SettingsError
from lib_animation.host import PreviewHost
from lib_animation.http_host import DEFAULT_URL, WebUIHttpHost, webui_answers
from lib_animation.presets import user_presets_dir
from lib_animation.runs import RenderProgress, UrlFetcher

EXIT_OK, EXIT_INVALID, EXIT_INTERRUPTED = 0, 2, 130
DEFAULT_MAX_RUNS = 100
PLAIN_UPDATE_S = 2.0


def add_batch_parser(commands: Any, handler: Callable[[argparse.Namespace], int]) -> None:
    batch = commands.add_parser(
        "batch",
        help="render many runs: settings files, presets or a batch file, with sweeps",
        description="Render each settings file or preset (or each item of a batch file) as its "
        "own run inside one batch folder in --out, crossed with the --sweep values. Every run is "
        "planned and checked before the first frame. The batch folder gets the batch file, a "
        "summary and a contact sheet; --resume BATCH_FOLDER continues an interrupted batch.",
    )
    batch.add_argument("sources", nargs="*", metavar="FILE|PRESET",
                       help="settings files or presets, or one batch file")
    batch.add_argument("--sweep", action="append", default=[], metavar="NAME=V1,V2",
                       help="values for a setting, one run each: seed=1,2,3 or "
                       "strength_schedule=[\"0:(0.5)\",\"0:(0.6)\"] (JSON list); several "
                       "--sweep options are crossed")
    batch.add_argument("--zip", action="store_true",
                       help="pair the n-th values of the --sweep lists instead of crossing them")
    batch.add_argument("--out", metavar="DIR",
                       help="where the batch folder is made (default: outputs)")
    batch.add_argument("--name", metavar="NAME", help="the batch folder's name "
                       "(default: batch_TIME)")
    batch.add_argument("--resume", metavar="BATCH_FOLDER",
                       help="continue this batch: finished runs are skipped, partial runs "
                       "resumed from their frames")
    batch.add_argument("--host", choices=("preview", "webui"),
                       help="preview: no model, on this machine (default); webui: WebUIs started "
                       "with --api, at --url")
    batch.add_argument("--url", action="append", default=[], metavar="URL",
                       help="with --host webui: a WebUI's address; give several to render on "
                       "each at once (default: http://127.0.0.1:7860)")
    batch.add_argument("--api-auth", metavar="USER:PASSWORD",
                       help="with --host webui: the login of WebUIs started with --api-auth")
    batch.add_argument("--ray", metavar="ADDRESS",
                       help="with --host webui: run on a Ray cluster at ADDRESS, or `local` to "
                       "start one here (pip install -e '.[ray]')")
    batch.add_argument("--max-runs", type=int, default=DEFAULT_MAX_RUNS, metavar="N",
                       help=f"ask before starting more runs than this (default: "
                       f"{DEFAULT_MAX_RUNS})")
    batch.add_argument("--yes", action="store_true",
                       help="start a batch larger than --max-runs without asking")
    batch.add_argument("--no-report", action="store_true", help="skip the quality reports")
    batch.set_defaults(handler=handler)


def run_batch_command(arguments: argparse.Namespace) -> int:
    problem = _option_problem(arguments)
    if problem:
        print(f"batch: {problem}", file=sys.stderr)
        return EXIT_INVALID
    if arguments.resume:
        folder = Path(arguments.resume)
        spec = open_batch_folder(folder)
        hosts = _hosts_of(arguments, load_workers(folder))
    else:
        spec = _spec(arguments)
        hosts = _hosts_of(arguments, None)
        if not _confirmed(len(spec.items), arguments):
            return EXIT_INVALID
        folder = None
    for warning in spec.warnings:
        print(warning, file=sys.stderr)
    if hosts["ray"]:
        from lib_animation.batches.ray_executor import connect_ray

        executor = connect_ray(hosts["ray"], hosts["urls"], auth=arguments.api_auth)
        print(f"Ray: {executor.describe()}", file=sys.stderr)
        warnings = executor.check(spec.items)
    else:
        workers = _workers(hosts, arguments.api_auth)
        warnings = check_items(spec.items, [worker.make_host() for worker in workers],
                               urls=UrlFetcher()).warnings
    for warning in warnings:
        print(warning, file=sys.stderr)
    if folder is None:
        folder = create_batch_folder(spec, Path(arguments.out or "outputs"), arguments.name)
        save_workers(folder, hosts)
    print(f"batch folder: {folder} ({len(spec.items)} runs)", file=sys.stderr)
    progress = BatchProgress(sys.stderr, spec.items)
    stop = threading.Event()
    with _stop_after_this_frame(stop):
        if hosts["ray"]:
            outcomes = executor.run(spec.items, folder, report=not arguments.no_report,
                                    on_progress=progress.update, on_outcome=progress.outcome,
                                    stop=stop)
        else:
            outcomes = run_on_workers(spec.items, folder, workers,
                                      report=not arguments.no_report,
                                      on_progress=progress.update, on_outcome=progress.outcome,
                                      stop=stop)
    progress.close()
    return _finish(folder, spec.items, outcomes)


def _finish(folder: Path, items: Sequence[BatchItem], outcomes: dict[str, RunOutcome]) -> int:
    summary = batch_summary(folder, items, outcomes)
    write_summary(folder, summary)
    sheet = write_contact_sheet(folder, items)
    sys.stderr.write(summary_text(summary))
    print(f"contact sheet: {sheet}", file=sys.stderr)
    statuses = {outcome.status for outcome in outcomes.values()}
    if statuses & {INTERRUPTED, NOT_RUN}:
        print(f"continue with: python -m lib_animation batch --resume {folder}", file=sys.stderr)
        return EXIT_INTERRUPTED if INTERRUPTED in statuses else EXIT_INVALID
    return EXIT_INVALID if FAILED in statuses else EXIT_OK


def _spec(arguments: argparse.Namespace) -> BatchSpec:
    sweep = _command_line_sweep(arguments)
    presets = user_presets_dir()
    if len(arguments.sources) == 1 and is_batch_file(Path(arguments.sources[0])):
        return load_batch_file(Path(arguments.sources[0]), presets_dir=presets,
                               extra_sweep=sweep)
    bases, warnings = bases_from_sources(arguments.sources, presets)
    return BatchSpec(tuple(expand(bases, sweep)), sweep, tuple(warnings))


def _command_line_sweep(arguments: argparse.Namespace) -> Sweep:
    values: dict[str, list[Any]] = {}
    for option in arguments.sweep:
        name, listed = parse_sweep_option(option)
        if name in values:
            raise SettingsError(f"--sweep {name} is given twice; list its values once")
        values[name] = listed
    return checked_sweep(values, ZIP if arguments.zip else GRID, source="--sweep")


def _confirmed(count: int, arguments: argparse.Namespace) -> bool:
    """A batch over --max-runs starts only with --yes or when the user says so."""
    if count <= arguments.max_runs or arguments.yes:
        return True
    question = f"the batch makes {count} runs, more than --max-runs {arguments.max_runs}"
    if not sys.stdin.isatty():
        print(f"batch: {question}; add --yes to start it", file=sys.stderr)
        return False
    answer = input(f"{question}. Start them all? [y/N] ").strip().lower()
    if answer in ("y", "yes"):
        return True
    print("batch: not started", file=sys.stderr)
    return False


def _hosts_of(arguments: argparse.Namespace, recorded: dict[str, Any] | None) -> dict[str, Any]:
    """Which hosts render: the command line's, else those the batch was started with."""
    if arguments.host is None and recorded is not None:
        return {"host": recorded.get("host", "preview"), "urls": list(recorded.get("urls", [])),
                "ray": arguments.ray or recorded.get("ray")}
    host = arguments.host or ("webui" if arguments.url or arguments.ray else "preview")
    urls = list(dict.fromkeys(arguments.url)) or ([DEFAULT_URL] if host == "webui" else [])
    return {"host": host, "urls": urls, "ray": arguments.ray}


def _workers(hosts: dict[str, Any], auth: str | None) -> list[Worker]:
    if hosts["host"] != "webui":
        return [Worker("preview", PreviewHost)]
    return [_webui_worker(url, auth) for url in hosts["urls"]]


def _webui_worker(url: str, auth: str | None) -> Worker:
    WebUIHttpHost(url, auth=auth)  # a bad address is refused before anything starts
    return Worker(url, lambda: WebUIHttpHost(url, auth=auth),
                  lambda: webui_answers(url, auth))


def _option_problem(arguments: argparse.Namespace) -> str | None:
    """Options that would be silently ignored are errors."""
    if arguments.resume:
        if arguments.sources or arguments.sweep or arguments.out or arguments.name:
            return "--resume continues a batch as it was made; give no FILE, --sweep, --out " \
                "or --name with it"
        return None
    if not arguments.sources:
        return "give settings files, presets or a batch file (or --resume BATCH_FOLDER)"
    if arguments.host == "preview" and (arguments.url or arguments.api_auth or arguments.ray):
        return "--url, --api-auth and --ray are for --host webui"
    if arguments.zip and not arguments.sweep:
        return "--zip pairs --sweep values; give --sweep"
    if arguments.max_runs < 1:
        return "--max-runs must be at least 1"
    return None


class _stop_after_this_frame:
    """Ctrl-C or SIGTERM: every run stops after the frame it is making; the batch resumes."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self.previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self._handle)

    def _handle(self, _signum, _frame) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt
        print("\nstopping every run after this frame (Ctrl-C again to stop now)",
              file=sys.stderr)
        self.stop.set()

    def __exit__(self, *_exc) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)


class BatchProgress:
    """The whole batch's progress: runs done and frames made over all runs, one line per run
    that ends; in place on a terminal, every few seconds otherwise."""

    def __init__(self, stream: TextIO, items: Sequence[BatchItem]) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.total_runs = len(items)
        self.frames: dict[str, tuple[int, int]] = {}
        self.ended = 0
        self.last_plain = 0.0
        self.changes = threading.Lock()

    def update(self, name: str, progress: RenderProgress) -> None:
        with self.changes:
            self.frames[name] = (progress.done, progress.total)
            self._draw(force=False)

    def outcome(self, outcome: RunOutcome) -> None:
        with self.changes:
            if outcome.host_lost:
                line = (f"{outcome.worker} stopped answering during {outcome.name}; "
                        "another worker resumes it")
            else:
                self.ended += 1
                frames = f"{outcome.frames}/{outcome.total_frames} frames"
                where = f" on {outcome.worker}" if outcome.worker else ""
                error = f": {outcome.error}" if outcome.error else ""
                line = (f"[{self.ended}/{self.total_runs}] {outcome.name} {outcome.status} "
                        f"({frames}, {outcome.elapsed_s:.1f} s{where}){error}")
            self.stream.write(("\r\x1b[K" if self.interactive else "") + line + "\n")
            self._draw(force=True)

    def _draw(self, *, force: bool) -> None:
        done = sum(frames for frames, _ in self.frames.values())
        total = sum(total for _, total in self.frames.values())
        line = f"batch: {self.ended}/{self.total_runs} runs ended, {done}/{total} frames " \
            "of the runs started"
        if self.interactive:
            self.stream.write("\r\x1b[K" + line)
            self.stream.flush()
        elif not force and time.monotonic() - self.last_plain >= PLAIN_UPDATE_S:
            self.stream.write(line + "\n")
            self.last_plain = time.monotonic()

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")

