"""The shipped preset "audio-reactive": its preview render zooms in on the beats of its own
soundtrack (measured from the rendered frames, not read from the plan), and its MP4 carries the
soundtrack, as long as the video."""

from __future__ import annotations

import av
import numpy as np
from PIL import Image

from lib_animation.host import PreviewHost
from lib_animation.png_frames import complete_frames, frame_path, read_frame
from lib_animation.presets import load_preset
from lib_animation.runs import render_whole_run

SCALES = np.linspace(1.0, 1.088, 23)
ANGLES = np.linspace(-1.0, 1.0, 5)
MEASURED_SIZE = 160  # frames are compared at this size, which is plenty to tell a zoom
KICK_EVERY_S = 0.5  # the soundtrack's kick drum: 120 BPM, the first one at 0 s


def _centre(image: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    grey = image.astype(np.float64).mean(axis=2)[h // 4: 3 * h // 4, w // 4: 3 * w // 4]
    return (grey - grey.mean()) / (grey.std() + 1e-9)


def _zoom_between(before: np.ndarray, after: np.ndarray) -> float:
    """The zoom that best turns `before` into `after` (a rotation searched alongside)."""
    size = (MEASURED_SIZE, MEASURED_SIZE)
    target = _centre(np.asarray(Image.fromarray(after).resize(size, Image.BILINEAR)))
    source = Image.fromarray(before).resize(size, Image.BILINEAR)
    best, best_scale = -np.inf, 1.0
    for scale in SCALES:
        for angle in ANGLES:
            moved = source.rotate(angle, resample=Image.BILINEAR).resize(
                (round(source.width * scale), round(source.height * scale)), Image.BILINEAR)
            left = (moved.width - source.width) // 2
            top = (moved.height - source.height) // 2
            crop = np.asarray(moved.crop((left, top, left + source.width, top + source.height)))
            score = float((_centre(crop) * target).mean())
            if score > best:
                best, best_scale = score, float(scale)
    return best_scale


def test_the_preview_zooms_in_on_the_beats_and_the_video_carries_the_soundtrack(tmp_path):
    settings = load_preset("audio-reactive").settings.replace(batch_name="reactive", seed=3)
    whole = render_whole_run(settings, tmp_path, PreviewHost(), report=False)
    video = whole.outputs.video
    run_dir = video.parent
    count = settings.max_frames
    assert complete_frames(run_dir) == list(range(count))
    frames = [read_frame(frame_path(run_dir, index)) for index in range(count)]
    zooms = np.array([_zoom_between(frames[k - 1], frames[k]) for k in range(1, count)])
    zoom_of_frame = np.r_[np.nan, zooms]  # frame k is frame k-1 moved by frame k's zoom

    fps = settings.fps
    kicks = [round(i * KICK_EVERY_S * fps) for i in range(1, int(count / fps / KICK_EVERY_S))]
    for kick in kicks:
        window = range(kick - 2, min(kick + 3, count))
        peak = max(window, key=lambda frame: zoom_of_frame[frame])
        assert abs(peak - kick) <= 1, (kick, [round(zoom_of_frame[f], 3) for f in window])
        assert zoom_of_frame[peak] >= 1.04  # a visible push on the beat ...
    between = [kick - 2 for kick in kicks]
    assert np.all(zoom_of_frame[between] <= 1.03)  # ... and little zoom just before it

    with av.open(str(video)) as container:
        video_stream, audio_stream = container.streams.video[0], container.streams.audio[0]
        video_s = float(video_stream.duration * video_stream.time_base)
        audio_s = float(audio_stream.duration * audio_stream.time_base)
    assert abs(video_s - count / fps) < 1 / fps
    assert abs(audio_s - video_s) < 0.05
