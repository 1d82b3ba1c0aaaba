"""The allowed-folder check: every file a run reads is checked, whatever switches say, and a path
outside the allowed folders gets the same error whether it names a file, nothing or a folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.inputs.allowed import PATH_SETTINGS, check_allowed_paths
from lib_animation.schema import Settings

VIDEO_INPUT = {"animation_mode": "Video Input"}

# For every path setting, switches under which a run reads its file.
READ_BY = {
    "init_image": [{"use_init": True}],
    "mask_file": [
        {"use_mask": True, "use_init": True},
        {"use_mask": True},  # no init image: the mask is still read
        {"use_mask": True, **VIDEO_INPUT},
    ],
    "color_coherence_image_path": [{"color_coherence": "Image"},
                                   {"color_coherence": "Image", **VIDEO_INPUT}],
    "video_init_path": [VIDEO_INPUT, {"hybrid_composite": "Normal"},
                        {"animation_mode": "3D", "hybrid_motion": "Affine"}],
    "video_mask_path": [{"use_mask": True, "use_mask_video": True},
                        {"use_mask": True, "use_mask_video": True, **VIDEO_INPUT}],
    "soundtrack_path": [{"video_format": "mp4", "add_soundtrack": "File"},
                        {"video_format": "webm", "add_soundtrack": "File"}],
    "audio_path": [{}, {"video_format": "none"}],  # analysed whenever it is given
    # ControlNet units: read while the unit is on and not in loopback
    **{f"cn_{unit}_{key}": [{f"cn_{unit}_enabled": True},
                            {f"cn_{unit}_enabled": True, **VIDEO_INPUT}]
       for unit in range(1, 6) for key in ("vid_path", "mask_vid_path")},
}
CASES = [(name, switches) for name, variants in READ_BY.items() for switches in variants]


def test_every_path_setting_has_cases():
    assert set(READ_BY) == set(PATH_SETTINGS)


def _outside_targets(tmp_path: Path) -> dict[str, Path]:
    outside = tmp_path / "outside"
    outside.mkdir()
    existing = outside / "secret.png"
    existing.write_bytes(b"\x89PNG not really")
    return {"existing": existing, "missing": outside / "gone.png", "folder": outside}


def _settings(allowed: Path, name: str, switches: dict, target: Path) -> Settings:
    """Every other path the switches read points inside `allowed`; `name` points at `target`."""
    inside = {other: str(allowed / f"{other}.bin") for other in PATH_SETTINGS}
    return Settings({**inside, **switches, name: str(target)})


@pytest.mark.parametrize(("name", "switches"), CASES)
def test_a_path_outside_is_refused_the_same_whatever_it_names(tmp_path, name, switches):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    messages = set()
    for target in _outside_targets(tmp_path).values():
        with pytest.raises(SettingsError) as caught:
            check_allowed_paths(_settings(allowed, name, switches, target), [allowed])
        assert caught.value.setting == name
        messages.add(str(caught.value))
    assert len(messages) == 1
    assert str(tmp_path) not in messages.pop()


@pytest.mark.parametrize(("name", "switches"), CASES)
def test_a_path_inside_passes(tmp_path, name, switches):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    check_allowed_paths(_settings(allowed, name, switches, allowed / "sub" / "x.png"), [allowed])


def test_a_symbolic_link_or_dots_out_of_the_folder_are_refused(tmp_path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    secret = _outside_targets(tmp_path)["existing"]
    (allowed / "link.png").symlink_to(secret)
    for path in (allowed / "link.png", allowed / ".." / "outside" / "secret.png"):
        with pytest.raises(SettingsError, match="outside"):
            check_allowed_paths(Settings({"use_init": True, "init_image": str(path)}), [allowed])


def test_a_symbolic_link_loop_is_refused_not_a_crash(tmp_path):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "a").symlink_to(allowed / "b")
    (allowed / "b").symlink_to(allowed / "a")
    with pytest.raises(SettingsError, match="outside"):
        check_allowed_paths(Settings({"use_init": True, "init_image": str(allowed / "a" / "x")}),
                            [allowed])


def test_files_not_read_are_not_checked(tmp_path):
    quiet = Settings({"use_init": False, "init_image": "/etc/passwd",
                      "animation_mode": "2D", "video_init_path": "/etc/passwd"})
    check_allowed_paths(quiet, [tmp_path])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120).filter(lambda text: "\x00" not in text))
def test_any_path_text_is_allowed_or_refused_with_one_line(text):
    values = Settings({"use_init": True, "init_image": text})
    try:
        check_allowed_paths(values, [Path("/nonexistent-keyframes-root")])
    except KeyframesErrors as errors:
        raise AssertionError(f"one setting gave several errors: {errors}") from None
    except KeyframesError as error:
        assert error.setting == "init_image" and "\n" not in str(error)
