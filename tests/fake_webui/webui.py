"""``FakeWebUI``: a throw-away WebUI install under a folder, started on the fake ``modules``.

The folder gets ``models/Stable-diffusion/`` with small dummy checkpoints, ``outputs/`` and
``extensions/`` (the extensions under test are linked or copied there). ``start()`` follows the
host's start-up (``webui.py``): initialize (settings, checkpoints, extension scripts, model
load), then the UI (before_ui callbacks, settings callbacks, script UIs, tab callbacks), the
app, progress routes, ``Api`` only with ``--api`` and finally ``app_started(demo, app)``. With
``--nowebui`` (the host's ``api_only()``) the app gets ``Api`` and the UI is still built inside
it, but ``demo`` stays None.

fake-only: by default the page is not served and ``app`` is a plain FastAPI app for
``client()``; with ``serve=True`` the page is launched as the host launches it, on 127.0.0.1 (or
``--server-name``/``--listen``) at ``--port`` (a free port unless given), and ``app`` is the
served app. ``reload_ui()`` does what Settings > Reload UI does; ``press_interrupt()`` presses
the Interrupt button. Use it through the ``fake_webui`` fixture.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import socket
import sys
from pathlib import Path

FAKE_ROOT = Path(__file__).resolve().parent
DEFAULT_CHECKPOINTS = ("tiny-sd1.safetensors", "tiny-sd1-b.safetensors")
# Past 1 MiB, so the host's short "model hash" (read at offset 1 MiB) differs per file.
CHECKPOINT_BYTES = 1_114_112
COPY_IGNORE = (".git", ".venv", "tests", "__pycache__", "*.egg-info", "bench")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _bypassing_proxies(no_proxy: str | None) -> str:
    """A no_proxy list that also names this machine."""
    names = [name for name in (no_proxy or "").split(",") if name]
    return ",".join([*names, *(n for n in ("127.0.0.1", "localhost") if n not in names)])


def is_host_module(name: str) -> bool:
    return name in ("modules", "launch") or name.startswith("modules.")


def evict_host_modules() -> None:
    for name in [name for name in sys.modules if is_host_module(name)]:
        del sys.modules[name]


def make_checkpoint(path: Path, size: int = CHECKPOINT_BYTES) -> None:
    """A file shaped like safetensors: header length, JSON header, then bytes derived from the
    file name (so every checkpoint hashes differently but reproducibly)."""
    header = json.dumps({"__metadata__": {"fake": path.stem}}).encode()
    header += b" " * (-len(header) % 8)
    filler = bytearray()
    block = 0
    while len(filler) < size:
        filler += hashlib.sha512(f"{path.name}:{block}".encode()).digest()
        block += 1
    data = len(header).to_bytes(8, "little") + header + bytes(filler)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data[:size])


class FakeWebUI:
    def __init__(self, root, *, args=(), extensions=None, checkpoints=DEFAULT_CHECKPOINTS,
                 copy_extensions=False, config=None, serve=False, model_load_s=0.0):
        self.root = self.data_dir = Path(root)
        # > 0: the start-up model load takes this long in a thread of its own, as in the host
        self.model_load_s = model_load_s
        self.args = [str(arg) for arg in args]
        self.serve = serve
        if serve and "--port" not in self.args:
            self.args += ["--port", str(free_port())]
        self.models_dir = self.root / "models" / "Stable-diffusion"
        self.outputs_dir = self.root / "outputs"
        self.extensions_dir = self.root / "extensions"
        self.pip_log = self.root / "pip-commands.txt"
        for folder in (self.models_dir, self.outputs_dir, self.extensions_dir):
            folder.mkdir(parents=True, exist_ok=True)
        for name in checkpoints:
            make_checkpoint(self.models_dir / name)
        if config is not None:
            (self.root / "config.json").write_text(json.dumps(config), encoding="utf8")
        if isinstance(extensions, dict):
            pairs = list(extensions.items())
        else:
            pairs = [(Path(src).resolve().name, src) for src in extensions or ()]
        self.extension_paths = []
        for name, src in pairs:
            target = self.extensions_dir / name
            if copy_extensions:
                shutil.copytree(src, target, ignore=shutil.ignore_patterns(*COPY_IGNORE))
            else:
                target.symlink_to(Path(src).resolve(), target_is_directory=True)
            self.extension_paths.append(target)
        self.app = self.demo = self.api = self.url = None
        self.started = False

    def environ(self) -> dict[str, str]:
        """What the fake host reads from the environment (the fixture restores it later);
        clients of the served page never go through a proxy."""
        return {
            "COMMANDLINE_ARGS": shlex.join(["--data-dir", str(self.root), *self.args]),
            "FAKE_WEBUI_PIP_LOG": str(self.pip_log),
            "SD_WEBUI_CACHE_FILE": str(self.root / "cache.json"),
            "FAKE_WEBUI_MODEL_LOAD_S": str(self.model_load_s),
            "no_proxy": _bypassing_proxies(os.environ.get("no_proxy")),
            "NO_PROXY": _bypassing_proxies(os.environ.get("NO_PROXY")),
        }

    def start(self) -> FakeWebUI:
        os.environ.update(self.environ())
        if str(FAKE_ROOT) not in sys.path:
            sys.path.insert(0, str(FAKE_ROOT))
        evict_host_modules()
        from modules import initialize

        initialize.initialize()
        self._start_ui()
        self.started = True
        return self

    def _start_ui(self) -> None:
        from modules import shared

        if shared.cmd_opts.nowebui:
            self._api_only()
        else:
            self._webui()

    def _api_only(self) -> None:
        """The host's ``api_only()``: an app with the API (which builds the UI), no page."""
        from fastapi import FastAPI
        from modules import call_queue, initialize_util, script_callbacks
        from modules.api.api import Api

        app = FastAPI()
        initialize_util.setup_middleware(app)
        self.api = Api(app, call_queue.queue_lock)
        script_callbacks.before_ui_callback()
        script_callbacks.app_started_callback(None, app)
        self.app, self.demo = app, None

    def _webui(self) -> None:
        """One turn of the host's ``webui()`` loop, up to app_started."""
        from fastapi import FastAPI
        from modules import call_queue, initialize_util, progress, script_callbacks, shared, ui
        from modules.api.api import Api

        script_callbacks.before_ui_callback()
        demo = shared.demo = ui.create_ui()
        app = self._launch(demo) if self.serve else FastAPI()
        initialize_util.setup_middleware(app)
        progress.setup_progress_api(app)
        self.api = Api(app, call_queue.queue_lock) if shared.cmd_opts.api else None
        script_callbacks.app_started_callback(demo, app)
        self.app, self.demo = app, demo

    def _launch(self, demo):
        """The page served as the host serves it; gradio's open CORS policy is removed."""
        from modules import initialize_util, shared

        cmd_opts = shared.cmd_opts
        if not cmd_opts.no_gradio_queue:
            demo.queue(64)
        app, self.url, _share_url = demo.launch(
            share=cmd_opts.share,
            server_name=initialize_util.gradio_server_name(),
            server_port=cmd_opts.port,
            auth=list(initialize_util.get_gradio_auth_creds()) or None,
            inbrowser=False,
            prevent_thread_lock=True,
            # The host's root is its working directory, which gradio serves files from; the
            # fake's root is not, so it is allowed by name.
            allowed_paths=[*cmd_opts.gradio_allowed_path, str(FAKE_ROOT)],
            app_kwargs={"docs_url": "/docs", "redoc_url": "/redoc"},
            root_path=f"/{cmd_opts.subpath}" if cmd_opts.subpath else "",
        )
        app.user_middleware = [m for m in app.user_middleware
                               if m.cls.__name__ != "CORSMiddleware"]
        return app

    def reload_ui(self, midway=None) -> FakeWebUI:
        """Settings > Reload UI: ``state.request_restart()``, then what the host's main loop
        does when it reads that command: close the page, fire ``on_before_reload`` then
        ``on_script_unloaded`` callbacks, ``initialize_rest(reload_script_modules=True)``
        (checkpoints listed again, every extension script run again, so callbacks are
        registered anew), then a new UI and app as at start (``app_started`` gets the new
        ones; ``app`` and ``demo`` are the new ones). All of it runs in the calling thread;
        ``midway()``, if given, is called inside that listing of checkpoints while their lists
        are empty (block there to try things from another thread). The host's API-only mode
        (``--nowebui``) has no Reload UI."""
        from modules import initialize, script_callbacks, sd_models, shared

        if shared.cmd_opts.nowebui:
            raise RuntimeError("a WebUI started with --nowebui has no Reload UI")
        shared.state.request_restart()
        command = shared.state.wait_for_server_command(timeout=5)
        if command != "restart":
            raise RuntimeError(f"the main loop read {command!r}, not 'restart'")
        shared.demo.close()
        script_callbacks.app_reload_callback()
        script_callbacks.script_unloaded_callback()
        sd_models.models_cleared_hook = midway
        try:
            initialize.initialize_rest(reload_script_modules=True)
        finally:
            sd_models.models_cleared_hook = None
        self._webui()
        return self

    def press_interrupt(self, tab: str = "txt2img") -> None:
        """fake-only: calls the very function the Interrupt button of ``tab`` (``"txt2img"``
        or ``"img2img"``) calls when clicked."""
        self.button_function(f"{tab}_interrupt")()

    def button_function(self, elem_id: str):
        """fake-only: the function a click on the page's button ``elem_id`` calls."""
        if self.demo is None:
            raise RuntimeError("no page: the WebUI was started with --nowebui")
        ids = [key for key, block in self.demo.blocks.items()
               if getattr(block, "elem_id", None) == elem_id]
        for index, dependency in enumerate(self.demo.dependencies):
            if dependency["trigger"] == "click" and set(dependency["targets"]) & set(ids):
                return self.demo.fns[index].fn
        raise LookupError(f"no click event on a button {elem_id!r}")

    def close(self) -> None:
        """Stops serving the page (nothing to do when it is not served)."""
        if self.demo is not None:
            self.demo.close()

    @property
    def modules(self):
        return sys.modules["modules"]

    def client(self, **kwargs):
        from fastapi.testclient import TestClient

        return TestClient(self.app, **kwargs)

    def run_extension_installers(self) -> list[str]:
        """Each linked extension's install.py, run the way the launcher runs it; returns every
        pip command recorded so far."""
        import launch

        for path in self.extension_paths:
            launch.run_extension_installer(str(path))
        return self.pip_commands()

    def pip_commands(self) -> list[str]:
        if not self.pip_log.exists():
            return []
        return self.pip_log.read_text(encoding="utf8").splitlines()

    def hash_all_checkpoints(self) -> None:
        """As if every checkpoint had been loaded once: all get their sha256 and its aliases."""
        from modules import sd_models

        for info in list(sd_models.checkpoints_list.values()):
            info.calculate_shorthash()
