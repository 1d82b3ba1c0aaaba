"""Run-folder names can never point outside the output folder."""

from __future__ import annotations

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
