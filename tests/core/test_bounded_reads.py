"""Settings files and presets are regular files read with one hard size limit: a device, a pipe
or a link to one is refused at once with one line, never read until memory runs out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib_animation.cli import main
from lib_animation.errors import SettingsError
from lib_animation.presets import list_presets, load_preset
from lib_animation.settings_files import MAX_FILE_BYTES, load_settings, read_regular_file

ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(os.name != "posix", reason="devices and fifos are POSIX")


def _cli(*arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib_animation", *arguments], cwd=ROOT,
                          capture_output=True, text=True, timeout=30,
                          env={**os.environ, **(env or {})})


@posix_only
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_validate_of_a_device_is_one_line_at_once(device):
    done = _cli("validate", device)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"{device}: not a regular file; a settings "
                                                "file must be one"]


@posix_only
def test_validate_of_a_named_pipe_does_not_wait_for_a_writer(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    done = _cli("validate", str(fifo))
    assert done.returncode == 2
    assert "not a regular file" in done.stderr
    assert "Traceback" not in done.stderr


@posix_only
def test_a_preset_folder_with_a_device_link_and_a_fifo_still_lists(tmp_path):
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "fine.json").write_text(json.dumps(
        {"format": "keyframes-preset", "version": 1, "description": "ok", "settings": {}}))
    done = _cli("presets", env={"KEYFRAMES_PRESETS": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert "damaged preset: not a regular file" in lines["zero"]
    assert "damaged preset: not a regular file" in lines["pipe"]
    assert lines["fine"].rstrip().endswith("ok")
    loading = _cli("validate", "zero", env={"KEYFRAMES_PRESETS": str(tmp_path)})
    assert loading.returncode == 2
    assert "damaged preset 'zero': not a regular file" in loading.stderr


def test_a_file_over_the_limit_is_refused_naming_the_limit(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_FILE_BYTES + 1))
    with pytest.raises(SettingsError, match=f"larger than {MAX_FILE_BYTES} bytes"):
        load_settings(big)


def test_a_damaged_user_preset_says_it_is_damaged(tmp_path, capsys):
    (tmp_path / "broken.json").write_text('{"format": "keyframes-preset", "version": 1,')
    listing = {preset.name: preset for preset in list_presets(tmp_path)}
    assert listing["broken"].description.startswith("(damaged preset: invalid JSON")
    with pytest.raises(SettingsError, match="damaged preset 'broken'"):
        load_preset("broken", tmp_path)


def test_saving_a_preset_into_a_file_instead_of_a_folder_is_one_line(tmp_path, monkeypatch,
                                                                     capsys):
    not_a_folder = tmp_path / "presets"
    not_a_folder.write_text("")
    monkeypatch.setenv("KEYFRAMES_PRESETS", str(not_a_folder))
    source = tmp_path / "s.json"
    source.write_text(json.dumps({"max_frames": 5}))
    assert main(["presets", "--save", "mine", str(source)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert f"cannot save the preset in {not_a_folder}" in err[0]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), limit=st.integers(min_value=0, max_value=400))
def test_a_regular_file_is_read_whole_up_to_the_limit_and_refused_past_it(tmp_path, data, limit):
    path = tmp_path / "f.json"
    path.write_bytes(data)
    if len(data) <= limit:
        assert read_regular_file(path, limit, what="a settings file") == data
    else:
        with pytest.raises(SettingsError, match=f"larger than {limit} bytes"):
            read_regular_file(path, limit, what="a settings file")
