"""The architecture as layers: the modules of each layer and the layers each may import.

Layers are listed top to bottom and import only layers below them, so no import circles between
layers. The README's architecture picture is drawn from this table, and a test holds the code's
imports to it: a new module joins a layer here, and a new kind of import changes the picture.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    name: str
    what: str
    modules: tuple[str, ...]  # under lib_animation/: a module as "cli.py", a package as "runs/"
    imports: tuple[str, ...] = ()  # names of the layers below that it may import


LAYERS = (
    Layer("faces", "the command line and the WebUI adapter",
          ("cli.py", "render_cli.py", "batch_cli.py", "__main__.py", "webui/"),
          ("batches", "runs", "settings", "plan", "hosts", "declaration", "grammar", "base")),
    Layer("batches", "batches and sweeps over the run service; their summary and contact sheet",
          ("batches/",),
          ("runs", "loop", "settings", "hosts", "files", "declaration", "base")),
    Layer("runs", "a run's life: start, open, render, finish, state; the faces' one path",
          ("runs/",),
          ("loop", "interpolation", "settings", "plan", "audio", "hosts", "output", "inputs",
           "pixels", "declaration", "files", "base")),
    Layer("interpolation", "frames between frames after a render: optical flow, RIFE, FILM",
          ("interpolation/",),
          ("output", "inputs", "pixels", "files", "base")),
    Layer("loop", "the frame loop, and each frame's motion and host request read from the plan",
          ("render.py", "render_options.py", "render_progress.py", "frame_motions.py",
           "frame_requests.py", "frame_masks.py", "frame_hybrid.py", "controlnet/"),
          ("plan", "hosts", "output", "inputs", "pixels", "declaration", "grammar", "files",
           "base")),
    Layer("settings", "settings files, Deforum files, presets, run folder names, sent jobs",
          ("settings_files.py", "deforum_import.py", "presets.py", "batch_name.py",
           "job_settings.py"),
          ("plan", "inputs", "declaration", "grammar", "files", "base")),
    Layer("plan", "settings -> every per-frame value: schedules, prompts, seeds; curves",
          ("plan.py", "parseq_import.py", "prompts.py", "seeds.py", "curves.py",
           "mask_checks.py", "guide_schedule.py", "audio_schedules.py"),
          ("audio", "declaration", "grammar", "base")),
    Layer("audio", "a soundtrack decoded once and analysed into per-frame curves",
          ("audio/",),
          ("inputs", "base")),
    Layer("hosts", "the Host protocol, the preview host, a WebUI over HTTP",
          ("host.py", "http_host.py", "host_names.py", "generation_fields.py",
           "control_units.py"),
          ("declaration", "base")),
    Layer("output", "writes a run (frames, manifest, video, report); reads only the soundtrack",
          ("output/",),
          ("inputs", "files", "base")),
    Layer("inputs", "reads the files a run reads, before frame 0",
          ("inputs/",),
          ("declaration", "grammar", "files", "base")),
    Layer("pixels", "moves and treats images: numbers in, pixels out",
          ("motion/", "imaging/"),
          ("base",)),
    Layer("declaration", "every setting, declared once; the docs and this table drawn from it",
          ("schema.py", "setting_kinds.py", "audio_variables.py", "docs.py", "layers.py",
           "controlnet_settings.py"),
          ("grammar", "base")),
    Layer("grammar", "schedule, prompt, guide-image and mask expression syntax",
          ("schedule/", "prompt_entries.py", "guide_entries.py", "mask_grammar/"),
          ("base",)),
    Layer("files", "frame file names and PNGs, atomic writes",
          ("png_frames.py", "atomic_files.py"),
          ("base",)),
    Layer("base", "errors and numbers",
          ("errors.py", "numbers.py")),
)
