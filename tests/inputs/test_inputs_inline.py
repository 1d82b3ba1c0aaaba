"""Input files sent inline as base64: decoded straight to a file, refused over the size limit
before any decoding, and anything that is not base64 is one line naming the setting."""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.errors import SettingsError
from lib_animation.inputs import allowed
from lib_animation.inputs.allowed import MAX_INLINE_BYTES, stage_inline_inputs
from lib_animation.job_settings import job_settings
from lib_animation.schema import Settings
from tests.inputs.media_files import png_claiming

PNG = png_claiming(64, 64)
INLINE_PNG = "data:image/png;base64," + base64.b64encode(PNG).decode()


def _strict_decode(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _is_canonical(text: str, decoded: bytes | None) -> bool:
    return decoded is not None and base64.b64encode(decoded).decode() == text


def test_a_data_url_is_written_to_a_file_named_by_its_type(tmp_path):
    staged = stage_inline_inputs({"init_image": INLINE_PNG, "W": 64}, tmp_path)
    assert staged["W"] == 64 and staged["init_image"].endswith(".png")
    assert Path(staged["init_image"]).read_bytes() == PNG


def test_bare_base64_split_over_lines_decodes(tmp_path):
    encoded = base64.encodebytes(PNG * 20).decode()  # 76 characters a line
    staged = stage_inline_inputs({"mask_file": encoded}, tmp_path)
    assert Path(staged["mask_file"]).read_bytes() == PNG * 20


def test_the_size_limit_is_a_parameter_and_is_checked_before_decoding(tmp_path, monkeypatch):
    data = "data:image/png;base64," + base64.b64encode(b"\x89PNG" + bytes(4000)).decode()
    monkeypatch.setattr(allowed.binascii, "a2b_base64", _never_called)
    with pytest.raises(SettingsError, match="larger than") as caught:
        stage_inline_inputs({"init_image": data}, tmp_path, max_inline_bytes=1000)
    assert caught.value.setting == "init_image" and list(tmp_path.iterdir()) == []


def test_the_limit_counts_decoded_bytes_not_whitespace(tmp_path):
    body = base64.b64encode(bytes(3000)).decode()
    spaced = "data:application/octet-stream;base64," + " ".join(body)
    with pytest.raises(SettingsError, match="larger than"):
        stage_inline_inputs({"init_image": spaced}, tmp_path, max_inline_bytes=2999)
    staged = stage_inline_inputs({"init_image": "data:;base64," + body}, tmp_path,
                                 max_inline_bytes=3000)
    assert len(Path(staged["init_image"]).read_bytes()) == 3000


def test_the_default_limit_is_unchanged():
    assert MAX_INLINE_BYTES == 256 * 1024 * 1024


def _never_called(*_args):
    raise AssertionError("decoded a body over the limit")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789+/=\n \t-_.!",
               min_size=0, max_size=300))
def test_any_data_url_body_decodes_as_base64_does_or_is_refused(tmp_path_factory, body):
    folder = tmp_path_factory.mktemp("inline")
    text = re.sub(r"\s+", "", body)
    expected = _strict_decode(text)
    try:
        staged = stage_inline_inputs({"init_image": "data:;base64," + body}, folder)
    except SettingsError as error:
        assert not _is_canonical(text, expected), body
        assert error.setting == "init_image" and "\n" not in str(error)
    else:
        assert Path(staged["init_image"]).read_bytes() == expected


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=3000), st.integers(min_value=1, max_value=80))
def test_any_file_round_trips_through_base64_lines(tmp_path_factory, data, width):
    encoded = base64.b64encode(data).decode()
    lines = "\n".join(encoded[i:i + width] for i in range(0, len(encoded), width))
    staged = stage_inline_inputs({"soundtrack_path": "data:audio/wav;base64," + lines},
                                 tmp_path_factory.mktemp("inline"))
    assert Path(staged["soundtrack_path"]).read_bytes() == data


def test_staged_inputs_are_removed_on_any_error(tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("lib_animation.job_settings.check_allowed_paths", broken)
    body = {"use_init": True, "init_image": INLINE_PNG}
    with pytest.raises(RuntimeError):
        job_settings(body, base=Settings({}), presets_dir=tmp_path / "presets",
                     output_dir=tmp_path / "out", allowed_dirs=[])
    assert list((tmp_path / "out" / ".inputs").iterdir()) == []


def test_staged_inputs_are_removed_when_what_follows_fails(tmp_path):
    body = {"use_init": True, "init_image": INLINE_PNG}
    request = job_settings(body, base=Settings({}), presets_dir=tmp_path / "presets",
                           output_dir=tmp_path / "out", allowed_dirs=[])
    assert request.staged is not None and request.staged.exists()
    with pytest.raises(ZeroDivisionError), request.discarded_on_error():
        _ = 1 / 0
    assert not request.staged.exists()


def test_the_inline_limit_reaches_the_stager(tmp_path):
    body = {"use_init": True, "init_image": INLINE_PNG}
    with pytest.raises(SettingsError, match="larger than"):
        job_settings(body, base=Settings({}), presets_dir=tmp_path / "presets",
                     output_dir=tmp_path / "out", allowed_dirs=[], max_inline_bytes=10)
