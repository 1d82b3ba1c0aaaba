"""The run service: start, open (resume), render with stop and progress, finish, read state."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from lib_animation.errors import KeyframesError, RenderError, SettingsError
from lib_animation.host import FrameRequest, GenerationInterrupted, NamesInUse, PreviewHost
from lib_animation.output.manifest import read_frame_log
from lib_animation.png_frames import complete_frames, frame_path, read_frame
from lib_animation.runs import (
    finish_run,
    open_run,
    read_run_state,
    render_run,
    start_run,
)
from lib_animation.schema import Settings

QUIET = {
    "W": 64, "H": 64, "seed": 7, "noise_schedule": "0:(0)", "contrast_schedule": "0:(1)",
    "amount_schedule": "0:(0)", "color_coherence": "None", "zoom": "0:(1)",
    "video_format": "none", "max_frames": 6, "diffusion_cadence": 1, "batch_name": "run",
}  # fmt: skip


class EchoHost(PreviewHost):
    """Gives back the init image unchanged (plus `offset` grey levels): frame t is exactly the
    warped frame t-1 moved by `offset`."""

    def __init__(self, offset: int = 0, known_samplers: set[str] | None = None) -> None:
        super().__init__()
        self.offset = offset
        self.known_samplers = known_samplers
        self.checked: list[NamesInUse] = []

    def generate(self, request: FrameRequest) -> np.ndarray:
        if request.init_image is None:
            rng = np.random.default_rng(request.seed)
            return rng.integers(40, 200, (request.height, request.width, 3), dtype=np.uint8)
        return np.clip(request.init_image.astype(np.int16) + self.offset, 0, 255).astype(np.uint8)

    def check_names(self, names: NamesInUse) -> None:
        self.checked.append(names)
        if self.known_samplers is not None and not names.samplers <= self.known_samplers:
            raise RenderError("the host has no such sampler", setting="sampler")


def test_a_new_run_checks_names_once_and_renders_every_frame(tmp_path):
    host = EchoHost()
    run = start_run(Settings(QUIET), tmp_path / "out", host)
    result = render_run(run, host)
    assert len(host.checked) == 1
    assert result.completed == 6 and not result.interrupted
    assert complete_frames(run.folder) == list(range(6))
    assert read_run_state(run.folder).status == "finished"


def test_a_run_that_cannot_render_leaves_no_folder(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RenderError):
        start_run(Settings(QUIET), out, EchoHost(known_samplers={"Euler"}))
    with pytest.raises(KeyframesError):
        start_run(Settings({**QUIET, "use_init": True, "init_image": str(tmp_path / "no.png")}),
                  out, EchoHost())
    assert not out.exists() or list(out.iterdir()) == []


def test_should_stop_ends_between_frames_and_open_run_continues_to_the_same_bytes(tmp_path):
    settings = Settings({**QUIET, "translation_x": "0:(2)", "diffusion_cadence": 2,
                         "max_frames": 9})
    whole = start_run(settings.replace(batch_name="whole"), tmp_path, EchoHost())
    render_run(whole, EchoHost())
    host = EchoHost()
    broken = start_run(settings.replace(batch_name="broken"), tmp_path, host)
    seen = []
    result = render_run(broken, host, on_progress=lambda p: seen.append(p.done),
                        should_stop=lambda: len(seen) >= 3)
    assert result.interrupted and 3 <= result.completed < 9
    assert read_run_state(broken.folder).status == "interrupted"
    assert read_run_state(broken.folder).resumable
    again = open_run(broken.folder, host)
    assert again.resumed and again.plan.settings == broken.plan.settings
    render_run(again, host)
    for index in range(9):
        assert frame_path(broken.folder, index).read_bytes() == \
            frame_path(whole.folder, index).read_bytes()


def test_resume_from_timestring_opens_the_earlier_run(tmp_path):
    settings = Settings({**QUIET, "batch_name": "walk_{timestring}"})
    host = EchoHost()
    first = start_run(settings, tmp_path, host, stamp="20260101120000")
    render_run(first, host, should_stop=lambda: True)
    resumed = start_run(settings.replace(resume_from_timestring=True,
                                         resume_timestring="20260101120000"), tmp_path, host)
    assert resumed.folder == first.folder and resumed.resumed
    with pytest.raises(SettingsError) as caught:
        start_run(settings.replace(resume_from_timestring=True, resume_timestring="1999"),
                  tmp_path, host)
    assert caught.value.setting == "resume_timestring"


def test_the_loop_measures_the_self_warp_error_with_the_motion_it_applied(tmp_path):
    settings = Settings({**QUIET, "translation_x": "0:(3)", "angle": "0:(1)"})
    still = start_run(settings.replace(batch_name="echo"), tmp_path, EchoHost())
    render_run(still, EchoHost())
    brighter = start_run(settings.replace(batch_name="plus"), tmp_path, EchoHost(offset=10))
    render_run(brighter, EchoHost(offset=10))
    echo = read_frame_log(still.folder)
    plus = read_frame_log(brighter.folder)
    assert echo[0]["warp_error"] is None and plus[0]["warp_error"] is None
    # Each frame is the previous one moved by the camera: nothing beyond the motion changed.
    assert all(echo[i]["warp_error"] == 0.0 for i in range(1, 6))
    # Each frame is the moved previous one plus 10 grey levels (no pixel reaches 255 here).
    assert all(plus[i]["warp_error"] == pytest.approx(10.0, abs=0.01) for i in range(1, 3))


def test_finish_reports_the_warp_errors_the_render_measured(tmp_path):
    settings = Settings({**QUIET, "translation_x": "0:(3)", "video_format": "mp4"})
    host = EchoHost(offset=4)
    run = start_run(settings, tmp_path, host)
    render_run(run, host)
    outputs = finish_run(run)
    report = json.loads(outputs.report_json.read_text())
    logged = read_frame_log(run.folder)
    assert report["per_frame"]["warp_error"] == \
        [None] + [logged[i]["warp_error"] for i in range(1, 6)]
    state = read_run_state(run.folder)
    assert state.videos == (outputs.video,) and state.report == outputs.report_json


def test_run_state_of_a_damaged_folder_says_why(tmp_path):
    host = EchoHost()
    run = start_run(Settings(QUIET), tmp_path, host)
    render_run(run, host)
    (run.folder / "manifest.json").write_text("{")
    state = read_run_state(run.folder)
    assert state.status == "damaged" and "JSON" in state.problem
    assert read_frame(frame_path(run.folder, 0)).shape == (64, 64, 3)


class StoppedMidwayHost(EchoHost):
    """The user presses Interrupt during generation number `at`; it texts every frame."""

    def __init__(self, at: int | None = None) -> None:
        super().__init__()
        self.at, self.calls = at, 0

    def generate(self, request: FrameRequest) -> np.ndarray:
        self.calls += 1
        if self.calls == self.at:
            raise GenerationInterrupted
        self._text = f"frame {request.frame}\nSeed: {request.seed}"
        return super().generate(request)

    def last_infotext(self) -> str | None:
        return self._text


def test_a_generation_stopped_midway_writes_nothing_of_its_block_and_resumes(tmp_path):
    settings = Settings({**QUIET, "translation_x": "0:(2)", "diffusion_cadence": 3,
                         "max_frames": 10})
    whole = start_run(settings.replace(batch_name="whole"), tmp_path, StoppedMidwayHost())
    render_run(whole, StoppedMidwayHost())
    host = StoppedMidwayHost(at=3)
    broken = start_run(settings.replace(batch_name="broken"), tmp_path, host)
    result = render_run(broken, host)
    assert result.interrupted
    assert complete_frames(broken.folder) == [0, 1, 2, 3]  # the block up to frame 6 is missing
    render_run(open_run(broken.folder, StoppedMidwayHost()), StoppedMidwayHost())
    for index in range(10):
        assert frame_path(broken.folder, index).read_bytes() == \
            frame_path(whole.folder, index).read_bytes()


def test_each_frame_png_carries_the_hosts_parameters_text(tmp_path):
    host = StoppedMidwayHost()
    run = start_run(Settings({**QUIET, "diffusion_cadence": 2, "max_frames": 5}), tmp_path, host)
    render_run(run, host)
    texts = []
    for index in range(5):
        with Image.open(frame_path(run.folder, index)) as image:
            texts.append(image.info["parameters"].split("\n")[0])
    # Tweens 1 and 3 carry the text of the diffused frame they lead to.
    assert texts == ["frame 0", "frame 2", "frame 2", "frame 4", "frame 4"]
