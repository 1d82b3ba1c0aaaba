"""Settings files: read, migrate, validate, write.

A Keyframes settings file is JSON: `{"format": "keyframes-settings", "version": 1, "settings":
{...}}`; an unknown key in its settings is an error, and so is any other `format`. A flat JSON
object without the marker is accepted too: a Deforum settings file (its `.txt`), or a short
hand-written file with only the keys a user cares about; missing keys take the defaults, and keys
Keyframes does not use are warnings (see `deforum_import.unknown_key_warnings`). A `null` value
means "not set", as a missing key does (Deforum writes `null` for empty text fields). Loading
never executes anything from a file: values are only parsed and validated.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lib_animation.atomic_files import write_text_atomic
from lib_animation.deforum_import import closest_name, migrate_flat, unknown_key_warnings
from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.schema import BY_NAME, Settings, defaults
from lib_animation.setting_kinds import FLOAT, INT

FORMAT = "keyframes-settings"
PRESET_FORMAT = "keyframes-preset"
VERSION = 1
MAX_FILE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Loaded:
    """A loaded settings file: the complete settings, what the loader wants the user to know,
    and which format it came in ("keyframes", "preset" or "flat")."""

    settings: Settings
    warnings: tuple[str, ...]
    source_format: str


def load_settings(path: str | os.PathLike[str]) -> Loaded:
    """Read a settings file (ours, a preset, Deforum's or a flat hand-written one)."""
    source = str(path)
    return loads_settings(read_settings_text(Path(path)), source=source)


def loads_settings(text: str, *, source: str = "<settings>") -> Loaded:
    return settings_from_data(parse_json(text, source=source), source=source)


def settings_from_data(
    data: Any, *, source: str = "<settings>", base: Settings | None = None,
    warn_text_numbers: bool = False,
) -> Loaded:
    """Turn parsed JSON (ours or flat) into complete Settings, over `base` or the defaults.

    A null value leaves its setting as `base` (or the defaults) has it. A number written as text
    ("64") is read as the number, with a warning naming the setting in a Keyframes settings file
    and, with `warn_text_numbers`, in flat data too (an API caller's JSON); Deforum's own files
    hold numbers as text, so flat files load without it.
    """
    if not isinstance(data, Mapping):
        raise SettingsError("a settings file must hold a JSON object", source=source)
    values, warnings, source_format = _unwrap(data, source)
    values = {name: value for name, value in values.items() if value is not None}
    if source_format != "flat" or warn_text_numbers:
        warnings = [*warnings, *_numbers_as_text(values)]
    merged = base.to_dict() if base is not None else defaults()
    try:
        merged.update(values)
        settings = Settings(merged)
    except KeyframesErrors as errors:
        raise KeyframesErrors(errors.errors, source=source) from None
    except KeyframesError as error:
        error.source = source
        raise
    return Loaded(settings, tuple(warnings), source_format)


def dumps_settings(settings: Settings) -> str:
    """The settings as a file's text, keys in declaration order, so diffs stay small."""
    document = {"format": FORMAT, "version": VERSION, "settings": settings.to_dict()}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def save_settings(settings: Settings, path: str | os.PathLike[str]) -> Path:
    return write_text_atomic(Path(path), dumps_settings(settings))


def read_settings_text(path: Path) -> str:
    """The text of a settings file or preset: a regular file of at most MAX_FILE_BYTES, read
    with that hard limit (a device, a pipe or a link to one is refused before it is read)."""
    raw = read_regular_file(Path(path), MAX_FILE_BYTES, what="a settings file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SettingsError(
            f"not UTF-8 text (byte {error.start})", source=str(path), hint="save it as UTF-8"
        ) from None


def read_regular_file(path: Path, limit: int, *, what: str) -> bytes:
    """The bytes of `path`, which must be a regular file of at most `limit` bytes; SettingsError
    otherwise. Never blocks on a pipe and never reads more than `limit` + 1 bytes."""
    source = str(path)
    try:
        if not stat.S_ISREG(Path(path).stat().st_mode):
            raise SettingsError(f"not a regular file; {what} must be one", source=source)
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                             | getattr(os, "O_BINARY", 0))
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped since the stat
                raise SettingsError(f"not a regular file; {what} must be one", source=source)
            raw = handle.read(limit + 1)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise SettingsError(f"cannot read file: {reason}", source=source) from None
    if len(raw) > limit:
        raise SettingsError(f"file is larger than {limit} bytes, the limit for {what}",
                            source=source)
    return raw


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_json(text: str, *, source: str) -> Any:
    if len(text) > MAX_FILE_BYTES:
        raise SettingsError(
            f"text is longer than {MAX_FILE_BYTES} characters, the limit for a settings file",
            source=source,
        )
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise SettingsError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}",
            source=source,
            hint="check for a missing comma or quote near there",
        ) from None
    except ValueError as error:
        if "digits" in str(error):
            raise SettingsError(
                f"a number has more than {_max_digits()} digits, the most a "
                "settings file may hold", source=source) from None
        raise SettingsError(f"invalid JSON: {error}", source=source) from None
    except RecursionError:
        raise SettingsError("JSON nested too deeply", source=source) from None


