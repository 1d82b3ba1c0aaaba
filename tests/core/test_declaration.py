"""Principle 1: every setting is declared once, with the modes and switches that make it matter,
and the code reads settings through that declaration."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib_animation.controlnet_settings import KEYS as CONTROLNET_KEYS
from lib_animation.controlnet_settings import unit_key
from lib_animation.plan import make_plan
from lib_animation.schema import (
    ANIMATION_MODES,
    BY_NAME,
    NAME,
    SETTINGS,
    Mode,
    Settings,
    applies,
)

PACKAGE = Path(__file__).resolve().parents[2] / "lib_animation"
DECLARATION = {"schema.py", "setting_kinds.py", "docs.py", "controlnet_settings.py"}
# Modules whose string keys name fields of something else that happen to share a setting's
# name: Deforum's file keys, the WebUI API's request fields, manifest parameter keys, and the
# motion records' field names.
OTHER_NAMESPACES = {"deforum_import.py", "http_host.py", "host.py", "generation_fields.py",
                    "compat.py", "warp2d.py",
                    "warp3d.py"}
# Single words that are also names elsewhere: the schedule variable `fps`, the video encoder's
# option `fps`, the plan's JSON key `max_frames`, the audio analysis record's key `fps`, and
# torch's padding mode "border".
OTHER_WORDS = {("prompts.py", "fps"), ("schedule.py", "fps"), ("parser.py", "fps"),
               ("features.py", "fps"),
               ("guide_entries.py", "fps"), ("guide_schedule.py", "fps"),
               ("video.py", "fps"), ("plan.py", "max_frames"), ("resample.py", "border"),
               ("parseq_import.py", "strength"), ("parseq_import.py", "seed")}  # its columns


def _modules(skip: set[str]) -> list[Path]:
    return [path for path in PACKAGE.rglob("*.py") if path.name not in skip]


def test_every_declared_setting_is_read_by_the_code():
    code = "\n".join(path.read_text(encoding="utf-8") for path in _modules(DECLARATION))
    read = {s.name for s in SETTINGS if re.search(rf"\.{re.escape(s.name)}\b", code)}
    # The ControlNet units' settings are generated: code reads them as unit_key(unit, "key").
    read |= {unit_key(unit, key) for key in CONTROLNET_KEYS for unit in range(1, 6)
             if re.search(rf'unit_key\(\w+, "{key}"\)', code)}
    # A switch is read through the declaration of the settings it turns on.
    switches = {r.setting for s in SETTINGS if s.name in read for r in s.requires}
    unread = sorted(set(BY_NAME) - read - switches)
    assert unread == [], f"declared but read by nothing: {unread}"


def test_setting_names_appear_as_literals_only_in_the_declaration():
    found = []
    for path in _modules(DECLARATION | OTHER_NAMESPACES):
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        for token in tokens:
            if token.type == tokenize.STRING:
                value = token.string.strip("\"'")
                if value in BY_NAME and (path.name, value) not in OTHER_WORDS:
                    found.append(f"{path.relative_to(PACKAGE)}:{token.start[0]} {value}")
    assert found == [], "use NAME.<setting> so the declaration checks the name"


def test_only_the_webui_adapter_imports_the_host_or_gradio():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "webui" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                if name.split(".")[0] in ("modules", "gradio", "launch", "fastapi"):
                    offenders.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert offenders == []


def test_a_misspelt_setting_name_fails_at_once():
    assert NAME.zoom == "zoom"
    with pytest.raises(AttributeError):
        _ = NAME.zooom


@pytest.mark.parametrize(
    ("mode", "used", "unused"),
    [
        ("2D", ["zoom", "angle", "translation_x", "border", "strength_schedule", "hybrid_motion"],
         ["translation_z", "fov_schedule", "color_coherence_video_every_N_frames"]),
        ("3D", ["translation_z", "fov_schedule", "translation_x", "padding_mode", "hybrid_motion"],
         ["zoom", "angle", "border", "color_coherence_video_every_N_frames"]),
        ("Video Input", ["video_init_path", "strength_schedule", "noise_schedule"],
         ["zoom", "translation_z", "diffusion_cadence", "max_frames", "hybrid_motion"]),
        ("Interpolation", ["cfg_scale_schedule", "sampler", "animation_prompts", "max_frames"],
         ["strength_schedule", "noise_schedule", "zoom", "color_coherence", "use_init"]),
    ],
)  # fmt: skip
def test_each_mode_reads_its_own_settings(mode, used, unused):
    settings = Settings({"animation_mode": mode})
    assert [name for name in used if not applies(settings, name)] == []
    assert [name for name in unused if applies(settings, name)] == []


def test_switches_and_choices_turn_settings_on():
    settings = Settings()
    assert applies(settings, "noise_multiplier_schedule") is not False  # on by default
    assert not applies(settings.replace(enable_noise_multiplier_scheduling=False),
                       "noise_multiplier_schedule")
    assert applies(settings, "perlin_octaves")
    assert not applies(settings.replace(noise_type="gaussian"), "perlin_octaves")
    assert not applies(settings, "seed_schedule")
    assert applies(settings.replace(seed_behavior="schedule"), "seed_schedule")
    # A requirement that does not apply itself switches its dependants off too.
    flip = settings.replace(enable_perspective_flip=True)
    assert applies(flip, "perspective_flip_theta")
    assert not applies(flip.replace(animation_mode="Interpolation"), "perspective_flip_theta")


@given(st.sampled_from(ANIMATION_MODES), st.sampled_from([s.name for s in SETTINGS]),
       st.booleans())
def test_a_setting_never_applies_outside_its_modes_or_without_its_switches(mode, name, on):
    setting = BY_NAME[name]
    values = {"animation_mode": mode}
    for requirement in setting.requires:
        if requirement.is_switch:
            values[requirement.setting] = on
    settings = Settings(values)
    if setting.modes and mode not in setting.modes:
        assert not applies(settings, name)
    if not on and any(r.is_switch for r in setting.requires):
        assert not applies(settings, name)


def test_the_plan_checks_ranges_only_of_schedules_the_run_reads():
    zoom_out_of_range = {"zoom": "0:(-1)"}
    make_plan(Settings({**zoom_out_of_range, "animation_mode": Mode.THREE_D.value}))
    with pytest.raises(Exception, match="zoom"):
        make_plan(Settings({**zoom_out_of_range, "animation_mode": Mode.TWO_D.value}))
