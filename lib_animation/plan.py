"""Settings -> FramePlan: every per-frame value, decided before the first generation.

All schedules are evaluated for all frames at once, so every error shows before any GPU time is
spent, curves can be plotted, and a run is reproducible from its settings file alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lib_animation.audio import AudioFeatures
from lib_animation.audio_variables import AUDIO_VARIABLE_NAMES
from lib_animation.errors import KeyframesError, KeyframesErrors, ScheduleError
from lib_animation.guide_schedule import GuideSchedule, guide_schedule
from lib_animation.mask_checks import check_mask_schedules
from lib_animation.parseq_import import (
    PARSEQ,
    Managed,
    applied_settings,
    managed_values,
    manifest_of,
    prompt_keys,
    run_overrides,
)
from lib_animation.prompts import frame_prompts, inline_names, parse_animation_prompts
from lib_animation.schedule import ScheduleVariables, parse_schedule
from lib_animation.schema import (
    BY_NAME,
    NAME,
    SCHEDULE_NAMES,
    STRING_SCHEDULE,
    Mode,
    Settings,
    applies,
)
from lib_animation.seeds import resolve_seed, seed_sequence, subseed_sequence

NO_CADENCE_MODES = (Mode.VIDEO_INPUT, Mode.INTERPOLATION)
NO_AUDIO_HINT = (
    f"{', '.join(sorted(AUDIO_VARIABLE_NAMES))} come from an analysed soundtrack: set "
    f"{NAME.audio_path}, or {NAME.add_soundtrack} File with a {NAME.soundtrack_path}"
)


@dataclass(frozen=True)
class FramePlan:
    """Every value of every frame of one run. `settings` holds the resolved seed."""

    settings: Settings
    max_frames: int
    values: Mapping[str, np.ndarray | tuple[str, ...]]
    keyframes: Mapping[str, tuple[int, ...]]
    seeds: np.ndarray
    subseeds: np.ndarray
    subseed_strengths: np.ndarray
    prompts: tuple[tuple[str, str], ...]
    diffused: np.ndarray
    warnings: tuple[str, ...]
    prompt_frames: tuple[int, ...] = ()  # frames where a prompt keyframe sits
    # Setting -> "parseq" for the values a Parseq manifest gave (schedules, prompts, and the
    # frame count, FPS and cadence it set); everything else comes from the settings.
    sources: Mapping[str, str] = field(default_factory=dict)
    guide: GuideSchedule | None = None  # guided images, when they are on
    audio: AudioFeatures | None = None  # the analysed soundtrack the audio variables read

    @property
    def cadence(self) -> int:
        return effective_cadence(self.settings)

    def from_manifest(self, name: str) -> bool:
        """Whether a Parseq manifest gave this setting's values."""
        return self.sources.get(name) == PARSEQ

    def value(self, name: str, frame: int) -> Any:
        """One schedule's value at one frame, as a Python float or str."""
        values = self.values[name]
        return values[frame] if isinstance(values, tuple) else float(values[frame])

    def diffused_frames(self) -> np.ndarray:
        return np.flatnonzero(self.diffused)

    def keyframe_frames(self) -> list[int]:
        """Frames where a prompt or a schedule that changes over the run has a keyframe."""
        frames = set(self.prompt_frames)
        for name, values in self.values.items():
            changes = len(set(values)) > 1 if isinstance(values, tuple) else np.ptp(values) > 0
            if changes and applies(self.settings, name):
                frames.update(self.keyframes[name])
        return sorted(frame for frame in frames if frame < self.max_frames)

    def to_json(self) -> dict[str, Any]:
        guided = {} if self.guide is None else {"guided_images": self.guide.to_json()}
        audio = {} if self.audio is None else {"audio": self.audio.to_json()}
        return {
            **guided,
            **audio,
            "max_frames": self.max_frames,
            "values": {
                name: list(values) if isinstance(values, tuple) else values.tolist()
                for name, values in self.values.items()
            },
            "seeds": self.seeds.tolist(),
            "subseeds": self.subseeds.tolist(),
            "subseed_strengths": self.subseed_strengths.tolist(),
            "prompts": [{"positive": pos, "negative": neg} for pos, neg in self.prompts],
            "diffused": self.diffused.tolist(),
            "sources": dict(self.sources),
        }

    def to_compact_json(self) -> dict[str, Any]:
        """The plan with each per-frame series as its changes only: `[[frame, value], ...]`,
        each value holding from its frame until the next pair (a constant is one pair);
        `diffused` lists the diffused frames."""
        guided = {} if self.guide is None else {"guided_images": {
            "image": changes(self.guide.entry), "blend": changes(self.guide.blend)}}
        audio = {} if self.audio is None else {"audio": self.audio.to_json()}
        return {
            **guided,
            **audio,
            "max_frames": self.max_frames,
            "form": "changes",
            "values": {name: changes(values) for name, values in self.values.items()},
            "seeds": changes(self.seeds),
            "subseeds": changes(self.subseeds),
            "subseed_strengths": changes(self.subseed_strengths),
            "prompts": [[frame, {"positive": pos, "negative": neg}]
                        for frame, (pos, neg) in changes(self.prompts)],
            "diffused": self.diffused_frames().tolist(),
            "sources": dict(self.sources),
        }


