"""Input files named by someone else (a REST API caller): given inline as base64, or as paths
inside folders the WebUI's owner allows. Nothing else on the server can be read through a run.

Inline files are decoded piece by piece straight into their file, so a request never holds a
decoded copy of the file in memory, and one over the size limit is refused before decoding.
"""

from __future__ import annotations

import binascii
import json
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.inputs.input_file import is_allowed, outside_error, resolved_folders
from lib_animation.inputs.reads import files_read
from lib_animation.inputs.remote import is_url, looks_like_url
from lib_animation.schema import SETTINGS, Settings
from lib_animation.setting_kinds import IMAGE_KEYFRAMES, PATH

PATH_SETTINGS = tuple(setting.name for setting in SETTINGS if setting.kind == PATH)
KEYFRAMED_PATH_SETTINGS = tuple(s.name for s in SETTINGS if s.kind == IMAGE_KEYFRAMES)
MAX_INLINE_BYTES = 256 * 1024 * 1024
DECODE_CHUNK = 4 * 1024 * 1024  # base64 characters decoded at a time
_DATA_URL = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(;[\w=.+-]+)*;base64,", re.I)
_BARE_BASE64 = re.compile(r"^[A-Za-z0-9+/\s]{64,}={0,2}\s*$")
_BASE64_DATA = re.compile(r"[A-Za-z0-9+/]*")
_PADDING = re.compile(r"=\s*(=\s*)?")
_WHITESPACE = re.compile(r"\s+")
_SUFFIX_OF_MIME = {
    "image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp", "image/gif": ".gif",
    "video/mp4": ".mp4", "video/webm": ".webm", "video/quicktime": ".mov", "audio/mpeg": ".mp3",
    "audio/wav": ".wav", "audio/x-wav": ".wav", "audio/ogg": ".ogg", "audio/flac": ".flac",
}  # fmt: skip
_MAGIC = ((b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"RIFF", ".wav"), (b"ID3", ".mp3"),
          (b"\x1a\x45\xdf\xa3", ".webm"), (b"OggS", ".ogg"), (b"fLaC", ".flac"))


def stage_inline_inputs(values: Mapping[str, Any], folder: Path, *,
                        max_inline_bytes: int = MAX_INLINE_BYTES) -> dict[str, Any]:
    """The values with each base64 input (a `data:` URL, or bare base64) written to a file in
    `folder` and replaced by that file's path. SettingsError naming the setting for a file over
    `max_inline_bytes` or for text that is not base64."""
    staged = dict(values)
    for name in PATH_SETTINGS:
        value = staged.get(name)
        if isinstance(value, str) and _is_inline(value):
            staged[name] = str(_stage(name, value, folder, max_inline_bytes))
    for name in KEYFRAMED_PATH_SETTINGS:
        if name in staged:
            staged[name] = _stage_keyframed(name, staged[name], folder, max_inline_bytes)
    return staged


def _stage_keyframed(name: str, value: Any, folder: Path, limit: int) -> Any:
    """A {"frame": image} setting (a mapping or its JSON text) with each inline image staged;
    a value that is no such object is returned as it is, for validation to name."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return value
    if not isinstance(value, Mapping):
        return value
    return {key: str(_stage(name, image, folder, limit))
            if isinstance(image, str) and _is_inline(image) else image
            for key, image in value.items()}


def check_allowed_paths(settings: Settings, allowed: Sequence[Path], *,
                        urls_allowed: bool = False) -> None:
    """SettingsError (one per file, naming its setting and, for one of several files a setting
    names, its keyframe) for each input file the run reads (`files_read`) whose path is not
    inside an allowed folder once `..` and symbolic links are resolved, and for each URL unless
    `urls_allowed` (then http(s) URLs pass). Files named inside mask expressions cannot be sent
    inline: they must lie in an allowed folder."""
    roots = resolved_folders(allowed)
    problems: list[KeyframesError] = []
    for read in files_read(settings):
        text = read.path_text
        if looks_like_url(text):
            if not (urls_allowed and is_url(text)):
                problems.append(url_refused_error(read.setting, read.keyframe))
        elif text.strip() and not is_allowed(text, roots):
            problems.append(outside_error(read.setting, read.keyframe))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise KeyframesErrors(problems)


def url_refused_error(setting: str | None, keyframe: int | None = None) -> SettingsError:
    return SettingsError(
        "is a URL, and this WebUI does not fetch URLs for API jobs", setting=setting,
        keyframe=keyframe,
        hint="send the file inline as base64, or ask the WebUI's owner to allow URLs in "
        "Settings > Keyframes",
    )


def _is_inline(value: str) -> bool:
    return bool(_DATA_URL.match(value)) or ("." not in value and bool(_BARE_BASE64.match(value)))


def _stage(name: str, value: str, folder: Path, limit: int) -> Path:
    match = _DATA_URL.match(value)
    mime = match.group(1).lower() if match and match.group(1) else None
    start = match.end() if match else 0
    if len(value) - start - _ascii_whitespace(value) > _encoded_length(limit):
        raise _too_large(name, limit)
    chunks = _decoded_chunks(name, value, start, limit)
    head = next(chunks, b"")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{secrets.token_hex(4)}{_suffix(head, mime)}"
    try:
        with path.open("xb") as file:
            file.write(head)
            for chunk in chunks:
                file.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _decoded_chunks(name: str, value: str, start: int, limit: int) -> Iterator[bytes]:
    """The bytes `value[start:]` encodes, a piece at a time; SettingsError for anything that is
    not base64 with exactly the padding its length needs (whitespace may stand anywhere)."""
    end = value.find("=", start)
    end = len(value) if end < 0 else end
    padding = _PADDING.fullmatch(value, end) if end < len(value) else None
    if end < len(value) and padding is None:
        raise _not_base64(name)
    pad = 0 if padding is None else padding.group(0).count("=")
    carry = ""
    decoded = 0
    for offset in range(start, end, DECODE_CHUNK):
        text = carry + _WHITESPACE.sub("", value[offset:min(offset + DECODE_CHUNK, end)])
        if not _BASE64_DATA.fullmatch(text):
            raise _not_base64(name)
        whole = len(text) - len(text) % 4
        carry = text[whole:]
        chunk = binascii.a2b_base64(text[:whole])
        decoded += len(chunk)
        if decoded > limit:
            raise _too_large(name, limit)
        yield chunk
    if len(carry) == 1 or (len(carry) + pad) % 4:
        raise _not_base64(name)
    if carry:
        last = binascii.a2b_base64(carry + "=" * pad)
        if decoded + len(last) > limit:
            raise _too_large(name, limit)
        yield last


def _ascii_whitespace(value: str) -> int:
    return sum(map(value.count, " \t\r\n\f\v"))


def _encoded_length(limit: int) -> int:
    """The most base64 characters a file of `limit` bytes can take (before any whitespace)."""
    return limit * 4 // 3 + 4


def _too_large(name: str, limit: int) -> SettingsError:
    return SettingsError(f"inline file is larger than {_size_text(limit)}, this WebUI's limit",
                         setting=name, hint="send a smaller file")


def _size_text(size: int) -> str:
    return f"{size // 2**20} MiB" if size % 2**20 == 0 else f"{size:,} bytes"


def _not_base64(name: str) -> SettingsError:
    return SettingsError("is neither a file path nor valid base64", setting=name)


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
