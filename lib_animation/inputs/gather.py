"""The files a render reads (init image, masks, colour reference, input video, soundtrack),
loaded and checked before the first generation, so a missing file never costs GPU time.

Only the files `reads.files_read` names are read: local files, and http(s) URLs only where a
`UrlFetcher` is given (the command line, the tab, an API the owner allows). A load confined to
folders (an API caller's run) reads only files inside them, checked on the open file itself
(`InputFile`), also when a resumed run reads them again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

from lib_animation.controlnet_settings import control_path_settings
from lib_animation.errors import RenderError
from lib_animation.inputs.control_images import (
    ControlImages,
    extract_control_videos,
    load_control_images,
)
from lib_animation.inputs.input_file import InputFile
from lib_animation.inputs.media import audio_file
from lib_animation.inputs.reads import (
    FileRead,
    files_read,
    hybrid_reads_video,
    length_follows_video,
    uses_hybrid_video,
    uses_init_mask,
)
from lib_animation.inputs.remote import UrlFetcher
from lib_animation.inputs.video import (
    FrameSelection,
    count_video_frames,
    extract_video_frames,
    read_video_frames,
    video_soundtrack,
)
from lib_animation.schema import NAME, Mode, Settings

INPUT_FRAMES = "inputframes"
MASK_FRAMES = "maskframes"
MAX_IMAGE_PIXELS = 64_000_000
# The formats an init image, mask or colour reference may be in; Pillow's others include EPS,
# which it renders by running Ghostscript.
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")
_WHAT = {NAME.init_image: "image", NAME.mask_file: "image",
         NAME.color_coherence_image_path: "image", NAME.video_init_path: "video",
         NAME.soundtrack_path: "soundtrack", NAME.audio_path: "audio",
         NAME.parseq_manifest: "Parseq manifest",
         NAME.video_mask_path: "mask video", NAME.mask_schedule: "mask image",
         NAME.noise_mask_schedule: "mask image", NAME.init_images: "image",
         **dict.fromkeys(control_path_settings(), "ControlNet image or video")}
_MASK_SCHEDULES = (NAME.mask_schedule, NAME.noise_mask_schedule)


@dataclass(frozen=True)
class RenderInputs:
    init_image: np.ndarray | None  # uint8 (H, W, 3), resized to the frame size
    mask: np.ndarray | None  # the init mask, uint8 (H, W), white = inpaint
    color_image: np.ndarray | None  # reference for colour coherence "Image"
    video_frames: tuple[Path, ...]  # Video Input: one extracted frame per output frame
    soundtrack: InputFile | None  # read again when the video is encoded
    confined_to: tuple[Path, ...] | None = None  # the only folders its files may be read from
    urls: UrlFetcher | None = None  # fetches the files named by URL (None: URLs refused)
    mask_files: Mapping[str, np.ndarray] = field(default_factory=dict)  # [file] in expressions
    mask_frames: tuple[Path, ...] = ()  # the mask video: one extracted frame per output frame
    guide_images: tuple[np.ndarray, ...] = ()  # guided images: init_images' in the order written
    warnings: tuple[str, ...] = ()  # what reading them found that the user should know
    # ControlNet: a unit's path setting -> its control images (or masks), frame by frame
    controlnet: Mapping[str, ControlImages] = field(default_factory=dict)


def frame_selection(settings: Settings) -> FrameSelection:
    return FrameSelection(
        extract_nth_frame=settings.extract_nth_frame,
        extract_from_frame=settings.extract_from_frame,
        extract_to_frame=settings.extract_to_frame,
    )


def input_files(settings: Settings, confined_to: Sequence[Path] | None = None,
                urls: UrlFetcher | None = None) -> dict[str, InputFile]:
    """Setting name -> the input file a path setting names that a run with these settings
    reads (`files_read`)."""
    return {read.setting: _input_file(read, confined_to, urls)
            for read in files_read(settings) if read.keyframe is None}


def mask_expression_files(settings: Settings, confined_to: Sequence[Path] | None = None,
                          urls: UrlFetcher | None = None) -> dict[str, InputFile]:
    """Path text -> the input file of each image file named in a mask expression."""
    return {read.path_text: _input_file(read, confined_to, urls)
            for read in files_read(settings) if read.setting in _MASK_SCHEDULES}


def _input_file(read: FileRead, confined_to: Sequence[Path] | None,
                urls: UrlFetcher | None) -> InputFile:
    return InputFile(read.path_text, read.setting, _WHAT[read.setting], _folders(confined_to),
                     urls, read.keyframe)


def _guide_images(settings: Settings, confined_to: Sequence[Path] | None,
                  urls: UrlFetcher | None, size: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """Every guide image of `init_images`, in the order written, at the frame size; a path or
    URL named twice is read once. Errors name the keyframe."""
    loaded: dict[str, np.ndarray] = {}
    images = []
    for read in files_read(settings):
        if read.setting != NAME.init_images:
            continue
        if read.path_text not in loaded:
            file = _input_file(read, confined_to, urls)
            loaded[read.path_text] = _fit(_load_rgba(file).convert("RGB"), size)
        images.append(loaded[read.path_text])
    return tuple(images)


def _folders(confined_to: Sequence[Path] | None) -> tuple[Path, ...] | None:
    return None if confined_to is None else tuple(Path(folder) for folder in confined_to)


def video_frame_count(settings: Settings, *, confined_to: Sequence[Path] | None = None,
                      urls: UrlFetcher | None = None) -> int | None:
    """How many output frames the input video gives a run whose length follows it (Video
    Input, hybrid video); None for any other run."""
    if not length_follows_video(settings):
        return None
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
    if NAME.video_mask_path in files:
        _check_mask_video(files[NAME.video_mask_path], settings)
    warnings: tuple[str, ...] = ()
    if hybrid_reads_video(settings):
        warnings = _check_hybrid_video(files[NAME.video_init_path], settings)
    if uses_hybrid_video(settings) and settings.hybrid_use_init_image and init_image is None \
            and settings.hybrid_composite != "None":
        raise RenderError("needs use_init and an init image", setting=NAME.hybrid_use_init_image,
                          hint="turn use_init on and give an init image, or turn this off")
    return RenderInputs(
        init_image=init_image,
        mask=_mask(settings, files.get(NAME.mask_file), init_rgba, size),
        color_image=None if color is None else _fit(_load_rgba(color).convert("RGB"), size),
        video_frames=(),
        soundtrack=_soundtrack(settings, files),
        confined_to=_folders(confined_to),
        urls=urls,
        mask_files={text: _fit(adjusted_mask(_load_rgba(file).convert("L"), settings), size)
                    for text, file in mask_expression_files(settings, confined_to, urls).items()},
        guide_images=_guide_images(settings, confined_to, urls, size),
        warnings=warnings,
        controlnet=load_control_images(files, _load_rgba, IMAGE_FORMATS),
    )


def load_soundtrack(settings: Settings, *, confined_to: Sequence[Path] | None = None,
                    urls: UrlFetcher | None = None) -> InputFile | None:
    """The soundtrack alone, checked as `load_inputs` checks it, for work on a rendered run
    (upscaling, interpolation) that needs no other input file."""
    return _soundtrack(settings, input_files(settings, confined_to, urls))


def with_video_frames(inputs: RenderInputs, settings: Settings, run_dir: Path) -> RenderInputs:
    """The inputs with Video Input's frames and the mask video's, extracted into the run folder
    (once), from inside the folders the inputs were confined to."""
    files = input_files(settings, inputs.confined_to, inputs.urls)
    frames = _video_frames(settings, files, run_dir, (settings.W, settings.H))
    mask_frames: tuple[Path, ...] = ()
    if NAME.video_mask_path in files:
        extracted = extract_video_frames(
            files[NAME.video_mask_path], run_dir / MASK_FRAMES, mask_video_selection(settings),
            size=(settings.W, settings.H), overwrite=settings.overwrite_extracted_frames,
            setting=NAME.video_mask_path)
        mask_frames = tuple(extracted[: settings.max_frames])
    selection = mask_video_selection(settings)
    if settings.animation_mode != Mode.VIDEO_INPUT:
        selection = FrameSelection(extract_to_frame=settings.max_frames - 1)
    controlnet = extract_control_videos(inputs.controlnet, settings, run_dir, selection,
                                        settings.max_frames)
    return replace(inputs, video_frames=frames, mask_frames=mask_frames, controlnet=controlnet)


def _check_hybrid_video(file: InputFile, settings: Settings) -> tuple[str, ...]:
    """Hybrid video's input video, before frame 0: it has at least two selected frames (its
    composite and motion start at frame 1), as many as a run of max_frames needs when the init
    image stands in for its frames, and its first selected frame decodes. Frames of another
    size than the render are resized to it (stretched when the shape differs, as in Deforum):
    said once as a warning."""
    total = count_video_frames(file)
    if total == 0:
        raise RenderError(f"{file.name} has no frames", setting=file.setting)
    selected = frame_selection(settings).indices(total)
    if len(selected) < 2:
        raise RenderError(f"gives {len(selected)} frame; hybrid video needs at least 2 (its "
                          "composite and motion start at frame 1)", setting=file.setting)
    if not length_follows_video(settings) and len(selected) < settings.max_frames:
        raise RenderError(f"the video gives {len(selected)} frames but the run needs "
                          f"{settings.max_frames} for hybrid motion", setting=file.setting)
    frames = read_video_frames(file, FrameSelection(1, selected[0], selected[0]))
    first = next(iter(frames), None)
    frames.close()
    if first is None:
        raise RenderError(f"no frame of {file.name} decodes", setting=file.setting)
    height, width = first[1].shape[:2]
    if (width, height) == (settings.W, settings.H):
        return ()
    how = "resized" if width * settings.H == height * settings.W else "stretched"
    return (f"{file.setting}: the video's {width}x{height} frames are {how} to the render's "
            f"{settings.W}x{settings.H} for hybrid video",)


def mask_video_selection(settings: Settings) -> FrameSelection:
    """The mask video's frames: in Video Input mode those the input video's selection picks
    (so mask frame k belongs to input frame k); otherwise every frame from the first."""
    if settings.animation_mode == Mode.VIDEO_INPUT:
        return frame_selection(settings)
    return FrameSelection()


def _check_mask_video(file: InputFile, settings: Settings) -> None:
    """The mask video gives a frame for every output frame, and its first one decodes."""
    selection = mask_video_selection(settings)
    count = len(selection.indices(count_video_frames(file, setting=NAME.video_mask_path)))
    if count < settings.max_frames:
        raise RenderError(f"the mask video gives {count} frames but the run needs "
                          f"{settings.max_frames}", setting=NAME.video_mask_path)
    frames = read_video_frames(file, selection, size=(8, 8), setting=NAME.video_mask_path)
    next(iter(frames), None)
    frames.close()


def mask_video_frame(settings: Settings, frame: int, *,
                     confined_to: Sequence[Path] | None = None,
                     urls: UrlFetcher | None = None) -> np.ndarray:
    """One frame's {video_mask}, decoded from the mask video (what the run extracts)."""
    file = input_files(settings, confined_to, urls)[NAME.video_mask_path]
    source = mask_video_selection(settings).indices(
        count_video_frames(file, setting=NAME.video_mask_path))[frame]
    frames = read_video_frames(file, FrameSelection(1, source, source),
                               size=(settings.W, settings.H), setting=NAME.video_mask_path)
    _, image = next(iter(frames))
    frames.close()
    return mask_from_rgb(image, settings)


