"""The interpolation engine that needs no download: dense optical flow (OpenCV) both ways.

For time t, the first frame is carried t of the way along its flow to the second, the second
1-t of the way back along its flow to the first, and the two are blended by closeness in time
((1-t) of the first, t of the second), so each side fills what the other's warp smears.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lib_animation.motion.flow import estimate_flow, warp_by_flow

FLOW_METHOD = "dis_medium"


class OpticalFlowInterpolator:
    def __init__(self, method: str = FLOW_METHOD) -> None:
        self.method = method

    def between(self, first: np.ndarray, second: np.ndarray,
                times: Sequence[float]) -> list[np.ndarray]:
        forward = estimate_flow(first, second, self.method)
        backward = estimate_flow(second, first, self.method)
        frames = []
        for time in times:
            from_first = warp_by_flow(first, forward, time, border="replicate")
            from_second = warp_by_flow(second, backward, 1.0 - time, border="replicate")
            blend = from_first.astype(np.float32) * (1.0 - time)
            blend += from_second.astype(np.float32) * time
            frames.append(np.clip(np.rint(blend), 0, 255).astype(np.uint8))
        return frames
