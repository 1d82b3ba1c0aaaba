"""How a run is rendered, apart from what it renders: the warp backend and the depth model."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lib_animation.motion.depth import DepthModelCache
from lib_animation.motion.depth_download import Progress
from lib_animation.motion.frame_motion import WarpOptions


@dataclass(frozen=True)
class RenderOptions:
    warp: WarpOptions = field(default_factory=WarpOptions)
    models_dir: Path | None = None  # depth weights; None renders 3D on a flat depth plane
    depth_device: str = "cpu"
    depth_progress: Progress | None = None
    depth_cache: DepthModelCache | None = None
    # The quality report's per-frame warp error, measured as frames are written.
    quality_metrics: bool = True
