"""Which input files a run reads: decided here once, for the loader that reads them and for the
allowed-folder check that must see every one of them."""

from __future__ import annotations

from dataclasses import dataclass

from lib_animation.controlnet_settings import control_paths_read
from lib_animation.errors import SettingsError
from lib_animation.mask_grammar import (
    FILE_MASK,
    INIT_MASK,
    NAMED_MASK,
    VIDEO_MASK,
    MaskKeyframe,
    parse_mask_schedule,
)
from lib_animation.schema import NAME, Mode, Settings, applies
from lib_animation.setting_kinds import is_inline_json

MAX_MASK_FILES = 64  # different image files named in a run's mask expressions


@dataclass(frozen=True)
class FileRead:
    """One file a run reads: the path text a setting holds, or (with `keyframe`) one of several
    it names: a guide image (its 1-based place in `init_images`) or a file named in brackets
    inside a keyframe of a mask schedule."""

    setting: str
    path_text: str
    keyframe: int | None = None


def files_read(settings: Settings) -> tuple[FileRead, ...]:
    """Every input file a run with these settings reads (a path text may be empty; the loader
    then says that no file was given). ScheduleError for a mask expression that cannot be
    parsed, SettingsError for too many mask files."""
    read = [FileRead(name, settings[name]) for name in _path_settings_read(settings)]
    read.extend(_guide_image_files(settings))
    read.extend(_mask_expression_files(settings))
    return tuple(read)


def _path_settings_read(settings: Settings) -> list[str]:
    read = []
    if _uses_init_image(settings):
        read.append(NAME.init_image)
    if uses_init_mask(settings) and not settings.use_alpha_as_mask:
        read.append(NAME.mask_file)
    if uses_mask_video(settings):
        read.append(NAME.video_mask_path)
    if applies(settings, NAME.color_coherence_image_path):
        read.append(NAME.color_coherence_image_path)
    if settings.animation_mode == Mode.VIDEO_INPUT or hybrid_reads_video(settings):
        read.append(NAME.video_init_path)
    if _uses_soundtrack_file(settings):
        read.append(NAME.soundtrack_path)
    if settings.audio_path.strip():
        read.append(NAME.audio_path)
    if settings.parseq_manifest.strip() and not is_inline_json(settings.parseq_manifest):
        read.append(NAME.parseq_manifest)
    read.extend(control_paths_read(settings))
    return read


def _guide_image_files(settings: Settings) -> list[FileRead]:
    if not uses_guide_images(settings):
        return []
    return [FileRead(NAME.init_images, image, position)
            for position, image in enumerate(settings.init_images.values(), start=1)]


def uses_guide_images(settings: Settings) -> bool:
    """Guided images are on: every guide image is read before frame 0, also one whose key lies
    after the last frame (the plan says it is never shown)."""
    return settings.use_looper and applies(settings, NAME.use_looper)


def _uses_init_image(settings: Settings) -> bool:
    return settings.use_init and applies(settings, NAME.use_init)


def uses_mask(settings: Settings) -> bool:
    """The run inpaints through a mask: each frame's, composed from the mask schedule."""
    return settings.use_mask and applies(settings, NAME.use_mask)


def mask_schedules(settings: Settings) -> tuple[str, ...]:
    """The mask schedules a run composes masks from: the inpainting mask's, and the noise
    mask's when it has its own."""
    return tuple(name for name in (NAME.mask_schedule, NAME.noise_mask_schedule)
                 if applies(settings, name))


def mask_keyframes(settings: Settings, name: str) -> tuple[MaskKeyframe, ...]:
    return parse_mask_schedule(settings[name], setting=name)


def _mask_names_used(settings: Settings) -> set[str]:
    return {leaf.text for name in mask_schedules(settings)
            for keyframe in mask_keyframes(settings, name)
            for leaf in keyframe.expression.leaves_of(NAMED_MASK)}


def uses_mask_video(settings: Settings) -> bool:
    """A mask expression reads {video_mask} and the mask video is on."""
    return (settings.use_mask_video and applies(settings, NAME.use_mask_video)
            and VIDEO_MASK in _mask_names_used(settings))


def uses_init_mask(settings: Settings) -> bool:
    """A mask expression reads the init mask: {init_mask}, or {video_mask} with no mask video
    (as in Deforum, where {video_mask} is the mask file then)."""
    names = _mask_names_used(settings)
    return INIT_MASK in names or (VIDEO_MASK in names and not (
        settings.use_mask_video and applies(settings, NAME.use_mask_video)))


def _mask_expression_files(settings: Settings) -> list[FileRead]:
    """Each image file named in brackets in a mask schedule, once (with its first keyframe)."""
    found: dict[str, FileRead] = {}
    for name in mask_schedules(settings):
        for keyframe in mask_keyframes(settings, name):
            for leaf in keyframe.expression.leaves_of(FILE_MASK):
                found.setdefault(leaf.text, FileRead(name, leaf.text, keyframe.index))
                if len(found) > MAX_MASK_FILES:
                    raise SettingsError(f"names more than {MAX_MASK_FILES} different mask files",
                                        setting=name, keyframe=keyframe.index)
    return list(found.values())


def uses_hybrid_video(settings: Settings) -> bool:
    """Hybrid video is on: a hybrid composite or hybrid motion in 2D or 3D."""
    return (applies(settings, NAME.hybrid_composite)
            and (settings.hybrid_composite != "None" or settings.hybrid_motion != "None"))


def hybrid_reads_video(settings: Settings) -> bool:
    """Hybrid video reads the input video: for its frames, unless the init image stands in for
    them, and for its motion."""
    return uses_hybrid_video(settings) and (
        not settings.hybrid_use_init_image or settings.hybrid_motion != "None")


def length_follows_video(settings: Settings) -> bool:
    """The run has as many frames as the input video gives: Video Input, and hybrid video
    (as in Deforum) unless the init image stands in for the video."""
    return settings.animation_mode == Mode.VIDEO_INPUT or (
        uses_hybrid_video(settings) and not settings.hybrid_use_init_image)


def _uses_soundtrack_file(settings: Settings) -> bool:
    return settings.video_format != "none" and settings.add_soundtrack == "File"
