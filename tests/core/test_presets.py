"""Shipped and user presets."""

from __future__ import annotations

import pytest

from lib_animation.errors import SettingsError
from lib_animation.presets import list_presets, load_preset, save_user_preset
from lib_animation.schema import Settings


def test_six_shipped_presets_cover_the_product():
    presets = [p for p in list_presets() if p.shipped]
    assert len(presets) >= 6
    modes = set()
    for preset in presets:
        loaded = load_preset(preset.name)
        assert preset.description
        modes.add(loaded.settings.animation_mode)
    assert modes == {"2D", "3D", "Video Input", "Interpolation"}


def test_user_presets_round_trip_and_cannot_replace_shipped_ones(tmp_path):
    mine = Settings({"max_frames": 12, "zoom": "0:(1.2)"})
    path = save_user_preset(mine, "my zoom", tmp_path, description="short zoom")
    assert path.parent == tmp_path
    assert load_preset("my zoom", tmp_path).settings == mine
    assert any(p.name == "my zoom" and not p.shipped for p in list_presets(tmp_path))
    with pytest.raises(SettingsError, match="shipped"):
        save_user_preset(mine, "2d-zoom-rotate", tmp_path)
    for bad in ("../escape", "a/b", "", "x" * 100):
        with pytest.raises(SettingsError):
            save_user_preset(mine, bad, tmp_path)


def test_a_preset_applies_over_the_settings_given(tmp_path):
    base = Settings({"W": 768, "max_frames": 5})
    applied = load_preset("2d-zoom-rotate", base=base).settings
    assert applied.W == 768
    assert applied.max_frames == 120
