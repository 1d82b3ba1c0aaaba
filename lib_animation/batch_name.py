"""Run-folder names from the `batch_name` template: filled in, and never a path.

`Keyframes_{timestring}` becomes `Keyframes_20261126093000`. Whatever a settings file holds, the
result is one plain folder name: separators, `..`, drive letters and control characters cannot
make a run write outside the output folder, and bidi controls (U+202E) and other invisible
characters cannot make its name read as another.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lib_animation.errors import SettingsError
from lib_animation.schema import NAME

MAX_NAME_LENGTH = 120
MAX_FIELD_LENGTH = 50
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]{0,60})\}")
_UNSAFE = re.compile(r"[/\\:*?\"<>|]")
# Controls, format characters (bidi overrides and isolates, zero-width marks), lone surrogates
# (no file system can store them) and line or paragraph separators.
_DROPPED_CATEGORIES = ("Cc", "Cf", "Cs", "Zl", "Zp")
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {
    f"lpt{i}" for i in range(10)
}


def safe_folder_name(text: str, *, fallback: str = "Keyframes") -> str:
    """One folder name made only of safe characters; never empty, '.', '..' or a device name."""
    visible = "".join(char for char in text
                      if unicodedata.category(char) not in _DROPPED_CATEGORIES)
    name = _UNSAFE.sub("_", visible).strip().strip(".").strip()
    name = name[:MAX_NAME_LENGTH].rstrip(" .")
    if not name or name.split(".")[0].lower() in _WINDOWS_DEVICES:
        return fallback
    return name


def fill_batch_name(template: str, values: Mapping[str, Any], timestring: str) -> str:
    """Fill `{timestring}` and `{setting}` placeholders (case-insensitive, e.g. `{seed}`, `{w}`);
    unknown placeholders are left as they are. Each filled value is cut to 50 characters."""
    lowered = {str(key).lower(): value for key, value in values.items()}
    lowered["timestring"] = timestring

    def fill(match: re.Match[str]) -> str:
        key = match.group(1).lower()
        if key not in lowered:
            return match.group(0)
        return str(lowered[key])[:MAX_FIELD_LENGTH]

    return safe_folder_name(_PLACEHOLDER.sub(fill, template))


def run_folder(output_dir: Path, folder_name: str) -> Path:
    """The run folder inside `output_dir`; refuses any name that would leave it."""
    name = safe_folder_name(folder_name)
    root = output_dir.resolve()
    folder = (root / name).resolve()
    if folder.parent != root:
        raise SettingsError(f"{folder_name!r} is not a folder name", setting=NAME.batch_name)
    return folder
