"""Start-up up to (not including) the UI: settings, samplers, extensions, checkpoints, scripts
and the first model load (which the host does in a thread; the fake does it in line)."""


def initialize():
    import modules.gradio_extensons  # noqa: F401  (patches gradio before any UI is made)
    from modules import (
        call_queue,
        extensions,
        options,
        scripts,
        sd_models,
        sd_samplers,
        shared,
        shared_options,
        shared_state,
    )

    shared.restricted_opts = shared_options.restricted_opts
    shared.opts = options.Options(shared_options.options_templates, shared.restricted_opts)
    shared.opts.load(shared.config_filename)
    shared.state = shared_state.State()
    sd_samplers.set_samplers()
    extensions.list_extensions()
    sd_models.setup_model()
    sd_models.list_models()
    scripts.load_scripts()
    if not shared.cmd_opts.skip_load_model_at_start:
        sd_models.model_data.get_sd_model()
    shared.opts.onchange("sd_model_checkpoint", call_queue.wrap_queued_call(
        lambda: sd_models.reload_model_weights()), call=False)
