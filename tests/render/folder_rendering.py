"""Render an existing run folder the way `render --resume` does: open it, then render it."""

from __future__ import annotations

from pathlib import Path

from lib_animation.host import Host
from lib_animation.runs import RenderOptions, RenderResult, open_run, render_run


def render_folder(folder: Path, host: Host, options: RenderOptions | None = None) -> RenderResult:
    return render_run(open_run(folder, host), host, options)
