"""Run-folder names can never point outside the output folder."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.batch_name import fill_batch_name, run_folder, safe_folder_name


def test_placeholders_are_filled():
    name = fill_batch_name("Run_{timestring}_{seed}_{W}x{h}", {"seed": 7, "W": 512, "H": 768},
                           "20261126093000")
    assert name == "Run_20261126093000_7_512x768"


def test_traversal_and_separators_are_neutralised(tmp_path):
    for hostile in ("../../etc", "..", "/abs/path", "C:\\Windows", "a/../../b", "con", "\x00x"):
        folder = run_folder(tmp_path, hostile)
        assert folder.parent == tmp_path.resolve()


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80), st.dictionaries(st.text(max_size=8), st.text(max_size=60), max_size=3))
def test_any_template_gives_a_folder_directly_inside_the_output_folder(template, values):
    root = Path("/tmp/keyframes-out")
    name = fill_batch_name(template, values, "20260101000000")
    assert name == safe_folder_name(name)
    assert run_folder(root, name).parent == root.resolve()


INVISIBLE = st.characters(categories=["Cc", "Cf", "Cs", "Zl", "Zp"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=6), INVISIBLE), max_size=30).map("".join))
def test_folder_names_hold_no_control_bidi_or_invisible_characters(text):
    name = safe_folder_name(text)
    assert not any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") for char in name)
    assert safe_folder_name(name) == name


def test_a_right_to_left_override_cannot_disguise_a_name():
    assert safe_folder_name("run\u202egpj.exe") == "rungpj.exe"
    for mark in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c":
        assert safe_folder_name(f"a{mark}b") == "ab"
    assert safe_folder_name("\u202e\u2066") == "Keyframes"
