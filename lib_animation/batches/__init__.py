"""Batches and sweeps over the run service: a batch file or a list of settings files and
presets, a sweep of values crossed or paired into items, each item one ordinary run in the
batch folder, checked all together before the first frame; a summary and a contact sheet at
the end. Runs go to one worker per host here, or to a Ray cluster (`ray_executor`, imported
only when asked for)."""

from lib_animation.batches.batch_file import (
    BatchSpec,
    bases_from_sources,
    batch_from_data,
    is_batch_file,
    load_batch_file,
    unique_label,
)
from lib_animation.batches.contact_sheet import CONTACT_SHEET, write_contact_sheet
from lib_animation.batches.execute import (
    FAILED,
    FINISHED,
    INTERRUPTED,
    NOT_RUN,
    SKIPPED,
    RunOutcome,
    Worker,
    check_items,
    render_item,
    run_on_workers,
)
from lib_animation.batches.folder import (
    BATCH_FILE,
    batch_folders,
    create_batch_folder,
    load_workers,
    named_batch_folder,
    open_batch_folder,
    save_workers,
)
from lib_animation.batches.items import BaseSettings, BatchItem, expand
from lib_animation.batches.summary import (
    SUMMARY_JSON,
    SUMMARY_TEXT,
    batch_summary,
    summary_text,
    write_summary,
)
from lib_animation.batches.sweep import (
    GRID,
    ZIP,
    Sweep,
    checked_sweep,
    parse_sweep_option,
    sweep_from_data,
)

__all__ = [
    "BATCH_FILE",
    "CONTACT_SHEET",
    "FAILED",
    "FINISHED",
    "GRID",
    "INTERRUPTED",
    "NOT_RUN",
    "SKIPPED",
    "SUMMARY_JSON",
    "SUMMARY_TEXT",
    "ZIP",
    "BaseSettings",
    "BatchItem",
    "BatchSpec",
    "RunOutcome",
    "Sweep",
    "Worker",
    "bases_from_sources",
    "batch_folders",
    "batch_from_data",
    "batch_summary",
    "check_items",
    "checked_sweep",
    "create_batch_folder",
    "expand",
    "is_batch_file",
    "load_batch_file",
    "load_workers",
    "named_batch_folder",
    "open_batch_folder",
    "parse_sweep_option",
    "render_item",
    "run_on_workers",
    "save_workers",
    "summary_text",
    "unique_label",
    "sweep_from_data",
    "write_contact_sheet",
    "write_summary",
]
