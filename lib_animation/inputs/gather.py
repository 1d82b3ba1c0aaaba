"""The files a render reads (init image, mask, colour reference, input video, soundtrack),
loaded and checked before the first generation, so a missing file never costs GPU time.

Only the files `reads.files_read` names are read: local files, and http(s) URLs only where a
`UrlFetcher` is given (the command line, the tab, an API the owner allows). A load confined to
folders (an API caller's run) reads only files inside them, checked on the open file itself
(`InputFile`), also when a resumed run reads them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from lib_animation.errors import KeyframesError, RenderError
from lib_animation.inputs.input_file import InputFile
from lib_animation.inputs.media import audio_file
from lib_animation.inputs.reads import files_read, uses_mask
from lib_animation.inputs.remote import UrlFetcher
from lib_animation.inputs.video import (
    FrameSelection,
    count_video_frames,
    extract_video_frames,
    video_soundtrack,
)
from lib_animation.schema import NAME, Mode, Settings

INPUT_FRAMES = "inputframes"
MAX_IMAGE_PIXELS = 64_000_000
# The formats an init image, mask or colour reference may be in; Pillow's others include EPS,
# which it renders by running Ghostscript.
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")
_WHAT = {NAME.init_image: "image", NAME.mask_file: "image",
         NAME.color_coherence_image_path: "image", NAME.video_init_path: "video",
         NAME.soundtrack_path: "soundtrack"}


@dataclass(frozen=True)
class RenderInputs:
    init_image: np.ndarray | None  # uint8 (H, W, 3), resized to the frame size
    mask: np.ndarray | None  # uint8 (H, W), white = inpaint
    color_image: np.ndarray | None  # reference for colour coherence "Image"
    video_frames: tuple[Path, ...]  # Video Input: one extracted frame per output frame
    soundtrack: InputFile | None  # read again when the video is encoded
    confined_to: tuple[Path, ...] | None = None  # the only folders its files may be read from
    urls: UrlFetcher | None = None  # fetches the files named by URL (None: URLs refused)
    guide_images: tuple[np.ndarray, ...] = ()  # guided images: init_images' in the order written


def frame_selection(settings: Settings) -> FrameSelection:
    return FrameSelection(
        extract_nth_frame=settings.extract_nth_frame,
        extract_from_frame=settings.extract_from_frame,
        extract_to_frame=settings.extract_to_frame,
    )


def input_files(settings: Settings, confined_to: Sequence[Path] | None = None,
                urls: UrlFetcher | None = None) -> dict[str, InputFile]:
    """Setting name -> the input file a run with these settings reads (`files_read`), for the
    settings that name one file."""
    folders = _folders(confined_to)
    return {read.setting: InputFile(read.path_text, read.setting, _WHAT[read.setting], folders,
                                    urls)
            for read in files_read(settings) if read.keyframe is None}


def _guide_images(settings: Settings, folders: tuple[Path, ...] | None, urls: UrlFetcher | None,
                  size: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """Every guide image of `init_images`, in the order written, at the frame size; a path or
    URL named twice is read once. Errors name the keyframe."""
    loaded: dict[str, np.ndarray] = {}
    images = []
    for read in files_read(settings):
        if read.setting != NAME.init_images:
            continue
        if read.path_text not in loaded:
            file = InputFile(read.path_text, read.setting, "image", folders, urls)
            try:
                loaded[read.path_text] = _fit(_load_rgba(file).convert("RGB"), size)
            except KeyframesError as error:
                error.keyframe = read.keyframe
                raise
        images.append(loaded[read.path_text])
    return tuple(images)


def _folders(confined_to: Sequence[Path] | None) -> tuple[Path, ...] | None:
    return None if confined_to is None else tuple(Path(folder) for folder in confined_to)


def video_frame_count(settings: Settings, *, confined_to: Sequence[Path] | None = None,
                      urls: UrlFetcher | None = None) -> int:
    """How many output frames Video Input mode makes from the input video."""
    total = count_video_frames(input_files(settings, confined_to, urls)[NAME.video_init_path])
    return len(frame_selection(settings).indices(total))


def load_inputs(settings: Settings, *, confined_to: Sequence[Path] | None = None,
                urls: UrlFetcher | None = None) -> RenderInputs:
    """Read and check every input file the settings use, only inside `confined_to` when given
    (None: anywhere), URLs only through `urls`; nothing is written. Video Input's frames are
    extracted later, into the run folder (`with_video_frames`)."""
    size = (settings.W, settings.H)
    files = input_files(settings, confined_to, urls)
    init_rgba = _load_rgba(files[NAME.init_image]) if NAME.init_image in files else None
    init_image = _fit(init_rgba.convert("RGB"), size) if init_rgba is not None else None
    color = files.get(NAME.color_coherence_image_path)
    return RenderInputs(
        init_image=init_image,
        mask=_mask(settings, files.get(NAME.mask_file), init_rgba, size),
        color_image=None if color is None else _fit(_load_rgba(color).convert("RGB"), size),
        video_frames=(),
        soundtrack=_soundtrack(settings, files),
        confined_to=_folders(confined_to),
        urls=urls,
        guide_images=_guide_images(settings, _folders(confined_to), urls, size),
    )


def with_video_frames(inputs: RenderInputs, settings: Settings, run_dir: Path) -> RenderInputs:
    """The inputs with Video Input's frames, extracted into the run folder (once), from inside
    the folders the inputs were confined to."""
    files = input_files(settings, inputs.confined_to, inputs.urls)
    frames = _video_frames(settings, files, run_dir, (settings.W, settings.H))
    return replace(inputs, video_frames=frames)


def _load_rgba(file: InputFile) -> Image.Image:
    with file.open() as handle:
        try:
            with Image.open(handle, formats=IMAGE_FORMATS) as image:
                if image.width * image.height <= MAX_IMAGE_PIXELS:
                    return image.convert("RGBA")
        except Image.DecompressionBombError:
            pass  # Pillow's own, larger limit: too large all the same
        except Exception as error:  # Pillow's decoders raise many kinds on a damaged file
            raise RenderError(f"cannot read image {file.name}: {_reason(error)}",
                              setting=file.setting) from None
    raise RenderError(f"image {file.name} is too large: more than {MAX_IMAGE_PIXELS:,} pixels",
                      setting=file.setting, hint="send a smaller image")


def _reason(error: Exception) -> str:
    if isinstance(error, Image.UnidentifiedImageError):
        return f"not an image in a known format ({', '.join(IMAGE_FORMATS)})"
    return getattr(error, "strerror", None) or "the file is damaged"


def _fit(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    if image.size != size:
        image = image.resize(size, Image.LANCZOS)
    return np.asarray(image, dtype=np.uint8).copy()


def _mask(settings: Settings, file: InputFile | None, init_rgba: Image.Image | None,
          size: tuple[int, int]) -> np.ndarray | None:
    if not uses_mask(settings):
        return None
    if file is not None:
        mask = _load_rgba(file).convert("L")
    elif init_rgba is not None:
        mask = init_rgba.getchannel("A")
    else:
        raise RenderError("needs use_init and an init image with an alpha channel",
                          setting=NAME.use_alpha_as_mask)
    mask = ImageEnhance.Contrast(mask).enhance(settings.mask_contrast_adjust)
    mask = ImageEnhance.Brightness(mask).enhance(settings.mask_brightness_adjust)
    if settings.use_alpha_as_mask:
        mask = ImageOps.invert(mask)  # transparent areas are the ones to fill
    return _fit(mask, size)


def _video_frames(settings: Settings, files: dict[str, InputFile], run_dir: Path,
                  size: tuple[int, int]) -> tuple[Path, ...]:
    if NAME.video_init_path not in files:
        return ()
    frames = extract_video_frames(
        files[NAME.video_init_path],
        run_dir / INPUT_FRAMES,
        frame_selection(settings),
        size=size,
        overwrite=settings.overwrite_extracted_frames,
    )
    if len(frames) < settings.max_frames:
        raise RenderError(
            f"the video gives {len(frames)} frames but the run needs {settings.max_frames}",
            setting=NAME.video_init_path,
        )
    return tuple(frames[: settings.max_frames])


def _soundtrack(settings: Settings, files: dict[str, InputFile]) -> InputFile | None:
    if settings.video_format == "none" or settings.add_soundtrack == "None":
        return None
    if NAME.soundtrack_path in files:
        return audio_file(files[NAME.soundtrack_path])
    if settings.animation_mode != Mode.VIDEO_INPUT:
        raise RenderError("'Init Video' needs animation mode Video Input",
                          setting=NAME.add_soundtrack, hint="choose File or None")
    return video_soundtrack(files[NAME.video_init_path])
