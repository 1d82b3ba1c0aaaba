"""A run's video encoded while its frames are made, so finishing only muxes it.

`VideoStreamer` is a frame sink (see `frames.FrameSink`): the frame writer hands it each frame
once the frame's file is on disk, and its own thread encodes them in frame order into a
video-only file in the run folder (`VideoEncoder`), at most `max_pending` frames waiting, so
memory stays flat and the frame loop does not wait on the encoder unless it falls that far
behind. A resumed run's frames already on disk are read back and encoded first.

Only a whole stream counts: when the run ends with every frame 0..n-1 written, in order, the
file is closed, renamed to `STREAM_NAME` and described in `STREAM_RECORD` (format, frame count,
encoding options), written atomically last. An interrupted, failed or out-of-order run deletes
its file; a new render session deletes any earlier stream first, so a stream is never of frames
that were made again since. `streamed_video` gives finishing the stream only when its record
matches what the run asks for now; otherwise the video is encoded from the frame files.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
from dataclasses import asdict
from pathlib import Path

import numpy as np

from lib_animation.atomic_files import write_atomic
from lib_animation.errors import RenderError
from lib_animation.output.video import VideoEncoder, VideoOptions
from lib_animation.png_frames import frame_path, read_frame

STREAM_PARTIAL = ".video-stream.partial"
STREAM_NAME = ".video-stream"
STREAM_RECORD = ".video-stream.json"
DEFAULT_MAX_PENDING = 4
_MAX_RECORD_BYTES = 4096


def stream_record(kind: str, frame_count: int, options: VideoOptions) -> dict[str, object]:
    """What a whole stream holds: compared as a whole with what finishing asks for."""
    return {"format": kind, "frames": frame_count, **asdict(options)}


def streamed_video(folder: Path, kind: str, frame_count: int,
                   options: VideoOptions) -> Path | None:
    """The run's whole video-only stream when it is of `frame_count` frames encoded as `kind`
    with `options`; None when there is none, or it is of anything else (a damaged or foreign
    record counts as none: the frames are then encoded again)."""
    folder = Path(folder)
    stream, record = folder / STREAM_NAME, folder / STREAM_RECORD
    try:
        with record.open("rb") as handle:
            raw = handle.read(_MAX_RECORD_BYTES + 1)
        found = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if found != stream_record(kind, frame_count, options) or not stream.is_file():
        return None
    return stream


def discard_stream(folder: Path) -> None:
    """Delete the run's video stream, whole or not (the record first: it vouches for the file)."""
    folder = Path(folder)
    for name in (STREAM_RECORD, STREAM_NAME, STREAM_PARTIAL):
        (folder / name).unlink(missing_ok=True)


class VideoStreamer:
    """Encodes a run's frames into its video stream as they are written (a frame sink).

    `total_frames` is the run's length; frames 0..first_missing-1 are on disk and encoded first.
    The stream is kept only when `close(finished=True)` comes after every frame was encoded.
    An encoding error does not stop the render: the stream is dropped and finishing encodes the
    video from the frame files (where the error, if it persists, is reported)."""

    def __init__(self, folder: Path, kind: str, options: VideoOptions, total_frames: int,
                 first_missing: int, *, max_pending: int = DEFAULT_MAX_PENDING) -> None:
        self.folder = Path(folder)
        discard_stream(self.folder)
        self._kind, self._options = kind, options
        self._total, self._first_missing = total_frames, first_missing
        self._encoder = VideoEncoder(self.folder / STREAM_PARTIAL, kind, options)
        self._queue: queue.Queue[tuple[int, np.ndarray] | None] = queue.Queue(max_pending)
        self._failed = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="keyframes-video-stream",
                                        daemon=True)
        self._thread.start()

    @property
    def encoded(self) -> int:
        """Frames encoded so far."""
        return self._encoder.frames

    def frame_written(self, index: int, image: np.ndarray) -> None:
        if not self._failed:
            self._queue.put((index, image))

    def close(self, finished: bool) -> None:
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()
        if finished and not self._failed and self._encoder.frames == self._total:
            with contextlib.suppress(OSError, RenderError):
                self._keep()
                return
        self._encoder.abort()
        discard_stream(self.folder)

    def _keep(self) -> None:
        self._encoder.close()
        (self.folder / STREAM_PARTIAL).replace(self.folder / STREAM_NAME)
        record = stream_record(self._kind, self._total, self._options)
        write_atomic(self.folder / STREAM_RECORD, json.dumps(record).encode("utf-8"))

    def _run(self) -> None:
        with contextlib.suppress(Exception):
            for index in range(self._first_missing):
                self._encoder.add(read_frame(frame_path(self.folder, index)))
        if self._encoder.frames != self._first_missing:
            self._failed = True
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._failed:
                continue
            index, image = item
            try:
                if index != self._encoder.frames:
                    raise ValueError(f"frame {index} came when frame {self._encoder.frames} "
                                     "was due")
                self._encoder.add(image)
            except Exception:  # the stream is dropped; the render goes on
                self._failed = True
