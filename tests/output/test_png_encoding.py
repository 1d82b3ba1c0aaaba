"""Our PNG encoder: every frame file decodes, in Pillow and in OpenCV, to exactly its pixels."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from lib_animation.png_frames import encode_png


def _pillow_pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as decoded:
        return np.asarray(decoded)


@settings(max_examples=40, deadline=None)
@given(height=st.integers(1, 40), width=st.integers(1, 40), grey=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_frames_decode_to_their_own_pixels(height: int, width: int, grey: bool, seed: int) -> None:
    shape = (height, width) if grey else (height, width, 3)
    image = np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)
    data = encode_png(image)
    np.testing.assert_array_equal(_pillow_pixels(data), image)
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if not grey:
        decoded = cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(decoded, image)


def test_a_view_of_a_larger_frame_is_encoded_as_its_own_pixels() -> None:
    frame = np.random.default_rng(4).integers(0, 256, (64, 80, 3), dtype=np.uint8)
    view = frame[10:50:2, 5:70:3]
    np.testing.assert_array_equal(_pillow_pixels(encode_png(view)), view)


@pytest.mark.parametrize("image", [np.zeros((4, 4, 4), np.uint8), np.zeros((4, 4), np.float32),
                                   np.zeros((0, 4, 3), np.uint8)])
def test_what_is_not_a_frame_is_refused(image: np.ndarray) -> None:
    with pytest.raises(ValueError, match="cannot encode"):
        encode_png(image)
