"""Deforum settings files -> Keyframes values: renamed keys, split sampler names, remapped
choices and the quirks of files Deforum saved after a run; and what to tell the user about keys
Keyframes does not use: Deforum features it does not do yet (named once each, when the file turns
them on), Deforum keys it does not need, and likely misspellings of its own settings.

Also used for flat hand-written files: a value already in Keyframes form passes unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lib_animation.controlnet_settings import CONTROLNET_UNITS, unit_key
from lib_animation.errors import KeyframesError
from lib_animation.schema import BY_NAME, NAME, SCHEDULERS
from lib_animation.setting_kinds import as_bool

_DEFORUM_RENAMES = {
    "prompts": "animation_prompts",
    "flip_2d_perspective": "enable_perspective_flip",
}
_DEFORUM_FLOW_NAMES = {"True": "DIS Fine", "False": "None"}
_DEFORUM_DEPTH_NAMES = {
    "Midas-3-Hybrid": "Midas-3-Hybrid",
    "Midas-3.1-BeitLarge": "Midas-3-Large",
}
_DEFORUM_UPSCALE_RENAMES = {
    "r_upscale_video": NAME.upscale_after_render,
    "r_upscale_model": NAME.upscaler,
    "r_upscale_factor": NAME.upscale_factor,
    "r_upscale_keep_imgs": NAME.upscale_keep_frames,
}
_DEFORUM_UPSCALERS = {
    "realesr-animevideov3": "R-ESRGAN AnimeVideo",
    "realesrgan-x4plus": "R-ESRGAN 4x+",
    "realesrgan-x4plus-anime": "R-ESRGAN 4x+ Anime6B",
}
# RIFE versions earlier Deforum releases offered; its current one offers only v4.6.
_DEFORUM_RIFE_NAMES = {"RIFE v4.0": "RIFE v4.6", "RIFE v4.3": "RIFE v4.6"}
_DEFORUM_PADDING = {"border": "replicate", "reflection": "reflect"}
_DEFORUM_FILL = ("fill", "original", "latent noise", "latent nothing")
# Deforum settings whose effect Keyframes always has, or that have none on the picture: near and
# far planes cancel out of the camera projection, and a first frame without an init image is
# always generated from text (Deforum's strength_0_no_init); hybrid video always reads the
# video's frames when it needs them (Deforum's hybrid_generate_inputframes).
_NO_EFFECT = ("near_schedule", "far_schedule", "strength_0_no_init",
              "hybrid_generate_inputframes")


def migrate_flat(values: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Bring a flat (Deforum or hand-written) object to current names and values."""
    warnings: list[str] = []
    _migrate_looper(values, warnings)
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
    _migrate_mask_video(values)
    _migrate_hybrid(values)
    _migrate_controlnet(values)
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


_LOOPER_SCHEDULES = ("image_strength_schedule", "blendFactorMax", "blendFactorSlope",
                     "tweening_frames_schedule", "color_correction_factor")
# The copies of the looper's values Deforum keeps while rendering, saved with its settings.
_LOOPER_RUNTIME_KEYS = ("imageStrength", "tweeningFrameSchedule", "colorCorrectionFactor",
                        "imagesToKeyframe")
_PLAIN_NUMBER = re.compile(r"\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _migrate_looper(values: dict[str, Any], warnings: list[str]) -> None:
    """Guided images. Deforum's files saved after a run hold the last frame's looper values as
    plain numbers (Deforum #898; they no longer load there): each becomes a one-keyframe
    schedule. Deforum forces seed behaviour 'schedule' while guided images are on, so a file
    Deforum wrote (every one holds its `strength_0_no_init`) gets it; other flat files keep
    their own."""
    for key in _LOOPER_RUNTIME_KEYS:
        values.pop(key, None)
    for name in _LOOPER_SCHEDULES:
        value = values.get(name)
        if isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value):
            values[name] = f"0: ({value.strip()})"
    deforum_wrote = "strength_0_no_init" in values
    if deforum_wrote and as_bool(values.get("use_looper")) and \
            values.get("seed_behavior") != "schedule":
        if "seed_behavior" in values:
            warnings.append(f"seed_behavior: {values['seed_behavior']} becomes schedule, as "
                            "Deforum renders guided images")
        values["seed_behavior"] = "schedule"


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


