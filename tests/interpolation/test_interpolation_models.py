"""RIFE v4.6 and FILM with weights made in the test (never a download): shapes, frame order,
the published key names, and one line for a wrong, damaged or cut-off weights file."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import torch

from lib_animation.errors import DepthModelError
from lib_animation.interpolation.engines import RIFE, WEIGHTS, make_interpolator, weights_path
from lib_animation.interpolation.film import FilmInterpolator, bisection_order, read_film
from lib_animation.interpolation.film_net import FilmNet
from lib_animation.interpolation.rife import IFNet, RifeInterpolator, load_ifnet
from lib_animation.motion.depth_download import RemoteFile, ensure_files
from lib_animation.motion.torch_weights import read_tensor_file


def read_rife(path):
    return read_tensor_file(path, "RIFE")


# Some of the names the published RIFE46.pkl holds (trained in DistributedDataParallel, hence
# `module.`): Practical-RIFE's IFNet v4.6 module tree.
PUBLISHED_NAMES = (
    "module.block0.conv0.0.0.weight", "module.block0.conv0.1.0.bias",
    "module.block0.convblock.7.beta", "module.block1.convblock.0.conv.weight",
    "module.block3.lastconv.0.weight", "module.block3.lastconv.0.bias",
)  # fmt: skip


def _published_file(path, seed: int = 0) -> dict[str, torch.Tensor]:
    torch.manual_seed(seed)
    state = {f"module.{key}": value for key, value in IFNet().state_dict().items()}
    torch.save(state, path)
    return state


def test_the_published_names_load_into_ifnet(tmp_path):
    state = _published_file(tmp_path / "RIFE46.pkl")
    assert set(PUBLISHED_NAMES) <= set(state)
    assert len(state) == 4 * (2 * 2 + 8 * 3 + 2)  # per block: 2 convs, 8 residuals, 1 deconv
    model = load_ifnet(read_rife(tmp_path / "RIFE46.pkl"), "RIFE46.pkl")
    assert torch.equal(model.block2.convblock[4].beta, state["module.block2.convblock.4.beta"])
    sizes = {key: tuple(value.shape) for key, value in state.items()}
    assert sizes["module.block0.conv0.0.0.weight"] == (96, 7, 3, 3)
    assert sizes["module.block1.conv0.0.0.weight"] == (64, 12, 3, 3)
    assert sizes["module.block3.lastconv.0.weight"] == (64, 24, 4, 4)


def test_rife_makes_frames_of_the_source_size_at_each_time(tmp_path):
    _published_file(tmp_path / "w.pkl", seed=3)
    rife = RifeInterpolator(load_ifnet(read_rife(tmp_path / "w.pkl"), "w.pkl"))
    rng = np.random.default_rng(1)
    first, second = (rng.integers(0, 256, (50, 70, 3), dtype=np.uint8) for _ in range(2))
    frames = rife.between(first, second, [0.25, 0.5, 0.75])
    assert [frame.shape for frame in frames] == [(50, 70, 3)] * 3
    assert all(frame.dtype == np.uint8 for frame in frames)
    assert not np.array_equal(frames[0], frames[2])  # the time reaches the network


def test_weights_of_another_network_are_one_line(tmp_path):
    state = _published_file(tmp_path / "w.pkl")
    del state["module.block2.convblock.3.beta"]
    state["module.contextnet.conv1.weight"] = torch.zeros(1)
    with pytest.raises(DepthModelError) as caught:
        load_ifnet(state, "w.pkl")
    text = str(caught.value)
    assert "\n" not in text
    assert "1 missing, 1 unexpected" in text and "block2.convblock.3.beta" in text


def test_a_file_that_is_not_weights_is_one_line(tmp_path):
    (tmp_path / "w.pkl").write_bytes(b"not a torch file at all")
    with pytest.raises(DepthModelError) as caught:
        read_rife(tmp_path / "w.pkl")
    assert "\n" not in str(caught.value) and "delete the file" in str(caught.value)


def test_a_rife_file_in_place_that_is_not_the_published_one_is_refused(tmp_path):
    path = weights_path(RIFE, tmp_path)
    path.parent.mkdir(parents=True)
    _published_file(path)  # right names, but not the published bytes
    with pytest.raises(DepthModelError) as caught:
        make_interpolator(RIFE, tmp_path)
    text = str(caught.value)
    assert "\n" not in text
    assert "checksum mismatch: blake2b" in text and WEIGHTS[RIFE].url in text


def test_film_frames_come_in_deforums_order():
    # Deforum's FILM loop makes, each step, the frame nearest the middle of its two known
    # neighbours (a tie goes to the earlier): for three frames the middle one, the quarter, then
    # three quarters; for two, the third first.
    assert bisection_order((0.25, 0.5, 0.75)) == [(1, 0.0, 1.0), (0, 0.0, 0.5), (2, 0.5, 1.0)]
    assert bisection_order((1 / 3, 2 / 3)) == [(0, 0.0, 1.0), (1, 1 / 3, 1.0)]


class _Crossfade(torch.nn.Module):
    """FILM's call signature, with a crossfade for a network: its frames are known exactly."""

    def forward(self, first: torch.Tensor, second: torch.Tensor,
                dt: torch.Tensor) -> torch.Tensor:
        return first * (1 - dt[:, :, None, None]) + second * dt[:, :, None, None]


