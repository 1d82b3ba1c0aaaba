"""WebUI install hook: installs the runtime requirements the host does not already have.

The WebUI runs this file at start-up with its own Python (it never reads requirements.txt). The
requirements are read from pyproject.toml, the one place they are declared. Packages the host
already has are left alone, whatever their version: the host's pins win.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent / "pyproject.toml"

# Distribution name -> the module it provides, where they differ.
MODULE_OF = {
    "opencv-python-headless": "cv2",
    "pillow": "PIL",
    "scikit-image": "skimage",
}


def runtime_requirements(pyproject_text: str) -> list[str]:
    """The `dependencies = [...]` list of [project], without needing a TOML library."""
    project = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", pyproject_text, re.M | re.S)
    if project is None:
        return []
    block = re.search(r"^dependencies\s*=\s*\[(.*?)\]", project.group(1), re.M | re.S)
    if block is None:
        return []
    return re.findall(r"\"([^\"]+)\"", block.group(1))


def distribution_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].strip()


def is_present(requirement: str) -> bool:
    name = distribution_name(requirement)
    module = MODULE_OF.get(name.lower(), name.replace("-", "_"))
    return importlib.util.find_spec(module) is not None


def main() -> None:
    import launch

    for requirement in runtime_requirements(PYPROJECT.read_text(encoding="utf-8")):
        if is_present(requirement) or launch.is_installed(distribution_name(requirement)):
            continue
        launch.run_pip(f'install "{requirement}"', f"Keyframes requirement: {requirement}")


if __name__ == "__main__":
    main()
