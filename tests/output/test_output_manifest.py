"""Run manifest: a small status file and an append-only frame log; strict loading of hostile
files, resume point from the frames on disk, recorder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib_animation.errors import RenderError
from lib_animation.output.frames import FrameWriter
from lib_animation.output.manifest import (
    FRAME_LOG_NAME,
    MANIFEST_NAME,
    ManifestRecorder,
    RunManifest,
    contiguous_end,
    load_manifest,
    parse_log_line,
    parse_manifest,
    read_frame_log,
    resume_point,
    save_manifest,
)
from lib_animation.png_frames import encode_png, frame_path

PARAMS = {
    "seed": 1234,
    "subseed": -1,
    "subseed_strength": 0.0,
    "strength": 0.65,
    "cfg": 7.5,
    "steps": 25,
    "sampler": "DPM++ 2M",
    "scheduler": "Karras",
    "checkpoint": "v1-5-pruned:emaonly.safetensors «unicode» 🐈",
    "prompt": "a cat " * 1000,
    "negative_prompt": None,
}


def valid_document() -> dict:
    return {
        "format": "keyframes-run",
        "version": 2,
        "settings_file": "settings.json",
        "total_frames": 4,
        "status": "interrupted",
        "started_at": "2024-05-01T10:00:00+00:00",
        "updated_at": "2024-05-01T10:05:00+00:00",
    }


def image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)


def test_round_trip(tmp_path: Path) -> None:
    manifest = RunManifest.new("settings.json", 10, now="2024-05-01T10:00:00+00:00")
    manifest.status = "interrupted"
    path = save_manifest(tmp_path, manifest)
    assert path == tmp_path / MANIFEST_NAME
    assert load_manifest(tmp_path) == manifest
    on_disk = json.loads(path.read_text("utf-8"))
    assert on_disk["format"] == "keyframes-run" and on_disk["version"] == 2
    assert on_disk["settings_file"] == "settings.json"
    assert not list(tmp_path.glob(".*")), "no temp file left"


def test_hand_written_document_loads() -> None:
    manifest = parse_manifest(json.dumps(valid_document()).encode())
    assert manifest.total_frames == 4
    assert manifest.status == "interrupted"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "deforum"}, "not a Keyframes run manifest"),
        ({"version": 3}, "newer Keyframes"),
        ({"version": 1}, "earlier Keyframes"),
        ({"version": True}, "version"),
        ({"total_frames": -1}, "total_frames"),
        ({"total_frames": 2.0}, "total_frames"),
        ({"status": "done"}, "status"),
        ({"settings_file": "../../etc/passwd"}, "plain file name"),
        ({"settings_file": "/abs/settings.json"}, "plain file name"),
        ({"settings_file": "C:settings.json"}, "plain file name"),
        ({"settings_file": ".."}, "plain file name"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"extra": 1}, "unknown entries extra"),
    ],
)
def test_malformed_fields_are_render_errors(change: dict, message: str) -> None:
    document = {**valid_document(), **change}
    with pytest.raises(RenderError, match=message) as caught:
        parse_manifest(json.dumps(document).encode(), source="run/manifest.json")
    assert str(caught.value).startswith("run/manifest.json: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe\x00",
        b"[" * 100_000,
        b'{"format": NaN}',
        b"1e999999",
        b"9" * 10_000,
        b" " * 70_000,
    ],
)
def test_hostile_bytes_are_render_errors(raw: bytes) -> None:
    with pytest.raises(RenderError):
        parse_manifest(raw)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"seed": 1}', "'frame'"),
        (b'{"frame": -1}', "'frame'"),
        (b'{"frame": true}', "'frame'"),
        (b'{"frame": 0, "cfg": Infinity}', "JSON"),
        (b'{"frame": 0, "cfg": 1e999}', "finite"),
        (b'{"frame": 0, "seed": [1]}', "seed"),
        (b"[1]", "object"),
        (b"\xff", "JSON"),
    ],
)
def test_malformed_log_lines_are_render_errors(line: bytes, message: str) -> None:
    with pytest.raises(RenderError, match=message):
        parse_log_line(line, source="frames.jsonl, line 3")


def test_missing_manifest_is_a_render_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="cannot read the run manifest"):
        load_manifest(tmp_path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def outcome_is_valid_or_render_error(raw: bytes) -> None:
    try:
        manifest = parse_manifest(raw)
    except RenderError:
        return
    assert isinstance(manifest, RunManifest)
    assert manifest.total_frames >= 0
    assert "/" not in manifest.settings_file


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_give_render_error_or_manifest(raw: bytes) -> None:
    outcome_is_valid_or_render_error(raw)


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_random_json_gives_render_error_or_manifest(value: object) -> None:
    outcome_is_valid_or_render_error(json.dumps(value).encode())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(valid_document())), json_values)
def test_one_field_replaced_by_random_json(key: str, value: object) -> None:
    outcome_is_valid_or_render_error(json.dumps({**valid_document(), key: value}).encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=120) | json_values.map(lambda value: json.dumps(value).encode()))
def test_a_random_log_line_gives_render_error_or_parameters(line: bytes) -> None:
    try:
        index, params = parse_log_line(line)
    except RenderError:
        return
    assert index >= 0 and "frame" not in params


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 9)), max_size=12),
       st.integers(0, 40))
def test_the_frame_log_keeps_the_last_line_of_each_frame_and_ignores_a_torn_end(
        tmp_path: Path, entries: list, cut: int) -> None:
    text = "".join(json.dumps({"frame": frame, "seed": seed}) + "\n" for frame, seed in entries)
    torn = '{"frame": 0, "seed": 12345678'[:cut]
    (tmp_path / FRAME_LOG_NAME).write_text(text + torn)
    expected = {frame: {"seed": seed} for frame, seed in entries}
    assert read_frame_log(tmp_path) == expected


def test_contiguous_end() -> None:
    assert contiguous_end([]) == -1
    assert contiguous_end([1, 2]) == -1
    assert contiguous_end([0, 1, 2, 4]) == 2
    assert contiguous_end(range(7)) == 6


def test_resume_point_counts_every_whole_frame_on_disk(tmp_path: Path) -> None:
    with FrameWriter(tmp_path) as writer:
        for index in range(6):
            writer.submit(index, image(index))
    data = encode_png(image(3))
    frame_path(tmp_path, 3).write_bytes(data[:-20])  # truncated on disk
    assert resume_point(tmp_path) == 2
    frame_path(tmp_path, 3).write_bytes(data)
    assert resume_point(tmp_path) == 5, "no manifest needed: whole files on disk count"
    assert resume_point(tmp_path, total_frames=4) == 3
    frame_path(tmp_path, 0).unlink()
    assert resume_point(tmp_path) == -1


def test_recorder_logs_each_frame_before_its_file_and_resumes(tmp_path: Path) -> None:
    clock = iter(float(t) for t in range(1000))
    recorder = ManifestRecorder.start(
        tmp_path, "settings.json", 5, save_interval_s=0, clock=lambda: next(clock)
    )
    assert load_manifest(tmp_path).status == "running"
    with FrameWriter(tmp_path, on_written=recorder.frame_written) as writer:
        for index in range(3):
            recorder.set_params(index, dict(PARAMS, seed=index))
            assert read_frame_log(tmp_path)[index]["seed"] == index
            writer.submit(index, image(index))
    logged = read_frame_log(tmp_path)
    assert "prompt" not in logged[2], "prompts are the plan's, not repeated per frame"
    recorder.finish("interrupted")
    with pytest.raises(ValueError, match="first 3"):
        recorder.finish("finished")
    # A kill cut the next log line short.
    with (tmp_path / FRAME_LOG_NAME).open("a") as log:
        log.write('{"frame": 3, "se')

    resumed = ManifestRecorder.resume(tmp_path, 5, resume_point(tmp_path) + 1)
    assert load_manifest(tmp_path).status == "running"
    with FrameWriter(tmp_path, on_written=resumed.frame_written) as writer:
        for index in (3, 4):
            resumed.set_params(index, dict(PARAMS, seed=10 + index))
            writer.submit(index, image(index))
    resumed.finish("finished")
    assert load_manifest(tmp_path).status == "finished"
    final = read_frame_log(tmp_path)
    assert [final[index]["seed"] for index in range(5)] == [0, 1, 2, 13, 14]
    assert read_frame_log(tmp_path, keys=("seed",))[4] == {"seed": 14}


def test_the_status_file_is_small_and_saved_at_most_every_interval(tmp_path: Path) -> None:
    now = [0.0]
    recorder = ManifestRecorder.start(
        tmp_path, "settings.json", 5, save_interval_s=10, clock=lambda: now[0],
        now=lambda: f"2024-05-01T10:00:{int(now[0]):02d}+00:00",
    )
    recorder.frame_written(0, np.zeros((4, 4, 3), np.uint8))
    assert load_manifest(tmp_path).updated_at.endswith(":00+00:00")
    now[0] = 11.0
    recorder.frame_written(1, np.zeros((4, 4, 3), np.uint8))
    assert load_manifest(tmp_path).updated_at.endswith(":11+00:00")
    assert (tmp_path / MANIFEST_NAME).stat().st_size < 400
    recorder.close()


def test_bad_settings_file_name_is_refused() -> None:
    with pytest.raises(RenderError, match="plain file name"):
        RunManifest.new("../settings.json", 3)
