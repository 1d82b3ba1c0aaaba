"""What the Keyframes tab shows and does, without gradio: where each setting sits, which
controls apply to the chosen mode and switches, checking a field as it is typed, the plan table,
presets, settings files and the last used settings.

`tab.py` turns this into gradio components; everything a user can notice is decided here, so it
is tested without a browser.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lib_animation import presets
from lib_animation.controlnet_settings import CONTROLNET_UNITS, unit_key
from lib_animation.controlnet_settings import GROUP as CONTROLNET_GROUP
from lib_animation.controlnet_settings import KEYS as CONTROLNET_KEYS
from lib_animation.errors import KeyframesError, KeyframesErrors
from lib_animation.plan import FramePlan
from lib_animation.presets import Preset, list_presets
from lib_animation.schedule import ScheduleVariables, parse_schedule
from lib_animation.schema import (
    ANIMATION_MODE,
    BY_NAME,
    NAME,
    SETTINGS,
    Mode,
    Settings,
    applies,
    defaults,
)
from lib_animation.setting_kinds import (
    BOOL,
    CHOICE,
    FLOAT,
    IMAGE_KEYFRAMES,
    INT,
    PROMPTS,
    SCHEDULE_KINDS,
    STRING_SCHEDULE,
    Setting,
)
from lib_animation.settings_files import load_settings, save_settings

# Layout ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    """A tab (or sub-tab) of the settings column: whole schema groups, and single settings
    that Deforum users look for there rather than in their group's place."""

    title: str
    groups: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    header: tuple[str, ...] = ()  # settings shown above the sub-tabs
    panels: tuple[Panel, ...] = ()

    @property
    def key(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.title.lower()).strip("_")


# The tabs as Deforum users know them. Groups say where whole groups go; names move single
# settings into the schedule sub-tabs. Nothing here declares a setting: a new setting lands in
# its group's panel without a change here.
LAYOUT: tuple[Panel, ...] = (
    Panel("Run", groups=("run",)),
    Panel(
        "Keyframes",
        groups=("keyframes",),
        header=(NAME.animation_mode, NAME.max_frames, NAME.border, NAME.diffusion_cadence),
        panels=(
            Panel("Motion", groups=("motion_2d", "motion_3d", "perspective_flip")),
            Panel("Noise", groups=("noise",), names=(NAME.noise_schedule,)),
            Panel("Coherence", groups=("coherence",), names=(NAME.contrast_schedule,)),
            Panel("Anti Blur", groups=("anti_blur",)),
            Panel("Depth Warping & FOV", groups=("depth",)),
            Panel("Strength", names=(NAME.strength_schedule,)),
            Panel("CFG", names=(
                NAME.cfg_scale_schedule, NAME.pix2pix_img_cfg_scale_schedule,
                NAME.enable_clipskip_scheduling, NAME.clipskip_schedule,
                NAME.enable_ddim_eta_scheduling, NAME.ddim_eta_schedule,
                NAME.enable_ancestral_eta_scheduling, NAME.ancestral_eta_schedule)),
            Panel("Seed", names=(
                NAME.seed_behavior, NAME.seed_iter_N, NAME.seed_schedule,
                NAME.seed_resize_from_w, NAME.seed_resize_from_h)),
            Panel("SubSeed", groups=(BY_NAME[NAME.subseed_schedule].group,)),
            Panel("Steps", names=(NAME.enable_steps_scheduling, NAME.steps_schedule)),
            Panel("Sampler", names=(
                NAME.enable_sampler_scheduling, NAME.sampler_schedule,
                NAME.enable_scheduler_scheduling, NAME.scheduler_schedule)),
            Panel("Checkpoint", groups=("pipeline",), names=(
                NAME.enable_checkpoint_scheduling, NAME.checkpoint_schedule)),
        ),
    ),
    Panel("Prompts", groups=("prompts",)),
    Panel("Init / Video Input", groups=("init", "guided_images", "mask", "video_input",
                                        "parseq")),
    Panel("Hybrid Video", groups=("hybrid",)),
    Panel("Audio", groups=("audio",)),
    Panel("Output", groups=("output", "resume")),
    # Shown only where the ControlNet extension is installed (`shows_panel`).
    Panel("ControlNet", groups=(CONTROLNET_GROUP,), panels=tuple(
        Panel(f"Unit {unit}", names=tuple(unit_key(unit, key) for key in CONTROLNET_KEYS))
        for unit in range(1, CONTROLNET_UNITS + 1))),
)  # fmt: skip
CONTROLNET_PANEL = "controlnet"
# The unit settings whose choices are the extension's lists: setting -> Catalog method.
CONTROLNET_CHOICES = {
    **{unit_key(unit, "module"): "controlnet_modules" for unit in range(1, CONTROLNET_UNITS + 1)},
    **{unit_key(unit, "model"): "controlnet_models" for unit in range(1, CONTROLNET_UNITS + 1)},
}


