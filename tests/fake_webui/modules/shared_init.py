"""``initialize()``: the shared globals made once per process, before anything else starts:
the settings (read from config.json) and the job state."""

from modules import shared


def initialize():
    from modules import options, shared_options, shared_state

    shared.options_templates = shared_options.options_templates
    shared.opts = options.Options(shared_options.options_templates,
                                  shared_options.restricted_opts)
    shared.restricted_opts = shared_options.restricted_opts
    shared.opts.load(shared.config_filename)
    shared.state = shared_state.State()