def _migrate_mask_video(values: dict[str, Any]) -> None:
    """Deforum turns masks on for a run with a mask video (`use_mask_video` without `use_mask`
    renders through the video's masks there)."""
    if as_bool(values.get("use_mask_video")) is True:
        values["use_mask"] = True


def _migrate_hybrid(values: dict[str, Any]) -> None:
    """Hybrid video: Deforum's older files hold hybrid_composite as a switch."""
    composite = values.get("hybrid_composite")
    if isinstance(composite, bool):
        values["hybrid_composite"] = "Normal" if composite else "None"


# Deforum's ControlNet resize modes -> the extension's current names (its own aliases).
_DEFORUM_RESIZE_MODES = {"Inner Fit (Scale to Fit)": "Crop and Resize",
                         "Outer Fit (Shrink to Fit)": "Resize and Fill"}


def _migrate_controlnet(values: dict[str, Any]) -> None:
    for unit in range(1, CONTROLNET_UNITS + 1):
        _remap(values, unit_key(unit, "resize_mode"), _DEFORUM_RESIZE_MODES)


def _migrate_output(values: dict[str, Any]) -> None:
    for old in ("skip_video_creation", "skip_video_for_run_all"):
        skip = values.pop(old, None)
        if skip is True or (isinstance(skip, str) and skip.lower() == "true"):
            values.setdefault("video_format", "none")
    soundtrack = values.get("add_soundtrack")
    if isinstance(soundtrack, bool):
        values["add_soundtrack"] = "File" if soundtrack else "None"
    _migrate_upscale(values)
    _remap(values, NAME.frame_interpolation_engine, _DEFORUM_RIFE_NAMES)


def _migrate_upscale(values: dict[str, Any]) -> None:
    """Deforum's Real-ESRGAN ncnn models are the WebUI's upscalers of the same weights."""
    for old, new in _DEFORUM_UPSCALE_RENAMES.items():
        if old in values:
            values.setdefault(new, values.pop(old))
    _remap(values, NAME.upscaler, _DEFORUM_UPSCALERS)
    factor = values.get(NAME.upscale_factor)
    if isinstance(factor, str) and re.fullmatch(r"x[0-9]", factor.strip()):
        values[NAME.upscale_factor] = int(factor.strip()[1:])


@dataclass(frozen=True)
class UnsupportedFeature:
    """A Deforum feature Keyframes does not do yet.

    `keys` matches every key of the feature (a regular expression, matched in full); `switches`
    maps the keys that turn it on (also regular expressions) to the values that leave it off in
    Deforum (its defaults). A file with a switch at another value gets one warning naming it.
    """

    name: str
    keys: str
    switches: Mapping[str, tuple[Any, ...]]
    plural: bool = False

    def owns(self, key: str) -> bool:
        return re.fullmatch(self.keys, key) is not None

    def turned_on_by(self, values: Mapping[str, Any]) -> tuple[str, Any] | None:
        """The first switch in `values` that is not at an off value, with its value."""
        for key in sorted(values):
            for pattern, off in self.switches.items():
                if re.fullmatch(pattern, key) and not _is_off(values[key], off):
                    return key, values[key]
        return None

    def warning(self, key: str, value: Any) -> str:
        verb, pronoun = ("are", "them") if self.plural else ("is", "it")
        return (
            f"{key} = {_shown(value)}: {self.name} {verb} not supported yet; rendering without "
            f"{pronoun}"
        )


UNSUPPORTED_FEATURES: tuple[UnsupportedFeature, ...] = (
    # Deforum shows as many units as the extension's unit count (at most 10) when above 5.
    UnsupportedFeature("ControlNet units after the fifth", r"cn_([6-9]|10)_\w+",
                       {r"cn_([6-9]|10)_enabled": (False,)}, plural=True),
    UnsupportedFeature("hybrid human masks", r"hybrid_generate_human_masks",
                       {"hybrid_generate_human_masks": ("None",)}, plural=True),
)  # fmt: skip

DEFORUM_INFO_KEYS = frozenset({
    "sd_model_name", "sd_model_hash", "deforum_git_commit_id", "show_info_on_ui",
    "fetched_parseq_manifest_summary",
})  # fmt: skip
"""Keys Deforum writes for information or its own UI: dropped without a word."""