def changes(values: np.ndarray | tuple | list) -> list[list[Any]]:
    """`[frame, value]` for frame 0 and every frame whose value differs from the one before."""
    if isinstance(values, np.ndarray):
        if not values.size:
            return []
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
        return [[int(frame), value] for frame, value in zip(starts, values[starts].tolist(),
                                                            strict=True)]
    found: list[list[Any]] = []
    for frame, value in enumerate(values):
        if not found or found[-1][1] != value:
            found.append([frame, value])
    return found


def effective_cadence(settings: Settings) -> int:
    return 1 if settings.animation_mode in NO_CADENCE_MODES else settings.diffusion_cadence


def diffused_mask(max_frames: int, cadence: int) -> np.ndarray:
    """Every cadence-th frame is diffused, and the last frame too, so every frame is written and
    the tweens at the end have a diffused frame on both sides."""
    mask = np.arange(max_frames) % cadence == 0
    mask[-1] = True
    return mask


@dataclass(frozen=True)
class PlanTiming:
    """A run's frame count and frame rate, as its plan will have them."""

    frames: int
    fps: float


def plan_timing(settings: Settings, *, max_frames: int | None = None) -> PlanTiming:
    """The frames and fps `make_plan` gives these settings (a Parseq manifest may set them)."""
    manifest = manifest_of(settings)
    if manifest is not None:
        settings = applied_settings(settings, manifest, video_frames=max_frames)
    frames = max_frames if max_frames is not None else settings.max_frames
    return PlanTiming(frames, settings.fps)


def audio_variables_read(settings: Settings) -> frozenset[str]:
    """The audio variables the settings' number schedules and prompts read."""
    names: set[str] = set()
    for name in SCHEDULE_NAMES:
        if BY_NAME[name].kind == STRING_SCHEDULE:
            continue
        try:
            schedule = parse_schedule(settings[name], setting=name, series=AUDIO_VARIABLE_NAMES)
        except KeyframesError:
            continue  # planning reports it
        names.update(name for keyframe in schedule.keyframes if keyframe.expression is not None
                     for name in keyframe.expression.names_used)
    prompts = [*settings.animation_prompts.values(), settings.animation_prompts_positive,
               settings.animation_prompts_negative]
    names.update(inline_names(prompts))
    return frozenset(names & AUDIO_VARIABLE_NAMES)


def make_plan(
    settings: Settings,
    *,
    max_frames: int | None = None,
    rng: np.random.Generator | None = None,
    audio: AudioFeatures | None = None,
) -> FramePlan:
    """Plan a run. `max_frames` overrides the setting (Video Input uses the video's length);
    `rng` only matters when the seed is -1 and must be resolved. A Parseq manifest (inline in
    the settings) replaces the values it manages. `audio`, analysed at the run's fps for its
    frames (`plan_timing`), gives the audio variables their values; without it a schedule that
    reads one is an error."""
    manifest = manifest_of(settings)
    overridden: list[str] = []
    if manifest is not None:
        overridden = [*run_overrides(settings, manifest, video_frames=max_frames)]
        settings = applied_settings(settings, manifest, video_frames=max_frames)
    seed = resolve_seed(settings.seed, rng=rng)
    settings = settings.replace(seed=seed)
    frames = max_frames if max_frames is not None else settings.max_frames
    if frames != settings.max_frames:
        settings = settings.replace(max_frames=frames)
    variables = _variables(frames, seed, settings.fps, audio)
    managed = (None if manifest is None else
               managed_values(manifest, frames, settings.parseq_use_deltas))

    problems: list[KeyframesError] = []
    warnings: list[str] = [] if manifest is None else list(manifest.warnings)
    values: dict[str, np.ndarray | tuple[str, ...]] = {}
    keyframes: dict[str, tuple[int, ...]] = {}
    for name in SCHEDULE_NAMES:
        if managed is not None and name in managed.values:
            values[name] = managed.values[name]
            keyframes[name] = manifest.keyframes
            continue
        try:
            kind = "string" if BY_NAME[name].kind == STRING_SCHEDULE else "number"
            schedule = parse_schedule(settings[name], setting=name, kind=kind,
                                      series=AUDIO_VARIABLE_NAMES)
            result = schedule.evaluate(variables)
        except KeyframesError as error:
            problems.append(error)
            continue
        values[name] = result.values
        keyframes[name] = result.keyframe_frames
        if applies(settings, name):
            warnings.extend(result.warnings)
            problem = _out_of_range(name, result.values)
            if problem is not None:
                problems.append(problem)

    mask_problems, mask_warnings = check_mask_schedules(settings)
    problems.extend(mask_problems)
    warnings.extend(mask_warnings)

    prompts: list[tuple[str, str]] = []
    prompt_frames: tuple[int, ...] = ()
    try:
        prompts, prompt_frames = _prompts(settings, variables, managed, warnings)
    except KeyframesError as error:
        problems.append(error)

    guide = None
    if settings.use_looper and applies(settings, NAME.use_looper) and not problems:
        try:
            guide, guide_warnings = guide_schedule(settings.init_images, variables, values)
            warnings.extend(guide_warnings)
        except KeyframesError as error:
            problems.append(error)

    if problems:
        raise problems[0] if len(problems) == 1 else KeyframesErrors(problems)

    diffused = diffused_mask(frames, effective_cadence(settings))
    seeds = seed_sequence(
        settings.seed_behavior,
        seed,
        diffused,
        iter_n=settings.seed_iter_N,
        schedule_values=values[NAME.seed_schedule],
    )
    subseeds, strengths = subseed_sequence(
        settings.enable_subseed_scheduling,
        values[NAME.subseed_schedule],
        values[NAME.subseed_strength_schedule],
        seed=seed,
    )
    return FramePlan(
        settings=settings,
        max_frames=frames,
        values=values,
        keyframes=keyframes,
        seeds=seeds,
        subseeds=subseeds,
        subseed_strengths=strengths,
        prompts=tuple(prompts),
        diffused=diffused,
        warnings=tuple(warnings),
        prompt_frames=prompt_frames,
        sources=_sources(managed, overridden),
        guide=guide,
        audio=audio,
    )


