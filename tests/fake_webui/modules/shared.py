"""The host's shared globals. ``opts`` and ``state`` are made by ``shared_init.initialize()``;
``sd_model`` is a property of the module that loads the checkpoint on first read."""

import os
import sys
import types
from pathlib import Path

from modules import devices, options, shared_cmd_options
from modules.paths_internal import data_path, models_path, script_path  # noqa: F401

cmd_opts = shared_cmd_options.cmd_opts
parser = shared_cmd_options.parser
OptionInfo = options.OptionInfo
OptionHTML = options.OptionHTML
options_section = options.options_section

config_filename = cmd_opts.ui_settings_file or str(Path(data_path) / "config.json")
styles_filename = [cmd_opts.styles_file or str(Path(data_path) / "styles.csv")]
hf_endpoint = os.getenv("HF_ENDPOINT", "https://huggingface.co")
parallel_processing_allowed = not (cmd_opts.lowvram or cmd_opts.medvram)

options_templates = None
opts = None
restricted_opts = None
state = None
demo = None
device = devices.device
tab_names = []
settings_components = None
sd_upscalers = []
face_restorers = []
hypernetworks = {}
loaded_hypernetworks = []
xformers_available = False


class _NoStyles:
    """The styles database, without any styles."""

    styles = {}

    def apply_styles_to_prompt(self, prompt, styles): return prompt

    def apply_negative_styles_to_prompt(self, prompt, styles):
        return prompt


class _Progressbar:
    def update(self): pass
    def updateTotal(self, new_total):  # noqa: N802  (the host's name)
        pass

    def clear(self):
        pass


prompt_styles = _NoStyles()
total_tqdm = _Progressbar()


def list_checkpoint_tiles(use_short=False):
    from modules import sd_models

    return sd_models.checkpoint_tiles(use_short)


def refresh_checkpoints():
    from modules import sd_models

    return sd_models.list_models()


def list_samplers():
    from modules import sd_samplers

    return sd_samplers.all_samplers


class _SharedModule(types.ModuleType):
    @property
    def sd_model(self):
        from modules import sd_models

        return sd_models.model_data.get_sd_model()

    @sd_model.setter
    def sd_model(self, value):
        from modules import sd_models

        sd_models.model_data.set_sd_model(value)


sys.modules[__name__].__class__ = _SharedModule
