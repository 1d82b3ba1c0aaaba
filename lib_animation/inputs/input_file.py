"""An input file a setting names, opened once and, when the run is confined to folders (an API
caller named it), checked twice: its path before it is opened, and the file actually opened.

A path that passed the allowed-folder check can be swapped for a symbolic link before it is read,
so the opened file's own location is checked again and everything is read from that one open
file. Errors name the setting and the file's name, never the folders around it.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import BinaryIO

from lib_animation.errors import RenderError, SettingsError
from lib_animation.inputs.remote import UrlFetcher, is_url, looks_like_url

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
_OPEN_FILES = Path("/proc/self/fd")  # Linux names each open file's real path here


@dataclass(frozen=True)
class InputFile:
    """The file `path_text` names for `setting`; `confined_to` = the only folders it may lie in
    (None: anywhere, as on the command line); `urls` fetches an http(s) URL (None: URLs are
    refused)."""

    path_text: str
    setting: str | None
    what: str  # "image", "video", "soundtrack": how messages call it
    confined_to: tuple[Path, ...] | None = None
    urls: UrlFetcher | None = None

    @property
    def name(self) -> str:
        return PurePath(self.path_text.strip()).name or self.path_text.strip()

    def __str__(self) -> str:
        return self.name

    def open(self) -> BinaryIO:
        """The file, open for reading; RenderError (SettingsError when outside the folders)
        naming the setting otherwise."""
        text = self.path_text.strip()
        if not text:
            raise RenderError(f"no {self.what} file given", setting=self.setting)
        if looks_like_url(text):
            return self._fetched(text)
        roots = None if self.confined_to is None else resolved_folders(self.confined_to)
        if roots is not None and not is_allowed(text, roots):
            raise outside_error(self.setting)
        descriptor = self._open_descriptor(text)
        try:
            self._check_opened(descriptor, text, roots)
        except BaseException:
            os.close(descriptor)
            raise
        return os.fdopen(descriptor, "rb")

    def is_url(self) -> bool:
        return looks_like_url(self.path_text.strip())

    def _fetched(self, url: str) -> BinaryIO:
        if self.urls is None or not is_url(url):
            hint = ("download it first and give its path" if self.confined_to is None else
                    "send the file inline as base64, or ask the WebUI's owner to allow URLs in "
                    "Settings > Keyframes")
            raise RenderError(f"{self.what} must be a local file, not a URL",
                              setting=self.setting, hint=hint)
        return io.BytesIO(self.urls.fetch(url, setting=self.setting, what=self.what))

    def resolved(self) -> Path:
        """The file's path with links and `..` resolved (for records, never for messages)."""
        return _resolve(self.path_text.strip()) or Path(self.path_text.strip())

    def _open_descriptor(self, text: str) -> int:
        try:
            return os.open(_expanded(text), _OPEN_FLAGS)
        except FileNotFoundError:
            raise RenderError(f"{self.what} file not found: {self.name}",
                              setting=self.setting) from None
        except IsADirectoryError:
            raise self._not_a_file() from None
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or "cannot be opened"
            raise RenderError(f"cannot read {self.what} {self.name}: {reason}",
                              setting=self.setting) from None

    def _check_opened(self, descriptor: int, text: str, roots: tuple[Path, ...] | None) -> None:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise self._not_a_file()
        if roots is None:
            return
        opened = _opened_path(descriptor, _resolve(text))
        if opened is None or not _inside(opened, roots):
            raise outside_error(self.setting)

    def _not_a_file(self) -> RenderError:
        return RenderError(f"{self.what} is not a file: {self.name}", setting=self.setting)


def resolved_folders(folders: Sequence[Path]) -> tuple[Path, ...]:
    """The folders with links and `..` resolved (a folder that cannot be resolved is left out)."""
    resolved = (_resolve(str(folder)) for folder in folders)
    return tuple(folder for folder in resolved if folder is not None)


def is_allowed(path_text: str, roots: Sequence[Path]) -> bool:
    """Whether the path, once `~`, `..` and links are resolved, lies inside one of `roots`
    (already resolved). Paths that cannot be resolved (a link loop) are not allowed."""
    resolved = _resolve(path_text.strip())
    return resolved is not None and _inside(resolved, roots)


def outside_error(setting: str | None, *, keyframe: int | None = None) -> SettingsError:
    """The one answer for a path outside the allowed folders, the same whether it names a file,
    nothing or a folder, so it tells nothing about the server's files."""
    return SettingsError(
        "is outside the folders this WebUI lets API jobs read", setting=setting, keyframe=keyframe,
        hint="send the file inline as base64, or ask the WebUI's owner to allow its folder in "
        "Settings > Keyframes",
    )


def _inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _expanded(text: str) -> Path:
    try:
        return Path(text).expanduser()
    except RuntimeError:  # `~user` of no known user: the name is taken as it is
        return Path(text)


def _resolve(text: str) -> Path | None:
    try:
        return _expanded(text).resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, a NUL byte
        return None


def _opened_path(descriptor: int, resolved: Path | None) -> Path | None:
    """Where the open file is: the kernel's own record where it keeps one (Linux); elsewhere the
    resolved path, only if it still is the very file that was opened."""
    try:
        return (_OPEN_FILES / str(descriptor)).readlink()
    except OSError:
        pass
    if resolved is None:
        return None
    try:
        same = os.path.samestat(os.fstat(descriptor), resolved.stat())
    except OSError:
        return None
    return resolved if same else None
