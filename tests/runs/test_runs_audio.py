"""A run's audio analysis is made once, when the run is planned, and kept in its folder: a resume
reads the kept analysis, so even a changed audio file gives the same values."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np

from lib_animation.host import PreviewHost
from lib_animation.presets import SHIPPED_PRESETS
from lib_animation.runs import open_run, plan_run, start_run
from lib_animation.runs.audio import AUDIO_CACHE_NAME, load_audio_cache
from lib_animation.schema import Settings, defaults

ROOT = Path(__file__).resolve().parents[2]


def _settings(audio: Path) -> Settings:
    return Settings(defaults()).replace(
        W=64, H=64, max_frames=12, fps=12, video_format="none", batch_name="beats", seed=4,
        audio_path=str(audio), zoom="0: (1.0 + 0.05*beat)", angle="0: (bass)")


def test_a_resume_reads_the_kept_analysis_even_when_the_file_changed(tmp_path):
    audio = shutil.copy(SHIPPED_PRESETS / "audio-reactive.wav", tmp_path / "track.wav")
    run = start_run(_settings(Path(audio)), tmp_path / "out", PreviewHost())
    assert (run.folder / AUDIO_CACHE_NAME).is_file()
    assert load_audio_cache(run.folder) == run.plan.audio
    assert run.plan.audio.beat_frames.size > 0

    sys.path.insert(0, str(ROOT / "tools"))
    from make_audio_reactive_soundtrack import RATE, soundtrack, write_wav

    write_wav(Path(audio), np.r_[np.zeros(RATE // 4), soundtrack()])  # a quarter second later
    assert not np.array_equal(plan_run(_settings(Path(audio))).values["angle"],
                              run.plan.values["angle"])  # a new plan sees the new file ...
    resumed = open_run(run.folder, PreviewHost())
    for name in ("zoom", "angle"):  # ... the resumed run keeps what it was planned with
        assert np.array_equal(resumed.plan.values[name], run.plan.values[name])
    assert resumed.plan.audio == run.plan.audio


def test_planning_twice_gives_the_same_values(tmp_path):
    audio = SHIPPED_PRESETS / "audio-reactive.wav"
    first, second = plan_run(_settings(audio)), plan_run(_settings(audio))
    assert first.audio == second.audio
    assert np.array_equal(first.values["zoom"], second.values["zoom"])


def test_the_shipped_soundtrack_is_what_its_generator_makes(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    from make_audio_reactive_soundtrack import soundtrack, write_wav

    write_wav(tmp_path / "again.wav", soundtrack())
    shipped = SHIPPED_PRESETS / "audio-reactive.wav"
    assert (tmp_path / "again.wav").read_bytes() == shipped.read_bytes()
    assert shipped.stat().st_size < 500_000
