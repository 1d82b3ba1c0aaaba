"""The contact sheet: the first, middle and last frame of each run in a row, labelled with the
values that run varies, as one PNG to glance at."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from lib_animation.atomic_files import write_atomic
from lib_animation.batches.items import BatchItem
from lib_animation.runs import frame_path, frames_on_disk, read_run_state

CONTACT_SHEET = "contact-sheet.png"
THUMB_WIDTH = 160
PAD = 8
LABEL_HEIGHT = 16
CHARACTER_WIDTH = 6  # the default bitmap font
BACKGROUND = (24, 24, 24)
TEXT = (235, 235, 235)
MISSING = (64, 64, 64)


def picked_frames(total: int) -> list[int]:
    """First, middle and last frame indices of a run of `total` frames (fewer when short)."""
    return sorted({0, (total - 1) // 2, total - 1}) if total > 0 else []


def write_contact_sheet(batch_folder: Path, items: Sequence[BatchItem]) -> Path:
    """One row per item: its label, then its first, middle and last frame (grey where the run
    has not made that frame)."""
    rows = [_row(Path(batch_folder) / item.name) for item in items]
    thumb_height = max((image.height for row in rows for image in row if image is not None),
                       default=THUMB_WIDTH * 9 // 16)
    width = 3 * THUMB_WIDTH + 4 * PAD
    row_height = LABEL_HEIGHT + thumb_height + PAD
    sheet = Image.new("RGB", (width, PAD + row_height * len(rows)), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    limit = (width - 2 * PAD) // CHARACTER_WIDTH
    for number, (item, row) in enumerate(zip(items, rows, strict=True)):
        top = PAD + number * row_height
        label = f"{item.name.split('_', 1)[0]}  {item.label()}"
        label = label.encode("latin-1", "replace").decode("latin-1")  # the bitmap font's
        draw.text((PAD, top + 2), label if len(label) <= limit else label[:limit - 3] + "...",
                  fill=TEXT, font=font)
        for column, image in enumerate(row):
            left = PAD + column * (THUMB_WIDTH + PAD)
            if image is None:
                draw.rectangle((left, top + LABEL_HEIGHT, left + THUMB_WIDTH - 1,
                                top + LABEL_HEIGHT + thumb_height - 1), fill=MISSING)
            else:
                sheet.paste(image, (left, top + LABEL_HEIGHT))
    target = Path(batch_folder) / CONTACT_SHEET
    buffer = BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)
    return write_atomic(target, buffer.getvalue())


def _row(folder: Path) -> list[Image.Image | None]:
    on_disk = set(frames_on_disk(folder)) if folder.is_dir() else set()
    total = _total_frames(folder, on_disk)
    row: list[Image.Image | None] = []
    for index in picked_frames(total):
        row.append(_thumbnail(frame_path(folder, index)) if index in on_disk else None)
    return row + [None] * (3 - len(row))


def _total_frames(folder: Path, on_disk: set[int]) -> int:
    if not folder.is_dir():
        return 0
    state = read_run_state(folder)
    return state.total_frames or (max(on_disk) + 1 if on_disk else 0)


def _thumbnail(path: Path) -> Image.Image | None:
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
    except OSError:
        return None
    height = max(1, round(image.height * THUMB_WIDTH / image.width))
    return image.resize((THUMB_WIDTH, height), Image.LANCZOS)
