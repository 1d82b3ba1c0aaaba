"""The batch's summary: each run's varied values, state, frames, time and video, as JSON for
tools and as a table to read, both written into the batch folder."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lib_animation.atomic_files import write_text_atomic
from lib_animation.batches.execute import RunOutcome
from lib_animation.batches.items import BatchItem
from lib_animation.runs import read_run_state

SUMMARY_JSON = "summary.json"
SUMMARY_TEXT = "summary.txt"


def batch_summary(batch_folder: Path, items: Sequence[BatchItem],
                  outcomes: Mapping[str, RunOutcome]) -> dict[str, Any]:
    """Each item as its run folder holds it now, with what this session did to it."""
    runs = []
    for item in items:
        folder = Path(batch_folder) / item.name
        state = read_run_state(folder) if folder.is_dir() else None
        outcome = outcomes.get(item.name)
        runs.append({
            "name": item.name,
            "varied": dict(item.varied),
            "state": state.status if state else "not started",
            "frames": state.frames_done if state else 0,
            "total_frames": (state.total_frames if state else None) or 0,
            "videos": [path.name for path in state.videos] if state else [],
            "this_session": outcome.status if outcome else None,
            "elapsed_s": round(outcome.elapsed_s, 2) if outcome else None,
            "worker": outcome.worker if outcome else None,
            "resumed": outcome.resumed if outcome else False,
            "error": outcome.error if outcome else None,
        })
    finished = sum(1 for run in runs if run["state"] == "finished")
    return {"batch": Path(batch_folder).name, "runs": runs, "finished": finished,
            "total": len(runs)}


def write_summary(batch_folder: Path, summary: Mapping[str, Any]) -> tuple[Path, Path]:
    folder = Path(batch_folder)
    data = write_text_atomic(folder / SUMMARY_JSON,
                             json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    text = write_text_atomic(folder / SUMMARY_TEXT, summary_text(summary))
    return data, text


def summary_text(summary: Mapping[str, Any]) -> str:
    runs = summary["runs"]
    lines = [f"batch {summary['batch']}: {summary['finished']} of {summary['total']} runs "
             "finished", ""]
    width = max((len(run["name"]) for run in runs), default=4)
    lines.append(f"{'run':<{width}}  {'state':<12} {'frames':>9}  {'time':>8}  worker")
    for run in runs:
        frames = f"{run['frames']}/{run['total_frames']}"
        elapsed = "" if run["elapsed_s"] is None else f"{run['elapsed_s']:.1f} s"
        state = run["state"] + (" (resumed)" if run["resumed"] else "")
        lines.append(f"{run['name']:<{width}}  {state:<12} {frames:>9}  {elapsed:>8}  "
                     f"{run['worker'] or ''}".rstrip())
        if run["error"]:
            lines.append(f"{'':<{width}}  error: {run['error']}")
    return "\n".join(lines) + "\n"
