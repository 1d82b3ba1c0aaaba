"""What the loop asks of the host beyond one plain generation: redo, reroll, masks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lib_animation.errors import RenderError
from lib_animation.output.manifest import read_frame_log
from lib_animation.png_frames import frame_path, read_frame
from lib_animation.schema import BY_NAME
from tests.render.folder_rendering import render_folder


def test_diffusion_redo_feeds_throwaway_generations_back_as_the_init(run_factory, make_host):
    run_dir = run_factory(max_frames=2, diffusion_cadence=1, diffusion_redo=2)
    host = make_host()
    render_folder(run_dir, host)
    frame_one = [request for request in host.seen if request.frame == 1]
    assert [request.purpose for request in frame_one] == ["redo", "redo", "frame"]
    assert len({request.seed for request in frame_one}) == 3
    # the real generation starts from the second throwaway's output, counter and all
    assert not np.array_equal(frame_one[2].init_image, frame_one[0].init_image)


def test_optical_flow_redo_generates_twice_per_frame(run_factory, make_host):
    run_dir = run_factory(max_frames=3, diffusion_cadence=1,
                          optical_flow_redo_generation="DIS Medium")
    host = make_host()
    render_folder(run_dir, host)
    assert [request.purpose for request in host.seen] == [
        "frame", "redo", "frame", "redo", "frame"]


class _FlatFrameOneHost:
    """Returns a flat frame of `level` for the first `count` requests of frame 1."""

    def __init__(self, base, count: int, level: int = 0) -> None:
        self.base, self.count, self.level, self.seeds = base, count, level, []

    def generate(self, request):
        image = self.base.generate(request)
        if request.frame == 1:
            self.seeds.append(request.seed)
            if len(self.seeds) <= self.count:
                return np.full_like(image, self.level)
        return image

    def check_names(self, names):
        self.base.check_names(names)

    def progress(self, done, total, text):
        self.base.progress(done, total, text)

    def interrupted(self):
        return self.base.interrupted()

    def last_infotext(self):
        return self.base.last_infotext()


def test_blank_frames_are_rerolled_with_seed_plus_one_as_the_help_says(run_factory, make_host):
    assert "retry with seed + 1" in BY_NAME["reroll_blank_frames"].help
    run_dir = run_factory(max_frames=2, diffusion_cadence=1, reroll_blank_frames="reroll", seed=50)
    host = _FlatFrameOneHost(make_host(), count=2)
    render_folder(run_dir, host)
    frame_seed = host.seeds[0]
    assert host.seeds == [frame_seed, frame_seed + 1, frame_seed + 2]
    assert read_frame(frame_path(run_dir, 1)).any()
    assert read_frame_log(run_dir)[1]["seed"] == frame_seed + 2


def test_blank_frames_stop_the_run_when_asked(run_factory, make_host):
    run_dir = run_factory(max_frames=3, diffusion_cadence=1, reroll_blank_frames="interrupt")
    with pytest.raises(RenderError) as caught:
        render_folder(run_dir, _FlatFrameOneHost(make_host(), count=1))
    assert (caught.value.setting, caught.value.frame) == ("reroll_blank_frames", 1)


def test_a_mask_is_sent_and_the_outside_keeps_the_init(run_factory, make_host, tmp_path):
    mask = np.zeros((64, 72), np.uint8)
    mask[:, 36:] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    run_dir = run_factory(max_frames=3, diffusion_cadence=1, use_mask=True,
                          mask_file=str(tmp_path / "mask.png"), noise_schedule="0:(0.3)")
    recording = make_host()
    render_folder(run_dir, _FlatFrameOneHost(recording, count=1, level=255))
    second = recording.seen[1]
    assert second.mask is not None and second.mask[0, 0] == 0 and second.mask[0, -1] == 255
    result = read_frame(frame_path(run_dir, 1))
    assert np.array_equal(result[:, :36], second.init_image[:, :36])
    assert (result[:, 36:] == 255).all()
