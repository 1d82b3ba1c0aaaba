"""Settings files and presets: read, migrate, validate, write.

A Keyframes settings file is JSON: `{"format": "keyframes-settings", "version": 1, "settings":
{...}}`. A flat JSON object without the marker is accepted too: a Deforum settings file (its
`.txt`), or a short hand-written file with only the keys a user cares about; missing keys take the
defaults. Loading never executes anything from a file: values are only parsed and validated.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.schema import BY_NAME, SCHEDULERS, Settings, defaults

FORMAT = "keyframes-settings"
PRESET_FORMAT = "keyframes-preset"
VERSION = 1
MAX_FILE_BYTES = 8 * 1024 * 1024
PRESET_SUFFIX = ".json"
SHIPPED_PRESETS = Path(__file__).parent / "presets"

_DEFORUM_RENAMES = {
    "prompts": "animation_prompts",
    "flip_2d_perspective": "enable_perspective_flip",
}
_DEFORUM_FLOW_NAMES = {"RAFT": "DIS Fine", "True": "DIS Fine", "False": "None"}
_DEFORUM_DEPTH_NAMES = {
    "Midas-3-Hybrid": "Midas-3-Hybrid",
    "Midas-3.1-BeitLarge": "Midas-3-Large",
}
_DEFORUM_PADDING = {"border": "replicate", "reflection": "reflect"}
_DEFORUM_FILL = ("fill", "original", "latent noise", "latent nothing")


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
    return loads_settings(_read_text(Path(path)), source=source)


def load_file_or_preset(
    name: str, user_dir: str | os.PathLike[str] | None = None
) -> Loaded:
    """A settings file when `name` is an existing path, otherwise the preset of that name."""
    if Path(name).exists() or not _PRESET_NAME.match(name):
        return load_settings(name)
    try:
        return load_preset(name, user_dir)
    except SettingsError as error:
        raise SettingsError(
            "no such settings file or preset", source=name, hint=error.hint
        ) from None


def loads_settings(text: str, *, source: str = "<settings>") -> Loaded:
    return settings_from_data(_parse_json(text, source=source), source=source)


def settings_from_data(
    data: Any, *, source: str = "<settings>", base: Settings | None = None
) -> Loaded:
    """Turn parsed JSON (ours or flat) into complete Settings, over `base` or the defaults."""
    if not isinstance(data, Mapping):
        raise SettingsError("a settings file must hold a JSON object", source=source)
    values, warnings, source_format = _unwrap(data, source)
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
    return write_text_atomically(Path(path), dumps_settings(settings))


def write_text_atomically(path: Path, text: str) -> Path:
    """Write to a temporary file beside `path`, then rename: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SettingsError(
                f"file is {size} bytes; a settings file is at most {MAX_FILE_BYTES}",
                source=str(path),
            )
        raw = path.read_bytes()
    except OSError as error:
        raise SettingsError(f"cannot read file: {error.strerror}", source=str(path)) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SettingsError(
            f"not UTF-8 text (byte {error.start})", source=str(path), hint="save it as UTF-8"
        ) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _parse_json(text: str, *, source: str) -> Any:
    if len(text) > MAX_FILE_BYTES:
        raise SettingsError("text too long for a settings file", source=source)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise SettingsError(
            f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}",
            source=source,
            hint="check for a missing comma or quote near there",
        ) from None
    except ValueError as error:
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
        known, warnings = _split_unknown(dict(values))
        return known, warnings, "preset" if marker == PRESET_FORMAT else "keyframes"
    if isinstance(marker, str) and marker.startswith("keyframes"):
        raise SettingsError(f"unknown format {marker!r}", setting="format", source=source)
    migrated, warnings = migrate_flat(dict(data))
    known, unknown_warnings = _split_unknown(migrated)
    return known, warnings + unknown_warnings, "flat"


