"""Plot a FramePlan's schedules: one panel per schedule that changes, keyframes marked."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from lib_animation.plan import FramePlan
from lib_animation.schema import BY_NAME, NAME, applies

PANEL_HEIGHT = 1.6
FIGURE_WIDTH = 10.0


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
    frames = np.arange(plan.max_frames)
    figure, axes = pyplot.subplots(
        len(names), 1, sharex=True, squeeze=False,
        figsize=(FIGURE_WIDTH, max(2.5, PANEL_HEIGHT * len(names) + 0.8)),
    )  # fmt: skip
    for axis, name in zip(axes[:, 0], names, strict=True):
        _plot_one(axis, name, frames, plan)
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
