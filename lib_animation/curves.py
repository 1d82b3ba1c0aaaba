"""Plot a FramePlan's schedules: one panel per schedule that changes, keyframes marked; under
them, when the run has analysed audio, its waveform and one lane per audio variable, beats
marked."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from lib_animation.audio import LEVEL_NAMES, AudioFeatures
from lib_animation.plan import FramePlan
from lib_animation.schema import BY_NAME, NAME, applies

PANEL_HEIGHT = 1.6
LANE_HEIGHT = 0.8
FIGURE_WIDTH = 10.0
WAVEFORM = "waveform"


def changing_schedules(plan: FramePlan) -> list[str]:
    """Schedules the run uses whose value is not the same on every frame, in declaration
    order."""
    names = []
    for name, values in plan.values.items():
        if not applies(plan.settings, name):
            continue
        if isinstance(values, tuple):
            if len(set(values)) > 1:
                names.append(name)
        elif values.size and not np.all(values == values[0]):
            names.append(name)
    return names


def curve_label(plan: FramePlan, name: str) -> str:
    """A schedule's label on a plot; values from a Parseq manifest say so."""
    label = BY_NAME[name].label.replace(" schedule", "")
    return f"{label}\n(Parseq)" if plan.from_manifest(name) else label


def plot_curves(plan: FramePlan, path: str | os.PathLike[str]) -> Path:
    """Write a PNG with one panel per changing schedule; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    names = changing_schedules(plan) or [NAME.strength_schedule]
    lanes = audio_lanes(plan.audio)
    frames = np.arange(plan.max_frames)
    heights = [PANEL_HEIGHT] * len(names) + [LANE_HEIGHT] * len(lanes)
    figure, axes = pyplot.subplots(
        len(heights), 1, sharex=True, squeeze=False,
        figsize=(FIGURE_WIDTH, max(2.5, sum(heights) + 0.8)),
        gridspec_kw={"height_ratios": heights},
    )  # fmt: skip
    for axis, name in zip(axes[: len(names), 0], names, strict=True):
        _plot_one(axis, name, frames, plan)
    for axis, lane in zip(axes[len(names):, 0], lanes, strict=True):
        _plot_lane(axis, lane, frames, plan.audio)
    axes[-1, 0].set_xlabel("frame")
    mode = plan.settings.animation_mode
    figure.suptitle(f"Keyframes schedules ({plan.max_frames} frames, {mode})")
    figure.tight_layout()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=100)
    pyplot.close(figure)
    return target


def _plot_one(axis, name: str, frames: np.ndarray, plan: FramePlan) -> None:
    values = plan.values[name]
    if isinstance(values, tuple):
        labels = sorted(set(values), key=values.index)
        numeric = np.array([labels.index(v) for v in values])
        axis.step(frames, numeric, where="post", color="tab:purple")
        axis.set_yticks(range(len(labels)), labels, fontsize=7)
    else:
        axis.plot(frames, values, color="tab:blue", linewidth=1.2)
        numeric = values
    keys = [k for k in plan.keyframes.get(name, ()) if k < plan.max_frames]
    axis.plot(keys, numeric[keys], "o", color="tab:red", markersize=4, label="keyframe")
    axis.set_ylabel(curve_label(plan, name), rotation=0, ha="right", va="center", fontsize=8)
    axis.grid(alpha=0.3)


def audio_lanes(audio: AudioFeatures | None) -> list[str]:
    """The lanes drawn under the schedules: the waveform, then each 0..1 audio variable."""
    return [] if audio is None else [WAVEFORM, *LEVEL_NAMES]


def lane_label(audio: AudioFeatures, lane: str) -> str:
    if lane == WAVEFORM:
        return f"waveform\n({audio.tempo_bpm:.1f} BPM)"
    return lane


def lane_values(audio: AudioFeatures, lane: str) -> np.ndarray:
    return audio.envelope if lane == WAVEFORM else audio.values[lane]


def _plot_lane(axis, lane: str, frames: np.ndarray, audio: AudioFeatures) -> None:
    values = lane_values(audio, lane)
    if lane == WAVEFORM:
        axis.fill_between(frames, -values, values, color="tab:gray", linewidth=0)
        axis.set_ylim(-1.05, 1.05)
    else:
        axis.fill_between(frames, 0, values, color="tab:green", alpha=0.5, linewidth=0)
        axis.set_ylim(0, 1.05)
    for beat in audio.beat_frames:
        axis.axvline(beat, color="tab:orange", linewidth=0.6, alpha=0.8)
    axis.set_yticks([])
    axis.set_ylabel(lane_label(audio, lane), rotation=0, ha="right", va="center", fontsize=8)
