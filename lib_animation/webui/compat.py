"""Differences between WebUI versions and forks, in one place: AUTOMATIC1111 1.9+ (the target),
older A1111, Forge (gradio 4, pydantic 2) and SD.Next (no scheduler field, its own schedulers).

`problems()` lists what keeps Keyframes from working in this WebUI, each with how to fix it; the
entry script shows them in the tab and the API instead of failing at load.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

REQUIRED_MODULES = {  # import name -> what to install
    "cv2": "opencv-python-headless", "av": "av", "skimage": "scikit-image",
    "matplotlib": "matplotlib",
}  # fmt: skip
GRADIO_MAJOR = 3


@dataclass(frozen=True)
class Problem:
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.what} ({self.fix})"


def flavour() -> str:
    """'forge', 'sdnext' or 'a1111'."""
    if importlib.util.find_spec("modules_forge") is not None:
        return "forge"
    from modules import shared

    if hasattr(shared, "native") or importlib.util.find_spec("modules.sd_checkpoint"):
        return "sdnext"
    return "a1111"


def problems() -> list[Problem]:
    """What is missing or unsupported here; empty when Keyframes can run."""
    found = [Problem(f"Python package {package} is missing",
                     f"restart the WebUI so install.py installs it, or run: pip install "
                     f"{package}")
             for module, package in REQUIRED_MODULES.items()
             if importlib.util.find_spec(module) is None]
    import gradio

    major = int(str(gradio.__version__).split(".")[0])
    if major != GRADIO_MAJOR:
        found.append(Problem(
            f"this WebUI runs gradio {gradio.__version__}; the Keyframes tab is built for "
            f"gradio {GRADIO_MAJOR} (AUTOMATIC1111 1.x)",
            "render from the command line with --host webui, or use AUTOMATIC1111 1.10"))
    if flavour() == "sdnext":
        found.append(Problem(
            "SD.Next's processing differs (no scheduler field, diffusers samplers)",
            "use AUTOMATIC1111 1.10, or render with the command line's --host webui"))
    return found


def schedulers() -> list[tuple[str, str]]:
    """(name, label) of every scheduler; none before A1111 1.9 and in SD.Next."""
    try:
        module = importlib.import_module("modules.sd_schedulers")
    except ImportError:
        return []
    return [(scheduler.name, scheduler.label) for scheduler in module.schedulers]


def supported_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """The generation fields without `scheduler` where the WebUI has no such field."""
    if schedulers():
        return dict(fields)
    return {key: value for key, value in fields.items() if key != "scheduler"}


def runner_ready(runner: Any) -> bool:
    """Whether a script runner's UI was built, so its scripts' default arguments are known."""
    inputs = getattr(runner, "inputs", None)
    return bool(getattr(runner, "scripts", None)) and isinstance(inputs, list) and len(inputs) > 1


def default_script_args(runner: Any) -> list[Any]:
    """Every script's arguments at their UI defaults, no selectable script chosen: what the
    WebUI's API builds for a request that names no scripts."""
    size = max([1, *(getattr(script, "args_to", 0) or 0 for script in runner.scripts)])
    args: list[Any] = [None] * size
    args[0] = 0
    for index, component in enumerate(runner.inputs[1:size], start=1):
        args[index] = getattr(component, "value", None)
    return args


def seed_global_generator(seed: int) -> None:
    """The WebUI's img2img encodes its init image with a VAE sample drawn from torch's global
    generator; seeding it per frame makes each frame independent of what ran before it."""
    import torch

    torch.manual_seed(seed % 2**63)
