"""What a run's frames were made from: `origin.json` in the run folder.

`settings.json` beside it is the user's to read and edit; `origin.json` keeps the settings and
the host (kind and address, never a login) the frames on disk were made with. A resume compares
the two, so an edit either continues consistently or is refused with one line:

- a new `max_frames` (or a change to how the video is written) continues: a longer run renders
  on, a shorter one finishes at the new length, and frames from the first one the new plan
  makes differently (a schedule using `max_f`, the last frame that is now diffused) are made
  again;
- any other change is refused, naming the setting, since the frames already made would not
  match the new ones.

A resume with another host than the recorded one is refused unless asked for.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lib_animation.atomic_files import write_text_atomic
from lib_animation.errors import KeyframesError, RenderError
from lib_animation.plan import FramePlan
from lib_animation.schema import NAME, SETTINGS, Settings
from lib_animation.settings_files import (
    MAX_FILE_BYTES,
    parse_json,
    read_regular_file,
    settings_from_data,
)

ORIGIN_NAME = "origin.json"
ORIGIN_FORMAT = "keyframes-run-origin"
ORIGIN_VERSION = 1
# Settings a resume may change: the length, and what only the video and report use.
MAY_CHANGE = frozenset(
    {NAME.max_frames, NAME.batch_name, NAME.resume_from_timestring, NAME.resume_timestring}
    | {setting.name for setting in SETTINGS
       if setting.group == "output" and setting.name != NAME.save_depth_maps}
)
HostIdentity = dict[str, str]


@dataclass(frozen=True)
class Origin:
    settings: Settings
    host: HostIdentity | None  # None: a folder made without a host (nothing to compare)


def host_identity(host: object) -> HostIdentity:
    """What a run records of its host: its kind and, for the WebUI over HTTP, its address
    without any login in it."""
    identity = getattr(host, "identity", None)
    if callable(identity):
        found = identity()
        return {str(key): str(value) for key, value in dict(found).items()}
    return {"kind": type(host).__name__}


def describe_host(identity: Mapping[str, str]) -> str:
    url = identity.get("url")
    return f"the {identity.get('kind', '?')} host" + (f" at {url}" if url else "")


def save_origin(folder: Path, settings: Settings, host: HostIdentity | None) -> Path:
    document: dict[str, Any] = {"format": ORIGIN_FORMAT, "version": ORIGIN_VERSION,
                                "host": host, "settings": settings.to_dict()}
    try:
        return write_text_atomic(Path(folder) / ORIGIN_NAME,
                                 json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    except OSError as error:
        raise RenderError(f"cannot write {Path(folder) / ORIGIN_NAME}: "
                          f"{error.strerror or error}") from None


def load_origin(folder: Path) -> Origin | None:
    """The folder's record, or None for a folder that has none."""
    path = Path(folder) / ORIGIN_NAME
    if not path.exists() and not path.is_symlink():
        return None
    source = str(path)
    try:
        raw = read_regular_file(path, 2 * MAX_FILE_BYTES, what="a run's origin record")
        data = parse_json(raw.decode("utf-8"), source=source)
        if not isinstance(data, dict) or data.get("format") != ORIGIN_FORMAT:
            raise RenderError("not a Keyframes run origin record", source=source)
        if data.get("version") != ORIGIN_VERSION:
            raise RenderError(f"unknown version {data.get('version')!r}", source=source)
        host = data.get("host")
        if host is not None and not (isinstance(host, dict) and all(
                isinstance(key, str) and isinstance(value, str) for key, value in host.items())):
            raise RenderError("'host' must be an object of strings", source=source)
        settings = settings_from_data(data.get("settings"), source=source).settings
    except UnicodeDecodeError:
        raise RenderError("not UTF-8 text", source=source) from None
    except KeyframesError as error:
        raise RenderError(f"the run's record of what its frames were made from is damaged "
                          f"({error})", hint="start a new run from its settings.json") from None
    return Origin(settings, host)


def check_host(origin: Origin | None, host: HostIdentity, *, other_host: bool) -> None:
    if origin is None or origin.host is None or origin.host == host or other_host:
        return
    raise RenderError(
        f"this run was rendered with {describe_host(origin.host)}, not {describe_host(host)}",
        hint="resume it with the same host, or ask for another one (render --resume RUN "
        "--other-host); frames from another host will not match the earlier ones",
    )


def check_settings(origin: Origin | None, now: Settings, source: str) -> None:
    """Refuse a resume whose settings changed in a way the frames on disk cannot follow."""
    if origin is None:
        return
    before = origin.settings.to_dict()
    after = now.to_dict()
    for setting in SETTINGS:
        name = setting.name
        if name in MAY_CHANGE or before[name] == after[name]:
            continue
        raise RenderError(
            f"{name} changed from {_short(before[name])} to {_short(after[name])} since the run "
            "started; its frames were made with the earlier value",
            source=source,
            hint="put the value back to resume, or render the edited settings file as a new "
            "run",
        )


def first_difference(before: FramePlan, after: FramePlan) -> int:
    """The first frame the two plans make differently (per-frame values, seeds, prompts,
    which frames are diffused); the shorter length when they agree on every shared frame."""
    shared = min(before.max_frames, after.max_frames)
    first = shared
    pairs: list[tuple[Any, Any]] = [
        (before.seeds, after.seeds), (before.subseeds, after.subseeds),
        (before.subseed_strengths, after.subseed_strengths), (before.diffused, after.diffused),
    ]
    pairs += [(values, after.values.get(name)) for name, values in before.values.items()]
    for old, new in pairs:
        if new is None:
            return 0
        if isinstance(old, tuple) or isinstance(new, tuple):
            differ = [i for i in range(shared) if old[i] != new[i]]
            first = min(first, differ[0]) if differ else first
        else:
            differ = np.flatnonzero(np.asarray(old[:shared]) != np.asarray(new[:shared]))
            first = min(first, int(differ[0])) if differ.size else first
    differ = [i for i in range(shared) if before.prompts[i] != after.prompts[i]]
    return min(first, differ[0]) if differ else first


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
