"""Stand-in for the host's upscaler module: the record the host lists its upscalers with
(``UpscalerData``: name, model path, the scaler that does the work) and its three built-in,
model-free upscalers (None, Lanczos, Nearest).

Host facts the stand-in keeps: a scaler's ``upscale(img, scale, selected_model)`` returns an
image whose sides are ``side * scale`` rounded down to a multiple of 8, and "None" only resizes
to that size. Every call is written to ``upscale_log`` with whether the queue lock was held."""

from __future__ import annotations

from dataclasses import dataclass

from modules import call_queue
from PIL import Image

# fake-only: (upscaler name, scale, selected_model, queue lock held) of every `upscale` call
upscale_log: list[tuple[str, float, str | None, bool]] = []


def _multiple_of_8(side: int, scale: float) -> int:
    return int(side * scale) // 8 * 8


class Upscaler:
    """A model-free scaler: `resample` None keeps the pixels and only fits the size."""

    def __init__(self, name: str, resample: Image.Resampling | None) -> None:
        self.name = name
        self.resample = resample
        self.scalers = [UpscalerData(name, None, self)]

    def upscale(self, img: Image.Image, scale: float, selected_model: str | None = None):
        upscale_log.append((self.name, scale, selected_model,
                            call_queue.queue_lock.held_by_current_thread()))
        size = (_multiple_of_8(img.width, scale), _multiple_of_8(img.height, scale))
        if self.resample is not None:
            img = img.resize((int(img.width * scale), int(img.height * scale)), self.resample)
        if img.size != size:
            img = img.resize(size, Image.Resampling.LANCZOS)
        return img


@dataclass
class UpscalerData:
    name: str
    data_path: str | None
    scaler: Upscaler
    scale: int = 4


def builtin_upscalers() -> list[Upscaler]:
    return [Upscaler("None", None), Upscaler("Lanczos", Image.Resampling.LANCZOS),
            Upscaler("Nearest", Image.Resampling.NEAREST)]
