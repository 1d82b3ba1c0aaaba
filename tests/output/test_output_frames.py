"""Frame writer: byte-exact round trip, atomic files, completeness checks, errors, back-pressure."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lib_animation.errors import RenderError
from lib_animation.output.frames import FrameWriter, video_frame_paths
from lib_animation.png_frames import (
    complete_frames,
    encode_png,
    frame_path,
    is_complete_png,
    read_frame,
    remove_temp_files,
    write_png,
)


def random_image(seed: int, shape: tuple[int, ...] = (48, 64, 3)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_frames_round_trip_exactly_with_depth(tmp_path: Path) -> None:
    images = [random_image(i) for i in range(5)]
    depths = [random_image(100 + i, (48, 64)) for i in range(5)]
    with FrameWriter(tmp_path) as writer:
        for index, (image, depth) in enumerate(zip(images, depths, strict=True)):
            writer.submit(index, image, depth)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"frame_{i:06d}.png" for i in range(5)] + [f"depth_{i:06d}.png" for i in range(5)]
    )
    for index in range(5):
        with Image.open(tmp_path / f"frame_{index:06d}.png") as image:
            assert image.mode == "RGB"
            np.testing.assert_array_equal(np.asarray(image), images[index])
        with Image.open(tmp_path / f"depth_{index:06d}.png") as depth:
            assert depth.mode == "L"
            np.testing.assert_array_equal(np.asarray(depth), depths[index])
    assert complete_frames(tmp_path) == [0, 1, 2, 3, 4]
    assert complete_frames(tmp_path, "depth") == [0, 1, 2, 3, 4]


def test_large_indices_keep_sorting_and_naming(tmp_path: Path) -> None:
    with FrameWriter(tmp_path) as writer:
        writer.submit(1_234_567, random_image(1))
        writer.submit(7, random_image(2))
    assert (tmp_path / "frame_1234567.png").exists()
    assert complete_frames(tmp_path) == [7, 1_234_567]


def test_submitted_array_can_be_reused_at_once(tmp_path: Path) -> None:
    buffer = np.zeros((48, 64, 3), np.uint8)
    with FrameWriter(tmp_path, max_pending=8) as writer:
        for index in range(4):
            buffer[:] = index * 50
            writer.submit(index, buffer)
    for index in range(4):
        assert np.all(read_frame(frame_path(tmp_path, index)) == index * 50)


def test_png_encoding_is_deterministic_and_lossless() -> None:
    image = random_image(3)
    assert encode_png(image) == encode_png(image.copy())
    with Image.open(io.BytesIO(encode_png(image))) as decoded:
        np.testing.assert_array_equal(np.asarray(decoded), image)


def test_leftover_temp_file_is_not_a_frame(tmp_path: Path) -> None:
    with FrameWriter(tmp_path) as writer:
        writer.submit(0, random_image(0))
    # What a kill during the write of frame 1 leaves behind: a hidden, partial temp file.
    data = encode_png(random_image(1))
    temp = tmp_path / ".frame_000001.png.0123456789abcdef.tmp"
    temp.write_bytes(data[: len(data) // 2])
    assert complete_frames(tmp_path) == [0]
    assert remove_temp_files(tmp_path) == 1
    assert not temp.exists()
    assert frame_path(tmp_path, 0).exists()


@pytest.mark.parametrize("cut", [0, 8, 33, -12, -1])
def test_truncated_png_under_final_name_is_not_complete(tmp_path: Path, cut: int) -> None:
    data = encode_png(random_image(5))
    path = frame_path(tmp_path, 2)
    path.write_bytes(data[:cut] if cut else b"")
    assert not is_complete_png(path)
    assert complete_frames(tmp_path) == []


def test_corrupted_and_padded_png_are_not_complete(tmp_path: Path) -> None:
    data = bytearray(encode_png(random_image(6)))
    frame_path(tmp_path, 0).write_bytes(bytes(data))
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    frame_path(tmp_path, 1).write_bytes(bytes(flipped))
    frame_path(tmp_path, 2).write_bytes(bytes(data) + b"junk")
    frame_path(tmp_path, 3).write_bytes(b"not a png at all")
    assert complete_frames(tmp_path) == [0]


def test_missing_folder_has_no_frames(tmp_path: Path) -> None:
    assert complete_frames(tmp_path / "absent") == []


def test_write_error_surfaces_on_close(tmp_path: Path) -> None:
    # A directory squatting on the final name makes the rename fail.
    frame_path(tmp_path, 1).mkdir()
    writer = FrameWriter(tmp_path)
    writer.submit(0, random_image(0))
    writer.submit(1, random_image(1))
    with pytest.raises(RenderError, match="frame 1") as caught:
        writer.close()
    assert caught.value.frame == 1
    assert complete_frames(tmp_path) == [0]
    assert not list(tmp_path.glob(".*.tmp")), "temp file of the failed write is removed"


def test_write_error_surfaces_on_next_submit(tmp_path: Path) -> None:
    frame_path(tmp_path, 0).mkdir()
    writer = FrameWriter(tmp_path)
    writer.submit(0, random_image(0))
    deadline = time.monotonic() + 10
    with pytest.raises(RenderError):
        while time.monotonic() < deadline:
            writer.submit(1, random_image(1))
            time.sleep(0.01)
    with pytest.raises(RenderError):
        writer.close()


def test_callback_error_surfaces(tmp_path: Path) -> None:
    def explode(index: int, image: np.ndarray) -> None:
        raise KeyError(index)

    writer = FrameWriter(tmp_path, on_written=explode)
    writer.submit(0, random_image(0))
    with pytest.raises(KeyError):
        writer.close()


def test_caller_exception_wins_over_writer_error(tmp_path: Path) -> None:
    frame_path(tmp_path, 0).mkdir()
    with pytest.raises(ZeroDivisionError), FrameWriter(tmp_path) as writer:
        writer.submit(0, random_image(0))
        raise ZeroDivisionError


def test_bad_images_are_refused(tmp_path: Path) -> None:
    with FrameWriter(tmp_path) as writer:
        with pytest.raises(ValueError):
            writer.submit(0, np.zeros((4, 4, 3), np.float32))
        with pytest.raises(ValueError):
            writer.submit(0, np.zeros((4, 4, 4), np.uint8))
        with pytest.raises(ValueError):
            writer.submit(0, np.zeros((4, 4, 3), np.uint8), depth=np.zeros((4, 5), np.uint8))
        with pytest.raises(ValueError):
            writer.submit(-1, np.zeros((4, 4, 3), np.uint8))
    assert complete_frames(tmp_path) == []


def test_unusable_folder_is_a_render_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(RenderError, match="frame folder"):
        FrameWriter(blocker / "run")


def test_submit_blocks_only_when_queue_is_full(tmp_path: Path) -> None:
    release = threading.Event()
    written: list[int] = []

    def slow_disk(index: int, image: np.ndarray) -> None:
        release.wait(10)
        written.append(index)

    writer = FrameWriter(tmp_path, max_pending=2, on_written=slow_disk)
    image = random_image(0)
    writer.submit(0, image)  # taken by the writer thread, which then waits
    time.sleep(0.1)
    start = time.monotonic()
    writer.submit(1, image)
    writer.submit(2, image)  # queue now holds 2 frames
    assert time.monotonic() - start < 0.5

    done = threading.Event()

    def producer() -> None:
        writer.submit(3, image)
        done.set()

    thread = threading.Thread(target=producer)
    thread.start()
    assert not done.wait(0.3), "a third pending frame must make submit wait"
    release.set()
    assert done.wait(10)
    thread.join()
    writer.close()
    assert written == [0, 1, 2, 3]


def test_write_png_and_read_frame_errors(tmp_path: Path) -> None:
    image = random_image(9)
    write_png(tmp_path / "ref.png", image)
    np.testing.assert_array_equal(read_frame(tmp_path / "ref.png"), image)
    (tmp_path / "bad.png").write_bytes(b"\x89PNG garbage")
    with pytest.raises(RenderError, match="cannot decode"):
        read_frame(tmp_path / "bad.png")
    with pytest.raises(RenderError, match="cannot read"):
        read_frame(tmp_path / "missing.png")


def test_video_frame_paths_refuse_holes(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="no frames"):
        video_frame_paths(tmp_path)
    with FrameWriter(tmp_path) as writer:
        for index in (0, 1, 2, 4):
            writer.submit(index, random_image(index))
    with pytest.raises(RenderError, match="frame_000003.png") as caught:
        video_frame_paths(tmp_path)
    assert caught.value.frame == 3
    assert video_frame_paths(tmp_path, 3) == [frame_path(tmp_path, i) for i in range(3)]
    with pytest.raises(RenderError, match="2 of 6"):
        video_frame_paths(tmp_path, 6)
