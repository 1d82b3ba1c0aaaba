"""Video input: frame selection, counting, resizing, extraction reuse, safety, soundtrack."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from lib_animation.errors import RenderError
from lib_animation.inputs.video import (
    EXTRACTION_RECORD,
    FrameSelection,
    count_video_frames,
    extract_video_frames,
    read_video_frames,
    video_soundtrack,
)
from lib_animation.output.frames import FrameWriter, frame_path
from lib_animation.output.video import VideoOptions, encode_video
from tests.inputs.media_files import FRAMES, H, W, index_of, level, write_test_video


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_test_video(tmp_path_factory.mktemp("video") / "clip.mp4")


def test_count(video: Path) -> None:
    assert count_video_frames(video) == FRAMES


def test_all_frames_in_order_as_rgb(video: Path) -> None:
    frames = list(read_video_frames(video))
    assert [index for index, _ in frames] == list(range(FRAMES))
    for index, image in frames:
        assert image.dtype == np.uint8 and image.shape == (H, W, 3)
        assert index_of(image) == index
        assert abs(float(image.mean()) - level(index)) < 2.5


@pytest.mark.parametrize(
    ("nth", "first", "last", "expected"),
    [
        (1, 0, -1, list(range(25))),
        (5, 0, -1, [0, 5, 10, 15, 20]),
        (2, 3, 9, [3, 5, 7, 9]),
        (3, 4, -1, [4, 7, 10, 13, 16, 19, 22]),
        (1, 24, 24, [24]),
        (10, 7, 100, [7, 17]),
        (100, 0, -1, [0]),
    ],
)
def test_selection(video: Path, nth: int, first: int, last: int, expected: list[int]) -> None:
    selection = FrameSelection(nth, first, last)
    assert list(selection.indices(FRAMES)) == expected
    frames = list(read_video_frames(video, selection))
    assert [index for index, _ in frames] == expected
    assert [index_of(image) for _, image in frames] == expected


@pytest.mark.parametrize(
    ("selection", "setting"),
    [
        (FrameSelection(0, 0, -1), "extract_nth_frame"),
        (FrameSelection(1, -2, -1), "extract_from_frame"),
        (FrameSelection(1, 5, 3), "extract_to_frame"),
        (FrameSelection(1, 25, -1), "extract_from_frame"),
    ],
)
def test_selections_that_select_nothing(
    video: Path, selection: FrameSelection, setting: str
) -> None:
    with pytest.raises(RenderError) as caught:
        read_video_frames(video, selection)
    assert caught.value.setting == setting


def test_resize(video: Path) -> None:
    ((_, small),) = read_video_frames(video, FrameSelection(1, 3, 3), size=(32, 20))
    assert small.shape == (20, 32, 3)
    assert index_of(small) == 3
    ((_, large),) = read_video_frames(video, FrameSelection(1, 3, 3), size=(100, 90))
    assert large.shape == (90, 100, 3)


def test_stream_can_stop_early(video: Path) -> None:
    frames = read_video_frames(video)
    assert next(frames)[0] == 0
    frames.close()


def test_bt709_colours_are_read_back(tmp_path: Path) -> None:
    colour = (200, 50, 30)
    with FrameWriter(tmp_path / "run") as writer:
        for index in range(3):
            writer.submit(index, np.full((H, W, 3), colour, np.uint8))
    clip = encode_video(
        [frame_path(tmp_path / "run", i) for i in range(3)],
        tmp_path / "red.mp4",
        VideoOptions(crf=5),
    )
    (_, image), *_ = read_video_frames(clip)
    assert np.abs(image.reshape(-1, 3).mean(axis=0) - colour).max() < 3


def test_extraction_and_reuse(video: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inputframes"
    selection = FrameSelection(4, 2, -1)
    paths = extract_video_frames(video, folder, selection, size=(32, 24))
    assert paths == [frame_path(folder, k) for k in range(6)]
    assert [index_of(np.asarray(Image.open(p))) for p in paths] == [
        2,
        6,
        10,
        14,
        18,
        22,
    ]
    record = json.loads((folder / EXTRACTION_RECORD).read_text())
    assert record["frames"] == 6 and record["extract_nth_frame"] == 4

    stamp = paths[0].stat().st_mtime_ns
    assert extract_video_frames(video, folder, selection, size=(32, 24)) == paths
    assert paths[0].stat().st_mtime_ns == stamp, "a complete extraction is reused"

    extract_video_frames(video, folder, selection, size=(32, 24), overwrite=True)
    assert paths[0].stat().st_mtime_ns != stamp, "overwrite extracts again"

    fewer = extract_video_frames(video, folder, FrameSelection(10, 0, -1))
    assert len(fewer) == 3
    assert sorted(p.name for p in folder.glob("frame_*.png")) == [p.name for p in fewer]


def test_damaged_extraction_is_redone(video: Path, tmp_path: Path) -> None:
    folder = tmp_path / "inputframes"
    paths = extract_video_frames(video, folder)
    paths[7].write_bytes(paths[7].read_bytes()[:50])
    again = extract_video_frames(video, folder)
    assert index_of(np.asarray(Image.open(again[7]))) == 7


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="not found") as caught:
        count_video_frames(tmp_path / "none.mp4")
    assert caught.value.setting == "video_init_path"
    (tmp_path / "junk.mp4").write_bytes(b"\x00" * 500)
    with pytest.raises(RenderError, match="cannot read video"):
        read_video_frames(tmp_path / "junk.mp4")
    with pytest.raises(RenderError, match="not a file"):
        read_video_frames(tmp_path)
    with pytest.raises(RenderError, match="URL"):
        read_video_frames("http://example.com/clip.mp4")
    sound = write_test_video(tmp_path / "sound.mp4", count=2, audio=True)
    only_audio = tmp_path / "only_audio.m4a"
    with av.open(str(sound)) as source, av.open(str(only_audio), "w", format="mp4") as target:
        stream = target.add_stream_from_template(source.streams.audio[0])
        for packet in source.demux(source.streams.audio[0]):
            if packet.dts is not None:
                packet.stream = stream
                target.mux(packet)
    with pytest.raises(RenderError, match="no video stream"):
        count_video_frames(only_audio)


def test_a_playlist_cannot_point_at_other_files(video: Path, tmp_path: Path) -> None:
    # An HLS playlist or ffconcat list named .mp4 would make FFmpeg open the files it lists.
    playlist = tmp_path / "innocent.mp4"
    playlist.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:2.5,\n{video}\n#EXT-X-ENDLIST\n"
    )
    concat = tmp_path / "also.mp4"
    concat.write_text(f"ffconcat version 1.0\nfile '{video}'\n")
    for hostile in (playlist, concat):
        with pytest.raises(RenderError, match="cannot read video"):
            count_video_frames(hostile)


def test_soundtrack_of_a_video(video: Path, tmp_path: Path) -> None:
    assert video_soundtrack(video) is None
    with_audio = write_test_video(tmp_path / "with_audio.mp4", count=5, audio=True)
    assert video_soundtrack(with_audio).resolved() == with_audio.resolve()