def _unwrap(data: Mapping[str, Any], source: str) -> tuple[dict[str, Any], list[str], str]:
    marker = data.get("format")
    if marker in (FORMAT, PRESET_FORMAT):
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise SettingsError(f"bad version {version!r}", setting="version", source=source)
        if version > VERSION:
            raise SettingsError(
                f"written by a newer Keyframes (file version {version}, this one reads "
                f"up to {VERSION})",
                source=source,
                hint="update the extension",
            )
        values = data.get("settings")
        if not isinstance(values, Mapping):
            raise SettingsError("'settings' must be a JSON object", source=source)
        _reject_unknown(values, source)
        return dict(values), [], "preset" if marker == PRESET_FORMAT else "keyframes"
    if "format" in data:
        raise SettingsError(
            f"unknown format {marker!r}",
            setting="format",
            source=source,
            hint=f"a Keyframes settings file has format {FORMAT!r}; a Deforum file has no format",
        )
    if isinstance(data.get("settings"), Mapping):
        # Not a Deforum file (none has this key): a settings file without its header.
        raise SettingsError(
            "'settings' holds settings, but the file has no 'format'",
            setting="format",
            source=source,
            hint=f'add "format": "{FORMAT}", "version": {VERSION}, or send the settings '
            "themselves as a flat JSON object",
        )
    migrated, warnings = migrate_flat(dict(data))
    known = {name: value for name, value in migrated.items() if name in BY_NAME}
    unknown = {name: value for name, value in migrated.items() if name not in BY_NAME}
    return known, warnings + unknown_key_warnings(unknown, BY_NAME), "flat"


def _numbers_as_text(values: Mapping[str, Any]) -> list[str]:
    return [f"{name}: {value!r} is text, read as a number; write numbers without quotes"
            for name, value in values.items()
            if isinstance(value, str) and BY_NAME[name].kind in (INT, FLOAT)]


def _reject_unknown(values: Mapping[str, Any], source: str) -> None:
    problems: list[KeyframesError] = []
    for name in values:
        if name in BY_NAME:
            continue
        suggestion = closest_name(name, BY_NAME)
        problems.append(SettingsError(
            "not a Keyframes setting", setting=name,
            hint=f"did you mean {suggestion}?" if suggestion else None,
        ))  # fmt: skip
    if len(problems) == 1:
        problems[0].source = source
        raise problems[0]
    if problems:
        raise KeyframesErrors(problems, source=source)


def _max_digits() -> int:
    # Python's limit on integer digits (3.10.7 and later; 4300 unless changed).
    return getattr(sys, "get_int_max_str_digits", lambda: 4300)()
