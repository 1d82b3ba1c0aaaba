"""The batch folder: the batch file it runs, one run folder per item, a summary and a contact
sheet. Everything a resume needs is in it."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from lib_animation.atomic_files import write_text_atomic
from lib_animation.batch_name import run_folder, safe_folder_name
from lib_animation.batches.batch_file import BatchSpec, load_batch_file
from lib_animation.errors import RenderError
from lib_animation.runs.folder import new_numbered_folder

BATCH_FILE = "batch.json"
WORKERS_FILE = "workers.json"  # the hosts a batch was started with, for its resume
SHARED_MARKER = ".keyframes-batch"  # a worker that reads this token writes here directly


def create_batch_folder(spec: BatchSpec, output_dir: Path, name: str | None = None) -> Path:
    """A new batch folder inside `output_dir` (`batch_<time>`, or `name`), holding the
    expanded batch file; `_2`, `_3`, ... is appended rather than reuse a folder."""
    stem = safe_folder_name(name or f"batch_{datetime.now():%Y%m%d%H%M%S}")
    folder = new_numbered_folder(run_folder(Path(output_dir), stem), "batch")
    write_text_atomic(folder / BATCH_FILE,
                      json.dumps(spec.to_json(), indent=2, ensure_ascii=False) + "\n")
    return folder


def open_batch_folder(folder: Path) -> BatchSpec:
    """The batch a batch folder records (RenderError when it is not one)."""
    folder = Path(folder)
    if not (folder / BATCH_FILE).is_file():
        raise RenderError(f"{folder} is not a Keyframes batch folder (no {BATCH_FILE})",
                          hint="give the folder `batch` printed when it started")
    return load_batch_file(folder / BATCH_FILE)


def named_batch_folder(output_dir: Path, name: str) -> Path | None:
    """The batch folder called `name` inside `output_dir`; None for any other name (a path,
    `..`, a name no batch folder could have)."""
    if not name or safe_folder_name(name) != name:
        return None
    folder = Path(output_dir) / name
    return folder if (folder / BATCH_FILE).is_file() else None


def batch_folders(output_dir: Path) -> list[Path]:
    """Every batch folder directly inside `output_dir`."""
    root = Path(output_dir)
    if not root.is_dir():
        return []
    return sorted(entry for entry in root.iterdir() if (entry / BATCH_FILE).is_file())


def shared_token(folder: Path) -> str:
    """A fresh token in the batch folder: a worker that finds it there shares the folder."""
    token = secrets.token_hex(16)
    write_text_atomic(Path(folder) / SHARED_MARKER, token)
    return token


def shares_folder(folder: Path, token: str) -> bool:
    """Whether this machine sees the batch folder the driver wrote `token` into."""
    try:
        return (Path(folder) / SHARED_MARKER).read_text(encoding="utf-8") == token
    except OSError:
        return False


def save_workers(folder: Path, workers: dict[str, Any]) -> None:
    write_text_atomic(Path(folder) / WORKERS_FILE, json.dumps(workers) + "\n")


def load_workers(folder: Path) -> dict[str, Any] | None:
    """The hosts the batch was started with (None when the folder does not say)."""
    try:
        data = json.loads((Path(folder) / WORKERS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
