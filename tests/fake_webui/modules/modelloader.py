"""``load_upscalers`` fills the host's upscaler list, ``shared.sd_upscalers``. The stand-in
has only the host's built-in upscalers (they need no model file), in the host's order."""

from __future__ import annotations

from modules import shared
from modules.upscaler import builtin_upscalers


def load_upscalers():
    shared.sd_upscalers = [data for scaler in builtin_upscalers() for data in scaler.scalers]
