"""The ``fake_webui`` pytest fixture.

    def test_x(fake_webui):
        webui = fake_webui(extensions=[EXT_DIR], args=["--api"])
        from modules import shared  # import host modules only after starting

Each call builds and starts a ``FakeWebUI`` in a new folder under ``tmp_path``. Afterwards the
fixture stops serving any page it served and puts back ``sys.path``, the environment, gradio's
patched methods and page template, and ``sys.modules``: the fake's modules, ``launch``, and
every module first imported during the test from outside the installed packages (extension
code, project code holding fake modules) are dropped. ``fake_webui_session(folder)`` does the
same for a wider scope (e.g. one served WebUI for a module of browser tests).
"""

from __future__ import annotations

import contextlib
import os
import sys
import sysconfig
from pathlib import Path

import pytest

from .webui import FAKE_ROOT, FakeWebUI, is_host_module

ENV_KEYS = ("COMMANDLINE_ARGS", "FAKE_WEBUI_PIP_LOG", "SD_WEBUI_CACHE_FILE",
            "GRADIO_ANALYTICS_ENABLED", "no_proxy", "NO_PROXY")


def _installed_roots() -> list[Path]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix}
    roots.update(p for p in sysconfig.get_paths().values() if p)
    return [Path(root).resolve() for root in roots]


def _from_outside_installs(module, roots) -> bool:
    filename = getattr(module, "__file__", None)
    if not filename:
        return False
    path = Path(filename).resolve()
    return not any(path.is_relative_to(root) for root in roots)


@contextlib.contextmanager
def fake_webui_session(folder: Path):
    """Yields ``start(**kwargs)``, which starts a ``FakeWebUI`` in a new folder under ``folder``;
    everything is put back on leaving."""
    import gradio

    saved_path = list(sys.path)
    saved_env = {key: os.environ.get(key) for key in ENV_KEYS}
    saved_host = {name: mod for name, mod in sys.modules.items() if is_host_module(name)}
    known = set(sys.modules)
    dropdown_parent = gradio.Dropdown.__dict__.get("get_expected_parent")
    template_response = gradio.routes.templates.TemplateResponse
    for name in saved_host:
        del sys.modules[name]
    sys.path.insert(0, str(FAKE_ROOT))
    made = []

    def start(**kwargs):
        webui = FakeWebUI(Path(folder) / f"webui-{len(made)}", **kwargs)
        made.append(webui)
        return webui.start()

    try:
        yield start
    finally:
        for webui in made:
            webui.close()
        patches = sys.modules.get("modules.gradio_extensons")
        if patches is not None:
            patches.undo()
        gradio.routes.templates.TemplateResponse = template_response
        if dropdown_parent is not None:
            gradio.Dropdown.get_expected_parent = dropdown_parent
        elif "get_expected_parent" in vars(gradio.Dropdown):
            del gradio.Dropdown.get_expected_parent
        roots = _installed_roots()
        for name in [name for name in sys.modules if name not in known]:
            if is_host_module(name) or _from_outside_installs(sys.modules[name], roots):
                _forget(name)
        for name in [name for name in sys.modules if is_host_module(name)]:
            del sys.modules[name]
        sys.modules.update(saved_host)
        sys.path[:] = saved_path
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def fake_webui(tmp_path):
    with fake_webui_session(tmp_path) as start:
        yield start


def _forget(name: str) -> None:
    """Drop a module, and its attribute on an already-imported parent package, so a later
    `from package import module` imports it afresh against the next fake."""
    module = sys.modules.pop(name)
    parent_name, _, child = name.rpartition(".")
    parent = sys.modules.get(parent_name)
    if parent is not None and getattr(parent, child, None) is module:
        delattr(parent, child)


__all__ = ["FakeWebUI", "fake_webui", "fake_webui_session"]
