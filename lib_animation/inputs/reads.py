"""Which input files a run reads: decided here once, for the loader that reads them and for the
allowed-folder check that must see every one of them."""

from __future__ import annotations

from lib_animation.schema import NAME, Mode, Settings, applies
from lib_animation.setting_kinds import is_inline_json


def files_read(settings: Settings) -> dict[str, str]:
    """Setting name -> path text of every input file a run with these settings reads (the text
    may be empty; the loader then says that no file was given)."""
    read: dict[str, str] = {}
    if _uses_init_image(settings):
        read[NAME.init_image] = settings.init_image
    if uses_mask(settings) and not settings.use_alpha_as_mask:
        read[NAME.mask_file] = settings.mask_file
    if applies(settings, NAME.color_coherence_image_path):
        read[NAME.color_coherence_image_path] = settings.color_coherence_image_path
    if settings.animation_mode == Mode.VIDEO_INPUT:
        read[NAME.video_init_path] = settings.video_init_path
    if _uses_soundtrack_file(settings):
        read[NAME.soundtrack_path] = settings.soundtrack_path
    if settings.parseq_manifest.strip() and not is_inline_json(settings.parseq_manifest):
        read[NAME.parseq_manifest] = settings.parseq_manifest
    return read


def _uses_init_image(settings: Settings) -> bool:
    return settings.use_init and applies(settings, NAME.use_init)


def uses_mask(settings: Settings) -> bool:
    """The run inpaints through a mask: the mask file's, or the init image's alpha channel."""
    return settings.use_mask and applies(settings, NAME.use_mask)


def _uses_soundtrack_file(settings: Settings) -> bool:
    return settings.video_format != "none" and settings.add_soundtrack == "File"