def all_panels(panels: Sequence[Panel] = LAYOUT) -> Iterable[Panel]:
    for panel in panels:
        yield panel
        yield from all_panels(panel.panels)


def placement() -> dict[str, list[str]]:
    """Panel key -> the settings it shows, in declaration order; every setting exactly once.

    A setting named by a panel goes there; any other goes to the first panel listing its group
    (a panel's header lists settings of that panel's own groups)."""
    named: dict[str, str] = {}
    by_group: dict[str, str] = {}
    for panel in all_panels():
        for name in (*panel.header, *panel.names):
            named.setdefault(name, panel.key)
        for group in panel.groups:
            by_group.setdefault(group, panel.key)
    result: dict[str, list[str]] = {panel.key: [] for panel in all_panels()}
    for setting in SETTINGS:
        key = named.get(setting.name) or by_group[setting.group]
        result[key].append(setting.name)
    return result


def panel_body(panel: Panel, placed: Mapping[str, list[str]]) -> list[str]:
    """The settings a panel shows below its header."""
    return [name for name in placed[panel.key] if name not in panel.header]


# Controls ----------------------------------------------------------------------------------------

CHECKBOX, SLIDER, NUMBER, RADIO, DROPDOWN, TEXT, SCHEDULE_BOX, PROMPTS_BOX = (
    "checkbox", "slider", "number", "radio", "dropdown", "text", "schedule", "prompts",
)  # fmt: skip
MAX_SLIDER_STEPS = 5000
MAX_RADIO_CHOICES = 4
# Settings whose choices come from the host (the catalog), not from the declaration.
HOST_CHOICES = (NAME.sampler, NAME.scheduler, NAME.upscaler)


# Settings written as a JSON object of keyframes: one multi-line box each.
JSON_KINDS = (PROMPTS, IMAGE_KEYFRAMES)


def control_type(setting: Setting) -> str:
    """Which control a setting gets, from its kind and range."""
    if setting.kind == BOOL:
        return CHECKBOX
    if setting.kind in (INT, FLOAT):
        low, high, step = setting.minimum, setting.maximum, setting.step or 1
        if low is not None and high is not None and (high - low) / step <= MAX_SLIDER_STEPS:
            return SLIDER
        return NUMBER
    if setting.kind == CHOICE:
        if setting.open_choices or len(setting.choices) > MAX_RADIO_CHOICES:
            return DROPDOWN
        return RADIO
    if setting.kind in SCHEDULE_KINDS:
        return SCHEDULE_BOX
    if setting.kind in JSON_KINDS:
        return PROMPTS_BOX
    return TEXT


def elem_id(name: str) -> str:
    return f"keyframes_{name}"


def to_ui(name: str, value: Any) -> Any:
    """A setting's value as its control holds it."""
    if BY_NAME[name].kind in JSON_KINDS:
        return json.dumps(value, indent=2, ensure_ascii=False)
    return value


def ui_values(settings: Mapping[str, Any]) -> list[Any]:
    """Every control's value, in declaration order."""
    return [to_ui(setting.name, settings[setting.name]) for setting in SETTINGS]


