"""Run manifest: round trip, strict loading of hostile files, resume point, recorder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib_animation.errors import RenderError
from lib_animation.output.frames import FrameWriter, encode_png, frame_path
from lib_animation.output.manifest import (
    MANIFEST_NAME,
    ManifestRecorder,
    RunManifest,
    contiguous_end,
    load_manifest,
    parse_manifest,
    resume_point,
    save_manifest,
)

PARAMS = {
    "seed": 1234,
    "subseed": -1,
    "subseed_strength": 0.0,
    "strength": 0.65,
    "cfg": 7.5,
    "steps": 25,
    "sampler": "DPM++ 2M",
    "scheduler": "Karras",
    "checkpoint": "v1-5-pruned:emaonly.safetensors",
    "prompt": "a cat, «unicode» 🐈",
    "negative_prompt": None,
}


def valid_document() -> dict:
    return {
        "format": "keyframes-run",
        "version": 1,
        "settings_file": "settings.json",
        "total_frames": 4,
        "status": "interrupted",
        "started_at": "2024-05-01T10:00:00+00:00",
        "updated_at": "2024-05-01T10:05:00+00:00",
        "completed": [0, 1, 2],
        "frames": {"0": dict(PARAMS), "1": dict(PARAMS, seed=1235)},
    }


def image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (48, 64, 3), dtype=np.uint8)


def test_round_trip(tmp_path: Path) -> None:
    manifest = RunManifest.new("settings.json", 10, now="2024-05-01T10:00:00+00:00")
    manifest.completed = {0, 1, 2, 5}
    manifest.frames = {0: dict(PARAMS), 5: dict(PARAMS, seed=99)}
    manifest.status = "interrupted"
    path = save_manifest(tmp_path, manifest)
    assert path == tmp_path / MANIFEST_NAME
    assert load_manifest(tmp_path) == manifest
    on_disk = json.loads(path.read_text("utf-8"))
    assert on_disk["format"] == "keyframes-run" and on_disk["version"] == 1
    assert on_disk["completed"] == [0, 1, 2, 5]
    assert on_disk["frames"]["5"]["seed"] == 99
    assert on_disk["settings_file"] == "settings.json"
    assert not list(tmp_path.glob(".*")), "no temp file left"


def test_hand_written_document_loads() -> None:
    manifest = parse_manifest(json.dumps(valid_document()).encode())
    assert manifest.total_frames == 4
    assert manifest.completed == {0, 1, 2}
    assert manifest.frames[1]["seed"] == 1235
    assert manifest.status == "interrupted"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "deforum"}, "not a Keyframes run manifest"),
        ({"version": 2}, "newer Keyframes"),
        ({"version": True}, "version"),
        ({"total_frames": -1}, "total_frames"),
        ({"total_frames": 2.0}, "total_frames"),
        ({"status": "done"}, "status"),
        ({"completed": [0, 4]}, "completed"),
        ({"completed": [1, 1]}, "twice"),
        ({"completed": [True]}, "completed"),
        ({"frames": {"4": {}}}, "frame index"),
        ({"frames": {"01": {}}}, "frame index"),
        ({"frames": {"-1": {}}}, "frame index"),
        ({"frames": {"0": {"seed": [1]}}}, "seed"),
        ({"frames": {"0": []}}, "frame 0"),
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
        b'{"frames": {"0": {"cfg": Infinity}}}',
        b"1e999999",
        b"9" * 10_000,
        json.dumps({**valid_document(), "frames": {"0": {"cfg": 1e999}}}).encode(),
    ],
)
def test_hostile_bytes_are_render_errors(raw: bytes) -> None:
    with pytest.raises(RenderError):
        parse_manifest(raw)


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
    assert min(manifest.completed, default=0) >= 0
    assert max(manifest.completed, default=-1) < manifest.total_frames
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


def test_contiguous_end() -> None:
    assert contiguous_end([]) == -1
    assert contiguous_end([1, 2]) == -1
    assert contiguous_end([0, 1, 2, 4]) == 2
    assert contiguous_end(range(7)) == 6


def test_resume_point_needs_manifest_and_whole_file(tmp_path: Path) -> None:
    with FrameWriter(tmp_path) as writer:
        for index in range(6):
            writer.submit(index, image(index))
    data = encode_png(image(3))
    frame_path(tmp_path, 3).write_bytes(data[:-20])  # truncated on disk
    manifest = RunManifest.new("settings.json", 10)
    manifest.completed = {0, 1, 2, 3, 4, 5}
    assert resume_point(tmp_path, manifest) == 2
    frame_path(tmp_path, 3).write_bytes(data)
    assert resume_point(tmp_path, manifest) == 5
    manifest.completed = {0, 2, 3, 4, 5}  # frame 1 on disk but never recorded
    assert resume_point(tmp_path, manifest) == 0
    frame_path(tmp_path, 0).unlink()
    assert resume_point(tmp_path, manifest) == -1


def test_recorder_records_written_frames_and_resumes(tmp_path: Path) -> None:
    clock = iter(float(t) for t in range(1000))
    recorder = ManifestRecorder.start(
        tmp_path, "settings.json", 5, save_interval_s=0, clock=lambda: next(clock)
    )
    assert load_manifest(tmp_path).status == "running"
    with FrameWriter(tmp_path, on_written=recorder.frame_written) as writer:
        for index in range(3):
            recorder.set_params(index, dict(PARAMS, seed=index))
            writer.submit(index, image(index))
    on_disk = load_manifest(tmp_path)
    assert on_disk.completed == {0, 1, 2}
    assert on_disk.frames[2]["seed"] == 2
    # Frame 3 written to disk but the process died before recording it: not resumable.
    frame_path(tmp_path, 3).write_bytes(encode_png(image(3)))
    recorder.finish("interrupted")
    with pytest.raises(ValueError, match="first 3"):
        recorder.finish("finished")

    resumed, next_frame = ManifestRecorder.resume(tmp_path)
    assert next_frame == 3
    assert load_manifest(tmp_path).status == "running"
    with FrameWriter(tmp_path, on_written=resumed.frame_written) as writer:
        for index in (3, 4):
            writer.submit(index, image(index))
    resumed.finish("finished")
    final = load_manifest(tmp_path)
    assert final.status == "finished"
    assert final.completed == set(range(5))
    assert final.frames[0]["seed"] == 0, "parameters of earlier frames survive a resume"


def test_recorder_throttles_saves(tmp_path: Path) -> None:
    now = [0.0]
    recorder = ManifestRecorder.start(
        tmp_path, "settings.json", 5, save_interval_s=10, clock=lambda: now[0]
    )
    recorder.frame_written(0)
    assert load_manifest(tmp_path).completed == set()
    now[0] = 11.0
    recorder.frame_written(1)
    assert load_manifest(tmp_path).completed == {0, 1}


def test_bad_settings_file_name_is_refused() -> None:
    with pytest.raises(RenderError, match="plain file name"):
        RunManifest.new("../settings.json", 3)
