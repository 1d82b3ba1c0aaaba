"""The Keyframes tab without a WebUI: the same tab in a plain page, rendering with the preview
host, served on 127.0.0.1 (`python -m lib_animation ui`). For trying the tab, developing it and
testing it in a browser; nothing here imports the WebUI's `modules`.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np

from lib_animation.host import FrameRequest, PreviewHost
from lib_animation.presets import user_presets_dir
from lib_animation.runs import RenderOptions
from lib_animation.schema import SAMPLERS, SCHEDULERS
from lib_animation.webui.batches import BatchQueue
from lib_animation.webui.jobs import JobManager
from lib_animation.webui.tab import build_tab
from lib_animation.webui.tab_actions import TabContext
from lib_animation.webui.tab_model import last_settings_file_standalone

EXTENSION_ROOT = Path(__file__).resolve().parents[2]
SCRIPT_FILE = EXTENSION_ROOT / "javascript" / "keyframes.js"
STYLE_FILE = EXTENSION_ROOT / "style.css"
HOST_NOTE = ("*Standalone Keyframes: frames are made by the **preview host** (no diffusion: the "
             "warped previous frame with a frame counter), to check motion, timing and "
             "settings without a GPU. Install the extension in the WebUI to diffuse.*")

# The WebUI's page already spans the window; gradio's own page is narrower by default.
STANDALONE_CSS = "\n.gradio-container { max-width: 1800px !important; }\n"


class SlowPreviewHost(PreviewHost):
    """The preview host, optionally taking `delay_s` per generation (to watch progress and try
    Interrupt on a fast machine)."""

    def __init__(self, delay_s: float = 0.0) -> None:
        super().__init__()
        self.delay_s = delay_s

    def generate(self, request: FrameRequest) -> np.ndarray:
        if self.delay_s > 0:
            time.sleep(self.delay_s)
        return super().generate(request)


class PreviewSession:
    """jobs.HostSession for the standalone page: a plain lock, no host progress state."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self._lock = threading.Lock()
        self._hosts: list[SlowPreviewHost] = []

    def lock(self) -> AbstractContextManager[Any]:
        return self._lock

    def begin(self, title: str, generations: int) -> None:
        """The standalone page shows progress from the job itself."""

    def end(self) -> None:
        self._hosts.clear()

    def make_host(self) -> SlowPreviewHost:
        host = SlowPreviewHost(self.delay_s)
        self._hosts.append(host)
        return host

    def render_options(self) -> RenderOptions:
        return RenderOptions()

    def interrupt(self) -> None:
        for host in list(self._hosts):
            host.interrupt()

    def after_run(self) -> None:
        """Nothing is kept loaded."""


class PreviewCatalog:
    """The WebUI 1.10 sampler and scheduler names; no checkpoints (nothing is diffused)."""

    def samplers(self) -> list[str]:
        return list(SAMPLERS)

    def schedulers(self) -> list[str]:
        return list(SCHEDULERS)

    def checkpoints(self) -> list[str]:
        return []

    def upscalers(self) -> list[str]:
        return PreviewHost().upscaler_names()

    def refresh_checkpoints(self) -> list[str]:
        return []

    def controlnet_models(self) -> list[str]:
        return []

    def controlnet_modules(self) -> list[str]:
        return []


def page_script() -> str:
    """keyframes.js as a function gradio runs on page load (the WebUI loads it as a file)."""
    return "() => {\n" + SCRIPT_FILE.read_text(encoding="utf-8") + "\n}"


def build_standalone(output_dir: Path, *, presets_dir: Path | None = None,
                     last_settings: Path | None = None, delay_s: float = 0.0):
    """The standalone page's Blocks and its job manager."""
    context = standalone_context(output_dir, presets_dir=presets_dir,
                                 last_settings=last_settings, delay_s=delay_s)
    return build_tab(context), context.manager


def standalone_context(output_dir: Path, *, presets_dir: Path | None = None,
                       last_settings: Path | None = None, delay_s: float = 0.0) -> TabContext:
    """The tab's context without a WebUI: the preview host, files in and beside `output_dir`
    (the page serves this machine only, so it reads any path)."""
    manager = JobManager(PreviewSession(delay_s), lambda: Path(output_dir))
    presets = Path(presets_dir) if presets_dir else user_presets_dir()
    last = Path(last_settings) if last_settings else last_settings_file_standalone()
    return TabContext(
        manager=manager,
        batches=BatchQueue(manager, lambda: Path(output_dir)),
        catalog=PreviewCatalog(),
        presets_dir=lambda: presets,
        last_settings_file=lambda: last,
        previews_dir=lambda: Path(output_dir) / ".previews",
        uploads_dir=lambda: Path(output_dir) / ".uploads",
        page_js=page_script(),
        page_css=STYLE_FILE.read_text(encoding="utf-8") + STANDALONE_CSS,
        host_note=HOST_NOTE,
    )


def serve(port: int, output_dir: Path, *, presets_dir: Path | None = None,
          last_settings: Path | None = None, delay_s: float = 0.0,
          block: bool = True) -> Any:
    """Serve the page on 127.0.0.1:`port` (never on other interfaces)."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    for key in ("no_proxy", "NO_PROXY"):  # gradio checks its own URL; never through a proxy
        os.environ[key] = ",".join(filter(None, [os.environ.get(key), "127.0.0.1", "localhost"]))
    blocks, _manager = build_standalone(output_dir, presets_dir=presets_dir,
                                        last_settings=last_settings, delay_s=delay_s)
    blocks.queue(concurrency_count=8)
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=not block,
                  show_api=False, quiet=True, inbrowser=False)
    return blocks
