"""The command-line flags an extension or test may read from ``shared.cmd_opts``."""

import argparse
import os
import shlex

SWITCHES = (
    "api", "nowebui", "skip-install", "skip-prepare-environment", "skip-load-model-at-start",
    "no-hashing", "listen", "share", "enable-insecure-extension-access", "lowvram",
    "medvram", "no-half", "use-cpu", "freeze-settings", "hide-ui-dir-config", "api-log",
    "no-prompt-history", "disable-all-extensions", "disable-extra-extensions",
    "api-server-stop", "add-stop-route", "use-textbox-seed", "no-download-sd-model",
    "no-gradio-queue", "autolaunch",
)
VALUED = {
    "data-dir": None, "models-dir": None, "ckpt": None, "ckpt-dir": None, "vae-dir": None,
    "api-auth": None, "gradio-auth": None, "server-name": None, "port": None,
    "ui-settings-file": None, "ui-config-file": None, "styles-file": None, "device-id": None,
    "freeze-settings-in-sections": None, "freeze-specific-settings": None, "subpath": None,
    "ngrok": None, "gradio-auth-path": None, "cors-allow-origins": None,
    "cors-allow-origins-regex": None, "theme": None,
}
# Repeatable; shared_cmd_options puts the data folder first, as the host's default does.
APPENDED = ("gradio-allowed-path",)

parser = argparse.ArgumentParser()
for flag in SWITCHES:
    parser.add_argument(f"--{flag}", action="store_true")
for flag, default in VALUED.items():
    parser.add_argument(f"--{flag}", type=int if flag == "port" else str, default=default)
for flag in APPENDED:
    parser.add_argument(f"--{flag}", action="append", type=str)


def commandline():
    """fake-only: the arguments, from ``$COMMANDLINE_ARGS`` as the host's launcher reads them."""
    return shlex.split(os.environ.get("COMMANDLINE_ARGS", ""))
