"""Extension scripts: the ``Script`` base class, loading ``scripts/*.py`` by file path, and the
``ScriptRunner`` that builds their UI and calls their hooks during processing."""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from modules import errors, paths, script_callbacks, script_loading, scripts_postprocessing

AlwaysVisible = object()


@dataclass
class MaskBlendArgs:
    current_latent: Any
    nmask: Any
    init_latent: Any
    mask: Any
    blended_latent: Any
    denoiser: Any = None
    sigma: Any = None
    is_final_blend: bool = False


@dataclass
class PostSampleArgs:
    samples: Any


@dataclass
class PostprocessImageArgs:
    image: Any


@dataclass
class PostProcessMaskOverlayArgs:
    index: int
    mask_for_overlay: Any
    overlay_image: Any


@dataclass
class PostprocessBatchListArgs:
    images: list


@dataclass
class OnComponent:
    component: Any


class Script:
    name = None
    section = None
    filename = None
    args_from = None
    args_to = None
    alwayson = False
    is_txt2img = False
    is_img2img = False
    tabname = None
    group = None
    create_group = True
    infotext_fields = None
    paste_field_names = None
    api_info = None
    setup_for_ui_only = False
    controls = None
    on_before_component_elem_id = None
    on_after_component_elem_id = None

    def title(self):
        raise NotImplementedError()

    def ui(self, is_img2img): pass
    def show(self, is_img2img): return True
    def run(self, p, *args): pass
    def setup(self, p, *args): pass
    def before_process(self, p, *args): pass
    def process(self, p, *args): pass
    def before_process_batch(self, p, *args, **kwargs): pass
    def after_extra_networks_activate(self, p, *args, **kwargs): pass
    def process_before_every_sampling(self, p, *args, **kwargs): pass
    def process_batch(self, p, *args, **kwargs): pass
    def postprocess_batch(self, p, *args, **kwargs): pass
    def postprocess_batch_list(self, p, pp: PostprocessBatchListArgs, *args, **kwargs): pass
    def on_mask_blend(self, p, mba: MaskBlendArgs, *args): pass
    def post_sample(self, p, ps: PostSampleArgs, *args): pass
    def postprocess_image(self, p, pp: PostprocessImageArgs, *args): pass
    def postprocess_maskoverlay(self, p, ppmo: PostProcessMaskOverlayArgs, *args): pass
    def postprocess_image_after_composite(self, p, pp: PostprocessImageArgs, *args): pass
    def postprocess(self, p, processed, *args): pass
    def before_component(self, component, **kwargs): pass
    def after_component(self, component, **kwargs): pass

    def on_before_component(self, callback, *, elem_id):
        self.on_before_component_elem_id = [
            *(self.on_before_component_elem_id or []), (elem_id, callback)]

    def on_after_component(self, callback, *, elem_id):
        self.on_after_component_elem_id = [
            *(self.on_after_component_elem_id or []), (elem_id, callback)]

    def describe(self): return ""

    def elem_id(self, item_id):
        """``script_[<tab>_]<title>_<item_id>`` with the title made id-safe."""
        tab = [t for t, on in (("txt2img", self.is_txt2img), ("img2img", self.is_img2img)) if on]
        title = "".join(c if c.isalnum() else "_" for c in self.title().lower())
        return "_".join(["script", *tab, title, item_id])

    def before_hr(self, p, *args):
        pass


class ScriptBuiltinUI(Script):
    setup_for_ui_only = True

    def elem_id(self, item_id): return f"{self.tabname}_{item_id}" if self.tabname else item_id

    def show(self, is_img2img):
        return AlwaysVisible


current_basedir = paths.script_path


def basedir():
    """The extension folder of the script being loaded (the webui root otherwise)."""
    return current_basedir


@dataclass
class ScriptFile:
    basedir: str
    filename: str
    path: str


@dataclass
class ScriptClassData:
    script_class: type
    path: str
    basedir: str
    module: Any


scripts_data: list[ScriptClassData] = []
postprocessing_scripts_data: list[ScriptClassData] = []


def list_scripts(scriptdirname, extension, *, include_extensions=True):
    from modules import extensions

    found = []
    own = Path(paths.script_path) / scriptdirname
    if own.is_dir():
        found += [ScriptFile(paths.script_path, p.name, str(p)) for p in sorted(own.iterdir())]
    if include_extensions:
        for ext in sorted(extensions.active(), key=lambda e: e.name):
            found += [ScriptFile(ext.path, Path(f).name, f)
                      for f in ext.list_files(scriptdirname, extension)]
    return [f for f in found if Path(f.path).suffix == extension and Path(f.path).is_file()]


