"""install.py reads the runtime requirements from pyproject.toml."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _install_module():
    spec = importlib.util.spec_from_file_location("keyframes_install", ROOT / "install.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_runtime_requirements_come_from_pyproject():
    install = _install_module()
    requirements = install.runtime_requirements((ROOT / "pyproject.toml").read_text())
    names = [install.distribution_name(r) for r in requirements]
    assert "av" in names and "numpy" in names
    assert "pytest" not in names


def test_present_modules_are_not_reinstalled():
    install = _install_module()
    assert install.is_present("numpy>=1.26.2")
    assert install.is_present("opencv-python-headless>=4.8")
    assert not install.is_present("surely-not-a-package-keyframes>=1")
