"""Batch files: JSON naming the settings of each run, and optionally a sweep over them.

```
{"format": "keyframes-batch", "version": 1,
 "items": ["2d-zoom-rotate", "scenes/intro.json",
           {"preset": "3d-fly-through", "overrides": {"max_frames": 48}},
           {"settings": {"animation_mode": "2D", "max_frames": 24}}],
 "sweep": {"mode": "grid", "values": {"seed": [1, 2, 3], "strength_schedule": ["0:(0.5)"]}}}
```

A string item is a settings file (relative to the batch file's folder) or a preset. The batch
folder keeps the expanded form: every item with its `name`, `varied` values and `settings`, no
sweep; loading that file gives the same runs again, which is how a batch is resumed. Loading
reads and validates only; it never writes anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lib_animation.batch_name import safe_folder_name
from lib_animation.batches.items import BaseSettings, BatchItem, expand
from lib_animation.batches.sweep import HARD_MAX_RUNS, Sweep, sweep_from_data
from lib_animation.deforum_import import DEFORUM_BATCH_FILES, deforum_batch_files
from lib_animation.errors import KeyframesError, SettingsError
from lib_animation.presets import load_file_or_preset, load_preset
from lib_animation.schema import NAME
from lib_animation.settings_files import (
    Loaded,
    parse_json,
    read_settings_text,
    settings_from_data,
)

FORMAT = "keyframes-batch"
VERSION = 1
BATCH_KEYS = {"format", "version", "items", "sweep"}
ITEM_KEYS = {"preset", "file", "settings", "overrides", "name", "varied"}


@dataclass(frozen=True)
class BatchSpec:
    """What a batch will run: its items in order, the sweep they came from, and the loader's
    warnings (each naming the item)."""

    items: tuple[BatchItem, ...]
    sweep: Sweep
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The batch folder's record: every item expanded, so it needs nothing else."""
        return {"format": FORMAT, "version": VERSION,
                "items": [item.to_json() for item in self.items]}


def is_batch_file(path: Path) -> bool:
    """Whether `path` is a file that says it is a batch file (its `format`)."""
    if not path.is_file():
        return False
    try:
        data = parse_json(read_settings_text(path), source=str(path))
    except KeyframesError:
        return False
    return isinstance(data, Mapping) and data.get("format") == FORMAT


def load_batch_file(path: Path, *, presets_dir: Path | None = None,
                    extra_sweep: Sweep | None = None) -> BatchSpec:
    source = str(path)
    data = parse_json(read_settings_text(Path(path)), source=source)
    return batch_from_data(data, source=source, folder=Path(path).parent,
                           presets_dir=presets_dir, extra_sweep=extra_sweep)


def batch_from_data(data: Any, *, source: str, folder: Path, presets_dir: Path | None = None,
                    extra_sweep: Sweep | None = None) -> BatchSpec:
    """The batch a file's parsed JSON describes; `extra_sweep` (the command line's) is added
    to the file's own, its values replacing the file's for the same setting."""
    if not isinstance(data, Mapping):
        raise SettingsError("a batch file must hold a JSON object", source=source)
    if data.get("format") != FORMAT:
        raise SettingsError(f"not a batch file (format must be {FORMAT!r})", source=source)
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= VERSION:
        raise SettingsError(f"unsupported batch file version {_short(version)}",
                            setting="version", source=source,
                            hint=f"this Keyframes reads version {VERSION}")
    unknown = sorted(str(key) for key in data if key not in BATCH_KEYS)
    if unknown:
        raise SettingsError(f"unknown key {_short(unknown[0])}", source=source,
                            hint="a batch file has format, version, items and sweep")
    entries = data.get("items")
    if not isinstance(entries, list) or not entries:
        raise SettingsError("'items' must be a non-empty list", source=source)
    if len(entries) > HARD_MAX_RUNS:
        raise SettingsError(f"a batch has at most {HARD_MAX_RUNS} items", source=source)
    sweep = sweep_from_data(data["sweep"], source=source) if "sweep" in data else Sweep()
    if extra_sweep is not None and extra_sweep.values:
        sweep = Sweep({**sweep.values, **extra_sweep.values}, extra_sweep.mode)
    recorded = [isinstance(entry, Mapping) and "name" in entry for entry in entries]
    if any(recorded):
        return _recorded(entries, recorded, sweep, source)
    bases, warnings = [], []
    for index, entry in enumerate(entries, start=1):
        where = f"{source}: item {index}"
        loaded, label = _load_entry(entry, where, folder, presets_dir)
        warnings += [f"{where}: {warning}" for warning in loaded.warnings]
        bases.append(BaseSettings(unique_label(label, bases), loaded.settings))
    return BatchSpec(tuple(expand(bases, sweep)), sweep, tuple(warnings))


def bases_from_sources(sources: list[str], presets_dir: Path | None) -> tuple[
        list[BaseSettings], list[str]]:
    """The command line's settings files and presets as a batch's base settings; a Deforum
    file in batch mode stands for the settings files it lists."""
    bases, warnings = [], []
    for source in (listed for given in sources for listed in _deforum_batch(given)):
        loaded = load_file_or_preset(source, presets_dir)
        warnings += [f"{source}: warning: {warning}" for warning in loaded.warnings]
        bases.append(BaseSettings(unique_label(Path(source).stem, bases), loaded.settings))
    return bases, warnings


