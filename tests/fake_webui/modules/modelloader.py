"""``load_upscalers``: the host's upscaler list, ``shared.sd_upscalers``. The fake has only the
host's built-in upscalers (no model files), in the host's order: None, Lanczos, Nearest."""

from __future__ import annotations

from modules import shared
from modules.upscaler import UpscalerLanczos, UpscalerNearest, UpscalerNone


def load_upscalers():
    data = []
    for cls in (UpscalerNone, UpscalerLanczos, UpscalerNearest):
        data += cls(None).scalers
    shared.sd_upscalers = data
