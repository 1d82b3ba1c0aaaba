"""Launcher helpers. fake-only: ``run_pip`` never runs pip; it records the command line in
``pip_commands`` and in the file ``$FAKE_WEBUI_PIP_LOG`` (so install.py subprocesses count too).
"""

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from modules import cmd_args
from modules.paths_internal import extensions_dir, script_path

args, _ = cmd_args.parser.parse_known_args(cmd_args.commandline())
python = sys.executable
git = os.environ.get("GIT", "git")
index_url = os.environ.get("INDEX_URL", "")
dir_repos = "repositories"
pip_commands: list[str] = []  # fake-only


def commit_hash():
    return "82a973c04367123ae98bd9abdf80d9eda9b910e2"


def git_tag():
    return "v1.10.1"


def run(command, desc=None, errdesc=None, custom_env=None, live: bool = False) -> str:
    if desc:
        print(desc)
    done = subprocess.run(command, shell=True, env=custom_env or os.environ,
                          capture_output=not live, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{errdesc or 'Error running command'}.\nCommand: {command}\n"
                           f"Error code: {done.returncode}\n{done.stdout or ''}"
                           f"{done.stderr or ''}")
    return done.stdout or ""


def is_installed(package):
    try:
        return importlib.metadata.distribution(package) is not None
    except importlib.metadata.PackageNotFoundError:
        try:
            return importlib.util.find_spec(package) is not None
        except (ModuleNotFoundError, ValueError):
            return False


def repo_dir(name):
    return str(Path(script_path) / dir_repos / name)


def run_pip(command, desc=None, live=False):
    if args.skip_install:
        return None
    line = f'"{python}" -m pip {command} --prefer-binary'
    if index_url:
        line += f" --index-url {index_url}"
    if desc:
        print(f"Installing {desc}")
    pip_commands.append(line)
    log = os.environ.get("FAKE_WEBUI_PIP_LOG")
    if log:
        with open(log, "a", encoding="utf8") as out:
            out.write(line + "\n")
    return ""


def git_clone(url, dir, name, commithash=None):
    if not Path(dir).exists():
        raise RuntimeError(f"the fake host cannot clone {name} from {url}")


def list_extensions(settings_file=None):
    root = Path(extensions_dir)
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def run_extension_installer(extension_dir):
    """install.py in a subprocess with the webui root on PYTHONPATH; failures are printed."""
    installer = Path(extension_dir) / "install.py"
    if not installer.is_file():
        return
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [script_path, env.get("PYTHONPATH")]))
    try:
        print(run(f'"{python}" "{installer}"', custom_env=env,
                  errdesc=f"Error running install.py for extension {extension_dir}"))
    except RuntimeError as error:
        print(error, file=sys.stderr)
