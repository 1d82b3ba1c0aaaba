"""The installed extensions: folders of ``extensions/`` (and ``extensions-builtin/``)."""

from __future__ import annotations

import configparser
from pathlib import Path

from modules import shared
from modules.paths_internal import extensions_builtin_dir, extensions_dir

extensions: list[Extension] = []


class Extension:
    def __init__(self, name, path, enabled=True, is_builtin=False):
        self.name = name
        self.path = str(path)
        self.enabled = enabled
        self.is_builtin = is_builtin
        self.canonical_name = name.lower()  # the host ignores metadata.ini's Name
        self.metadata = configparser.ConfigParser()
        ini = Path(path) / "metadata.ini"
        if ini.is_file():
            self.metadata.read(ini, encoding="utf8")
        self.remote = None
        self.version = ""

    def list_files(self, subdir, extension):
        folder = Path(self.path) / subdir
        if not folder.is_dir():
            return []
        return sorted(str(p) for p in folder.iterdir() if p.suffix == extension and p.is_file())


def active():
    which = shared.opts.disable_all_extensions
    if shared.cmd_opts.disable_all_extensions or which == "all":
        return []
    if shared.cmd_opts.disable_extra_extensions or which == "extra":
        return [x for x in extensions if x.enabled and x.is_builtin]
    return [x for x in extensions if x.enabled]


def list_extensions():
    extensions.clear()
    disabled = set(shared.opts.disabled_extensions)
    for root, builtin in ((extensions_builtin_dir, True), (extensions_dir, False)):
        folder = Path(root)
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.iterdir() if p.is_dir()):
            extensions.append(Extension(path.name, path, path.name not in disabled, builtin))
