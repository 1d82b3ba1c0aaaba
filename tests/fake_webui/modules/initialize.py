"""Start-up up to (not including) the UI. ``initialize()`` runs once per process;
``initialize_rest()`` is its second half, which Reload UI runs again: samplers, extensions,
checkpoints, upscalers, extension scripts (their callbacks registered anew) and the model
(which the host loads in a thread; the fake loads it in line unless told the load takes time,
and a reload keeps the loaded one)."""

import importlib
import os
import sys
import threading


def initialize():
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import modules.gradio_extensons  # noqa: F401  (patches gradio before any UI is made)
    from modules import initialize_util, sd_models, shared_init

    shared_init.initialize()
    initialize_util.configure_opts_onchange()
    sd_models.setup_model()
    initialize_rest(reload_script_modules=False)


def initialize_rest(*, reload_script_modules=False):
    from modules import extensions, modelloader, scripts, sd_models, sd_samplers, shared

    sd_samplers.set_samplers()
    extensions.list_extensions()
    sd_models.list_models()
    modelloader.load_upscalers()
    scripts.load_scripts()
    if reload_script_modules and shared.opts.enable_reloading_ui_scripts:
        for module in [m for name, m in sys.modules.items() if name.startswith("modules.ui")]:
            importlib.reload(module)
    if not shared.cmd_opts.skip_load_model_at_start:
        if sd_models.model_load_seconds() > 0:
            threading.Thread(target=sd_models.model_data.get_sd_model, daemon=True).start()
        else:
            sd_models.model_data.get_sd_model()
