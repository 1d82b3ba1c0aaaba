"""The loader reads exactly the files the allowed-folder check looked at, and a confined load
checks each file again once it is open: a symbolic link swapped in after the check is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib_animation.errors import KeyframesError, RenderError, SettingsError
from lib_animation.inputs import input_file
from lib_animation.inputs.allowed import PATH_SETTINGS, check_allowed_paths
from lib_animation.inputs.gather import (
    MAX_IMAGE_PIXELS,
    load_inputs,
    video_frame_count,
    with_video_frames,
)
from lib_animation.inputs.reads import files_read
from lib_animation.schema import Settings
from tests.inputs.media_files import png_claiming, write_png, write_test_video, write_wav

SWITCHES = {
    "animation_mode": st.sampled_from(["2D", "3D", "Video Input", "Interpolation"]),
    "use_init": st.booleans(),
    "use_mask": st.booleans(),
    "use_alpha_as_mask": st.booleans(),
    "color_coherence": st.sampled_from(["None", "LAB", "Image", "Video Input"]),
    "video_format": st.sampled_from(["mp4", "webm", "none"]),
    "add_soundtrack": st.sampled_from(["None", "File", "Init Video"]),
}


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("media")
    image = write_png(folder / "picture.png")
    return {
        "init_image": image,
        "mask_file": image,
        "color_coherence_image_path": image,
        "video_init_path": write_test_video(folder / "clip.mp4", count=8, audio=True),
        "soundtrack_path": write_wav(folder / "tone.wav"),
    }


def _recording_opens(monkeypatch) -> list[str]:
    opened: list[str] = []
    real_open = input_file.InputFile.open

    def recording(self):
        opened.append(self.setting)
        return real_open(self)

    monkeypatch.setattr(input_file.InputFile, "open", recording)
    return opened


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.fixed_dictionaries(SWITCHES))
def test_the_loader_opens_only_the_files_the_check_looks_at(media, monkeypatch, switches):
    values = Settings({**{name: str(path) for name, path in media.items()}, **switches,
                       "W": 64, "H": 64, "max_frames": 4})
    read = {file.setting for file in files_read(values)}
    with monkeypatch.context() as patch:
        opened = _recording_opens(patch)
        try:
            if values.animation_mode == "Video Input":
                video_frame_count(values)
            load_inputs(values)
        except KeyframesError:
            assert set(opened) <= set(read)
        else:
            assert set(opened) == set(read)


def test_files_read_names_only_path_settings(media):
    every_switch_on = Settings({name: str(path) for name, path in media.items()}
                               | {"animation_mode": "Video Input", "use_mask": True,
                                  "color_coherence": "Image", "add_soundtrack": "File"})
    assert {file.setting for file in files_read(every_switch_on)} <= set(PATH_SETTINGS)
    assert files_read(Settings({})) == ()


def _allowed_with(tmp_path: Path, name: str, source: Path) -> tuple[Path, Path]:
    allowed = tmp_path / "allowed"
    allowed.mkdir(exist_ok=True)
    inside = allowed / f"{name}{source.suffix}"
    inside.write_bytes(source.read_bytes())
    return allowed, inside


def _swap_for_link(path: Path, target: Path) -> None:
    path.unlink()
    path.symlink_to(target)


SWAPPABLE = {
    "init_image": {"use_init": True},
    "mask_file": {"use_mask": True},
    "color_coherence_image_path": {"color_coherence": "Image"},
    "soundtrack_path": {"video_format": "mp4", "add_soundtrack": "File"},
}


@pytest.mark.parametrize("name", sorted(SWAPPABLE))
def test_a_link_swapped_in_after_the_check_is_refused_when_read(tmp_path, media, name):
    allowed, inside = _allowed_with(tmp_path, name, media[name])
    values = Settings({**SWAPPABLE[name], name: str(inside), "W": 64, "H": 64})
    check_allowed_paths(values, [allowed])
    load_inputs(values, confined_to=[allowed])
    secret = tmp_path / f"secret{media[name].suffix}"
    secret.write_bytes(media[name].read_bytes())
    _swap_for_link(inside, secret)
    with pytest.raises(SettingsError, match="outside") as caught:
        load_inputs(values, confined_to=[allowed])
    assert caught.value.setting == name
    load_inputs(values)  # unconfined (the command line): any path


def test_a_video_swapped_for_a_link_is_refused_when_counted_and_extracted(tmp_path, media):
    allowed, inside = _allowed_with(tmp_path, "video_init_path", media["video_init_path"])
    values = Settings({"animation_mode": "Video Input", "video_init_path": str(inside),
                       "W": 64, "H": 64, "max_frames": 8})
    assert video_frame_count(values, confined_to=[allowed]) == 8
    inputs = load_inputs(values, confined_to=[allowed])
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(inside.read_bytes())
    _swap_for_link(inside, secret)
    with pytest.raises(SettingsError, match="outside"):
        video_frame_count(values, confined_to=[allowed])
    with pytest.raises(SettingsError, match="outside"):
        with_video_frames(inputs, values, tmp_path / "run")
    assert not (tmp_path / "run" / "inputframes").exists()


def test_the_soundtrack_is_confined_until_the_video_is_encoded(tmp_path, media):
    from lib_animation.inputs.media import open_media

    allowed, inside = _allowed_with(tmp_path, "soundtrack_path", media["soundtrack_path"])
    values = Settings({"video_format": "mp4", "add_soundtrack": "File",
                       "soundtrack_path": str(inside)})
    soundtrack = load_inputs(values, confined_to=[allowed]).soundtrack
    _swap_for_link(inside, media["soundtrack_path"])
    with pytest.raises(SettingsError, match="outside"):
        open_media(soundtrack, what="soundtrack")


def test_a_folder_is_confined_by_its_real_path(tmp_path, media):
    real = tmp_path / "real"
    real.mkdir()
    write_png(real / "a.png")
    linked = tmp_path / "linked"
    linked.symlink_to(real)
    values = Settings({"use_init": True, "init_image": str(linked / "a.png"), "W": 64, "H": 64})
    assert load_inputs(values, confined_to=[linked]).init_image is not None


def test_an_image_claiming_a_huge_size_is_one_line_naming_the_setting_and_the_limit(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_claiming(100_000, 100_000))
    values = Settings({"use_init": True, "init_image": str(bomb), "W": 64, "H": 64})
    with pytest.raises(RenderError) as caught:
        load_inputs(values)
    assert caught.value.setting == "init_image"
    message = str(caught.value)
    assert "too large" in message and f"{MAX_IMAGE_PIXELS:,}" in message


@pytest.mark.parametrize("name", sorted(SWAPPABLE))
def test_messages_about_input_files_name_the_file_not_its_folder(tmp_path, name):
    folder = tmp_path / "private-server-folder"
    folder.mkdir()
    for target in (folder / "gone.png", folder):
        values = Settings({**SWAPPABLE[name], name: str(target), "W": 64, "H": 64})
        with pytest.raises(KeyframesError) as caught:
            load_inputs(values)
        assert caught.value.setting == name
        assert str(folder) not in str(caught.value)
        assert target.name in str(caught.value)


def test_a_damaged_image_or_video_message_holds_no_folder(tmp_path):
    folder = tmp_path / "private-server-folder"
    folder.mkdir()
    junk = folder / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    video = folder / "junk.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 60)
    image_run = Settings({"use_init": True, "init_image": str(junk), "W": 64, "H": 64})
    video_run = Settings({"animation_mode": "Video Input", "video_init_path": str(video)})
    with pytest.raises(KeyframesError) as image_error:
        load_inputs(image_run)
    with pytest.raises(KeyframesError) as video_error:
        video_frame_count(video_run)
    for caught in (image_error, video_error):
        assert str(folder) not in str(caught.value) and "junk" in str(caught.value)


@pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow's notes on damaged EXIF
@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"GIF89a",
                                                 b"\xff\xd8\xff", b"RIFF\x00\x00\x00\x00WEBP",
                                                 b"II*\x00", b"BM"]))
def test_any_bytes_as_an_image_are_read_or_refused_with_one_line(tmp_path_factory, data, magic):
    path = tmp_path_factory.mktemp("hostile") / "x.png"
    path.write_bytes(magic + data)
    values = Settings({"use_init": True, "init_image": str(path), "W": 64, "H": 64})
    try:
        load_inputs(values)
    except KeyframesError as error:
        assert error.setting == "init_image" and "\n" not in str(error)