DEFORUM_UNUSED_KEYS = frozenset({
    "motion_preview_mode", "legacy_colormatch", "midas_weight", "delete_input_frames",
    "store_frames_in_ram", "perlin_w", "perlin_h", "init_sample", "image_path", "outdir",
    "init_image_box", "histogram_matching",
})  # fmt: skip
"""Other Deforum keys Keyframes does not use: listed as ignored, never taken for typos."""


# Deforum's batch mode: a settings file that lists other settings files, one run each. The
# `batch` command renders them (lib_animation.batches); a single render says so.
DEFORUM_BATCH_SWITCH, DEFORUM_BATCH_FILES = "override_settings_with_file", "custom_settings_file"


def deforum_batch_files(values: Mapping[str, Any]) -> list[str]:
    """The settings files a Deforum file's batch mode lists (none when it is off)."""
    listed = values.get(DEFORUM_BATCH_FILES)
    if _is_off(values.get(DEFORUM_BATCH_SWITCH), (False,)) or not isinstance(listed, list):
        return []
    return [entry for entry in listed if isinstance(entry, str) and entry]


def unknown_key_warnings(unknown: Mapping[str, Any], known: Iterable[str]) -> list[str]:
    """Warnings for the keys of a flat file that are not Keyframes settings.

    Each Deforum feature the file turns on is named once; keys of features left off and Deforum's
    informational keys are dropped quietly; a key close to a setting in `known` gets "did you
    mean"; the rest are listed in one "ignored" warning.
    """
    warnings: list[str] = []
    rest = dict(unknown)
    if deforum_batch_files(rest):
        warnings.append(f"{DEFORUM_BATCH_SWITCH} is on: this file lists "
                        f"{len(deforum_batch_files(rest))} settings files for Deforum's batch "
                        "mode; render them with `python -m lib_animation batch` on this file")
    rest.pop(DEFORUM_BATCH_SWITCH, None)
    rest.pop(DEFORUM_BATCH_FILES, None)
    for feature in UNSUPPORTED_FEATURES:
        owned = {key: value for key, value in rest.items() if feature.owns(key)}
        switched = feature.turned_on_by(owned)
        if switched is not None:
            warnings.append(feature.warning(*switched))
        for key in owned:
            rest.pop(key)
    names = tuple(known)
    ignored = []
    for key in sorted(rest):
        if key in DEFORUM_INFO_KEYS:
            continue
        suggestion = None if key in DEFORUM_UNUSED_KEYS else closest_name(key, names)
        if suggestion is None:
            ignored.append(key)
        else:
            warnings.append(f"{key} is not a setting; did you mean {suggestion}? (ignored)")
    if ignored:
        shown = ", ".join(ignored[:40])
        if len(ignored) > 40:
            shown += f" and {len(ignored) - 40} more"
        warnings.append(f"ignored {len(ignored)} setting(s) Keyframes does not use: {shown}")
    return warnings


def closest_name(key: str, names: Iterable[str]) -> str | None:
    """The name `key` most likely misspells: same letters in another case, or at most one edit
    away (two for names of 7 or more letters; a swap of neighbours counts as one edit)."""
    folded = key.casefold()
    best, best_distance = None, None
    for name in names:
        limit = 2 if len(name) >= 7 else 1
        if min(len(name), len(key)) < 3:
            limit = 0
        distance = edit_distance(folded, name.casefold())
        if distance <= limit and (best_distance is None or distance < best_distance):
            best, best_distance = name, distance
    return best


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`."""
    if abs(len(a) - len(b)) > 2:
        return 3 + abs(len(a) - len(b))
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (before is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2]
                    and a[i - 2] == b[j - 1]):
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[len(b)]


def _is_off(value: Any, off: tuple[Any, ...]) -> bool:
    if value is None:
        return True
    for default in off:
        if isinstance(default, bool):
            if as_bool(value) is default:
                return True
        elif isinstance(value, str) and _squeezed(value) == _squeezed(default):
            return True
    return False


def _squeezed(text: str) -> str:
    return "".join(text.split()).casefold()


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."
