"""Small input files for tests: images, a video whose frames tell their index, a WAV tone."""

from __future__ import annotations

import math
import struct
import wave
import zlib
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

W, H, FRAMES = 64, 48, 25


def level(index: int) -> int:
    return 10 + 9 * index


def index_of(image: np.ndarray) -> int:
    return round((float(image.mean()) - 10) / 9)


def encode_video(path: Path, frames: Sequence[np.ndarray], *, pix_fmt: str = "yuv444p",
                 lossless: bool = True) -> Path:
    """The RGB frames as an H.264 video at 10 fps (x264's lossless mode when `lossless`)."""
    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10,
                                      options={"crf": "0"} if lossless else None)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        for index, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def write_test_video(path: Path, count: int = FRAMES, audio: bool = False) -> Path:
    """Frame i is flat grey at level 10 + 9 i, so every decoded frame tells its own index."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10, options={"crf": "0"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        sound = container.add_stream("aac", rate=48_000) if audio else None
        for index in range(count):
            image = np.full((H, W, 3), level(index), np.uint8)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
        if sound is not None:
            silence = av.AudioFrame.from_ndarray(
                np.zeros((1, 48_000), np.float32), format="fltp", layout="mono"
            )
            silence.sample_rate, silence.pts, silence.time_base = 48_000, 0, Fraction(1, 48_000)
            for packet in [*sound.encode(silence), *sound.encode(None)]:
                container.mux(packet)
    return path


def write_png(path: Path, colour: tuple[int, int, int] = (40, 90, 200), size: int = 64) -> Path:
    Image.new("RGB", (size, size), colour).save(path)
    return path


def write_wav(path: Path, seconds: float = 0.5, rate: int = 22_050) -> Path:
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        samples = (int(9000 * math.sin(2 * math.pi * 440 * i / rate))
                   for i in range(int(seconds * rate)))
        handle.writeframes(b"".join(struct.pack("<h", value) for value in samples))
    return path


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` pixels (its data is empty)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")

