"""The 3x3 inverse the warps use for their homographies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lib_animation.motion.coords import invert_3x3


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, (3, 3), elements=st.floats(-100, 100)))
def test_a_matrix_times_its_inverse_is_the_identity(matrix):
    condition = np.linalg.cond(matrix)
    if not np.isfinite(condition) or condition > 1e8:
        return
    inverse = invert_3x3(matrix)
    np.testing.assert_allclose(inverse, np.linalg.inv(matrix), rtol=1e-6,
                               atol=1e-9 * np.abs(inverse).max())


def test_a_singular_matrix_is_refused_as_numpy_refuses_it():
    with pytest.raises(np.linalg.LinAlgError):
        invert_3x3(np.array([[1.0, 2, 3], [2, 4, 6], [0, 0, 1]]))