def _variables(frames: int, seed: int, fps: float, audio: AudioFeatures | None
               ) -> ScheduleVariables:
    if audio is None:
        return ScheduleVariables(max_frames=frames, seed=seed, fps=fps,
                                 missing_series_hint=NO_AUDIO_HINT)
    if audio.frames != frames or audio.fps != fps:
        raise ValueError(f"audio analysed for {audio.frames} frames at {audio.fps} fps, "
                         f"the plan has {frames} at {fps}")
    return ScheduleVariables(max_frames=frames, seed=seed, fps=fps, series=audio.values)


def _prompts(settings: Settings, variables: ScheduleVariables, managed: Managed | None,
             warnings: list[str]) -> tuple[list[tuple[str, str]], tuple[int, ...]]:
    """Every frame's prompt and the frames where a prompt keyframe sits. A manifest's prompts
    are whole ("positive --neg negative"): the common prompts are not added to them."""
    if managed is not None and managed.prompts is not None:
        keys, _ = parse_animation_prompts(prompt_keys(managed.prompts), variables=variables,
                                          setting=NAME.parseq_manifest)
        prompts = frame_prompts(keys, variables=variables)
        return prompts, tuple(keyframe.frame for keyframe in keys)
    blend = settings.prompt_blending or settings.animation_mode == Mode.INTERPOLATION
    keys, prompt_warnings = parse_animation_prompts(
        settings.animation_prompts, variables=variables, blend=blend
    )
    # The example prompts a new settings object starts with are not the user's to fix.
    if settings.animation_prompts != BY_NAME[NAME.animation_prompts].default:
        warnings.extend(prompt_warnings)
    prompt_frames = tuple(
        keyframe.frame for keyframe in keys if keyframe.frame < variables.max_frames
    )
    prompts = frame_prompts(
        keys,
        variables=variables,
        positive_common=settings.animation_prompts_positive,
        negative_common=settings.animation_prompts_negative,
        blend=blend,
        warnings=warnings,
    )
    return prompts, prompt_frames


def _sources(managed: Managed | None, overridden: list[str]) -> dict[str, str]:
    """The settings a manifest gave values to, each as "parseq"."""
    if managed is None:
        return {}
    names = [*managed.values, *overridden]
    if managed.prompts is not None:
        names.append(NAME.animation_prompts)
    return dict.fromkeys(names, PARSEQ)


def _out_of_range(name: str, values: np.ndarray | tuple[str, ...]) -> ScheduleError | None:
    """The first frame whose value lies outside the setting's declared range, as an error."""
    setting = BY_NAME[name]
    if isinstance(values, tuple) or (setting.minimum is None and setting.maximum is None):
        return None
    low = -np.inf if setting.minimum is None else setting.minimum
    high = np.inf if setting.maximum is None else setting.maximum
    outside = np.flatnonzero((values < low) | (values > high))
    if not outside.size:
        return None
    frame = int(outside[0])
    return ScheduleError(
        f"value {values[frame]:g} is outside the allowed range ({setting.value_range()})",
        setting=name,
        frame=frame,
    )
