"""Files named inside mask expressions are input files like any other: listed by `files_read`
with their keyframe, confined, read before frame 0 with one line naming setting and keyframe;
the mask file is read only when an expression reads the init mask."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib_animation.errors import KeyframesError, SettingsError
from lib_animation.inputs.allowed import check_allowed_paths
from lib_animation.inputs.gather import load_inputs
from lib_animation.inputs.reads import FileRead, files_read
from lib_animation.schema import Settings
from tests.inputs.media_files import write_png

SIZE = {"W": 64, "H": 64}


def _grey(path: Path, value: int) -> Path:
    Image.new("L", (32, 16), value).save(path)
    return path


def test_every_file_of_every_keyframe_is_read_once_with_its_first_keyframe(tmp_path):
    a, b = _grey(tmp_path / "a.png", 255), _grey(tmp_path / "b.png", 0)
    values = Settings({**SIZE, "use_mask": True, "use_noise_mask": True,
                       "mask_schedule": f'0: ("[{a}]"), 5: ("[{a}] & ![{b}]")',
                       "noise_mask_schedule": f'0: ("[{b}] | {{everywhere}}")'})
    assert files_read(values) == (FileRead("mask_schedule", str(a), 1),
                                  FileRead("mask_schedule", str(b), 2))
    inputs = load_inputs(values)
    assert inputs.mask is None  # no expression reads the init mask
    assert inputs.mask_files[str(a)].shape == (64, 64) and (inputs.mask_files[str(a)] == 255).all()
    assert (inputs.mask_files[str(b)] == 0).all()


def test_files_of_mask_schedules_that_do_not_apply_are_not_read(tmp_path):
    values = Settings({**SIZE, "use_mask": False, "mask_schedule": '0: ("[/etc/passwd]")',
                       "noise_mask_schedule": '0: ("[/etc/shadow]")'})
    assert files_read(values) == ()
    masks_on = Settings({**SIZE, "use_mask": True, "mask_file": str(_grey(tmp_path / "m.png", 9)),
                         "noise_mask_schedule": '0: ("[/etc/shadow]")'})
    assert files_read(masks_on) == (FileRead("mask_file", str(tmp_path / "m.png")),)


def test_the_mask_file_is_the_init_mask_and_read_only_when_used(tmp_path):
    mask = _grey(tmp_path / "m.png", 200)
    for schedule, read in [('0: ("{video_mask}")', True),
                           ('0: ("{init_mask} & {everywhere}")', True),
                           ('0: ("{everywhere}")', False)]:
        values = Settings({**SIZE, "use_mask": True, "mask_file": str(mask),
                           "mask_schedule": schedule})
        assert (FileRead("mask_file", str(mask)) in files_read(values)) is read
        assert (load_inputs(values).mask is not None) is read


def test_a_missing_file_is_one_line_naming_setting_and_keyframe(tmp_path):
    values = Settings({**SIZE, "use_mask": True,
                       "mask_schedule": f'0: ("{{everywhere}}"), 3: ("[{tmp_path / "gone.png"}]")'})
    with pytest.raises(KeyframesError) as caught:
        load_inputs(values)
    assert (caught.value.setting, caught.value.keyframe) == ("mask_schedule", 2)
    assert str(caught.value).startswith("mask_schedule, keyframe 2: ")
    assert "gone.png" in str(caught.value) and str(tmp_path) not in str(caught.value)


def test_a_damaged_mask_image_is_one_line(tmp_path):
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(30))
    values = Settings({**SIZE, "use_mask": True, "mask_schedule": f'0: ("![{junk}]")'})
    with pytest.raises(KeyframesError, match="cannot read image junk.png") as caught:
        load_inputs(values)
    assert caught.value.keyframe == 1


def test_a_mask_file_outside_the_allowed_folders_is_refused_by_keyframe(tmp_path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    inside = write_png(allowed / "in.png")
    outside = write_png(tmp_path / "out.png")
    values = Settings({**SIZE, "use_mask": True,
                       "mask_schedule": f'0: ("[{inside}]"), 9: ("[{inside}] | [{outside}]")'})
    with pytest.raises(SettingsError, match="outside") as caught:
        check_allowed_paths(values, [allowed])
    assert (caught.value.setting, caught.value.keyframe) == ("mask_schedule", 2)
    with pytest.raises(SettingsError, match="outside"):
        load_inputs(values, confined_to=[allowed])
    check_allowed_paths(values.replace(mask_schedule=f'0: ("[{inside}]")'), [allowed])


def test_a_mask_schedule_that_cannot_be_parsed_is_refused_by_the_check(tmp_path):
    values = Settings({**SIZE, "use_mask": True, "mask_schedule": '0: ("[a.png] &")'})
    with pytest.raises(KeyframesError) as caught:
        check_allowed_paths(values, [tmp_path])
    assert (caught.value.setting, caught.value.keyframe) == ("mask_schedule", 1)


def test_too_many_mask_files_are_refused():
    names = " | ".join(f"[m{index}.png]" for index in range(40))
    more = " | ".join(f"[n{index}.png]" for index in range(40))
    values = Settings({**SIZE, "use_mask": True,
                       "mask_schedule": f'0: ("{names}"), 5: ("{more}")'})
    with pytest.raises(SettingsError, match="more than 64 different mask files"):
        files_read(values)


def test_mask_contrast_and_brightness_apply_to_each_mask_file(tmp_path):
    mask = _grey(tmp_path / "g.png", 100)
    values = Settings({**SIZE, "use_mask": True, "mask_brightness_adjust": 2.0,
                       "mask_schedule": f'0: ("[{mask}]")'})
    assert np.unique(load_inputs(values).mask_files[str(mask)]).tolist() == [200]
