"""What a run folder holds, read without rendering: for listings of earlier runs and jobs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lib_animation.errors import KeyframesError
from lib_animation.output.manifest import load_manifest, manifest_path
from lib_animation.output.report import REPORT_JSON
from lib_animation.png_frames import frame_files
from lib_animation.runs.folder import SETTINGS_NAME

VIDEO_SUFFIXES = (".mp4", ".webm", ".gif")


@dataclass(frozen=True)
class RunState:
    folder: Path
    status: str  # "new", "running", "interrupted", "finished", "failed" or "damaged"
    frames_done: int  # frame files on disk (a resume checks each one is whole)
    total_frames: int | None
    videos: tuple[Path, ...]
    report: Path | None
    updated_at: str | None
    problem: str | None = None  # why the folder cannot be read, for "damaged"

    @property
    def resumable(self) -> bool:
        return self.status in ("running", "interrupted", "failed") and bool(self.total_frames)


def read_run_state(folder: Path) -> RunState:
    """The state recorded in the folder's manifest and the files beside it. A run whose process
    died mid-render still says "running"; the caller knows whether it is rendering it."""
    folder = Path(folder)
    videos = tuple(sorted(path for path in folder.glob(f"{folder.name}.*")
                          if path.suffix in VIDEO_SUFFIXES))
    report = folder / REPORT_JSON
    report_path = report if report.is_file() else None
    if not (folder / SETTINGS_NAME).is_file():
        return RunState(folder, "damaged", 0, None, videos, report_path, None,
                        problem=f"no {SETTINGS_NAME}")
    if not manifest_path(folder).is_file():
        return RunState(folder, "new", 0, None, videos, report_path, None)
    try:
        manifest = load_manifest(folder)
    except KeyframesError as error:
        return RunState(folder, "damaged", 0, None, videos, report_path, None, problem=str(error))
    # Listing many runs must not read every frame: frames only ever get their final name whole.
    done = sum(1 for index in frame_files(folder) if index < manifest.total_frames)
    return RunState(folder, manifest.status, done, manifest.total_frames, videos, report_path,
                    manifest.updated_at)
