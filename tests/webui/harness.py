"""Starting the fake WebUI with Keyframes installed, and waiting for jobs."""

from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).resolve().parent / "probe_extension"
CONTROLNET = ROOT / "tests" / "fake_webui" / "controlnet_extension"
SMALL = {"W": 64, "H": 64, "steps": 4, "max_frames": 6, "diffusion_cadence": 2, "seed": 11,
         "animation_prompts": {"0": "a red fox"}, "video_format": "none"}


def start(fake_webui, *args: str, probe: bool = False, controlnet: bool = False):
    extensions = {"keyframes": ROOT}
    if probe:
        extensions["probe"] = PROBE
    if controlnet:
        extensions["sd-webui-controlnet"] = CONTROLNET
    return fake_webui(extensions=extensions, args=["--api", *args])


class ProbeState:
    """The probe extension's globals (the WebUI loads script files without registering them
    in sys.modules)."""

    def __init__(self, script) -> None:
        self.script = script
        self.globals = type(script).process.__globals__

    @property
    def SEEN(self) -> list:  # noqa: N802 - the probe's own name
        return self.globals["SEEN"]

    @property
    def ACTIONS(self) -> dict:  # noqa: N802 - the probe's own name
        return self.globals["ACTIONS"]


def probe_module() -> ProbeState:
    from modules import scripts

    script = next(s for s in scripts.scripts_img2img.alwayson_scripts
                  if s.title() == "Keyframes test probe")
    return ProbeState(script)


def manager():
    from lib_animation.webui.entry import job_manager

    return job_manager()


def wait(job_id: str, timeout: float = 60.0):
    """The job once it is no longer queued or running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = manager().get(job_id)
        if job.state not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {manager().get(job_id).state}")