def _deforum_batch(source: str) -> list[str]:
    """The files a Deforum settings file's batch mode lists (each found as written, else beside
    the file: Deforum records where its upload box kept them), or the source itself."""
    path = Path(source)
    if path.suffix.lower() not in (".txt", ".json") or not path.is_file():
        return [source]
    data = parse_json(read_settings_text(path), source=source)
    if not isinstance(data, Mapping) or "format" in data:
        return [source]
    listed = deforum_batch_files(data)
    if not listed:
        return [source]
    found = []
    for entry in listed:
        candidates = (Path(entry), path.parent / entry, path.parent / Path(entry).name)
        match = next((str(candidate) for candidate in candidates if candidate.is_file()), None)
        if match is None:
            raise SettingsError(f"batch mode lists {_short(entry)}, which is not a file here "
                                "or beside this file", setting=DEFORUM_BATCH_FILES,
                                source=source)
        found.append(match)
    return found


def _recorded(entries: list[Any], recorded: list[bool], sweep: Sweep,
              source: str) -> BatchSpec:
    """A batch folder's record: named items, taken as they are."""
    if not all(recorded):
        raise SettingsError("either every item has a 'name' (a batch folder's record) or none",
                            source=source)
    if sweep.values:
        raise SettingsError("a batch folder's record has no sweep; its items are the runs",
                            source=source)
    items, names = [], set()
    for index, entry in enumerate(entries, start=1):
        where = f"{source}: item {index}"
        _check_keys(entry, where)
        name, varied = entry.get("name"), entry.get("varied", {})
        if not isinstance(name, str) or safe_folder_name(name) != name or name in names:
            raise SettingsError(f"'name' must be a unique folder name, not {_short(name)}",
                                source=where)
        if not isinstance(varied, Mapping):
            raise SettingsError("'varied' must be a JSON object", source=where)
        loaded = settings_from_data(entry.get("settings"), source=where)
        names.add(name)
        items.append(BatchItem(name, dict(varied),
                               loaded.settings.replace(**{NAME.batch_name: name})))
    return BatchSpec(tuple(items), Sweep())


def _load_entry(entry: Any, where: str, folder: Path,
                presets_dir: Path | None) -> tuple[Loaded, str]:
    if isinstance(entry, str):
        return _file_or_preset(entry, where, folder, presets_dir)
    if not isinstance(entry, Mapping):
        raise SettingsError("an item is a settings file, a preset name or a JSON object",
                            source=where)
    _check_keys(entry, where)
    named = [key for key in ("preset", "file", "settings") if key in entry]
    if len(named) != 1:
        raise SettingsError("an item has exactly one of 'preset', 'file' or 'settings'",
                            source=where)
    key = named[0]
    if key == "settings":
        if "overrides" in entry:
            raise SettingsError("'overrides' go with 'preset' or 'file'", source=where)
        return settings_from_data(entry["settings"], source=where), where.rsplit(": ", 1)[-1]
    value = entry[key]
    if not isinstance(value, str) or not value:
        raise SettingsError(f"'{key}' must be a name", source=where)
    if key == "preset":
        loaded, label = _in_source(lambda: load_preset(value, presets_dir), where), value
    else:
        loaded, label = _file_or_preset(value, where, folder, presets_dir, files_only=True)
    overrides = entry.get("overrides")
    if overrides is None:
        return loaded, label
    if not isinstance(overrides, Mapping):
        raise SettingsError("'overrides' must be a JSON object of settings", source=where)
    with_overrides = settings_from_data(overrides, source=where, base=loaded.settings,
                                        warn_text_numbers=True)
    return Loaded(with_overrides.settings, loaded.warnings + with_overrides.warnings,
                  loaded.source_format), label


def _file_or_preset(name: str, where: str, folder: Path, presets_dir: Path | None, *,
                    files_only: bool = False) -> tuple[Loaded, str]:
    path = folder / name
    if path.is_file():
        return _in_source(lambda: load_file_or_preset(str(path), presets_dir), where), path.stem
    if files_only:
        raise SettingsError(f"no settings file {_short(name)} next to the batch file",
                            source=where)
    return _in_source(lambda: load_file_or_preset(name, presets_dir), where), Path(name).stem


def _in_source(load, where: str) -> Loaded:
    """The loader's result; its error names the item too."""
    try:
        return load()
    except KeyframesError as error:
        error.source = f"{where}: {error.source}" if error.source else where
        raise


def _check_keys(entry: Mapping[str, Any], where: str) -> None:
    unknown = sorted(str(key) for key in entry if key not in ITEM_KEYS)
    if unknown:
        raise SettingsError(f"unknown key {_short(unknown[0])}", source=where,
                            hint="an item has preset, file or settings, and overrides")


def unique_label(label: str, bases: list[BaseSettings]) -> str:
    """`label`, or `label-2`, `label-3`, ... when an earlier base has it."""
    taken = {base.label for base in bases}
    if label not in taken:
        return label
    return next(f"{label}-{number}" for number in range(2, len(bases) + 3)
                if f"{label}-{number}" not in taken)


def _short(value: Any) -> str:
    """A value for an error line: scalars shown (cut), anything else by its JSON type."""
    if isinstance(value, (list, Mapping)):
        return "a list" if isinstance(value, list) else "an object"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
