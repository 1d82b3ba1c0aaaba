"""Guided images in the preview host: frame 0 starts from the first guide image, later frames
are pulled toward their guide image at the image strength, with the colour correction's
reference sent along; a resumed run gives the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from lib_animation.imaging.guided import blend_toward
from lib_animation.png_frames import frame_path, read_frame
from tests.render.folder_rendering import render_folder

RED, BLUE = (230, 30, 30), (30, 30, 230)


def _guided(tmp_path: Path, **values) -> dict:
    Image.new("RGB", (72, 64), RED).save(tmp_path / "red.png")
    Image.new("RGB", (72, 64), BLUE).save(tmp_path / "blue.png")
    images = {"0": str(tmp_path / "red.png"), "6": str(tmp_path / "blue.png")}
    return {"use_looper": True, "max_frames": 12, "diffusion_cadence": 1,
            "init_images": json.dumps(images), "image_strength_schedule": "0:(0.7)",
            "blendFactorMax": "0:(0.5)", "blendFactorSlope": "0:(0)",
            "color_correction_factor": "0:(0.2)", **values}


def _corner(run_dir: Path, frame: int) -> np.ndarray:
    """The mean colour away from the preview host's frame counter."""
    return read_frame(frame_path(run_dir, frame))[32:, 36:].reshape(-1, 3).mean(axis=0)


def test_frames_move_toward_their_guide_image(tmp_path, run_factory, make_host):
    run_dir = run_factory(**_guided(tmp_path))
    host = make_host()
    render_folder(run_dir, host)
    assert np.allclose(_corner(run_dir, 0), RED, atol=1)
    assert np.allclose(_corner(run_dir, 5), RED, atol=4)
    blues = [_corner(run_dir, frame)[2] for frame in range(6, 12)]
    assert all(later >= earlier - 2 for earlier, later in zip(blues[:-1], blues[1:], strict=True))
    assert 140 < blues[0] < 170 and blues[-1] > 220
    assert [round(r.denoising_strength, 6) for r in host.seen] == [0.3] * 12


def test_the_host_gets_the_blended_init_and_the_colour_reference(tmp_path, run_factory,
                                                                  make_host):
    run_dir = run_factory(**_guided(tmp_path))
    host = make_host()
    render_folder(run_dir, host)
    first, sixth = host.seen[0], host.seen[6]
    assert first.color_correction is None
    assert np.all(first.init_image == RED)
    # Frame 6 starts from frame 5 (red, no motion) blended half-way toward blue; the colour
    # reference is that init blended a further 0.2 toward blue.
    previous = read_frame(frame_path(run_dir, 5))
    guide = np.full_like(previous, BLUE)
    init = blend_toward(previous, guide, 0.5)
    assert np.array_equal(sixth.init_image, init)
    assert np.array_equal(sixth.color_correction, blend_toward(init, guide, 0.2))


def test_an_interrupted_guided_run_resumes_to_the_same_bytes(tmp_path, run_factory, make_host):
    values = _guided(tmp_path, diffusion_cadence=3, noise_schedule="0:(0.05)",
                     zoom="0:(1.03)", color_coherence="LAB")
    whole = run_factory(batch_name="whole", **values)
    render_folder(whole, make_host())
    broken = run_factory(batch_name="broken", **values)
    assert render_folder(broken, make_host(stop_after=2)).interrupted
    render_folder(broken, make_host())
    assert [frame_path(broken, i).read_bytes() for i in range(12)] == \
        [frame_path(whole, i).read_bytes() for i in range(12)]