def settings_from_ui(values: Sequence[Any]) -> Settings:
    """The controls' values (declaration order) as Settings; KeyframesError(s) otherwise."""
    return Settings(dict(zip((s.name for s in SETTINGS), values, strict=True)))


def problem_lines(error: KeyframesError) -> list[str]:
    return error.lines() if isinstance(error, KeyframesErrors) else [str(error)]


# Which controls apply ----------------------------------------------------------------------------

# The settings whose value decides whether other settings apply: the mode and every requirement.
DRIVERS: tuple[str, ...] = tuple(dict.fromkeys(
    [ANIMATION_MODE] + [r.setting for s in SETTINGS for r in s.requires]
))


def visibility(driver_values: Sequence[Any]) -> dict[str, bool]:
    """Setting name -> whether it applies, given the drivers' values (DRIVERS order)."""
    values = defaults()
    values.update(zip(DRIVERS, driver_values, strict=True))
    return {setting.name: applies(values, setting.name) for setting in SETTINGS}


def panel_note(panel: Panel, shown: Mapping[str, bool], mode: str,
               placed: Mapping[str, list[str]]) -> str:
    """What an empty panel says instead of showing nothing."""
    names = [*placed[panel.key]] + [n for sub in panel.panels for n in placed[sub.key]]
    if any(shown[name] for name in names):
        return ""
    if all(not BY_NAME[name].modes or mode in BY_NAME[name].modes for name in names):
        return "*Turn on the switch above to use these settings.*"
    return f"*Nothing here applies in {mode} mode.*"


# Checking as the user types ----------------------------------------------------------------------


def field_problem(name: str, value: Any, max_frames: Any = None, seed: Any = None,
                  fps: Any = None) -> str:
    """The problem with one field's value as one line ('' when it is fine). Schedules are
    parsed and evaluated over the frames (cheap: one schedule, vectorised), so values outside
    the setting's range are found too."""
    setting = BY_NAME[name]
    try:
        checked = setting.validate(value)
        if setting.is_schedule:
            variables = ScheduleVariables(
                max_frames=_int_or(max_frames, BY_NAME[NAME.max_frames].default, 1),
                seed=_int_or(seed, 0, 0), fps=_float_or(fps, BY_NAME[NAME.fps].default))
            kind = "string" if setting.kind == STRING_SCHEDULE else "number"
            result = parse_schedule(checked, setting=name, kind=kind).evaluate(variables)
            return _range_problem(setting, result.values)
    except KeyframesErrors as errors:
        return " · ".join(_without_setting(error) for error in errors.errors)
    except KeyframesError as error:
        return _without_setting(error)
    return ""


def _without_setting(error: KeyframesError) -> str:
    """The error as shown under its own field: where in the field, then what is wrong."""
    return error.describe(with_setting=False)


def _range_problem(setting: Setting, values: Any) -> str:
    if isinstance(values, tuple) or (setting.minimum is None and setting.maximum is None):
        return ""
    low = -np.inf if setting.minimum is None else setting.minimum
    high = np.inf if setting.maximum is None else setting.maximum
    outside = np.flatnonzero((values < low) | (values > high))
    if not outside.size:
        return ""
    frame = int(outside[0])
    return (f"frame {frame}: value {values[frame]:g} is outside the allowed range "
            f"({setting.value_range()})")


def _int_or(value: Any, default: int, low: int) -> int:
    try:
        return max(low, int(float(value)))
    except (TypeError, ValueError, OverflowError):
        return default