def mask_from_rgb(image: np.ndarray, settings: Settings) -> np.ndarray:
    """A mask video's frame (RGB at the frame size) as a mask, adjusted as mask files are."""
    return np.asarray(adjusted_mask(Image.fromarray(image).convert("L"), settings),
                      dtype=np.uint8).copy()


def adjusted_mask(mask: Image.Image, settings: Settings) -> Image.Image:
    """The mask with the mask contrast and brightness settings applied."""
    mask = ImageEnhance.Contrast(mask).enhance(settings.mask_contrast_adjust)
    return ImageEnhance.Brightness(mask).enhance(settings.mask_brightness_adjust)


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
                              setting=file.setting, keyframe=file.keyframe) from None
    raise RenderError(f"image {file.name} is too large: more than {MAX_IMAGE_PIXELS:,} pixels",
                      setting=file.setting, keyframe=file.keyframe, hint="send a smaller image")


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
    """The init mask ({init_mask}; {video_mask} without a mask video), when an expression
    reads it."""
    if not uses_init_mask(settings):
        return None
    if file is not None:
        mask = _load_rgba(file).convert("L")
    elif init_rgba is not None:
        mask = init_rgba.getchannel("A")
    else:
        raise RenderError("needs use_init and an init image with an alpha channel",
                          setting=NAME.use_alpha_as_mask)
    mask = adjusted_mask(mask, settings)
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
