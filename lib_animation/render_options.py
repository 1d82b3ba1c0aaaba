"""How a run is rendered, apart from what it renders: the warp backend, the depth model and
the RAFT flow weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lib_animation.motion.depth import DepthModelCache
from lib_animation.motion.depth_download import Progress, RemoteFile
from lib_animation.motion.frame_motion import WarpOptions
from lib_animation.motion.raft_weights import RAFT_WEIGHTS


@dataclass(frozen=True)
class RenderOptions:
    warp: WarpOptions = field(default_factory=WarpOptions)
    models_dir: Path | None = None  # depth weights; None renders 3D on a flat depth plane
    depth_device: str = "cpu"
    depth_progress: Progress | None = None
    depth_cache: DepthModelCache | None = None
    # The RAFT flow weights file and what it must be (fetched into models_dir/raft/); tests
    # name a file of their own here, pinned by its sha256.
    raft_weights: RemoteFile = RAFT_WEIGHTS
    # The quality report's per-frame warp error, measured as frames are written.
    quality_metrics: bool = True
