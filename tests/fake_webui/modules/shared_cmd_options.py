"""``cmd_opts``: the parsed command line, after extensions' preload.py added their flags."""

from modules import cmd_args, script_loading
from modules.paths_internal import extensions_builtin_dir, extensions_dir

parser = cmd_args.parser
script_loading.preload_extensions(extensions_dir, parser)
script_loading.preload_extensions(extensions_builtin_dir, parser)
cmd_opts = parser.parse_args(cmd_args.commandline())
cmd_opts.webui_is_non_local = any(
    [cmd_opts.share, cmd_opts.listen, cmd_opts.ngrok, cmd_opts.server_name])
cmd_opts.disable_extension_access = (
    cmd_opts.webui_is_non_local and not cmd_opts.enable_insecure_extension_access)
