"""The settings of a job someone else sends (the REST API): a settings file's JSON, a flat
settings object as in a Deforum file, or a preset with overrides; input files inline as base64
are written into the output folder, and paths must lie inside the folders the owner allows.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from lib_animation.errors import SettingsError
from lib_animation.inputs.allowed import (
    MAX_INLINE_BYTES,
    check_allowed_paths,
    stage_inline_inputs,
)
from lib_animation.presets import load_preset
from lib_animation.schema import Settings
from lib_animation.settings_files import FORMAT, PRESET_FORMAT, Loaded, settings_from_data

PRESET_REQUEST_KEYS = {"preset", "overrides"}
INPUTS_FOLDER = ".inputs"


@dataclass(frozen=True)
class JobSettings:
    loaded: Loaded
    staged: Path | None  # where inline input files were written; None if there were none

    def discard(self) -> None:
        """Remove the staged input files (the job was refused or only checked)."""
        if self.staged is not None:
            shutil.rmtree(self.staged, ignore_errors=True)

    @contextmanager
    def discarded_on_error(self) -> Iterator[JobSettings]:
        """These settings; the staged input files are removed if the block raises anything."""
        try:
            yield self
        except BaseException:
            self.discard()
            raise


def job_settings(
    body: Any,
    *,
    base: Settings,
    presets_dir: Path,
    output_dir: Path,
    allowed_dirs: Sequence[Path],
    max_inline_bytes: int = MAX_INLINE_BYTES,
    urls_allowed: bool = False,
) -> JobSettings:
    """Settings from a request body over `base`; SettingsError (nothing left behind) otherwise.
    An inline input file may decode to at most `max_inline_bytes`; input files may be named by
    http(s) URL only when `urls_allowed`."""
    if not isinstance(body, Mapping):
        raise SettingsError("the request body must be a JSON object", source="request")
    staged_dir = Path(output_dir) / INPUTS_FOLDER / uuid.uuid4().hex
    try:
        stage = partial(stage_inline_inputs, folder=staged_dir, max_inline_bytes=max_inline_bytes)
        loaded = _load(dict(body), base, presets_dir, stage)
        check_allowed_paths(loaded.settings, [*allowed_dirs, staged_dir],
                            urls_allowed=urls_allowed)
    except BaseException:
        shutil.rmtree(staged_dir, ignore_errors=True)
        raise
    return JobSettings(loaded, staged_dir if staged_dir.exists() else None)


Stage = Callable[[Mapping[str, Any]], dict[str, Any]]


def _load(body: dict[str, Any], base: Settings, presets_dir: Path, stage: Stage) -> Loaded:
    if "preset" in body and body.get("format") not in (FORMAT, PRESET_FORMAT):
        unknown = sorted(set(body) - PRESET_REQUEST_KEYS)
        if unknown:
            raise SettingsError(f"unknown keys next to 'preset': {', '.join(unknown)}",
                                source="request", hint='use {"preset": NAME, "overrides": {...}}')
        name = body["preset"]
        if not isinstance(name, str):
            raise SettingsError("'preset' must be a preset name", source="request")
        overrides = body.get("overrides") or {}
        if not isinstance(overrides, Mapping):
            raise SettingsError("'overrides' must be a JSON object", source="request")
        preset = load_preset(name, presets_dir, base=base)
        loaded = settings_from_data(stage(overrides), source="overrides", base=preset.settings,
                                    warn_text_numbers=True)
        return Loaded(loaded.settings, preset.warnings + loaded.warnings, "preset")
    if isinstance(body.get("settings"), Mapping):
        body["settings"] = stage(body["settings"])
    else:
        body = stage(body)
    return settings_from_data(body, source="request", base=base, warn_text_numbers=True)
