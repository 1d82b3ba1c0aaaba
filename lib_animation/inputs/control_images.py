"""The ControlNet units' control images and masks from files: a still image is read before frame
0 and held for every frame; a video is checked before frame 0 (it decodes) and its frames are
extracted into the run folder (`controlnet_<unit>_inputframes/`, `..._maskframes/`). A video
shorter than the run holds its last frame, as in Deforum.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from lib_animation.controlnet_settings import unit_key, unit_of
from lib_animation.errors import RenderError
from lib_animation.inputs.input_file import InputFile
from lib_animation.inputs.video import (
    FrameSelection,
    count_video_frames,
    extract_video_frames,
    read_video_frames,
)
from lib_animation.png_frames import read_frame

FOLDER_OF_KEY = {"vid_path": "inputframes", "mask_vid_path": "maskframes"}


@dataclass(frozen=True)
class ControlImages:
    """One unit's control images (or masks), frame by frame: a still image, or the frames
    extracted from a video (`frames`, filled in when the run folder exists)."""

    file: InputFile
    still: np.ndarray | None = None  # RGB uint8 at the file's own size
    frames: tuple[Path, ...] = ()

    @property
    def is_video(self) -> bool:
        return self.still is None

    def at(self, frame: int) -> np.ndarray:
        if self.still is not None:
            return self.still
        if not self.frames:
            raise RenderError("the control video's frames were not extracted",
                              setting=self.file.setting, frame=frame)
        return read_frame(self.frames[min(frame, len(self.frames) - 1)])


def load_control_images(files: Mapping[str, InputFile],
                        load_rgba: Callable[[InputFile], Image.Image],
                        image_formats: tuple[str, ...]) -> dict[str, ControlImages]:
    """Setting name -> the control images of each unit path setting in `files`: a file in one
    of `image_formats` is a still image, read with `load_rgba`; any other is a video, checked
    (it has a frame that decodes)."""
    loaded = {}
    for name, file in files.items():
        if file.setting is None or not file.setting.startswith("cn_"):
            continue
        if _is_image(file, image_formats):
            loaded[name] = ControlImages(file, still=np.asarray(
                load_rgba(file).convert("RGB"), dtype=np.uint8).copy())
        else:
            _check_video(file)
            loaded[name] = ControlImages(file)
    return loaded


def extract_control_videos(images: Mapping[str, ControlImages], settings: Mapping,
                           run_dir: Path, selection: FrameSelection,
                           max_frames: int) -> dict[str, ControlImages]:
    """The control images with each video's frames (those `selection` picks, at most
    `max_frames`) extracted into the run folder."""
    extracted = {}
    for name, images_of_unit in images.items():
        if not images_of_unit.is_video:
            extracted[name] = images_of_unit
            continue
        unit = unit_of(name)
        key = name.removeprefix(f"cn_{unit}_")
        frames = extract_video_frames(
            images_of_unit.file, run_dir / f"controlnet_{unit}_{FOLDER_OF_KEY[key]}", selection,
            overwrite=settings[unit_key(unit, "overwrite_frames")], setting=name)
        extracted[name] = replace(images_of_unit, frames=tuple(frames[:max_frames]))
    return extracted


def _is_image(file: InputFile, formats: tuple[str, ...]) -> bool:
    """Whether the file is a still image (else it is read as a video), by its content."""
    with file.open() as handle:
        try:
            with Image.open(handle, formats=formats):
                return True
        except Exception:  # Pillow raises many kinds for what is not an image it reads
            return False


def _check_video(file: InputFile) -> None:
    count_video_frames(file, setting=file.setting)
    frames = read_video_frames(file, FrameSelection(1, 0, 0), size=(8, 8), setting=file.setting)
    first = next(iter(frames), None)
    frames.close()
    if first is None:
        raise RenderError(f"{file.name} has no frame that decodes", setting=file.setting)