def test_film_asks_for_each_frame_at_its_time_between_the_two_frames_around_it():
    film = FilmInterpolator(_Crossfade())
    first = np.full((40, 30, 3), 0, np.uint8)
    second = np.full((40, 30, 3), 240, np.uint8)
    frames = film.between(first, second, [0.25, 0.5, 0.75])
    assert [int(frame[5, 5, 0]) for frame in frames] == [60, 120, 180]
    assert frames[0].shape == (40, 30, 3)


def test_a_torchscript_file_of_film_net_runs_and_another_network_is_one_line(tmp_path):
    torch.manual_seed(2)
    network = FilmNet().eval()
    sample = (torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64), torch.full((1, 1), 0.5))
    with torch.no_grad():
        torch.jit.trace(network, sample, check_trace=False).save(str(tmp_path / "film.pt"))
    film = FilmInterpolator(read_film(tmp_path / "film.pt"))
    rng = np.random.default_rng(3)
    first, second = (rng.integers(0, 256, (40, 30, 3), dtype=np.uint8) for _ in range(2))
    (middle,) = film.between(first, second, [0.5])
    assert middle.shape == (40, 30, 3) and middle.dtype == np.uint8

    torch.jit.script(_Crossfade()).save(str(tmp_path / "other.pt"))
    with pytest.raises(DepthModelError) as caught:
        read_film(tmp_path / "other.pt")
    text = str(caught.value)
    assert "\n" not in text and "is not a FILM network" in text


def test_film_net_has_the_published_tensor_names_and_sizes():
    sizes = {key: tuple(value.shape) for key, value in FilmNet().state_dict().items()}
    assert len(sizes) == 82
    assert sizes["extract.extract_sublevels.convs.0.0.0.weight"] == (64, 3, 3, 3)
    assert sizes["extract.extract_sublevels.convs.3.1.0.weight"] == (512, 512, 3, 3)
    assert sizes["predict_flow._predictor._convs.0.0.weight"] == (256, 1920, 3, 3)
    assert sizes["predict_flow._predictors.2._convs.0.0.weight"] == (32, 128, 3, 3)
    assert sizes["fuse.convs.0.0.0.weight"] == (512, 1930, 2, 2)
    assert sizes["fuse.convs.3.1.0.weight"] == (64, 202, 3, 3)  # 2*(64+3+2) + 64
    assert sizes["fuse.output_conv.weight"] == (3, 64, 1, 1)


class _Handler(BaseHTTPRequestHandler):
    body = b""
    cut_after: int | None = None

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body[: self.cut_after])
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


BODY = bytes(range(256)) * 4000


def _remote(httpd: ThreadingHTTPServer, blake: str) -> RemoteFile:
    return RemoteFile("RIFE46.pkl", f"http://127.0.0.1:{httpd.server_address[1]}/RIFE46.pkl",
                      blake2b=blake)


def test_a_download_with_the_pinned_blake2b_is_kept(server, tmp_path):
    _Handler.body, _Handler.cut_after = BODY, None
    ensure_files(RIFE, [_remote(server, hashlib.blake2b(BODY).hexdigest())], tmp_path)
    assert (tmp_path / "RIFE46.pkl").read_bytes() == BODY


def test_a_download_with_another_blake2b_is_one_line_and_leaves_nothing(server, tmp_path):
    _Handler.body, _Handler.cut_after = BODY, None
    with pytest.raises(DepthModelError) as caught:
        ensure_files(RIFE, [_remote(server, hashlib.blake2b(b"other").hexdigest())], tmp_path)
    text = str(caught.value)
    assert "\n" not in text and "checksum mismatch: blake2b" in text
    assert list(tmp_path.iterdir()) == []


def test_a_cut_off_download_is_one_line_and_leaves_nothing(server, tmp_path):
    _Handler.body, _Handler.cut_after = BODY, 1000
    with pytest.raises(DepthModelError) as caught:
        ensure_files(RIFE, [_remote(server, hashlib.blake2b(BODY).hexdigest())], tmp_path)
    text = str(caught.value)
    assert "\n" not in text and f"stopped after 1000 of {len(BODY)} bytes" in text
    assert list(tmp_path.iterdir()) == []
