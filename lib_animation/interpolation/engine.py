"""What every interpolation engine does: the frames at given times between two frames."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Interpolator(Protocol):
    def between(self, first: np.ndarray, second: np.ndarray,
                times: Sequence[float]) -> list[np.ndarray]:
        """uint8 RGB frames at each time 0 < t < 1 from `first` (t=0) to `second` (t=1), both
        uint8 RGB of one size."""
        ...
