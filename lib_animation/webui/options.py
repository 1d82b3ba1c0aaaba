"""The "Keyframes" section of the WebUI's Settings, and reading it back.

Defaults that are settings of a run (video format and quality) come from the schema, so they are
never declared twice; the rest are the extension's own: where runs, presets and depth models go,
which folders an API caller may read input files from, whether other extensions' always-on
scripts run on every frame, and the limits that keep one caller from jamming the WebUI. Folders
and limits cannot be changed through the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gradio as gr
from modules import paths_internal, shared

from lib_animation.presets import SHIPPED_PRESETS
from lib_animation.schema import BY_NAME, NAME
from lib_animation.webui.limits import LIMITS, JobLimits

SECTION = ("keyframes", "Keyframes")
PREFIX = "keyframes_"


def _option(default, label, component=None, component_args=None, *, restrict_api=False,
            info=""):
    option = shared.OptionInfo(default, label, component, component_args, section=SECTION,
                               restrict_api=restrict_api)
    return option.info(info) if info else option


def _schema_choice(name: str, label: str):
    setting = BY_NAME[name]
    return _option(setting.default, label, gr.Dropdown, {"choices": list(setting.choices)},
                   info="the default for new runs; a settings file's own value wins")


def _schema_int(name: str, label: str):
    setting = BY_NAME[name]
    args = {"minimum": setting.minimum, "maximum": setting.maximum, "step": setting.step}
    return _option(setting.default, label, gr.Slider, args,
                   info="the default for new runs; a settings file's own value wins")


def _limit(default: int, label: str, info: str):
    return _option(default, label, gr.Number, {"precision": 0, "minimum": 1},
                   restrict_api=True, info=info)


def declared_options() -> dict[str, object]:
    """Option key -> OptionInfo, in the order the Settings page shows them."""
    return {
        f"{PREFIX}output_dir": _option(
            "", "Output folder for runs", restrict_api=True,
            info=f"empty: {default_output_dir()}"),
        f"{PREFIX}video_format": _schema_choice(NAME.video_format, "Video format"),
        f"{PREFIX}video_crf": _schema_int(NAME.video_crf, "Video quality (CRF, lower is better)"),
        f"{PREFIX}keep_frames": _option(
            True, "Keep the PNG frames after the video is made",
            info="off deletes them once the video is written; the run can then not be resumed"),
        f"{PREFIX}depth_models_dir": _option(
            "", "Depth model folder", restrict_api=True,
            info=f"empty: {default_depth_models_dir()}; downloaded there on first use"),
        f"{PREFIX}keep_depth_model": _option(
            False, "Keep the depth model loaded between runs",
            info="faster repeated 3D runs, at the cost of GPU memory"),
        f"{PREFIX}presets_dir": _option(
            "", "Your presets folder", restrict_api=True,
            info=f"empty: {default_presets_dir()}"),
        f"{PREFIX}always_on_scripts": _option(
            True, "Run other extensions' always-on scripts on every frame",
            info="as in img2img, with their default settings (ADetailer, Dynamic Prompts, ...)"),
        f"{PREFIX}input_dirs": _option(
            "", "Extra folders API jobs may read input files from", restrict_api=True,
            info="one per line; the outputs and inputs folders in the WebUI's data folder and "
                 "the Keyframes output folder are always allowed"),
        f"{PREFIX}allow_urls": _option(
            False, "API jobs may name input files by http(s) URL", restrict_api=True,
            info="the WebUI then downloads what a caller names (Parseq manifests, images, "
                 "videos); also for the tab when the WebUI is open to the network without a "
                 "login"),
        **limit_options(),
    }


def limit_options() -> dict[str, object]:
    return {f"{PREFIX}{limit.key}": _limit(limit.default, limit.label, limit.info)
            for limit in LIMITS}


def add_options() -> None:
    """on_ui_settings: register the section."""
    for key, info in declared_options().items():
        shared.opts.add_option(key, info)


def default_output_dir() -> Path:
    return Path(paths_internal.default_output_dir) / "keyframes"


def default_depth_models_dir() -> Path:
    return Path(paths_internal.models_path) / "Keyframes"


def default_presets_dir() -> Path:
    return Path(paths_internal.data_path) / "keyframes-presets"


@dataclass(frozen=True)
class KeyframesOptions:
    output_dir: Path
    video_format: str
    video_crf: int
    keep_frames: bool
    depth_models_dir: Path
    keep_depth_model: bool
    presets_dir: Path
    always_on_scripts: bool
    input_dirs: tuple[Path, ...]
    allow_urls: bool = False
    limits: JobLimits = JobLimits.defaults()

    def run_defaults(self) -> dict[str, object]:
        """The settings a new run takes from these options unless its file says otherwise."""
        return {NAME.video_format: self.video_format, NAME.video_crf: self.video_crf,
                NAME.delete_imgs: not self.keep_frames}


def current_options() -> KeyframesOptions:
    """The options as set now (the WebUI's defaults where the user set nothing)."""
    def get(name: str, default):
        value = getattr(shared.opts, PREFIX + name, None)
        return default if value in (None, "") else value

    output_dir = Path(get("output_dir", default_output_dir()))
    return KeyframesOptions(
        output_dir=output_dir,
        video_format=get(NAME.video_format, BY_NAME[NAME.video_format].default),
        video_crf=int(get(NAME.video_crf, BY_NAME[NAME.video_crf].default)),
        keep_frames=bool(get("keep_frames", True)),
        depth_models_dir=Path(get("depth_models_dir", default_depth_models_dir())),
        keep_depth_model=bool(get("keep_depth_model", False)),
        presets_dir=Path(get("presets_dir", default_presets_dir())),
        always_on_scripts=bool(get("always_on_scripts", True)),
        input_dirs=_input_dirs(str(get("input_dirs", "")), output_dir),
        allow_urls=bool(get("allow_urls", False)),
        limits=JobLimits(**{limit.key: _positive_int(get(limit.key, limit.default), limit.default)
                            for limit in LIMITS}),
    )


def _positive_int(value: object, default: int) -> int:
    try:
        number = int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return default
    return number if number >= 1 else default


def _input_dirs(extra: str, output_dir: Path) -> tuple[Path, ...]:
    """The WebUI's outputs and inputs in its data folder (from its command line), our output
    folder, the files shipped with our presets (a soundtrack beside its preset) and the folders
    the owner added (both options the API cannot set); never the WebUI's own folder options,
    which any API client can set through /sdapi/v1/options."""
    own = [Path(paths_internal.default_output_dir), output_dir,
           Path(paths_internal.data_path) / "inputs", SHIPPED_PRESETS]
    added = [Path(line.strip()).expanduser() for line in extra.splitlines() if line.strip()]
    return tuple(dict.fromkeys(own + added))