def _float_or(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if np.isfinite(number) and number > 0 else default


def problems_by_field(error: KeyframesError) -> dict[str, str]:
    """Setting name -> the first problem with it, for the messages under the fields."""
    errors = error.errors if isinstance(error, KeyframesErrors) else [error]
    found: dict[str, str] = {}
    for one in errors:
        if one.setting in BY_NAME and one.setting not in found:
            found[one.setting] = _without_setting(one)
    return found


# The plan table ----------------------------------------------------------------------------------

MAX_TABLE_ROWS = 600
MOTION_2D = (NAME.zoom, NAME.angle, NAME.translation_x, NAME.translation_y)
MOTION_3D = (NAME.translation_x, NAME.translation_y, NAME.translation_z,
             NAME.rotation_3d_x, NAME.rotation_3d_y, NAME.rotation_3d_z)
MOTION_SHORT = {NAME.zoom: "Zoom", NAME.angle: "Angle", NAME.translation_x: "x",
                NAME.translation_y: "y", NAME.translation_z: "z", NAME.rotation_3d_x: "rx",
                NAME.rotation_3d_y: "ry", NAME.rotation_3d_z: "rz"}
TABLE_HEADERS = ["Frame", "Made", "Seed", "Strength", "CFG", "Motion", "Audio", "Prompt"]


def table_frames(plan: FramePlan) -> list[int]:
    """Every frame, or for long runs the keyframes and evenly spaced frames between."""
    if plan.max_frames <= MAX_TABLE_ROWS:
        return list(range(plan.max_frames))
    step = -(-plan.max_frames // MAX_TABLE_ROWS)
    frames = set(range(0, plan.max_frames, step)) | set(plan.keyframe_frames())
    frames.add(plan.max_frames - 1)
    return sorted(frames)


def _audio_text(plan: FramePlan, frame: int) -> str:
    """The audio variables' values at the frame ("—" when the run has no analysed audio)."""
    if plan.audio is None:
        return "—"
    return " ".join(f"{name} {float(values[frame]):.3g}"
                    for name, values in plan.audio.values.items())


def plan_table(plan: FramePlan, *, random_seed: bool = False) -> list[list[Any]]:
    """Rows of frame, diffused or tween, seed, strength, CFG, camera motion, the audio
    variables and prompt. With `random_seed` (seed -1, picked when the run starts) seeds show as
    offsets from it: s, s+1, unless a Parseq manifest gives them."""
    settings = plan.settings
    from_manifest = plan.from_manifest(NAME.seed_schedule)
    mode = settings.animation_mode
    motion = MOTION_3D if mode == Mode.THREE_D else MOTION_2D if mode == Mode.TWO_D else ()
    uses_strength = applies(settings, NAME.strength_schedule)
    rows = []
    for frame in table_frames(plan):
        diffused = bool(plan.diffused[frame])
        positive, negative = plan.prompts[frame]
        prompt = positive if not negative else f"{positive} --neg {negative}"
        strength = (f"{plan.value(NAME.strength_schedule, frame):.3g}"
                    f"{_mark(plan, NAME.strength_schedule)}" if uses_strength else "—")
        moves = " ".join(f"{MOTION_SHORT[name]} {plan.value(name, frame):.4g}{_mark(plan, name)}"
                         for name in motion)
        seed = _seed_text(int(plan.seeds[frame]), settings.seed,
                          random_seed and not from_manifest)
        if from_manifest:
            seed = f"{seed}{PARSEQ_MARK}"
        rows.append([
            frame, "diffused" if diffused else "tween",
            seed if diffused else "",
            strength,
            f"{plan.value(NAME.cfg_scale_schedule, frame):.3g}"
            f"{_mark(plan, NAME.cfg_scale_schedule)}",
            moves or "—",
            _audio_text(plan, frame),
            (prompt if len(prompt) <= 100 else prompt[:97] + "...")
            + _mark(plan, NAME.animation_prompts),
        ])
    return rows


PARSEQ_MARK = " ᴾ"


def _mark(plan: FramePlan, name: str) -> str:
    """Marks a table value that came from a Parseq manifest."""
    return PARSEQ_MARK if plan.from_manifest(name) else ""


def frame_of_row(table: Any, index: Any) -> int | None:
    """The frame number in the first column of the table row a click picked (`index` is
    [row, column]), or None when the click is not on a frame's row."""
    row = index[0] if isinstance(index, (list, tuple)) else index
    if isinstance(table, dict):
        rows = table.get("data", [])
    else:
        rows = table.values.tolist() if hasattr(table, "to_numpy") else table
    try:
        return int(rows[row][0])
    except (TypeError, ValueError, IndexError, KeyError):
        return None


def _seed_text(seed: int, start: int, relative: bool) -> Any:
    if not relative:
        return seed
    offset = seed - start
    return "s" if offset == 0 else f"s{offset:+d}"


def plan_summary(plan: FramePlan, *, random_seed: bool = False) -> str:
    settings = plan.settings
    diffused = int(plan.diffused.sum())
    text = (f"**{plan.max_frames} frames** at {settings.W}×{settings.H}, "
            f"{settings.animation_mode}, {diffused} diffused (cadence {plan.cadence}), "
            f"{settings.fps:g} fps = {plan.max_frames / settings.fps:.1f} s of video")
    if random_seed:
        text += "; seed -1: the start seed *s* is picked when the run starts"
    if plan.sources:
        text += (f"\n\nFrom the **Parseq manifest** (marked{PARSEQ_MARK} in the table, "
                 f"*(Parseq)* on the plot): {', '.join(plan.sources)}")
    if plan.warnings:
        text += "\n\n" + "\n".join(f"- ⚠ {warning}" for warning in plan.warnings[:8])
    return text


# Presets and files -------------------------------------------------------------------------------

SHIPPED_MARK = " (shipped)"


def preset_label(preset: Preset) -> str:
    return preset.name + (SHIPPED_MARK if preset.shipped else "")


def preset_choices(user_dir: Path) -> list[str]:
    return [preset_label(preset) for preset in list_presets(user_dir)]


def preset_name(label: str | None) -> str:
    label = (label or "").strip()
    return label[: -len(SHIPPED_MARK)] if label.endswith(SHIPPED_MARK) else label


def find_listed_preset(label: str | None, user_dir: Path) -> Preset | None:
    name = preset_name(label)
    return next((p for p in list_presets(user_dir) if p.name == name), None)


def delete_user_preset(label: str | None, user_dir: Path) -> str:
    """Delete a user preset; returns what happened, for the status line."""
    preset = find_listed_preset(label, user_dir)
    if preset is None:
        return "Choose one of your presets to delete."
    try:
        presets.delete_user_preset(preset.name, user_dir)
    except KeyframesError as error:
        return f"{error.message[0].upper()}{error.message[1:]}."
    return f"Deleted preset {preset.name!r}."


def last_settings_file_standalone() -> Path:
    """Where the standalone UI keeps the last used settings ($KEYFRAMES_LAST_SETTINGS, else
    ~/.config/keyframes/last-settings.json)."""
    configured = os.environ.get("KEYFRAMES_LAST_SETTINGS")
    if configured:
        return Path(configured).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "keyframes" / "last-settings.json"


def load_last_settings(path: Path | None, base: Settings) -> Settings:
    """The last used settings, or `base` where there are none or they cannot be read."""
    if path is None or not Path(path).is_file():
        return base
    try:
        return load_settings(path).settings
    except KeyframesError:
        return base


def save_last_settings(path: Path | None, settings: Settings) -> None:
    if path is None:
        return
    with contextlib.suppress(OSError, KeyframesError):  # remembering never stops a run
        save_settings(settings, path)


def preview_settings(settings: Settings, longest_side: int) -> Settings:
    """The settings of a quick motion preview: low resolution, no extras, a fast encoder."""
    scale = min(1.0, longest_side / max(settings.W, settings.H))
    width = max(64, int(settings.W * scale) // 8 * 8)
    height = max(64, int(settings.H * scale) // 8 * 8)
    return settings.replace(
        W=width, H=height, batch_name="preview_{timestring}", video_format="mp4",
        video_preset="ultrafast", make_gif=False, delete_imgs=False, save_depth_maps=False,
        resume_from_timestring=False, seed_resize_from_w=0, seed_resize_from_h=0,
        upscale_after_render=False,
    )
