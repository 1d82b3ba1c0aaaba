"""Running a Python file as a module that is not put in ``sys.modules``."""

import importlib.util
from pathlib import Path

from modules import errors


def load_module(path):
    spec = importlib.util.spec_from_file_location(Path(path).name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def preload_extensions(extensions_dir, parser, extension_list=None):
    """Calls ``preload(parser)`` of each extension's preload.py, so it can add flags."""
    root = Path(extensions_dir)
    if not root.is_dir():
        return
    names = sorted(extension_list if extension_list is not None else
                   [p.name for p in root.iterdir()])
    for name in names:
        preload = root / name / "preload.py"
        if not preload.is_file():
            continue
        try:
            module = load_module(str(preload))
            if hasattr(module, "preload"):
                module.preload(parser)
        except Exception:
            errors.report(f"Error running preload() for {preload}", exc_info=True)