def list_files_with_name(filename):
    """``filename`` in the WebUI root and in each active extension's folder, where it is."""
    from modules import extensions

    folders = [paths.script_path, *(ext.path for ext in extensions.active())]
    return [str(Path(folder) / filename) for folder in folders
            if (Path(folder) / filename).is_file()]


def load_scripts():
    """Runs every script file by path, with its extension folder first on ``sys.path``, and
    records the ``Script`` subclasses it defines; the callbacks registered before are dropped
    first, and the script runners are made anew."""
    global current_basedir
    scripts_data.clear()
    postprocessing_scripts_data.clear()
    script_callbacks.clear_callbacks()
    files = list_scripts("scripts", ".py") + list_scripts(
        "modules/processing_scripts", ".py", include_extensions=False)
    for file in files:
        sys.path.insert(0, file.basedir)
        current_basedir = file.basedir
        try:
            module = script_loading.load_module(file.path)
        except Exception:
            errors.report(f"Error loading script: {file.filename}", exc_info=True)
            continue
        finally:
            sys.path.remove(file.basedir)
            current_basedir = paths.script_path
        for thing in list(vars(module).values()):
            if not inspect.isclass(thing) or thing in BASES:
                continue
            data = ScriptClassData(thing, file.path, file.basedir, module)
            if issubclass(thing, Script):
                scripts_data.append(data)
            elif issubclass(thing, scripts_postprocessing.ScriptPostprocessing):
                postprocessing_scripts_data.append(data)
    global scripts_txt2img, scripts_img2img, scripts_postproc
    scripts_txt2img = ScriptRunner()
    scripts_img2img = ScriptRunner()
    scripts_postproc = scripts_postprocessing.ScriptPostprocessingRunner()


BASES = (Script, ScriptBuiltinUI, scripts_postprocessing.ScriptPostprocessing)
# Built-in scripts set their UI up in these sections, in this order; section-less ones last.
SECTIONS = ("prompt", "image", "inpaint", "sampler", "accordions", "checkboxes", "dimensions",
            "cfg", "denoising", "seed", "batch", "override_settings")


