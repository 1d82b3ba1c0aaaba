"""Deforum settings files -> Keyframes values: renamed keys, split sampler names, remapped
choices and the quirks of files Deforum saved after a run.

Also used for flat hand-written files: a value already in Keyframes form passes unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lib_animation.errors import KeyframesError
from lib_animation.schema import BY_NAME, SCHEDULERS

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
# Deforum settings whose effect Keyframes always has, or that have none on the picture: near and
# far planes cancel out of the camera projection, and a first frame without an init image is
# always generated from text (Deforum's strength_0_no_init).
_NO_EFFECT = ("near_schedule", "far_schedule", "strength_0_no_init")


def migrate_flat(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Bring a flat (Deforum or hand-written) object to current names and values."""
    warnings: list[str] = []
    for name in _NO_EFFECT:
        values.pop(name, None)
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
