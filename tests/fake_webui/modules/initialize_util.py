"""Start-up helpers: the server name and logins the page is launched with, the settings whose
change reloads the model, and the app's middleware."""

from modules.shared_cmd_options import cmd_opts


def gradio_server_name():
    """``--server-name``, else ``"0.0.0.0"`` with ``--listen``, else None (gradio's own
    default, 127.0.0.1)."""
    if cmd_opts.server_name:
        return cmd_opts.server_name
    return "0.0.0.0" if cmd_opts.listen else None


def _credential(text):
    text = text.strip()
    return tuple(text.split(":", 1)) if text else None


def get_gradio_auth_creds():
    """(user, password) pairs from ``--gradio-auth "u1:p1,u2:p2"`` and the lines of the file
    ``--gradio-auth-path``."""
    lines = [cmd_opts.gradio_auth] if cmd_opts.gradio_auth else []
    if cmd_opts.gradio_auth_path:
        with open(cmd_opts.gradio_auth_path, encoding="utf8") as file:
            lines += [line.strip() for line in file]
    for line in lines:
        for found in map(_credential, line.split(",")):
            if found:
                yield found


def configure_opts_onchange():
    from modules import call_queue, sd_models, shared

    shared.opts.onchange("sd_model_checkpoint", call_queue.wrap_queued_call(
        lambda: sd_models.reload_model_weights()), call=False)


def setup_middleware(app):
    """Rebuilds the app's middleware: gzip for responses of 1000 bytes and more, then CORS
    (no other origin is allowed unless ``--cors-allow-origins[-regex]`` names it)."""
    from starlette.middleware.gzip import GZipMiddleware

    app.middleware_stack = None
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    configure_cors_middleware(app)
    app.build_middleware_stack()


def configure_cors_middleware(app):
    from starlette.middleware.cors import CORSMiddleware

    options = {"allow_methods": ["*"], "allow_headers": ["*"], "allow_credentials": True}
    if cmd_opts.cors_allow_origins:
        options["allow_origins"] = cmd_opts.cors_allow_origins.split(",")
    if cmd_opts.cors_allow_origins_regex:
        options["allow_origin_regex"] = cmd_opts.cors_allow_origins_regex
    app.add_middleware(CORSMiddleware, **options)
