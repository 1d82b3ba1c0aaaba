"""``cmd_opts``: the parsed command line, after extensions' preload.py added their flags, with
the host's two derived flags: ``webui_is_non_local`` (reachable from other machines: --share,
--listen, --ngrok or a --server-name) and ``disable_extension_access`` (then, unless
--enable-insecure-extension-access)."""

from modules import cmd_args, script_loading
from modules.paths_internal import data_path, extensions_builtin_dir, extensions_dir

parser = cmd_args.parser
parser.set_defaults(gradio_allowed_path=[data_path])
script_loading.preload_extensions(extensions_dir, parser)
script_loading.preload_extensions(extensions_builtin_dir, parser)
cmd_opts = parser.parse_args(cmd_args.commandline())
cmd_opts.webui_is_non_local = any(
    [cmd_opts.share, cmd_opts.listen, cmd_opts.ngrok, cmd_opts.server_name])
cmd_opts.disable_extension_access = (
    cmd_opts.webui_is_non_local and not cmd_opts.enable_insecure_extension_access)