def _split_unknown(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    unknown = sorted(name for name in values if name not in BY_NAME)
    known = {name: value for name, value in values.items() if name in BY_NAME}
    if not unknown:
        return known, []
    shown = ", ".join(unknown[:40])
    if len(unknown) > 40:
        shown += f" and {len(unknown) - 40} more"
    return known, [f"ignored {len(unknown)} setting(s) Keyframes does not use: {shown}"]


def migrate_flat(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Bring a flat (Deforum or hand-written) object to current names and values."""
    warnings: list[str] = []
    for old, new in _DEFORUM_RENAMES.items():
        if old in values:
            value = values.pop(old)
            values.setdefault(new, value)
    _migrate_common_prompts(values)
    _migrate_sampler(values, warnings)
    _migrate_sampler_schedule(values, warnings)
    _migrate_choice_values(values, warnings)
    _migrate_output(values)
    if "use_zoe_depth" in values:
        values.pop("use_zoe_depth")
        values.setdefault("depth_algorithm", "Midas-3-Hybrid")
    return values, warnings


def _migrate_common_prompts(values: dict[str, Any]) -> None:
    """Deforum's run-saved files hold prompts already merged with the common parts plus
    `positive_prompts`/`negative_prompts`; strip them back so reloading never doubles them."""
    from lib_animation.prompts import strip_common_parts

    run_saved = "positive_prompts" in values or "negative_prompts" in values
    positive = values.pop("positive_prompts", None)
    negative = values.pop("negative_prompts", None)
    if not run_saved:
        return
    positive = positive if isinstance(positive, str) else ""
    negative = negative if isinstance(negative, str) else ""
    values.setdefault("animation_prompts_positive", positive)
    values.setdefault("animation_prompts_negative", negative)
    prompts = values.get("animation_prompts")
    if isinstance(prompts, Mapping):
        values["animation_prompts"] = {
            key: strip_common_parts(text, positive, negative) if isinstance(text, str) else text
            for key, text in prompts.items()
        }


def split_sampler_name(name: str) -> tuple[str, str | None]:
    """'DPM++ 2M Karras' -> ('DPM++ 2M', 'Karras'); names without a scheduler stay whole."""
    for scheduler in SCHEDULERS:
        suffix = " " + scheduler
        if name.lower().endswith(suffix.lower()) and len(name) > len(suffix):
            return name[: -len(suffix)].strip(), scheduler
    return name, None


def _migrate_sampler(values: dict[str, Any], warnings: list[str]) -> None:
    sampler = values.get("sampler")
    if isinstance(sampler, int) and not isinstance(sampler, bool):
        warnings.append(
            f"sampler: old numeric sampler {sampler} cannot be mapped to a name; using "
            f"{BY_NAME['sampler'].default!r}"
        )
        values.pop("sampler")
    elif isinstance(sampler, str):
        base, scheduler = split_sampler_name(sampler)
        if scheduler:
            values["sampler"] = base
            values.setdefault("scheduler", scheduler)


def _migrate_sampler_schedule(values: dict[str, Any], warnings: list[str]) -> None:
    """Split 'DPM++ 2M Karras'-style names in a sampler schedule into two schedules."""
    from lib_animation.schedule import parse_schedule

    text = values.get("sampler_schedule")
    if not isinstance(text, str):
        return
    try:
        schedule = parse_schedule(text, setting="sampler_schedule", kind="string")
    except KeyframesError:
        return
    samplers, schedulers = [], []
    for keyframe in schedule.keyframes:
        base, scheduler = split_sampler_name(keyframe.value)
        if '"' in base and "'" in base:
            return
        samplers.append(f"{keyframe.position}: ({_quoted(base)})")
        schedulers.append(f'{keyframe.position}: ("{scheduler or "Automatic"}")')
    if all(s.endswith('("Automatic")') for s in schedulers):
        return
    values["sampler_schedule"] = ", ".join(samplers)
    if "scheduler_schedule" not in values:
        values["scheduler_schedule"] = ", ".join(schedulers)
        values["enable_scheduler_scheduling"] = values.get("enable_sampler_scheduling", False)
    warnings.append("sampler_schedule: scheduler names moved into scheduler_schedule")


def _quoted(value: str) -> str:
    """A string-schedule value in quotes it does not contain (the grammar has no escapes)."""
    return f'"{value}"' if '"' not in value else f"'{value}'"


def _migrate_choice_values(values: dict[str, Any], warnings: list[str]) -> None:
    coherence = values.get("color_coherence")
    if isinstance(coherence, str) and coherence.startswith("Match Frame 0 "):
        values["color_coherence"] = coherence.removeprefix("Match Frame 0 ")
    for name in ("optical_flow_cadence", "optical_flow_redo_generation"):
        if isinstance(values.get(name), bool):
            values[name] = str(values[name])
        if values.get(name) == "RAFT":
            warnings.append(f"{name}: RAFT needs downloaded weights; using DIS Fine")
        _remap(values, name, _DEFORUM_FLOW_NAMES)
    _remap(values, "noise_type", {"uniform": "gaussian"})
    _remap(values, "padding_mode", _DEFORUM_PADDING)
    depth = values.get("depth_algorithm")
    if isinstance(depth, str) and depth not in BY_NAME["depth_algorithm"].choices:
        values["depth_algorithm"] = _DEFORUM_DEPTH_NAMES.get(depth, "Midas-3-Hybrid")
        warnings.append(
            f"depth_algorithm: {depth!r} is not available; using {values['depth_algorithm']!r}"
        )
    fill = values.get("fill")
    if isinstance(fill, int) and not isinstance(fill, bool) and 0 <= fill < len(_DEFORUM_FILL):
        values["fill"] = _DEFORUM_FILL[fill]


def _remap(values: dict[str, Any], name: str, table: Mapping[str, str]) -> None:
    value = values.get(name)
    if isinstance(value, str) and value in table:
        values[name] = table[value]


def _migrate_output(values: dict[str, Any]) -> None:
    for old in ("skip_video_creation", "skip_video_for_run_all"):
        skip = values.pop(old, None)
        if skip is True or (isinstance(skip, str) and skip.lower() == "true"):
            values.setdefault("video_format", "none")
    soundtrack = values.get("add_soundtrack")
    if isinstance(soundtrack, bool):
        values["add_soundtrack"] = "File" if soundtrack else "None"


# Presets ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    path: Path
    shipped: bool


_PRESET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.()+-]{0,79}$")


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
        data = json.loads(_read_text(path))
        if isinstance(data, Mapping) and isinstance(data.get("description"), str):
            description = data["description"]
    except (KeyframesError, ValueError, RecursionError):
        description = "(unreadable preset)"
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
    data = _parse_json(_read_text(preset.path), source=str(preset.path))
    return settings_from_data(data, source=str(preset.path), base=base)


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
    if not _PRESET_NAME.match(name):
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
    return write_text_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
