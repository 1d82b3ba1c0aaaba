"""``FakeWebUI``: a throw-away WebUI install under a folder, started on the fake ``modules``.

The folder gets ``models/Stable-diffusion/`` with small dummy checkpoints, ``outputs/`` and
``extensions/`` (the extensions under test are linked or copied there). ``start()`` follows the
host's start-up: initialize (settings, checkpoints, extension scripts, model load), then the UI
(settings callbacks, script UIs, tab callbacks), the FastAPI app, progress routes, ``Api`` with
``--api`` and finally ``app_started``. With ``--nowebui`` the UI is still built (inside ``Api``)
but ``demo`` stays None. Use it through the ``fake_webui`` fixture.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import sys
from pathlib import Path

FAKE_ROOT = Path(__file__).resolve().parent
DEFAULT_CHECKPOINTS = ("tiny-sd1.safetensors", "tiny-sd1-b.safetensors")
# Past 1 MiB, so the host's short "model hash" (read at offset 1 MiB) differs per file.
CHECKPOINT_BYTES = 1_114_112
COPY_IGNORE = (".git", ".venv", "tests", "__pycache__", "*.egg-info", "bench")


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
                 copy_extensions=False, config=None):
        self.root = self.data_dir = Path(root)
        self.args = [str(arg) for arg in args]
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
        self.app = self.demo = self.api = None
        self.started = False

    def environ(self) -> dict[str, str]:
        """What the fake host reads from the environment (the fixture restores it later)."""
        return {
            "COMMANDLINE_ARGS": shlex.join(["--data-dir", str(self.root), *self.args]),
            "FAKE_WEBUI_PIP_LOG": str(self.pip_log),
            "SD_WEBUI_CACHE_FILE": str(self.root / "cache.json"),
        }

    def start(self) -> FakeWebUI:
        os.environ.update(self.environ())
        if str(FAKE_ROOT) not in sys.path:
            sys.path.insert(0, str(FAKE_ROOT))
        evict_host_modules()
        from modules import initialize

        initialize.initialize()
        from fastapi import FastAPI
        from modules import call_queue, progress, script_callbacks, shared, ui
        from modules.api.api import Api

        self.app = FastAPI()
        if shared.cmd_opts.nowebui:
            self.api = Api(self.app, call_queue.queue_lock)
            script_callbacks.before_ui_callback()
        else:
            script_callbacks.before_ui_callback()
            self.demo = shared.demo = ui.create_ui()
            progress.setup_progress_api(self.app)
            if shared.cmd_opts.api:
                self.api = Api(self.app, call_queue.queue_lock)
        script_callbacks.app_started_callback(self.demo, self.app)
        self.started = True
        return self

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
