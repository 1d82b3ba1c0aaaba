"""The RAFT large weights torchvision publishes (the ones Deforum uses through torchvision),
fetched on first use into `<Keyframes model folder>/raft/`, and the flow model made from them.

torchvision documents only the first 8 hex digits of each file's sha256 (in the file name), so
that prefix is what a downloaded or hand-placed file is checked against; the full sha256 is
then recorded beside the file. The file is about 20 MB (5,257,536 float32 weights). torch is
imported only when the model is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from lib_animation.errors import DepthModelError
from lib_animation.motion.depth_download import Progress, RemoteFile, ensure_files

RAFT_FOLDER = "raft"
RAFT_WEIGHTS = RemoteFile(
    "raft_large_C_T_SKHT_V2-ff5fadd5.pth",
    "https://download.pytorch.org/models/raft_large_C_T_SKHT_V2-ff5fadd5.pth",
    sha256_prefix="ff5fadd5",
)

FlowModel = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""flow_model(a, b) -> (H, W, 2) float32 flow from uint8 RGB frame a to frame b."""


def raft_weights_path(models_dir: Path, weights: RemoteFile = RAFT_WEIGHTS) -> Path:
    return Path(models_dir) / RAFT_FOLDER / weights.name


def check_raft_folder(models_dir: Path | None, setting: str | None) -> None:
    """DepthModelError when RAFT has no model folder to keep its weights in."""
    if models_dir is None:
        raise DepthModelError("RAFT optical flow needs a model folder for its weights",
                              setting=setting,
                              hint="pass --models-dir DIR to download them there on first "
                                   "use (about 20 MB), or choose DIS Fine")


def load_raft_flow(models_dir: Path | None, device: str = "cpu",
                   progress: Progress | None = None, *, setting: str | None = None,
                   weights: RemoteFile = RAFT_WEIGHTS) -> FlowModel:
    """RAFT flow on `device`, its weights fetched into `models_dir` first. `weights` names the
    file and what it must be (tests pass a file of their own, pinned by its sha256)."""
    check_raft_folder(models_dir, setting)
    ensure_files("RAFT", [weights], Path(models_dir) / RAFT_FOLDER, progress)
    path = raft_weights_path(models_dir, weights)
    try:
        from lib_animation.motion.raft import RaftFlow, load_raft
        from lib_animation.motion.torch_weights import read_tensor_file
    except ImportError as exc:
        raise DepthModelError(f"RAFT flow needs torch, which cannot be imported: {exc}",
                              setting=setting, hint="choose DIS Fine") from exc
    return RaftFlow(load_raft(read_tensor_file(path, "RAFT"), str(path)), device)
