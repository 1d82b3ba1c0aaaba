"""Deforum files with composable masks, noise masks and mask videos load as they are, with no
"not supported" warning for them; a mask video turns masks on, as Deforum does."""

from __future__ import annotations

import json

from lib_animation.plan import make_plan
from lib_animation.settings_files import loads_settings

MASKED = {
    "use_mask": True, "mask_file": "masks/m.png",
    "mask_schedule": '0: ("{video_mask} & [circle.png]"), 30: ("!{everywhere} | [a.png]")',
    "use_noise_mask": True, "noise_mask_schedule": '0: ("{video_mask} \\ [a.png]")',
    "use_mask_video": True, "video_mask_path": "https://deforum.github.io/a1/VM1.mp4",
}  # fmt: skip


def test_mask_settings_load_without_a_warning():
    loaded = loads_settings(json.dumps(MASKED))
    assert loaded.warnings == ()
    settings = loaded.settings
    assert settings.mask_schedule == MASKED["mask_schedule"]
    assert settings.use_noise_mask and settings.use_mask_video
    assert settings.noise_mask_schedule == '0: ("{video_mask} \\ [a.png]")'
    assert make_plan(settings).warnings == ()


def test_a_mask_video_turns_masks_on():
    loaded = loads_settings(json.dumps({"use_mask": False, "use_mask_video": True}))
    assert loaded.settings.use_mask is True and loaded.warnings == ()
    assert loads_settings(json.dumps({"use_mask_video": False})).settings.use_mask is False