class ScriptRunner:
    def __init__(self):
        self.scripts = []
        self.selectable_scripts = []
        self.alwayson_scripts = []
        self.titles = []
        self.title_map = {}
        self.infotext_fields = []
        self.paste_field_names = []
        self.inputs = [None]
        self.is_img2img = False
        self.script_load_ctr = 0

    def initialize_scripts(self, is_img2img):
        self.__init__()
        self.is_img2img = is_img2img
        for data in scripts_data:
            script = data.script_class()
            script.filename = data.path
            script.is_txt2img = not is_img2img
            script.is_img2img = is_img2img
            script.tabname = "img2img" if is_img2img else "txt2img"
            shown = script.show(is_img2img)
            if shown is AlwaysVisible:
                script.alwayson = True
                self.alwayson_scripts.append(script)
            elif shown:
                self.selectable_scripts.append(script)
            else:
                continue
            self.scripts.append(script)

    def create_script_ui(self, script):
        script.name = (script.title() or Path(script.filename).name).lower()
        script.args_from = script.args_to = len(self.inputs)
        try:
            controls = script.ui(script.is_img2img)
        except Exception:
            errors.report(f"Error creating UI for {script.name}", exc_info=True)
            controls = None
        script.controls = list(controls or [])
        self.inputs.extend(script.controls)
        script.args_to = len(self.inputs)

    def setup_ui_for_section(self, section, scriptlist=None):
        for script in scriptlist or self.alwayson_scripts:
            if script.alwayson and script.section == section:
                if script.create_group:
                    with gr.Group(visible=True) as group:
                        self.create_script_ui(script)
                    script.group = group
                else:
                    self.create_script_ui(script)

    def prepare_ui(self):
        self.inputs = [None]

    def setup_ui(self):
        self.title_map = {s.title().lower(): s for s in self.scripts}
        self.titles = [s.title() for s in self.selectable_scripts]
        dropdown = gr.Dropdown(label="Script", choices=["None", *self.titles], value="None",
                               type="index")
        self.inputs[0] = dropdown
        for script in self.selectable_scripts:
            with gr.Group(visible=False) as group:
                self.create_script_ui(script)
            script.group = group
        self.setup_ui_for_section(None)
        return self.inputs

    def build_ui(self):
        """fake-only: the host's order of sections, then the "Script" dropdown and the rest."""
        self.prepare_ui()
        for section in SECTIONS:
            self.setup_ui_for_section(section)
        self.setup_ui()

    def run(self, p, *args):
        index = args[0] if args else 0
        if not index:
            return None
        script = self.selectable_scripts[index - 1]
        return script.run(p, *args[script.args_from:script.args_to])

    def _each(self, hook, p, *lead, **kwargs):
        for script in self.alwayson_scripts:
            try:
                own = p.script_args[script.args_from:script.args_to]
                getattr(script, hook)(p, *lead, *own, **kwargs)
            except Exception:
                errors.report(f"Error running {hook}: {script.filename}", exc_info=True)

    def setup_scrips(self, p, *, is_ui=True):
        for script in self.alwayson_scripts:
            if not is_ui and script.setup_for_ui_only:
                continue
            try:
                script.setup(p, *p.script_args[script.args_from:script.args_to])
            except Exception:
                errors.report(f"Error running setup: {script.filename}", exc_info=True)

    def before_process(self, p): self._each("before_process", p)
    def process(self, p): self._each("process", p)

    def process_before_every_sampling(self, p, **kwargs):
        self._each("process_before_every_sampling", p, **kwargs)

    def before_process_batch(self, p, **kwargs): self._each("before_process_batch", p, **kwargs)

    def after_extra_networks_activate(self, p, **kwargs):
        self._each("after_extra_networks_activate", p, **kwargs)

    def process_batch(self, p, **kwargs): self._each("process_batch", p, **kwargs)
    def post_sample(self, p, ps): self._each("post_sample", p, ps)

    def postprocess_batch(self, p, images, **kwargs):
        self._each("postprocess_batch", p, images=images, **kwargs)

    def postprocess_batch_list(self, p, pp, **kwargs):
        self._each("postprocess_batch_list", p, pp, **kwargs)

    def postprocess_image(self, p, pp): self._each("postprocess_image", p, pp)
    def postprocess_maskoverlay(self, p, ppmo): self._each("postprocess_maskoverlay", p, ppmo)

    def postprocess_image_after_composite(self, p, pp):
        self._each("postprocess_image_after_composite", p, pp)

    def on_mask_blend(self, p, mba): self._each("on_mask_blend", p, mba)
    def postprocess(self, p, processed): self._each("postprocess", p, processed)
    def before_hr(self, p): self._each("before_hr", p)

    def _component_hooks(self, which, component, **kwargs):
        elem_id = kwargs.get("elem_id")
        for script in self.scripts:
            try:
                getattr(script, which)(component, **kwargs)
                for wanted, callback in getattr(script, f"on_{which}_elem_id") or []:
                    if wanted == elem_id:
                        callback(OnComponent(component=component))
            except Exception:
                errors.report(f"Error running {which}: {script.filename}", exc_info=True)

    def before_component(self, component, **kwargs):
        self._component_hooks("before_component", component, **kwargs)

    def after_component(self, component, **kwargs):
        self._component_hooks("after_component", component, **kwargs)

    def set_named_arg(self, args, script_name, arg_elem_id, value, fuzzy=False):
        """Puts ``value`` into the ``args`` slot of the named script's control ``arg_elem_id``."""
        script = next((s for s in self.scripts if s.name == script_name), None)
        if script is None:
            raise RuntimeError(f"script {script_name} not found")
        for index, control in enumerate(script.controls or []):
            found = getattr(control, "elem_id", None) or ""
            if found == arg_elem_id or (fuzzy and arg_elem_id in found):
                args = list(args)
                args[script.args_from + index] = value
                return args
        raise RuntimeError(f"arg_elem_id {arg_elem_id} not found in script {script_name}")


# New runners are made by every load_scripts() (so Reload UI replaces them).
scripts_txt2img: ScriptRunner = None
scripts_img2img: ScriptRunner = None
scripts_postproc: scripts_postprocessing.ScriptPostprocessingRunner = None
scripts_current: ScriptRunner = None
