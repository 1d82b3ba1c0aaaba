"""A run's audio analysis: which file is analysed, analysed once when the run is planned, and
kept in the run folder so that a resume and a re-plan read the very same values.

The analysed file is `audio_path` when it is given (analysed even when no schedule reads it yet,
so its lanes can be plotted); otherwise the soundtrack the video carries (`soundtrack_path` with
`add_soundtrack` File, or the input video's own sound with `add_soundtrack` Init Video), analysed
only when a schedule or prompt reads an audio variable.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from lib_animation.atomic_files import write_text_atomic
from lib_animation.audio import AudioFeatures, AudioOptions, analyse_audio
from lib_animation.errors import RenderError, SettingsError
from lib_animation.inputs.gather import input_files, video_frame_count
from lib_animation.inputs.input_file import InputFile
from lib_animation.inputs.manifest_file import with_manifest_read
from lib_animation.inputs.remote import UrlFetcher
from lib_animation.plan import PlanTiming, audio_variables_read, plan_timing
from lib_animation.schema import NAME, Mode, Settings

AUDIO_CACHE_NAME = "audio.json"


def audio_options(settings: Settings) -> AudioOptions:
    return AudioOptions(
        bass_max_hz=settings.audio_bass_max_hz,
        treble_min_hz=settings.audio_treble_min_hz,
        attack_s=settings.audio_attack,
        release_s=settings.audio_release,
        beat_release_s=settings.audio_beat_release,
    )


def audio_source(settings: Settings, *, confined_to: Sequence[Path] | None = None,
                 urls: UrlFetcher | None = None, unread: bool = False) -> InputFile | None:
    """The file a run with these settings analyses, or None when it analyses none; with
    `unread`, also the soundtrack no schedule reads."""
    files = input_files(settings, confined_to, urls)
    if NAME.audio_path in files:
        return files[NAME.audio_path]
    if not unread and not audio_variables_read(settings):
        return None
    if NAME.soundtrack_path in files:
        return files[NAME.soundtrack_path]
    if (settings.add_soundtrack == "Init Video" and settings.video_format != "none"
            and settings.animation_mode == Mode.VIDEO_INPUT):
        return files[NAME.video_init_path]
    return None


def analysed_audio(settings: Settings, timing: PlanTiming, *,
                   confined_to: Sequence[Path] | None = None,
                   urls: UrlFetcher | None = None) -> AudioFeatures | None:
    """The features of the file `audio_source` names at the run's fps for its frames."""
    source = audio_source(settings, confined_to=confined_to, urls=urls)
    if source is None:
        return None
    return analyse_audio(source, fps=timing.fps, frames=timing.frames,
                         options=audio_options(settings))


def run_audio(settings: Settings, *, confined_to: Sequence[Path] | None = None,
              urls: UrlFetcher | None = None) -> AudioFeatures:
    """The features of the audio a run with these settings has (`audio_path`, else its
    soundtrack), read or not by its schedules; SettingsError when it has none."""
    settings = with_manifest_read(settings, confined_to=confined_to, urls=urls)
    source = audio_source(settings, confined_to=confined_to, urls=urls, unread=True)
    if source is None:
        raise SettingsError("no audio to analyse", setting=NAME.audio_path,
                            hint=f"set {NAME.audio_path}, or {NAME.add_soundtrack} File with a "
                            f"{NAME.soundtrack_path}")
    count = video_frame_count(settings, confined_to=confined_to, urls=urls)
    timing = plan_timing(settings, max_frames=count)
    return analyse_audio(source, fps=timing.fps, frames=timing.frames,
                         options=audio_options(settings))


def save_audio_cache(folder: Path, features: AudioFeatures | None) -> None:
    """Keep the run's analysis in its folder (nothing when it has none)."""
    if features is not None:
        text = json.dumps(features.to_json(), separators=(",", ":"), allow_nan=False)
        write_text_atomic(Path(folder) / AUDIO_CACHE_NAME, text)


def load_audio_cache(folder: Path) -> AudioFeatures | None:
    """The analysis a run folder keeps, or None when it keeps none."""
    path = Path(folder) / AUDIO_CACHE_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise RenderError("the cached audio analysis cannot be read", source=str(path),
                          hint=f"delete {AUDIO_CACHE_NAME} to analyse the audio again") from None
    return AudioFeatures.from_json(data)
