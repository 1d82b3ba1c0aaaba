"""What a run folder holds, read without rendering: for listings of earlier runs and jobs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lib_animation.batch_name import safe_folder_name
from lib_animation.errors import KeyframesError
from lib_animation.output.manifest import load_manifest, manifest_path
from lib_animation.output.report import REPORT_JSON, REPORT_PNG
from lib_animation.png_frames import frame_files, frame_name
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
    # The run's own videos, then its upscaled and interpolated ones (`<run>_upscaled_x2.mp4`,
    # `<run>_interpolated_x2.mp4` sort after).
    found = [*folder.glob(f"{folder.name}.*"), *folder.glob(f"{folder.name}_upscaled_x*.*"),
             *folder.glob(f"{folder.name}_*interpolated_x*.*")]
    videos = tuple(sorted(path for path in found if path.suffix in VIDEO_SUFFIXES))
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


def frames_on_disk(folder: Path) -> list[int]:
    """The indices of the frame files in a run folder, in order."""
    return sorted(frame_files(folder))


def frame_path(folder: Path, index: int) -> Path:
    """Where frame `index` of a run lives (whether or not it is made yet)."""
    return Path(folder) / frame_name(index)


def report_image(folder: Path) -> Path | None:
    """The quality report's picture, once the run is finished."""
    path = Path(folder) / REPORT_PNG
    return path if path.is_file() else None


def run_folders(output_dir: Path) -> list[Path]:
    """Every run folder (one holding its settings) directly inside `output_dir`."""
    root = Path(output_dir)
    if not root.is_dir():
        return []
    return [entry for entry in root.iterdir()
            if entry.is_dir() and (entry / SETTINGS_NAME).is_file()]


def named_run_folder(output_dir: Path, name: str) -> Path | None:
    """The run folder called `name` inside `output_dir`; None for any other name (a path, `..`,
    a name no run folder could have)."""
    if not name or safe_folder_name(name) != name:
        return None
    folder = Path(output_dir) / name
    return folder if (folder / SETTINGS_NAME).is_file() else None
