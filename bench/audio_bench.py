"""Time and memory to analyse a soundtrack: synthetic drums over a chord, stereo 44.1 kHz WAV.

    python bench/audio_bench.py [--minutes 1 10] [--fps 30] [--repeat 3] [--json]

Prints, per length, the median of repeated analyses (decode, spectrum, beats, per-frame curves)
and the peak memory numpy and Python allocate during one more (tracemalloc; FFmpeg's own
buffers are not counted). With --json one line per length:
{"minutes": N, "median_s": x, "peak_mib": y}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib_animation.audio import analyse_audio  # noqa: E402
from tests.audio import signals  # noqa: E402

RATE = 44_100
BPM = 124


def soundtrack(folder: Path, minutes: float) -> Path:
    seconds = minutes * 60
    time_s = np.arange(round(seconds * RATE)) / RATE
    chord = sum(0.08 * np.sin(2 * np.pi * hz * time_s) for hz in (220.0, 277.2, 329.6))
    music = signals.drums(BPM, seconds, RATE) + chord
    return signals.write_wav(folder / f"music-{minutes:g}min.wav", music, RATE, channels=2)


def analyse(path: Path, fps: float, frames: int) -> None:
    analyse_audio(signals.soundtrack(path), fps=fps, frames=frames)


def measure(path: Path, minutes: float, fps: float, repeat: int) -> tuple[float, float]:
    frames = round(minutes * 60 * fps)
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        analyse(path, fps, frames)
        durations.append(time.perf_counter() - start)
    tracemalloc.start()
    analyse(path, fps, frames)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(durations), peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for minutes in arguments.minutes:
            path = soundtrack(Path(folder), minutes)
            median, peak_mib = measure(path, minutes, arguments.fps, arguments.repeat)
            path.unlink()
            if arguments.json:
                print(json.dumps({"minutes": minutes, "median_s": round(median, 3),
                                  "peak_mib": round(peak_mib, 1)}))
            else:
                print(f"{minutes:>6g} min at {arguments.fps:g} fps: {median:7.2f} s median of "
                      f"{arguments.repeat}, peak {peak_mib:6.1f} MiB allocated")


if __name__ == "__main__":
    main()
