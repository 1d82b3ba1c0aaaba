"""Presets: the shipped ones (read-only) and the user's own, stored as preset files."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lib_animation.atomic_files import write_text_atomic
from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.schema import SETTINGS, Settings
from lib_animation.setting_kinds import PATH
from lib_animation.settings_files import (
    PRESET_FORMAT,
    VERSION,
    Loaded,
    load_settings,
    parse_json,
    read_settings_text,
    settings_from_data,
)

PRESET_SUFFIX = ".json"
SHIPPED_PRESETS = Path(__file__).parent / "presets"
PRESET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.()+-]{0,79}$")
PATH_SETTINGS = tuple(setting.name for setting in SETTINGS if setting.kind == PATH)


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    path: Path
    shipped: bool


def user_presets_dir() -> Path:
    """Where the command line keeps a user's presets: $KEYFRAMES_PRESETS, else
    ~/.config/keyframes/presets (the WebUI tab passes its own folder)."""
    configured = os.environ.get("KEYFRAMES_PRESETS")
    if configured:
        return Path(configured).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "keyframes" / "presets"


def list_presets(user_dir: str | os.PathLike[str] | None = None) -> list[Preset]:
    """Shipped presets first, then the user's, each sorted by name."""
    found = [_describe(path, shipped=True) for path in sorted(SHIPPED_PRESETS.glob("*.json"))]
    if user_dir is not None and Path(user_dir).is_dir():
        shipped_names = {preset.name for preset in found}
        for path in sorted(Path(user_dir).glob(f"*{PRESET_SUFFIX}")):
            preset = _describe(path, shipped=False)
            if preset.name not in shipped_names:
                found.append(preset)
    return found


def _describe(path: Path, *, shipped: bool) -> Preset:
    description = ""
    try:
        data = parse_json(read_settings_text(path), source=str(path))
    except KeyframesError as error:
        return Preset(path.stem, f"(damaged preset: {error.message})", path, shipped)
    if isinstance(data, Mapping) and isinstance(data.get("description"), str):
        description = data["description"]
    return Preset(path.stem, description, path, shipped)


def find_preset(name: str, user_dir: str | os.PathLike[str] | None = None) -> Preset:
    for preset in list_presets(user_dir):
        if preset.name == name:
            return preset
    names = ", ".join(preset.name for preset in list_presets(user_dir))
    raise SettingsError(f"no preset named {name!r}", hint=f"presets: {names}")


def load_preset(
    name: str, user_dir: str | os.PathLike[str] | None = None, *, base: Settings | None = None
) -> Loaded:
    """A preset's values applied over `base` (or the defaults)."""
    preset = find_preset(name, user_dir)
    source = str(preset.path)
    try:
        data = parse_json(read_settings_text(preset.path), source=source)
        if preset.shipped:
            data = _with_shipped_files(data)
        return settings_from_data(data, source=source, base=base)
    except KeyframesErrors:
        raise
    except KeyframesError as error:
        raise SettingsError(f"damaged preset {name!r}: {error.message}", source=source,
                            hint=error.hint) from None


def _with_shipped_files(data: object) -> object:
    """A shipped preset's file paths that name a file shipped beside it (its soundtrack), made
    absolute, so the preset works from any folder; other paths are the user's to give."""
    values = data.get("settings") if isinstance(data, Mapping) else None
    if not isinstance(values, Mapping):
        return data
    shipped = {}
    for name in PATH_SETTINGS:
        value = values.get(name)
        if isinstance(value, str) and value and (SHIPPED_PRESETS / value).is_file() \
                and Path(value).name == value:
            shipped[name] = str(SHIPPED_PRESETS / value)
    return {**data, "settings": {**values, **shipped}} if shipped else data


def save_user_preset(
    settings: Settings,
    name: str,
    user_dir: str | os.PathLike[str],
    *,
    description: str = "",
) -> Path:
    """Save the settings that differ from the defaults as a user preset. Shipped presets are
    read-only: a user preset may not take a shipped preset's name."""
    name = name.strip()
    if not PRESET_NAME.match(name):
        raise SettingsError(
            f"{name!r} is not a usable preset name",
            hint="use letters, digits, spaces, _ . ( ) + - (at most 80 characters)",
        )
    if any(preset.name == name for preset in list_presets() if preset.shipped):
        raise SettingsError(f"{name!r} is a shipped preset and cannot be overwritten",
                            hint="choose another name")
    document = {
        "format": PRESET_FORMAT,
        "version": VERSION,
        "description": description,
        "settings": settings.changed(),
    }
    path = Path(user_dir) / f"{name}{PRESET_SUFFIX}"
    try:
        return write_text_atomic(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    except OSError as error:
        raise SettingsError(
            f"cannot save the preset in {user_dir}: {error.strerror or error}",
            hint="the presets folder must be a folder you can write to ($KEYFRAMES_PRESETS)",
        ) from None


def load_file_or_preset(
    name: str, user_dir: str | os.PathLike[str] | None = None
) -> Loaded:
    """A settings file when `name` is an existing path, otherwise the preset of that name (a
    shipped preset's own file is loaded as that preset, its shipped files found beside it)."""
    path = Path(name)
    if path.is_file() and path.suffix == PRESET_SUFFIX \
            and path.resolve().parent == SHIPPED_PRESETS.resolve():
        return load_preset(path.stem, user_dir)
    if path.exists() or not PRESET_NAME.match(name):
        return load_settings(name)
    try:
        find_preset(name, user_dir)
    except SettingsError as error:
        raise SettingsError(
            "no such settings file or preset", source=name, hint=error.hint
        ) from None
    return load_preset(name, user_dir)


def delete_user_preset(name: str, user_dir: str | os.PathLike[str]) -> Path:
    """Delete the user's preset `name`; shipped presets are read-only."""
    preset = find_preset(name, user_dir)
    if preset.shipped:
        raise SettingsError(f"{name!r} is a shipped preset and cannot be deleted")
    try:
        preset.path.unlink()
    except OSError as error:
        raise SettingsError(f"cannot delete preset {name!r}: {error.strerror or error}") from None
    return preset.path
