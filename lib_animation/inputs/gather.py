"""The files a render reads (init image, mask, colour reference, input video, soundtrack),
loaded and checked before the first generation, so a missing file never costs GPU time.

Only the files the settings name are read, and only local files: a URL gets a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps, UnidentifiedImageError

from lib_animation.errors import RenderError
from lib_animation.inputs.media import audio_file, local_media_path
from lib_animation.inputs.video import (
    FrameSelection,
    count_video_frames,
    extract_video_frames,
    video_soundtrack,
)
from lib_animation.schema import NAME, Mode, Settings, applies

INPUT_FRAMES = "inputframes"
MAX_IMAGE_PIXELS = 64_000_000


@dataclass(frozen=True)
class RenderInputs:
    init_image: np.ndarray | None  # uint8 (H, W, 3), resized to the frame size
    mask: np.ndarray | None  # uint8 (H, W), white = inpaint
    color_image: np.ndarray | None  # reference for colour coherence "Image"
    video_frames: tuple[Path, ...]  # Video Input: one extracted frame per output frame
    soundtrack: Path | None


def frame_selection(settings: Settings) -> FrameSelection:
    return FrameSelection(
        extract_nth_frame=settings.extract_nth_frame,
        extract_from_frame=settings.extract_from_frame,
        extract_to_frame=settings.extract_to_frame,
    )


def video_frame_count(settings: Settings) -> int:
    """How many output frames Video Input mode makes from the input video."""
    total = count_video_frames(settings.video_init_path, setting=NAME.video_init_path)
    return len(frame_selection(settings).indices(total))


def load_inputs(settings: Settings) -> RenderInputs:
    """Read and check every input file the settings use; nothing is written. Video Input's
    frames are extracted later, into the run folder (`with_video_frames`)."""
    size = (settings.W, settings.H)
    init_rgba = _load_rgba(settings.init_image, NAME.init_image) if _uses_init(settings) else None
    init_image = _fit(init_rgba.convert("RGB"), size) if init_rgba is not None else None
    return RenderInputs(
        init_image=init_image,
        mask=_mask(settings, init_rgba, size),
        color_image=_color_image(settings, size),
        video_frames=(),
        soundtrack=_soundtrack(settings),
    )


def with_video_frames(inputs: RenderInputs, settings: Settings, run_dir: Path) -> RenderInputs:
    """The inputs with Video Input's frames, extracted into the run folder (once)."""
    frames = _video_frames(settings, run_dir, (settings.W, settings.H))
    return replace(inputs, video_frames=frames)


def _uses_init(settings: Settings) -> bool:
    return settings.use_init and applies(settings, NAME.use_init)


def _load_rgba(path_text: str, setting: str) -> Image.Image:
    path = local_media_path(path_text, what="image", setting=setting)
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise RenderError(f"image {path} is too large", setting=setting)
            return image.convert("RGBA")
    except (UnidentifiedImageError, OSError) as error:
        raise RenderError(f"cannot read image {path}: {error}", setting=setting) from None


def _fit(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    if image.size != size:
        image = image.resize(size, Image.LANCZOS)
    return np.asarray(image, dtype=np.uint8).copy()


def _mask(settings: Settings, init_rgba: Image.Image | None, size: tuple[int, int]):
    if not (settings.use_mask and applies(settings, NAME.use_mask)):
        return None
    if settings.use_alpha_as_mask:
        if init_rgba is None:
            raise RenderError("needs use_init and an init image with an alpha channel",
                              setting=NAME.use_alpha_as_mask)
        mask = init_rgba.getchannel("A")
    else:
        mask = _load_rgba(settings.mask_file, NAME.mask_file).convert("L")
    mask = ImageEnhance.Contrast(mask).enhance(settings.mask_contrast_adjust)
    mask = ImageEnhance.Brightness(mask).enhance(settings.mask_brightness_adjust)
    if settings.use_alpha_as_mask:
        mask = ImageOps.invert(mask)  # transparent areas are the ones to fill
    return _fit(mask, size)


def _color_image(settings: Settings, size: tuple[int, int]) -> np.ndarray | None:
    if not applies(settings, NAME.color_coherence_image_path):
        return None
    rgba = _load_rgba(settings.color_coherence_image_path, NAME.color_coherence_image_path)
    return _fit(rgba.convert("RGB"), size)


def _video_frames(settings: Settings, run_dir: Path, size: tuple[int, int]) -> tuple[Path, ...]:
    if settings.animation_mode != Mode.VIDEO_INPUT:
        return ()
    frames = extract_video_frames(
        settings.video_init_path,
        run_dir / INPUT_FRAMES,
        frame_selection(settings),
        size=size,
        overwrite=settings.overwrite_extracted_frames,
        setting=NAME.video_init_path,
    )
    if len(frames) < settings.max_frames:
        raise RenderError(
            f"the video gives {len(frames)} frames but the run needs {settings.max_frames}",
            setting=NAME.video_init_path,
        )
    return tuple(frames[: settings.max_frames])


def _soundtrack(settings: Settings) -> Path | None:
    if settings.video_format == "none" or settings.add_soundtrack == "None":
        return None
    if settings.add_soundtrack == "File":
        return audio_file(settings.soundtrack_path, setting=NAME.soundtrack_path)
    if settings.animation_mode != Mode.VIDEO_INPUT:
        raise RenderError("'Init Video' needs animation mode Video Input",
                          setting=NAME.add_soundtrack, hint="choose File or None")
    return video_soundtrack(settings.video_init_path, setting=NAME.video_init_path)
