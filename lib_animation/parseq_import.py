"""Parseq manifests: per-frame values made in Parseq that replace the schedules they match.

A manifest's `rendered_frames` hold one object per frame. Each column maps to one setting as
Deforum's Parseq adapter maps it (`COLUMNS`); a column that frame 0 lacks leaves its setting
with the settings' schedule. Motion columns are read from their `_delta` twins (the change per
frame) when `parseq_use_deltas` is on. Frames after the manifest's last frame repeat its last
values; with `parseq_non_schedule_overrides` on, the manifest's frame count, output FPS and
cadence replace the settings'. A manifest that manages the seed turns on the schedule seed
behaviour and subseed scheduling, and in 2D any manifest turns on the perspective flip (at
zero angles it moves nothing), as in Deforum.

Where Deforum leaves holes (a frame missing) or fails later (a value that is not a number), the
manifest is refused with one line naming the frame and the column. Only the JSON text is read
here; a path or URL is read by the run service before planning (`runs/`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lib_animation.errors import SettingsError
from lib_animation.numbers import format_number
from lib_animation.schema import BY_NAME, NAME, STRING_SCHEDULE, Mode, Settings
from lib_animation.setting_kinds import MAX_TEXT_LENGTH, is_inline_json

SETTING = NAME.parseq_manifest
PROMPT_COLUMN = "deforum_prompt"
SEED_COLUMN = "seed"  # managing it makes Deforum take every frame's seed from the manifest
DELTA_SUFFIX = "_delta"
PARSEQ = "parseq"  # the source of a plan value that came from the manifest
SCHEDULE = "schedule"
_NOT_VALUES = ("frame",)
_DERIVED_SUFFIXES = (DELTA_SUFFIX, "_pc")  # Parseq's per-column extras (delta, percentage)


@dataclass(frozen=True)
class Column:
    """A manifest column and the setting it replaces; `motion` columns have `_delta` twins."""

    name: str
    setting: str
    motion: bool = False


COLUMNS: tuple[Column, ...] = (
    *(Column(name, name, motion=True) for name in (
        NAME.angle, NAME.zoom, NAME.translation_x, NAME.translation_y, NAME.translation_z,
        NAME.rotation_3d_x, NAME.rotation_3d_y, NAME.rotation_3d_z,
        NAME.perspective_flip_theta, NAME.perspective_flip_phi, NAME.perspective_flip_gamma)),
    Column(NAME.perspective_flip_fv, NAME.perspective_flip_fv),
    Column("noise", NAME.noise_schedule),
    Column("strength", NAME.strength_schedule),
    Column("contrast", NAME.contrast_schedule),
    Column("scale", NAME.cfg_scale_schedule),
    Column(NAME.steps_schedule, NAME.steps_schedule),
    Column(NAME.sampler_schedule, NAME.sampler_schedule),
    Column(SEED_COLUMN, NAME.seed_schedule),
    Column("subseed", NAME.subseed_schedule),
    Column("subseed_strength", NAME.subseed_strength_schedule),
    Column("fov", NAME.fov_schedule),
    Column("antiblur_kernel", NAME.kernel_schedule),
    Column("antiblur_sigma", NAME.sigma_schedule),
    Column("antiblur_amount", NAME.amount_schedule),
    Column("antiblur_threshold", NAME.threshold_schedule),
    # Deforum looks up any other schedule by its name without "_schedule" too.
    Column(NAME.transform_center_x, NAME.transform_center_x),
    Column(NAME.transform_center_y, NAME.transform_center_y),
    Column("aspect_ratio", NAME.aspect_ratio_schedule),
    Column("noise_multiplier", NAME.noise_multiplier_schedule),
    Column("cadence_flow_factor", NAME.cadence_flow_factor_schedule),
    Column("redo_flow_factor", NAME.redo_flow_factor_schedule),
    Column("checkpoint", NAME.checkpoint_schedule),
    Column("clipskip", NAME.clipskip_schedule),
    Column("ddim_eta", NAME.ddim_eta_schedule),
    Column("ancestral_eta", NAME.ancestral_eta_schedule),
    Column("pix2pix_img_cfg_scale", NAME.pix2pix_img_cfg_scale_schedule),
    # Guided images: Deforum reuses the strength column as their image strength.
    Column("strength", NAME.image_strength_schedule),
    Column("guided_blendFactorMax", NAME.blendFactorMax),
    Column("guided_blendFactorSlope", NAME.blendFactorSlope),
    Column("guided_tweening_frames", NAME.tweening_frames_schedule),
    Column("guided_color_correction_factor", NAME.color_correction_factor),
)  # fmt: skip


@dataclass(frozen=True)
class Manifest:
    """A parsed manifest: `rows[i]` is frame i's object (every frame from 0 to the last)."""

    rows: tuple[Mapping[str, Any], ...]
    fps: float | None
    cadence: int | None
    keyframes: tuple[int, ...]  # where the manifest's author put keyframes
    warnings: tuple[str, ...]

    @property
    def columns(self) -> frozenset[str]:
        """The columns the manifest defines: frame 0's (Parseq defines every one there)."""
        return frozenset(self.rows[0])


