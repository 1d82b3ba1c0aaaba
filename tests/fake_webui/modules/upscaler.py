"""The host's upscaler classes and its three built-in upscalers (None, Lanczos, Nearest), which
need no model: ``Upscaler.upscale`` is the host's (the size rounded down to a multiple of 8,
Lanczos to the exact size at the end). Every call is logged in ``upscale_log``."""

from __future__ import annotations

from abc import abstractmethod

from modules import call_queue, shared
from PIL import Image

LANCZOS = Image.Resampling.LANCZOS
NEAREST = Image.Resampling.NEAREST

# fake-only: (upscaler name, scale, selected_model, queue lock held) of every `upscale` call
upscale_log: list[tuple[str, float, str | None, bool]] = []


class Upscaler:
    name = None
    model_path = None
    model_name = None
    model_url = None
    enable = True
    scalers: list

    def __init__(self, create_dirs=False):
        self.scale = 1

    @abstractmethod
    def do_upscale(self, img, selected_model: str):
        return img

    def upscale(self, img, scale, selected_model: str = None):
        upscale_log.append((self.name, scale, selected_model,
                            call_queue.queue_lock.held_by_current_thread()))
        self.scale = scale
        dest_w = int((img.width * scale) // 8 * 8)
        dest_h = int((img.height * scale) // 8 * 8)
        for i in range(3):
            if img.width >= dest_w and img.height >= dest_h and (i > 0 or scale != 1):
                break
            if shared.state.interrupted:
                break
            shape = (img.width, img.height)
            img = self.do_upscale(img, selected_model)
            if shape == (img.width, img.height):
                break
        if img.width != dest_w or img.height != dest_h:
            img = img.resize((int(dest_w), int(dest_h)), resample=LANCZOS)
        return img

    @abstractmethod
    def load_model(self, path: str):
        pass


class UpscalerData:
    name = None
    data_path = None
    scale: int = 4
    scaler: Upscaler = None

    def __init__(self, name: str, path: str, upscaler: Upscaler = None, scale: int = 4,
                 model=None):
        self.name = name
        self.data_path = path
        self.local_data_path = path
        self.scaler = upscaler
        self.scale = scale
        self.model = model


class UpscalerNone(Upscaler):
    name = "None"
    scalers = []

    def load_model(self, path):
        pass

    def do_upscale(self, img, selected_model=None):
        return img

    def __init__(self, dirname=None):
        super().__init__(False)
        self.scalers = [UpscalerData("None", None, self)]


class UpscalerLanczos(Upscaler):
    scalers = []

    def do_upscale(self, img, selected_model=None):
        return img.resize((int(img.width * self.scale), int(img.height * self.scale)),
                          resample=LANCZOS)

    def load_model(self, _):
        pass

    def __init__(self, dirname=None):
        super().__init__(False)
        self.name = "Lanczos"
        self.scalers = [UpscalerData("Lanczos", None, self)]


class UpscalerNearest(Upscaler):
    scalers = []

    def do_upscale(self, img, selected_model=None):
        return img.resize((int(img.width * self.scale), int(img.height * self.scale)),
                          resample=NEAREST)

    def load_model(self, _):
        pass

    def __init__(self, dirname=None):
        super().__init__(False)
        self.name = "Nearest"
        self.scalers = [UpscalerData("Nearest", None, self)]
