"""The ControlNet extension in process, through its public API for other extensions: its
`external_code` module (`ControlNetUnit`, `update_cn_script_in_processing`, `get_models`,
`get_modules`, `find_cn_script`).

The module is the one the extension itself loaded (found among the loaded modules, inside an
active extension's folder), so its unit type is the very one the extension's script reads,
whatever the extension's folder is called and wherever the WebUI keeps its extensions.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from modules import extensions

from lib_animation.control_units import ControlNetNames, ControlUnit

PUBLIC_NAMES = ("ControlNetUnit", "update_cn_script_in_processing", "get_models",
                "get_modules", "find_cn_script")


def external_code() -> ModuleType | None:
    """The ControlNet extension's `external_code` module, or None without the extension."""
    folders = []
    for extension in extensions.active():
        try:
            folders.append(Path(extension.path).resolve())
        except OSError:
            continue
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not file or Path(file).name != "external_code.py":
            continue
        if not all(hasattr(module, name) for name in PUBLIC_NAMES):
            continue
        path = Path(file).resolve()
        if any(folder in path.parents for folder in folders):
            return module
    return None


def controlnet_names(runner: Any) -> ControlNetNames | None:
    """The extension's models, preprocessors and unit slots in `runner` (img2img's), or None
    when the extension is missing or its script is not among the runner's."""
    code = external_code()
    script = None if code is None else code.find_cn_script(runner)
    if script is None or script.args_from is None or script.args_to is None:
        return None
    return ControlNetNames(models=tuple(code.get_models()), modules=tuple(code.get_modules()),
                           unit_count=script.args_to - script.args_from)


def model_list() -> list[str]:
    code = external_code()
    return [] if code is None else list(code.get_models(update=True))


def module_list() -> list[str]:
    code = external_code()
    return [] if code is None else list(code.get_modules())


def only_controlnet(runner: Any) -> Any:
    """A copy of the (shared) script runner whose only always-on script is the extension's:
    the units run while the user keeps other extensions' always-on scripts off."""
    copied = copy.copy(runner)
    copied.alwayson_scripts = [external_code().find_cn_script(runner)]
    return copied


def attach_units(p: Any, units: Sequence[ControlUnit]) -> None:
    """Put the units on the processing object `p`, whose scripts and their arguments are set:
    the extension's own call fills its script's arguments."""
    code = external_code()
    code.update_cn_script_in_processing(p, [_extension_unit(code, unit) for unit in units])


def _extension_unit(code: ModuleType, unit: ControlUnit) -> Any:
    extra = {} if unit.mask is None else {"mask": unit.mask}
    return code.ControlNetUnit(**unit.fields(), image=unit.image, **extra)
