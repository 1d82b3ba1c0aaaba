"""Input files named by someone else (a REST API caller): given inline as base64, or as paths
inside folders the WebUI's owner allows. Nothing else on the server can be read through a run.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lib_animation.atomic_files import write_atomic
from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.schema import SETTINGS, Settings, applies
from lib_animation.setting_kinds import PATH

PATH_SETTINGS = tuple(setting.name for setting in SETTINGS if setting.kind == PATH)
MAX_INLINE_BYTES = 256 * 1024 * 1024
_DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(;[\w=.+-]+)*;base64,", re.I)
_BARE_BASE64 = re.compile(r"^[A-Za-z0-9+/\s]{64,}={0,2}\s*$")
_SUFFIX_OF_MIME = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif",
    "video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov", "audio/mpeg": ".mp3",
    "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/ogg": ".ogg", "audio/flac": ".flac",
}  # fmt: skip
_MAGIC = ((b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"RIFF", ".wav"), (b"ID3", ".mp3"),
          (b"\x1a\x45\xdf\xa3", ".webm"), (b"OggS", ".ogg"), (b"fLaC", ".flac"))


def stage_inline_inputs(values: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    """The values with each base64 input (a `data:` URL, or bare base64) written to a file in
    `folder` and replaced by that file's path."""
    staged = dict(values)
    for name in PATH_SETTINGS:
        value = staged.get(name)
        if not isinstance(value, str) or not _is_inline(value):
            continue
        data, mime = _decode(name, value)
        path = folder / f"{name}-{secrets.token_hex(4)}{_suffix(data, mime)}"
        write_atomic(path, data)
        staged[name] = str(path)
    return staged


def check_allowed_paths(settings: Settings, allowed: Sequence[Path]) -> None:
    """SettingsError (one per setting) for an input path the run would read that is not inside
    an allowed folder, once `..` and symbolic links are resolved."""
    roots = [Path(root).expanduser().resolve() for root in allowed]
    problems: list[KeyframesError] = []
    for name in PATH_SETTINGS:
        text = str(settings[name]).strip()
        if not text or not applies(settings, name):
            continue
        resolved = Path(text).expanduser().resolve()
        if not any(resolved == root or root in resolved.parents for root in roots):
            problems.append(SettingsError(
                "is outside the folders this WebUI lets API jobs read", setting=name,
                hint="send the file inline as base64, or ask the WebUI's owner to allow its "
                "folder in Settings > Keyframes",
            ))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise KeyframesErrors(problems)


def _is_inline(value: str) -> bool:
    return bool(_DATA_URL.match(value)) or ("." not in value and bool(_BARE_BASE64.match(value)))


def _decode(name: str, value: str) -> tuple[bytes, str | None]:
    match = _DATA_URL.match(value)
    mime = match.group(1).lower() if match and match.group(1) else None
    body = value[match.end():] if match else value
    if len(body) > MAX_INLINE_BYTES * 4 // 3 + 4:
        raise SettingsError(f"inline file is larger than {MAX_INLINE_BYTES // 2**20} MiB",
                            setting=name)
    try:
        return base64.b64decode("".join(body.split()), validate=True), mime
    except (binascii.Error, ValueError):
        raise SettingsError("is neither a file path nor valid base64", setting=name) from None


def _suffix(data: bytes, mime: str | None) -> str:
    if mime in _SUFFIX_OF_MIME:
        return _SUFFIX_OF_MIME[mime]
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return ".webp"
    for magic, suffix in _MAGIC:
        if data.startswith(magic):
            return suffix
    if data[4:8] == b"ftyp":
        return ".mp4"
    return ".bin"
