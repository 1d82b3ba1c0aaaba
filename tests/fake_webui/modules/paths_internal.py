"""Where things live: the fake root is the webui root; ``--data-dir`` moves the rest."""

import argparse
from pathlib import Path

from modules import cmd_args

script_path = str(Path(__file__).resolve().parents[1])
_early = argparse.ArgumentParser(add_help=False)
_early.add_argument("--data-dir", default=None)
_early.add_argument("--models-dir", default=None)
_known, _ = _early.parse_known_args(cmd_args.commandline())

data_path = str(Path(_known.data_dir or script_path).resolve())
models_path = _known.models_dir or str(Path(data_path) / "models")
extensions_dir = str(Path(data_path) / "extensions")
extensions_builtin_dir = str(Path(script_path) / "extensions-builtin")
config_states_dir = str(Path(script_path) / "config_states")
default_output_dir = str(Path(data_path) / "outputs")
modules_path = str(Path(script_path) / "modules")
