"""Batch files and sweeps: what runs a batch makes, and one readable line for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib_animation.batches import (
    BaseSettings,
    Sweep,
    batch_from_data,
    checked_sweep,
    expand,
    parse_sweep_option,
    sweep_from_data,
)
from lib_animation.errors import KeyframesError, KeyframesErrors
from lib_animation.schema import Settings

FORMAT = {"format": "keyframes-batch", "version": 1}


def _batch(data, folder: Path):
    return batch_from_data(data, source="b.json", folder=folder)


def test_a_grid_crosses_every_value_in_order_and_names_show_them(tmp_path):
    spec = _batch({**FORMAT, "items": [{"settings": {"max_frames": 4}}],
                   "sweep": {"values": {"seed": [1, 2],
                                        "strength_schedule": ["0:(0.4)", "0: (0.6)", "0:(0.8)"]}}},
                  tmp_path)
    pairs = [(item.settings.seed, item.settings.strength_schedule) for item in spec.items]
    assert pairs == [(1, "0:(0.4)"), (1, "0: (0.6)"), (1, "0:(0.8)"),
                     (2, "0:(0.4)"), (2, "0: (0.6)"), (2, "0:(0.8)")]
    assert [item.name for item in spec.items][:2] == [
        "1_seed=1_strength_schedule=0.4", "2_seed=1_strength_schedule=0.6"]
    assert spec.items[0].varied == {"seed": 1, "strength_schedule": "0:(0.4)"}
    assert all(item.settings.batch_name == item.name for item in spec.items)
    assert all(item.settings.max_frames == 4 for item in spec.items)


def test_a_zip_pairs_values_and_needs_lists_of_one_length(tmp_path):
    spec = _batch({**FORMAT, "items": [{"settings": {}}],
                   "sweep": {"mode": "zip", "values": {"seed": [1, 2, 3],
                                                       "steps": [10, 20, 30]}}}, tmp_path)
    assert [(item.settings.seed, item.settings.steps) for item in spec.items] == [
        (1, 10), (2, 20), (3, 30)]
    with pytest.raises(KeyframesError, match="as many values .seed 3, steps 2."):
        _batch({**FORMAT, "items": [{"settings": {}}],
                "sweep": {"mode": "zip", "values": {"seed": [1, 2, 3], "steps": [1, 2]}}},
               tmp_path)


def test_several_sources_each_cross_the_sweep_and_show_which_they_are(tmp_path):
    (tmp_path / "slow.json").write_text(json.dumps({"max_frames": 5}))
    spec = _batch({**FORMAT, "items": ["slow.json", "2d-zoom-rotate",
                                       {"preset": "2d-zoom-rotate",
                                        "overrides": {"max_frames": 9}}],
                   "sweep": {"values": {"seed": [3, 4]}}}, tmp_path)
    assert [item.name for item in spec.items] == [
        "1_source=slow_seed=3", "2_source=slow_seed=4",
        "3_source=2d-zoom-rotate_seed=3", "4_source=2d-zoom-rotate_seed=4",
        "5_source=2d-zoom-rotate-2_seed=3", "6_source=2d-zoom-rotate-2_seed=4"]
    assert [item.settings.max_frames for item in spec.items] == [5, 5, 120, 120, 9, 9]


def test_long_values_are_named_by_their_place_in_the_list(tmp_path):
    prompts = [{"0": "a red fox in the snow, highly detailed"}, {"0": "a blue whale"}]
    spec = _batch({**FORMAT, "items": [{"settings": {}}],
                   "sweep": {"values": {"animation_prompts": prompts}}}, tmp_path)
    assert [item.name for item in spec.items] == ["1_animation_prompts=@1",
                                                  "2_animation_prompts=@2"]
    assert spec.items[1].settings.animation_prompts == {"0": "a blue whale"}
    assert "a red fox" in spec.items[0].label()


@pytest.mark.parametrize(("sweep", "message"), [
    ({"values": {"sed": [1]}}, "sed: not a Keyframes setting (did you mean seed?)"),
    ({"values": {"seed": []}}, "seed: a sweep needs a non-empty list of values"),
    ({"values": {"seed": 5}}, "seed: a sweep needs a non-empty list of values"),
    ({"values": {"batch_name": ["a"]}}, "batch_name: cannot be swept"),
    ({"mode": "cross", "values": {}}, "sweep mode must be grid or zip"),
    ({"values": {"seed": [1], "steps": ["many"]}}, "steps: 'many' is not allowed"),
])
def test_bad_sweeps_are_one_line_naming_the_setting(tmp_path, sweep, message):
    with pytest.raises(KeyframesError) as raised:
        _batch({**FORMAT, "items": [{"settings": {}}], "sweep": sweep}, tmp_path)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_bad_value_names_the_run_and_the_setting(tmp_path):
    with pytest.raises(KeyframesError) as raised:
        _batch({**FORMAT, "items": [{"settings": {}}],
                "sweep": {"values": {"seed": [1], "W": [64, 65]}}}, tmp_path)
    assert "run 2" in str(raised.value) and "W" in str(raised.value)


def test_a_sweep_too_large_for_any_batch_is_refused_before_it_is_expanded():
    with pytest.raises(KeyframesError, match="at most 10000"):
        checked_sweep({"seed": list(range(1000)), "steps": list(range(1, 101))}, "grid",
                      source="--sweep")


def test_the_recorded_batch_file_gives_the_same_runs_again(tmp_path):
    spec = _batch({**FORMAT, "items": [{"settings": {"max_frames": 3}}],
                   "sweep": {"values": {"seed": [1, 2]}}}, tmp_path)
    again = _batch(json.loads(json.dumps(spec.to_json())), tmp_path)
    assert [(item.name, dict(item.varied), item.settings) for item in again.items] == \
        [(item.name, dict(item.varied), item.settings) for item in spec.items]


@pytest.mark.parametrize(("text", "name", "values"), [
    ("seed=1,2, 3", "seed", ["1", "2", "3"]),
    ('strength_schedule=["0:(0.5)", "0:(0.6), 9:(0.2)"]', "strength_schedule",
     ["0:(0.5)", "0:(0.6), 9:(0.2)"]),
])
def test_sweep_options_read_lists(text, name, values):
    assert parse_sweep_option(text) == (name, values)


def test_expanded_values_take_the_settings_kind():
    items = expand([BaseSettings("a", Settings())],
                   checked_sweep(dict([parse_sweep_option("seed=5,6")]), "grid", source="x"))
    assert [item.settings.seed for item in items] == [5, 6]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=30,
)
KEYS = st.sampled_from(["format", "version", "items", "sweep", "mode", "values", "settings",
                        "preset", "file", "overrides", "name", "varied", "seed", "W"])
SHAPED = st.fixed_dictionaries({"format": st.just("keyframes-batch"), "version": st.just(1)},
                               optional={"items": JSON | st.lists(
                                   JSON | st.dictionaries(KEYS, JSON, max_size=3), max_size=3),
                                   "sweep": JSON | st.dictionaries(KEYS, JSON, max_size=3)})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(data=JSON | SHAPED)
def test_any_json_loads_or_is_refused_in_readable_lines_writing_nothing(tmp_path, data):
    before = sorted(tmp_path.iterdir())
    try:
        _batch(data, tmp_path)
    except KeyframesErrors as errors:
        assert all("\n" not in line and "Traceback" not in line for line in errors.lines())
    except KeyframesError as error:
        assert "\n" not in str(error)
    assert sorted(tmp_path.iterdir()) == before


def test_deeply_nested_and_huge_batch_files_are_one_line(tmp_path):
    from lib_animation.batches import load_batch_file

    deep = tmp_path / "deep.json"
    deep.write_text('{"format": "keyframes-batch", "version": 1, "items": ' + "[" * 100_000
                    + "]" * 100_000 + "}")
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps({**FORMAT, "items": ["x" * 9_000_000]}))
    for path in (deep, huge):
        with pytest.raises(KeyframesError) as raised:
            load_batch_file(path)
        assert "\n" not in str(raised.value)


@given(text=st.text(max_size=200))
def test_any_sweep_option_is_read_or_refused_in_one_line(text):
    try:
        name, values = parse_sweep_option(text)
        sweep_from_data({"values": {name: values}}, source="--sweep")
    except KeyframesError as error:
        assert "\n" not in error.describe()


def test_sweep_size_counts_grid_and_zip():
    assert Sweep({"a": (1, 2), "b": (1, 2, 3)}).size == 6
    assert Sweep({"a": (1, 2), "b": (1, 2)}, "zip").size == 2
    assert Sweep().size == 1