@dataclass(frozen=True)
class Managed:
    """What a manifest manages in one run: per-frame values by setting, the column each came
    from, and the raw per-frame prompts ("positive --neg negative") if it has them."""

    values: dict[str, np.ndarray | tuple[str, ...]]
    columns: dict[str, str]
    prompts: tuple[str, ...] | None


def parse_manifest(text: str) -> Manifest:
    """The manifest in `text` (its JSON); SettingsError naming what is wrong otherwise."""
    data = _json(text)
    if not isinstance(data, Mapping):
        raise _error("must be a JSON object with rendered_frames")
    frames = data.get("rendered_frames")
    if not isinstance(frames, list) or not frames:
        raise _error("has no rendered_frames (a list with one object per frame)",
                     hint="export the manifest from Parseq again")
    limit = int(BY_NAME[NAME.max_frames].maximum or 0)
    if len(frames) > limit:
        raise _error(f"has {len(frames)} rendered frames; at most {limit}")
    options = data.get("options", {})
    if not isinstance(options, Mapping):
        raise _error("options must be a JSON object")
    rows, warnings = _rows(frames)
    return Manifest(
        rows=rows,
        fps=_option(options, "output_fps", NAME.fps),
        cadence=_option(options, "cadence", NAME.diffusion_cadence),
        keyframes=_keyframes(data.get("keyframes"), len(rows)),
        warnings=tuple(warnings),
    )


def manifest_of(settings: Settings) -> Manifest | None:
    """The settings' manifest, or None when Parseq is off (the setting is empty)."""
    text = settings.parseq_manifest
    if not text.strip():
        return None
    if not is_inline_json(text):
        raise _error("names a file or URL that was not read",
                     hint="plan through the run service, which reads it first")
    return parse_manifest(text)


def applied_settings(settings: Settings, manifest: Manifest, *,
                     video_frames: int | None = None) -> Settings:
    """The settings as a manifest changes them: its frame count, FPS and cadence
    (`run_overrides`), the schedule seed behaviour and subseed scheduling when it manages the
    seed, and in 2D the perspective flip."""
    changes = run_overrides(settings, manifest, video_frames=video_frames)
    if SEED_COLUMN in manifest.columns:
        changes[NAME.seed_behavior] = "schedule"
        changes[NAME.enable_subseed_scheduling] = True
    if settings.animation_mode == Mode.TWO_D:
        changes[NAME.enable_perspective_flip] = True
    return settings.replace(**changes)


def run_overrides(settings: Settings, manifest: Manifest, *,
                  video_frames: int | None = None) -> dict[str, Any]:
    """With non-schedule overrides on: the frame count (unless a video gives it), output FPS
    and cadence the manifest gives, by setting."""
    if not settings.parseq_non_schedule_overrides:
        return {}
    changes: dict[str, Any] = {}
    if video_frames is None:
        changes[NAME.max_frames] = len(manifest.rows)
    if manifest.fps:
        changes[NAME.fps] = manifest.fps
    if manifest.cadence:
        changes[NAME.diffusion_cadence] = manifest.cadence
    return changes


def managed_columns(manifest: Manifest, use_deltas: bool) -> dict[str, str]:
    """Setting -> the manifest column that replaces its schedule."""
    found = {}
    for column in COLUMNS:
        name = column.name + (DELTA_SUFFIX if column.motion and use_deltas else "")
        if name in manifest.columns:
            found[column.setting] = name
    return found


def unused_columns(manifest: Manifest, use_deltas: bool) -> list[str]:
    """The manifest's columns that no setting of Keyframes reads, sorted."""
    used = {*managed_columns(manifest, use_deltas).values(), PROMPT_COLUMN}
    return sorted(name for name in manifest.columns
                  if name not in used and name not in _NOT_VALUES
                  and not name.endswith(_DERIVED_SUFFIXES))


def managed_values(manifest: Manifest, frames: int, use_deltas: bool) -> Managed:
    """The per-frame values of a run of `frames` frames that the manifest gives."""
    used = min(frames, len(manifest.rows))
    index = np.minimum(np.arange(frames), used - 1)
    values: dict[str, np.ndarray | tuple[str, ...]] = {}
    columns = managed_columns(manifest, use_deltas)
    for setting, column in columns.items():
        if BY_NAME[setting].kind == STRING_SCHEDULE:
            texts = _texts(manifest.rows[:used], column)
            values[setting] = tuple(texts[i] for i in index)
        else:
            numbers = _numbers(manifest.rows[:used], column, setting)
            values[setting] = numbers[index]
    prompts = None
    if PROMPT_COLUMN in manifest.columns:
        texts = _texts(manifest.rows[:used], PROMPT_COLUMN)
        prompts = tuple(texts[i] for i in index)
    return Managed(values, columns, prompts)


def prompt_keys(prompts: Sequence[str]) -> dict[str, str]:
    """The per-frame prompts as prompt keyframes: one where the prompt changes."""
    keys: dict[str, str] = {}
    for frame, prompt in enumerate(prompts):
        if frame == 0 or prompt != prompts[frame - 1]:
            keys[str(frame)] = prompt
    return keys


