"""Re-exports of the folder names, as the host's ``modules/paths.py`` offers them."""

from modules.paths_internal import (  # noqa: F401
    data_path,
    extensions_builtin_dir,
    extensions_dir,
    models_path,
    script_path,
)

sd_path = script_path
