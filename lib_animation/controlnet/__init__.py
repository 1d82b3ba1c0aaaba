"""ControlNet units, host-free: each frame's unit values and control image, and the checks a run
with units passes before frame 0."""

from lib_animation.controlnet.frame_units import FrameControl, check_controlnet, units_in_use

__all__ = ["FrameControl", "check_controlnet", "units_in_use"]