def _json(text: str) -> Any:
    limit = BY_NAME[SETTING].max_length
    if len(text) > limit:
        raise _error(f"is {len(text)} characters long; at most {limit}")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise _error(f"is not valid JSON: {error.msg} (line {error.lineno}, column "
                     f"{error.colno})") from None
    except RecursionError:
        raise _error("is nested too deeply to be a Parseq manifest") from None
    except ValueError as error:  # a number too long to read, or NaN / Infinity
        raise _error(f"is not valid JSON: {error}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _rows(frames: list[Any]) -> tuple[tuple[Mapping[str, Any], ...], list[str]]:
    by_frame: dict[int, Mapping[str, Any]] = {}
    warnings: list[str] = []
    for position, row in enumerate(frames):
        if not isinstance(row, Mapping):
            raise _error(f"rendered frame {position + 1} is not a JSON object")
        frame = _frame_number(row.get("frame"), position)
        if frame in by_frame:
            warnings.append(f"{SETTING}: frame {frame} appears more than once in the manifest; "
                            "the last one is used")
        by_frame[frame] = row
    last = max(by_frame)
    if len(by_frame) <= last:
        missing = next(frame for frame in range(last + 1) if frame not in by_frame)
        raise _error(f"frame {missing} is missing from the manifest, which goes to frame {last}",
                     frame=missing, hint="export the manifest from Parseq again")
    return tuple(by_frame[frame] for frame in range(last + 1)), warnings


def _frame_number(value: Any, position: int) -> int:
    whole = (isinstance(value, (int, float)) and not isinstance(value, bool)
             and math.isfinite(value) and float(value).is_integer())
    limit = int(BY_NAME[NAME.max_frames].maximum or 0)
    if not whole or not 0 <= value < limit:
        raise _error(f"rendered frame {position + 1} has frame {_shown(value)}; a frame is a "
                     f"whole number from 0 to {limit - 1}")
    return int(value)


def _option(options: Mapping[str, Any], key: str, setting: str) -> Any:
    value = options.get(key)
    if value is None or value == 0:
        return None  # Deforum takes a missing or zero option as "not given"
    declared = BY_NAME[setting]
    if not isinstance(value, (str, bool)):
        try:
            return declared.validate(value)
        except SettingsError:
            pass
    raise _error(f"options.{key} is {_shown(value)}; {setting} must be {declared.allowed()}")


def _keyframes(value: Any, frames: int) -> tuple[int, ...]:
    """The frames of the manifest's own keyframes (only to mark them; odd entries are left
    out, as they change no value)."""
    if not isinstance(value, list):
        return (0,)
    found = {0}
    for entry in value[:frames]:
        frame = entry.get("frame") if isinstance(entry, Mapping) else None
        if isinstance(frame, int) and not isinstance(frame, bool) and 0 <= frame < frames:
            found.add(frame)
    return tuple(sorted(found))


def _cell(row: Mapping[str, Any], column: str, frame: int) -> Any:
    if column not in row:
        raise _error(f"frame {frame} has no {column!r}, which frame 0 has", frame=frame)
    return row[column]


def _numbers(rows: Sequence[Mapping[str, Any]], column: str, setting: str) -> np.ndarray:
    values = np.empty(len(rows), dtype=np.float64)
    for frame, row in enumerate(rows):
        value = _cell(row, column, frame)
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value)):
            raise _error(f"{column!r} is {_shown(value)}, not a number", frame=frame)
        values[frame] = value
    _check_range(values, column, setting)
    return values


def _check_range(values: np.ndarray, column: str, setting: str) -> None:
    declared = BY_NAME[setting]
    low = -np.inf if declared.minimum is None else declared.minimum
    high = np.inf if declared.maximum is None else declared.maximum
    outside = np.flatnonzero((values < low) | (values > high))
    if outside.size:
        frame = int(outside[0])
        raise _error(f"{column!r} is {format_number(values[frame])}, outside the range of "
                     f"{setting} ({declared.value_range()})", frame=frame)


def _texts(rows: Sequence[Mapping[str, Any]], column: str) -> list[str]:
    limit = MAX_TEXT_LENGTH
    texts = []
    for frame, row in enumerate(rows):
        value = _cell(row, column, frame)
        if not isinstance(value, str):
            raise _error(f"{column!r} is {_shown(value)}, not text", frame=frame)
        if len(value) > limit or "\x00" in value:
            raise _error(f"{column!r} is longer than {limit} characters or holds a NUL",
                         frame=frame)
        texts.append(value)
    return texts


def _shown(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    shown = json.dumps(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _error(message: str, *, frame: int | None = None, hint: str | None = None) -> SettingsError:
    return SettingsError(message, setting=SETTING, frame=frame, hint=hint)


def sources(names: Sequence[str], managed: Managed | None) -> dict[str, str]:
    """Setting -> where its per-frame values come from: "parseq" or "schedule"."""
    taken = set() if managed is None else set(managed.values)
    return {name: PARSEQ if name in taken else SCHEDULE for name in names}
