"""The tab's plot of the plan: one panel per schedule that changes over the run (and the field
being edited, highlighted, even when it is constant), keyframes marked, prompt keyframes as
vertical lines; under them, with analysed audio, the waveform and the audio variables, beats
marked. Drawn on a private matplotlib Figure, so plots of several users never mix."""

from __future__ import annotations

import re
from pathlib import PurePath

import numpy as np

from lib_animation.curves import (
    audio_lanes,
    changing_schedules,
    curve_label,
    lane_label,
    lane_values,
)
from lib_animation.plan import FramePlan
from lib_animation.schema import NAME, applies

MAX_PANELS = 8
PANEL_HEIGHT = 1.05
LANE_HEIGHT = 0.5
WIDTH = 6.0
HIGHLIGHT = "#fff3d6"
_BRACKETED = re.compile(r"\[([^\]]*)\]")  # a mask file named in a mask expression


def plotted_schedules(plan: FramePlan, edited: str | None = None) -> list[str]:
    """The schedules the plot shows: the edited one first, then those that change."""
    names = changing_schedules(plan)
    if edited in plan.values and applies(plan.settings, edited):
        names = [edited] + [name for name in names if name != edited]
    if not names:
        names = [NAME.strength_schedule if applies(plan.settings, NAME.strength_schedule)
                 else NAME.cfg_scale_schedule]
    return names[:MAX_PANELS]


def plot_plan(plan: FramePlan, edited: str | None = None) -> np.ndarray:
    """The plot as an RGB image."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = plotted_schedules(plan, edited)
    lanes = audio_lanes(plan.audio)
    heights = [PANEL_HEIGHT] * len(names) + [LANE_HEIGHT] * len(lanes)
    figure = Figure(figsize=(WIDTH, 0.7 + sum(heights)), dpi=100)
    canvas = FigureCanvasAgg(figure)
    axes = figure.subplots(len(heights), 1, sharex=True, squeeze=False,
                           gridspec_kw={"height_ratios": heights})[:, 0]
    frames = np.arange(plan.max_frames)
    prompt_frames = [f for f in plan.prompt_frames if 0 < f < plan.max_frames]
    for axis, lane in zip(axes[len(names):], lanes, strict=True):
        _lane(axis, lane, frames, plan)
    for axis, name in zip(axes[: len(names)], names, strict=True):
        _panel(axis, name, frames, plan, highlighted=name == edited)
        for frame in prompt_frames:
            axis.axvline(frame, color="tab:green", alpha=0.35, linewidth=0.8)
    axes[-1].set_xlabel("frame (green lines: prompt keyframes)", fontsize=8)
    axes[-1].set_xlim(0, max(1, plan.max_frames - 1))
    figure.subplots_adjust(left=0.2, right=0.98, top=0.98,
                           bottom=0.45 / (0.7 + sum(heights)) + 0.02, hspace=0.12)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def _panel(axis, name: str, frames: np.ndarray, plan: FramePlan, *, highlighted: bool) -> None:
    values = plan.values[name]
    if isinstance(values, tuple):
        labels = sorted(set(values), key=values.index)
        numeric = np.array([labels.index(v) for v in values])
        axis.step(frames, numeric, where="post", color="tab:purple", linewidth=1.4)
        axis.set_yticks(range(len(labels)), [_short(label) for label in labels], fontsize=7)
        _labels_inside(axis)
    else:
        numeric = np.asarray(values, dtype=float)
        axis.plot(frames, numeric, color="tab:orange" if highlighted else "tab:blue",
                  linewidth=2.0 if highlighted else 1.2)
        axis.tick_params(axis="y", labelsize=7)
    keys = [k for k in plan.keyframes.get(name, ()) if k < plan.max_frames]
    axis.plot(keys, numeric[keys], "o", color="tab:red", markersize=3.5)
    axis.set_ylabel(curve_label(plan, name), rotation=0, ha="right",
                    va="center", fontsize=8, fontweight="bold" if highlighted else "normal")
    axis.tick_params(axis="x", labelsize=7)
    axis.grid(alpha=0.3)
    if highlighted:
        axis.set_facecolor(HIGHLIGHT)


def _lane(axis, lane: str, frames: np.ndarray, plan: FramePlan) -> None:
    """An audio lane: the waveform (mirrored) or a 0..1 variable, beats as orange lines."""
    values = lane_values(plan.audio, lane)
    low = -values if lane == audio_lanes(plan.audio)[0] else np.zeros_like(values)
    axis.fill_between(frames, low, values, color="tab:gray", alpha=0.6, linewidth=0)
    for beat in plan.audio.beat_frames:
        axis.axvline(beat, color="tab:orange", linewidth=0.6, alpha=0.8)
    axis.set_yticks([])
    axis.set_ylabel(lane_label(plan.audio, lane), rotation=0, ha="right", va="center", fontsize=7)


def _labels_inside(axis) -> None:
    """A text schedule's values are written inside its panel, so the panel's name keeps the
    room at its left."""
    axis.tick_params(axis="y", direction="in", pad=-4)
    for label in axis.get_yticklabels():
        label.set_horizontalalignment("left")
        label.set_bbox({"facecolor": "white", "alpha": 0.75, "edgecolor": "none", "pad": 1})
    low, high = axis.get_ylim()
    axis.set_ylim(low - 0.15, high + 0.15)


def _short(text: str) -> str:
    """A text value as the plot shows it: files in brackets by their name only, at most 28
    characters."""
    text = _BRACKETED.sub(lambda match: f"[{PurePath(match.group(1)).name}]", text)
    return text if len(text) <= 28 else text[:26] + "…"
