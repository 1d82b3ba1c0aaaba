"""Run folders: where one render's settings, manifest, frames, video and report live.

A run folder holds `settings.json` with everything resolved that a render needs to be repeated
(the seed picked for -1, the frame count of an input video), so `render --resume DIR` needs
nothing but the folder.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from lib_animation.batch_name import fill_batch_name, run_folder
from lib_animation.errors import RenderError
from lib_animation.plan import FramePlan
from lib_animation.runs.record import HostIdentity, save_origin
from lib_animation.schema import Settings
from lib_animation.settings_files import load_settings, save_settings

SETTINGS_NAME = "settings.json"
MAX_NAME_ATTEMPTS = 1000


def timestring(moment: datetime | None = None) -> str:
    return (moment or datetime.now()).strftime("%Y%m%d%H%M%S")


def create_run_folder(plan: FramePlan, output_dir: Path, *, stamp: str | None = None,
                      host: HostIdentity | None = None) -> Path:
    """Make a new, empty run folder for `plan` inside `output_dir` and save its settings, with
    the record of what its frames are made from (the settings and `host`).

    The name comes from `batch_name`; if that folder exists, `_2`, `_3`, ... is appended, so an
    earlier run is never overwritten.
    """
    name = fill_batch_name(plan.settings.batch_name, plan.settings, stamp or timestring())
    folder = new_numbered_folder(run_folder(Path(output_dir), name), "run")
    save_settings(plan.settings, folder / SETTINGS_NAME)
    save_origin(folder, plan.settings, host)
    return folder


def new_numbered_folder(base: Path, what: str) -> Path:
    """Make `base`, or `base_2`, `base_3`, ... when it exists: never an earlier folder."""
    for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
        folder = base if attempt == 1 else base.with_name(f"{base.name}_{attempt}")
        try:
            folder.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            continue
        except OSError as error:
            raise RenderError(f"cannot create the {what} folder {folder}: "
                              f"{error.strerror or error}") from None
        return folder
    raise RenderError(f"too many {what}s named {base.name} in {base.parent}")


def find_run_folder(settings: Settings, output_dir: Path, stamp: str) -> Path | None:
    """The run folder that `settings` made at `stamp` (its timestring) inside `output_dir`: the
    folder its batch name gives, else the only run folder whose name holds the stamp."""
    folder = run_folder(Path(output_dir), fill_batch_name(settings.batch_name, settings, stamp))
    if (folder / SETTINGS_NAME).is_file():
        return folder
    if not Path(output_dir).is_dir():
        return None
    found = [entry for entry in Path(output_dir).iterdir()
             if stamp in entry.name and (entry / SETTINGS_NAME).is_file()]
    return found[0].resolve() if len(found) == 1 else None


def load_run_settings(folder: Path) -> Settings:
    folder = Path(folder)
    if not folder.exists():
        raise RenderError("no such run folder", source=str(folder),
                          hint="give the folder a render made")
    if not folder.is_dir():
        raise RenderError(f"{folder} is not a run folder but a file")
    path = folder / SETTINGS_NAME
    if not path.is_file():
        raise RenderError(f"{folder} is not a Keyframes run folder (no {SETTINGS_NAME})")
    return load_settings(path).settings
