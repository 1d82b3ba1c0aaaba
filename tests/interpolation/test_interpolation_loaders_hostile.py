"""The weights loaders against malformed and hostile files: one line, never a traceback."""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lib_animation.errors import DepthModelError
from lib_animation.interpolation.film import read_film
from lib_animation.interpolation.rife import IFNet, load_ifnet
from lib_animation.motion.torch_weights import read_tensor_file


def read_rife(path):
    return read_tensor_file(path, "RIFE")


NAMES = sorted(IFNet().state_dict())
_shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4)
_keys = st.sampled_from(NAMES) | st.sampled_from([f"module.{n}" for n in NAMES]) | st.text(
    max_size=30)


def _one_line(error: DepthModelError) -> bool:
    return "\n" not in str(error) and bool(str(error))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_as_weights_or_film_file_are_one_line(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.pt"
        path.write_bytes(data)
        for read in (read_rife, read_film):
            try:
                read(path)
            except DepthModelError as error:
                assert _one_line(error)
            else:
                raise AssertionError("random bytes were taken for weights")


_values = st.recursive(st.none() | st.integers() | st.text(max_size=8) | st.floats(),
                       lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=30)


@settings(max_examples=40, deadline=None)
@given(_values)
def test_a_torch_file_of_anything_but_tensors_is_one_line(value):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "w.pkl"
        torch.save(value, path)
        try:
            read_rife(path)
        except DepthModelError as error:
            assert _one_line(error)
        else:
            assert value == {}  # an empty dictionary is read; load_ifnet refuses it


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_keys, _shapes, max_size=12))
def test_any_tensor_dictionary_that_is_not_ifnet_is_one_line(shapes):
    weights = {key: torch.zeros(shape) for key, shape in shapes.items()}
    try:
        load_ifnet(weights, "w.pkl")
    except DepthModelError as error:
        assert _one_line(error)
    else:
        raise AssertionError("a partial dictionary was taken for IFNet")
