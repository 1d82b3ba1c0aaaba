"""Settings files: read, validate, write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.schema import BY_NAME, SETTINGS, Settings
from lib_animation.settings_files import (
    dumps_settings,
    load_settings,
    loads_settings,
    save_settings,
)


def _write(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_short_hand_written_file_takes_defaults_for_the_rest(tmp_path):
    loaded = load_settings(_write(tmp_path / "mine.json", {"max_frames": 30, "zoom": "0:(1.1)"}))
    assert loaded.settings.max_frames == 30
    assert loaded.settings.zoom == "0:(1.1)"
    assert loaded.settings.angle == BY_NAME["angle"].default
    assert loaded.warnings == ()


def test_unknown_keys_warn_and_bad_values_are_errors_naming_key_value_and_allowed(tmp_path):
    loaded = load_settings(_write(tmp_path / "a.json", {"wibble": 30}))
    assert loaded.warnings == ("ignored 1 setting(s) Keyframes does not use: wibble",)
    loaded = load_settings(_write(tmp_path / "typo.json", {"max_frame": 30}))
    assert loaded.warnings == ("max_frame is not a setting; did you mean max_frames? (ignored)",)
    path = _write(tmp_path / "b.json", {"max_frames": 1e9})
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: max_frames: 1000000000.0 is not allowed: "
        "expected a whole number from 1 to 100000"
    )


def test_malformed_json_names_line_and_column(tmp_path):
    path = tmp_path / "broken.txt"
    path.write_text('{\n  "max_frames": 30\n  "zoom": "0:(1)"\n}', encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert "line 3, column 3" in str(caught.value)


def test_a_file_from_a_newer_version_is_refused_clearly():
    text = json.dumps({"format": "keyframes-settings", "version": 99, "settings": {}})
    with pytest.raises(SettingsError, match="newer Keyframes"):
        loads_settings(text)


def test_loading_never_executes_anything(tmp_path):
    marker = tmp_path / "pwned"
    hostile = {"zoom": f"0:(__import__('os').system('touch {marker}'))",
               "animation_prompts": {"0": "`__import__('os').system('touch x')`"}}
    with pytest.raises(KeyframesError):
        load_settings(_write(tmp_path / "h.json", hostile))
    assert not marker.exists()


def test_saved_files_have_a_marker_a_version_and_declaration_order():
    text = dumps_settings(Settings({"zoom": "0:(1.1)"}))
    document = json.loads(text)
    assert (document["format"], document["version"]) == ("keyframes-settings", 1)
    assert list(document["settings"]) == [setting.name for setting in SETTINGS]
    assert dumps_settings(loads_settings(text).settings) == text


_SCHEDULES = ["0: (0)", "0:(1.5), 10:(2)", "0:(sin(t/5)), 20:(1)", '0:(0), "max_f":(1) ease_in']


def _valid_value(setting):
    if setting.kind == "bool":
        return st.booleans()
    if setting.kind == "int":
        low = int(setting.minimum if setting.minimum is not None else -10)
        high = int(setting.maximum if setting.maximum is not None else 10_000)
        step = 8 if setting.name in ("W", "H") else 1
        return st.integers(low // step, high // step).map(lambda v: v * step).filter(
            lambda v: low <= v <= high)
    if setting.kind == "float":
        return st.floats(setting.minimum, setting.maximum, allow_nan=False, allow_infinity=False)
    if setting.kind == "choice":
        return st.sampled_from(setting.choices)
    if setting.kind == "schedule":
        return st.sampled_from(_SCHEDULES)
    if setting.kind == "string_schedule":
        return st.sampled_from(['0: ("Euler a")', '0:("a:b, c"), 5:("d")'])
    if setting.kind == "prompts":
        return st.dictionaries(st.sampled_from(["0", "10", "max_f/2"]),
                               st.text(max_size=20).filter(lambda t: "--neg" not in t),
                               min_size=1)
    if setting.kind == "image_keyframes":
        return st.dictionaries(st.sampled_from(["0", "10", "max_f/2", "3*max_f/4-15"]),
                               st.text(min_size=1, max_size=20).filter(
                                   lambda t: t.strip() == t and t and "\x00" not in t))
    return st.text(max_size=30).filter(lambda t: "\x00" not in t)


_changes = st.dictionaries(st.sampled_from([s.name for s in SETTINGS]), st.none(), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_load_of_save_gives_back_every_valid_settings(data):
    names = data.draw(_changes)
    values = {name: data.draw(_valid_value(BY_NAME[name])) for name in names}
    values["extract_to_frame"] = -1
    original = Settings(values)
    assert loads_settings(dumps_settings(original)).settings == original


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_fails_with_a_keyframes_error(text):
    try:
        loads_settings(text)
    except KeyframesError as error:
        assert "\n" not in str(error)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from([s.name for s in SETTINGS] + ["prompts", "x"]), _json,
                       max_size=5))
def test_any_json_object_loads_or_fails_with_a_keyframes_error(data):
    try:
        loads_settings(json.dumps(data))
    except KeyframesError as error:
        assert str(error)


def test_deeply_nested_json_is_an_error_not_a_crash():
    with pytest.raises(SettingsError):
        loads_settings("[" * 100_000 + "]" * 100_000)


def test_save_settings_writes_atomically(tmp_path):
    target = save_settings(Settings(), tmp_path / "sub" / "run.json")
    assert load_settings(target).settings == Settings()
    assert [p.name for p in target.parent.iterdir()] == ["run.json"]


def test_a_null_means_not_set_in_flat_and_keyframes_files(tmp_path):
    flat = load_settings(_write(tmp_path / "flat.txt", {"init_image": None, "max_frames": 30}))
    assert (flat.settings.init_image, flat.settings.max_frames) == ("", 30)
    ours = loads_settings(json.dumps({
        "format": "keyframes-settings", "version": 1,
        "settings": {"zoom": None, "seed_behavior": None, "animation_prompts": None},
    })).settings
    assert ours == Settings()


def test_a_null_over_a_base_keeps_the_base_value():
    from lib_animation.settings_files import settings_from_data

    base = Settings({"max_frames": 40, "zoom": "0:(1.2)"})
    loaded = settings_from_data({"max_frames": None, "zoom": "0:(1.1)"}, base=base).settings
    assert (loaded.max_frames, loaded.zoom) == (40, "0:(1.1)")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.booleans())
def test_any_settings_set_to_null_take_their_defaults(data, marked):
    names = data.draw(_changes)
    values = dict.fromkeys(names)
    document = ({"format": "keyframes-settings", "version": 1, "settings": values} if marked
                else values)
    loaded = loads_settings(json.dumps(document))
    assert loaded.settings == Settings()
    assert loaded.warnings == ()


def _ours(values) -> str:
    return json.dumps({"format": "keyframes-settings", "version": 1, "settings": values})


def test_an_unknown_key_in_a_keyframes_file_is_an_error_with_a_suggestion():
    with pytest.raises(SettingsError) as caught:
        loads_settings(_ours({"angel": "0:(1)"}), source="run.json")
    assert str(caught.value) == "run.json: angel: not a Keyframes setting (did you mean angle?)"
    with pytest.raises(KeyframesErrors) as caught:
        loads_settings(_ours({"angel": "0:(1)", "wibble": 2, "max_frames": 10}))
    assert [error.setting for error in caught.value.errors] == ["angel", "wibble"]
    assert caught.value.errors[1].hint is None


@pytest.mark.parametrize("marker", ["deforum-settings", "keyframes-settings-v2", 3, None, ""])
def test_a_file_with_another_format_marker_is_an_error(marker):
    with pytest.raises(SettingsError, match="unknown format"):
        loads_settings(json.dumps({"format": marker, "version": 1, "settings": {}}))


def test_settings_without_the_files_header_are_an_error_not_silently_ignored():
    with pytest.raises(SettingsError) as caught:
        loads_settings(json.dumps({"settings": {"W": 64, "max_frames": 3}}), source="job")
    assert str(caught.value).startswith("job: format: 'settings' holds settings, but the file "
                                        "has no 'format'")
    assert '"format": "keyframes-settings"' in str(caught.value)


def _misspelt(name: str, data) -> str:
    position = data.draw(st.integers(0, len(name) - 2))
    how = data.draw(st.sampled_from(["drop", "swap", "double"]))
    if how == "drop":
        return name[:position] + name[position + 1:]
    if how == "swap":
        return name[:position] + name[position + 1] + name[position] + name[position + 2:]
    return name[:position] + name[position] + name[position:]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_setting_name_with_one_slip_is_suggested_back(data):
    name = data.draw(st.sampled_from([s.name for s in SETTINGS if len(s.name) >= 4]))
    key = _misspelt(name, data)
    assume(key not in BY_NAME and key.lower() != name.lower())
    loaded = loads_settings(json.dumps({key: BY_NAME[name].default}))
    assert len(loaded.warnings) == 1
    assert loaded.warnings[0].startswith(f"{key} is not a setting; did you mean ")
    with pytest.raises(SettingsError, match="did you mean"):
        loads_settings(_ours({key: BY_NAME[name].default}))


def test_a_number_written_as_text_in_a_keyframes_file_is_read_with_a_warning(tmp_path):
    document = json.loads(dumps_settings(Settings({"W": 640})))
    document["settings"].update({"W": "640", "fps": " 7.5"})
    loaded = load_settings(_write(tmp_path / "typed.json", document))
    assert loaded.settings.W == 640 and loaded.settings.fps == 7.5
    assert sorted(warning.split(":")[0] for warning in loaded.warnings) == ["W", "fps"]
    assert all("\n" not in warning for warning in loaded.warnings)


def test_deforum_files_hold_numbers_as_text_and_load_without_warnings(tmp_path):
    loaded = load_settings(_write(tmp_path / "deforum.txt", {"W": "640", "diffusion_redo": "0"}))
    assert loaded.settings.W == 640 and loaded.warnings == ()
