"""A batch on a Ray cluster: each WebUI is a Ray custom resource, each run a Ray task placed on
a free WebUI. Imported only for `batch --ray`; Ray is the optional extra `ray`.

The resource of the WebUI at `http://10.0.0.5:7860` is `keyframes-webui:10.0.0.5:7860`; the
node that reaches that WebUI declares it (`ray start --resources`), and `--ray local` declares
every --url on a cluster started here. The driver keeps one task per WebUI: a run whose WebUI
stops answering (or whose Ray worker dies) goes back to the queue, and another WebUI resumes it
from its finished frames; that WebUI takes no more runs. Workers that see the batch folder
write into it; the others render into a folder of their own, and the run's files come back
through Ray into the driver's batch folder (a partial run's files go out with its resume).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lib_animation.batches.execute import (
    FAILED,
    NOT_RUN,
    ItemProgress,
    RunOutcome,
    check_items,
    render_item,
)
from lib_animation.batches.folder import shared_token, shares_folder
from lib_animation.batches.items import BatchItem
from lib_animation.errors import KeyframesError, KeyframesErrors, RenderError
from lib_animation.host import NamesInUse
from lib_animation.http_host import WebUIHttpHost, checked_url, webui_answers
from lib_animation.render_progress import RenderProgress
from lib_animation.runs import UrlFetcher
from lib_animation.schema import Settings

RESOURCE_PREFIX = "keyframes-webui:"
INSTALL_HINT = "install it with: pip install -e '.[ray]' (in the Keyframes folder)"
WAIT_S = 0.5
MAX_FOLDER_BYTES = 2 * 2**30  # a run's files sent through Ray in one answer


def webui_resource(url: str) -> str:
    """The Ray custom resource that stands for the WebUI at `url`."""
    return RESOURCE_PREFIX + urlsplit(checked_url(url)).netloc.rsplit("@", 1)[-1]


def connect_ray(address: str, urls: Sequence[str], *, auth: str | None = None) -> RayExecutor:
    """Ray connected (a cluster at `address`, or `local`: one started here with a resource per
    WebUI); RenderError when Ray is missing or the cluster lacks a WebUI's resource."""
    try:
        import ray
    except ImportError:
        raise RenderError("--ray needs Ray, which is not installed", hint=INSTALL_HINT) from None
    if not urls:
        raise RenderError("--ray renders on WebUIs: give each one's address with --url")
    resources = {webui_resource(url): 1.0 for url in urls}
    started_here = not ray.is_initialized()
    if started_here:
        if address == "local":
            ray.init(resources=resources, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    available = ray.cluster_resources()
    for url in urls:
        resource = webui_resource(url)
        if available.get(resource, 0) < 1:
            if started_here:
                ray.shutdown()
            raise RenderError(f"the Ray cluster has no resource {resource!r} for the WebUI "
                              f"at {url}", hint="start the node that reaches it with: ray "
                              f"start --address ADDRESS --resources '{{\"{resource}\": 1}}'")
    return RayExecutor(ray, tuple(urls), auth, started_here)


class ProgressBoard:
    """A Ray actor the tasks report their frames to; the driver reads it and sets the stop."""

    def __init__(self) -> None:
        self.frames: dict[str, tuple[int, int]] = {}
        self.stopped = False

    def update(self, name: str, done: int, total: int) -> None:
        self.frames[name] = (done, total)

    def read(self) -> dict[str, tuple[int, int]]:
        return dict(self.frames)

    def stop(self) -> None:
        self.stopped = True

    def should_stop(self) -> bool:
        return self.stopped


@dataclass
class RayExecutor:
    ray: Any
    urls: tuple[str, ...]
    auth: str | None
    started_here: bool

    def describe(self) -> str:
        nodes = sum(1 for node in self.ray.nodes() if node.get("Alive"))
        return f"{nodes} node(s), WebUIs: {', '.join(self.urls)}"

    def check(self, items: Sequence[BatchItem]) -> list[str]:
        """Every item planned and its inputs read here, and its names checked with every WebUI
        by a task on that WebUI's resource, before the first frame."""
        checked = check_items(items, urls=UrlFetcher())
        names = list(checked.names.items())
        task = self.ray.remote(num_cpus=0)(check_names_on)
        answers = self.ray.get([task.options(resources={webui_resource(url): 1}).remote(
            url, self.auth, names) for url in self.urls])
        problems = [RenderError(message, source=f"{name} on {url}")
                    for url, answer in zip(self.urls, answers, strict=True)
                    for name, message in answer]
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise KeyframesErrors(list(problems))
        return checked.warnings

    def run(self, items: Sequence[BatchItem], batch_folder: Path, *, report: bool = True,
            on_progress: ItemProgress | None = None,
            on_outcome: Callable[[RunOutcome], None] | None = None,
            stop: threading.Event | None = None,
            shared: Mapping[str, bool] | None = None) -> dict[str, RunOutcome]:
        """Every item as a task on a free WebUI. `shared`: whether each WebUI's worker sees
        the batch folder (asked of the workers when not given)."""
        ray, folder = self.ray, Path(batch_folder)
        stop = stop or threading.Event()
        board = ray.remote(num_cpus=0)(ProgressBoard).remote()
        shared = dict(shared) if shared is not None else self._shared(folder)
        task = ray.remote(max_retries=0)(render_on_webui)
        free, pending = list(self.urls), deque(items)
        running: dict[Any, tuple[BatchItem, str]] = {}
        outcomes: dict[str, RunOutcome] = {}
        try:
            while pending or running:
                if stop.is_set():
                    board.stop.remote()
                    pending.clear()
                while free and pending:
                    item, url = pending.popleft(), free.pop(0)
                    sent = None if shared[url] else folder_files(folder / item.name)
                    reference = task.options(resources={webui_resource(url): 1}).remote(
                        _item_json(item), url, self.auth, str(folder), shared[url], sent,
                        board, report)
                    running[reference] = (item, url)
                if not running:
                    break  # every WebUI is lost
                ready, _ = ray.wait(list(running), num_returns=1, timeout=WAIT_S)
                _show_progress(ray.get(board.read.remote()), on_progress)
                for reference in ready:
                    item, url = running.pop(reference)
                    outcome = self._gathered(reference, item, url, folder)
                    if on_outcome is not None:
                        on_outcome(outcome)
                    if outcome.host_lost:
                        pending.appendleft(item)  # resumed on another WebUI from its frames
                    else:
                        free.append(url)
                        outcomes[item.name] = outcome
        finally:
            ray.kill(board)
            if self.started_here:
                ray.shutdown()
        for item in items:
            outcomes.setdefault(item.name, RunOutcome(item.name, NOT_RUN))
        return outcomes

    def _shared(self, folder: Path) -> dict[str, bool]:
        token = shared_token(folder)
        task = self.ray.remote(num_cpus=0)(shares_folder)
        answers = self.ray.get([task.options(resources={webui_resource(url): 1}).remote(
            str(folder), token) for url in self.urls])
        return dict(zip(self.urls, answers, strict=True))

    def _gathered(self, reference: Any, item: BatchItem, url: str, folder: Path) -> RunOutcome:
        """The task's outcome, its files written into the driver's run folder when they came
        back through Ray; a task whose worker died counts as a lost WebUI."""
        try:
            answer = self.ray.get(reference)
        except self.ray.exceptions.RayError as error:
            message = " ".join(str(error).split())[:200]
            return RunOutcome(item.name, FAILED, worker=url, error=message, host_lost=True)
        if answer["files"] is not None:
            write_folder_files(folder / item.name, answer["files"])
        return RunOutcome.from_json(answer["outcome"])


def check_names_on(url: str, auth: str | None,
                   names: Sequence[tuple[str, NamesInUse]]) -> list[tuple[str, str]]:
    """(A Ray task on the WebUI's node.) Each item's names that this WebUI lacks."""
    host = WebUIHttpHost(url, auth=auth)
    problems = []
    for name, used in names:
        try:
            host.check_names(used)
        except KeyframesError as error:
            problems.append((name, str(error)))
    return problems


def render_on_webui(item_json: Mapping[str, Any], url: str, auth: str | None,
                    batch_folder: str, shared: bool, sent: Mapping[str, bytes] | None,
                    board: Any, report: bool) -> dict[str, Any]:
    """(A Ray task on the WebUI's node.) One item's run: in the batch folder when this node
    shares it, else in a folder of its own whose files go back in the answer."""
    import ray

    item = BatchItem(item_json["name"], dict(item_json["varied"]),
                     Settings(item_json["settings"]))
    work = Path(batch_folder) if shared else Path(tempfile.mkdtemp(prefix="keyframes-batch-"))
    try:
        if sent:
            write_folder_files(work / item.name, sent)

        outcome = render_item(
            item, work, WebUIHttpHost(url, auth=auth), report=report, worker=url,
            on_progress=lambda name, update: board.update.remote(name, update.done,
                                                                 update.total),
            should_stop=lambda: ray.get(board.should_stop.remote()),
            reachable=lambda: webui_answers(url, auth), urls=UrlFetcher())
        files = None if shared else folder_files(work / item.name)
    finally:
        if not shared:
            shutil.rmtree(work, ignore_errors=True)
    return {"outcome": outcome.to_json(), "files": files}


def folder_files(folder: Path) -> dict[str, bytes] | None:
    """A run folder's files by name (none when it does not exist); RenderError past
    MAX_FOLDER_BYTES."""
    if not folder.is_dir():
        return None
    files, size = {}, 0
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            size += len(data)
            if size > MAX_FOLDER_BYTES:
                raise RenderError(f"{folder.name} holds more than {MAX_FOLDER_BYTES // 2**30} GiB "
                                  "to send through Ray", hint="give the workers the batch "
                                  "folder on a shared disk")
            files[path.name] = data
    return files


def write_folder_files(folder: Path, files: Mapping[str, bytes]) -> None:
    """Files that came through Ray, written into `folder` (plain names only)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if Path(name).name != name or name in (".", ".."):
            raise RenderError(f"a worker sent a file named {name!r}, not a plain name")
        (folder / name).write_bytes(data)


def _item_json(item: BatchItem) -> dict[str, Any]:
    return {"name": item.name, "varied": dict(item.varied), "settings": item.settings.to_dict()}


def _show_progress(frames: Mapping[str, tuple[int, int]],
                   on_progress: ItemProgress | None) -> None:
    if on_progress is None:
        return
    for name, (done, total) in frames.items():
        on_progress(name, RenderProgress(done, total, 0.0, 0, ""))
