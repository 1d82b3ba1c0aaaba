"""How far Keyframes' warps are from Deforum's, in grey levels, over ten frames of motion.

    python bench/deforum_warp_bench.py

Prints the mean absolute difference to Deforum's warp (an independent implementation of its
formula, tests/motion/deforum_reference.py) at frames 1, 5 and 9, each warp applied to the
previous output: 3D with translation_x 2, translation_y 1, translation_z 6, rotation_3d_y 1.5,
rotation_3d_z 1, fov 70, flat depth, border padding, bilinear sampling at 256x256, for both camera
models and both backends. "Deforum, truncated" is Deforum as it ships: it casts each warp to uint8
by truncation, which darkens every 3D warp by half a grey level on average; Keyframes rounds.
Needs torch.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lib_animation.motion.warp3d import CAMERA_MODELS, Motion3D, warp_3d  # noqa: E402
from tests.motion.conftest import make_texture  # noqa: E402
from tests.motion.deforum_reference import deforum_warp  # noqa: E402

FRAMES = (1, 5, 9)
DEFORUM_MOTION = {"tx": 2, "ty": 1, "tz": 6, "ry": 1.5, "rz": 1, "fov": 70}


def differences(camera_model: str, backend: str, truncate: bool) -> list[float]:
    image = make_texture(256, 256, seed=4)
    depth = np.ones((256, 256), np.float32)
    motion = Motion3D(translation_x=2, translation_y=1, translation_z=6, rotation_y=1.5,
                      rotation_z=1, fov=70, camera_model=camera_model)
    ours, theirs, found = image, image, []
    for frame in range(1, max(FRAMES) + 1):
        ours = warp_3d(ours, depth, motion, border="replicate", sampling="bilinear",
                       backend=backend)
        theirs = deforum_warp(theirs, depth, truncate=truncate, **DEFORUM_MOTION)
        if frame in FRAMES:
            found.append(float(np.abs(ours.astype(int) - theirs.astype(int)).mean()))
    return found


def main() -> None:
    header = "frames " + ", ".join(str(f) for f in FRAMES)
    print(f"{'camera model':<14}{'backend':<9}{'Deforum, rounded':<22}{'Deforum, truncated':<22}")
    print(f"{'':<23}{header:<22}{header:<22}")
    for model in CAMERA_MODELS:
        for backend in ("opencv", "torch"):
            rounded = " ".join(f"{v:6.2f}" for v in differences(model, backend, False))
            truncated = " ".join(f"{v:6.2f}" for v in differences(model, backend, True))
            print(f"{model:<14}{backend:<9}{rounded:<22}{truncated:<22}")


if __name__ == "__main__":
    main()
