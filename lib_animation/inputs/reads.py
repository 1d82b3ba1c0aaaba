"""Which input files a run reads: decided here once, for the loader that reads them and for the
allowed-folder check that must see every one of them."""

from __future__ import annotations

from dataclasses import dataclass

from lib_animation.schema import NAME, Mode, Settings, applies


@dataclass(frozen=True)
class FileRead:
    """One input file a run reads: the setting that names it and its path text (which may be
    empty; the loader then says that no file was given)."""

    setting: str
    path_text: str
    keyframe: int | None = None  # 1-based place in a setting that names several files


def files_read(settings: Settings) -> tuple[FileRead, ...]:
    """Every input file a run with these settings reads."""
    read: list[FileRead] = []
    if _uses_init_image(settings):
        read.append(FileRead(NAME.init_image, settings.init_image))
    if uses_mask(settings) and not settings.use_alpha_as_mask:
        read.append(FileRead(NAME.mask_file, settings.mask_file))
    if applies(settings, NAME.color_coherence_image_path):
        read.append(FileRead(NAME.color_coherence_image_path,
                             settings.color_coherence_image_path))
    if settings.animation_mode == Mode.VIDEO_INPUT:
        read.append(FileRead(NAME.video_init_path, settings.video_init_path))
    if _uses_soundtrack_file(settings):
        read.append(FileRead(NAME.soundtrack_path, settings.soundtrack_path))
    if uses_guide_images(settings):
        read.extend(FileRead(NAME.init_images, image, position)
                    for position, image in enumerate(settings.init_images.values(), start=1))
    return tuple(read)


def uses_guide_images(settings: Settings) -> bool:
    """Guided images are on: every guide image is read before frame 0, also one whose key lies
    after the last frame (the plan says it is never shown)."""
    return settings.use_looper and applies(settings, NAME.use_looper)


def _uses_init_image(settings: Settings) -> bool:
    return settings.use_init and applies(settings, NAME.use_init)


def uses_mask(settings: Settings) -> bool:
    """The run inpaints through a mask: the mask file's, or the init image's alpha channel."""
    return settings.use_mask and applies(settings, NAME.use_mask)


def _uses_soundtrack_file(settings: Settings) -> bool:
    return settings.video_format != "none" and settings.add_soundtrack == "File"
