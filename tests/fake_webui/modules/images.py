"""Image helpers: saving with the parameters in the PNG (and the save callbacks), grids and the
img2img resize modes."""

from __future__ import annotations

import math
import re
from pathlib import Path

from modules import script_callbacks, shared
from PIL import Image, PngImagePlugin

LANCZOS = Image.Resampling.LANCZOS if hasattr(Image, "Resampling") else Image.LANCZOS


def image_grid(imgs, batch_size=1, rows=None):
    if rows is None:
        rows = max(1, round(math.sqrt(len(imgs)))) if batch_size == 1 else batch_size
    cols = math.ceil(len(imgs) / rows)
    params = script_callbacks.ImageGridLoopParams(imgs, cols, rows)
    script_callbacks.image_grid_callback(params)
    w, h = imgs[0].size
    grid = Image.new("RGB", size=(params.cols * w, params.rows * h), color="black")
    for i, img in enumerate(params.imgs):
        grid.paste(img, box=(i % params.cols * w, i // params.cols * h))
    return grid


def resize_image(resize_mode, im, width, height, upscaler_name=None):
    """0: stretch; 1: crop to fill; 2: fit and fill the rest with stretched edges."""
    if resize_mode == 0 or im.size == (width, height):
        return im.resize((width, height), LANCZOS)
    scale = width / im.width, height / im.height
    factor = max(scale) if resize_mode == 1 else min(scale)
    size = max(1, round(im.width * factor)), max(1, round(im.height * factor))
    scaled = im.resize(size, LANCZOS)
    canvas = Image.new("RGB", (width, height))
    if resize_mode != 1:
        canvas.paste(im.resize((width, height), LANCZOS))
    canvas.paste(scaled, ((width - size[0]) // 2, (height - size[1]) // 2))
    return canvas


def flatten(img, bgcolor):
    if img.mode == "RGBA":
        background = Image.new("RGBA", img.size, bgcolor)
        background.paste(img, mask=img)
        img = background
    return img.convert("RGB")


def sanitize_filename_part(text, replace_spaces=True):
    if text is None:
        return None
    if replace_spaces:
        text = text.replace(" ", "_")
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", text)[:128].strip(" .")


def get_next_sequence_number(path, basename):
    """The number after the highest ``NNNNN-`` prefix of the files in ``path``."""
    numbers = [int(m.group(1)) for p in Path(path).iterdir()
               if (m := re.match(r"(\d+)-", p.name[len(basename):].lstrip("-")))]
    return max(numbers, default=-1) + 1


def save_image(image, path, basename, seed=None, prompt=None, extension='png', info=None, short_filename=False, no_prompt=False, grid=False, pnginfo_section_name='parameters', p=None, existing_info=None, forced_filename=None, suffix="", save_to_dirs=None):  # noqa: E501  (the host's signature)
    """Saves ``image`` as ``[basename-]NNNNN-<seed><suffix>.<extension>`` in ``path`` with the
    infotext in the PNG; returns (file name, text file name or None)."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    if forced_filename is None:
        number = get_next_sequence_number(folder, basename)
        stem = "-".join(x for x in (basename, f"{number:05}", str(seed) if seed is not None
                                    else "") if x) + suffix
    else:
        stem = forced_filename
    pnginfo = dict(existing_info or {})
    if info is not None:
        pnginfo[pnginfo_section_name] = info
    params = script_callbacks.ImageSaveParams(image, p, str(folder / f"{stem}.{extension}"),
                                              pnginfo)
    script_callbacks.before_image_saved_callback(params)
    fullfn = params.filename
    if Path(fullfn).suffix.lower() == ".png":
        meta = PngImagePlugin.PngInfo()
        if shared.opts.enable_pnginfo:
            for key, value in params.pnginfo.items():
                meta.add_text(key, str(value))
        params.image.save(fullfn, pnginfo=meta)
    else:
        params.image.convert("RGB").save(fullfn)
    txt_fullfn = None
    if shared.opts.save_txt and info is not None:
        txt_fullfn = str(Path(fullfn).with_suffix(".txt"))
        Path(txt_fullfn).write_text(f"{info}\n", encoding="utf8")
    script_callbacks.image_saved_callback(params)
    return fullfn, txt_fullfn
