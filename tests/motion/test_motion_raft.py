"""RAFT optical flow: our network takes torchvision's published `raft_large` weights unchanged
(names, shapes, counts written here from the published architecture), gives a full-size finite
flow for any frame size, refuses wrong, cut-off or tampered weight files in one line, and renders
a run whose flow settings choose RAFT (random weights made here, never a download)."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib_animation.cli import main
from lib_animation.errors import DepthModelError
from lib_animation.motion.depth_download import RemoteFile, ensure_files
from lib_animation.motion.flow import estimate_flow
from lib_animation.motion.raft import (
    CORR_RADIUS,
    Raft,
    RaftFlow,
    _corr_features,
    _correlation_pyramid,
    _upsample_flow,
    load_raft,
)
from lib_animation.motion.raft_weights import RAFT_FOLDER, RAFT_WEIGHTS, load_raft_flow
from lib_animation.motion.torch_weights import read_tensor_file
from lib_animation.png_frames import complete_frames, frame_path, read_frame
from lib_animation.render import raft_flow_settings
from lib_animation.runs import RenderOptions, open_run
from tests.motion.conftest import make_texture
from tests.render.conftest import QUIET, RecordingHost, new_run
from tests.render.folder_rendering import render_folder
from tests.render.test_render_hybrid import hybrid_run, write_video


def read_raft(path):
    return read_tensor_file(path, "RAFT")


REPO = Path(__file__).resolve().parents[2]

# From torchvision's raft_large: (name, shape) of a sample of its state_dict.
PUBLISHED_SAMPLE = {
    "feature_encoder.convnormrelu.0.weight": (64, 3, 7, 7),
    "feature_encoder.layer1.0.convnormrelu1.0.weight": (64, 64, 3, 3),
    "feature_encoder.layer2.0.downsample.0.weight": (96, 64, 1, 1),
    "feature_encoder.layer3.1.convnormrelu2.0.bias": (128,),
    "feature_encoder.conv.weight": (256, 128, 1, 1),
    "context_encoder.convnormrelu.1.running_var": (64,),
    "context_encoder.layer2.0.downsample.1.num_batches_tracked": (),
    "context_encoder.layer3.0.downsample.1.weight": (128,),
    "context_encoder.conv.bias": (256,),
    "update_block.motion_encoder.convcorr1.0.weight": (256, 324, 1, 1),
    "update_block.motion_encoder.convcorr2.0.weight": (192, 256, 3, 3),
    "update_block.motion_encoder.convflow1.0.weight": (128, 2, 7, 7),
    "update_block.motion_encoder.convflow2.0.weight": (64, 128, 3, 3),
    "update_block.motion_encoder.conv.0.weight": (126, 256, 3, 3),
    "update_block.recurrent_block.convgru1.convz.weight": (128, 384, 1, 5),
    "update_block.recurrent_block.convgru2.convq.weight": (128, 384, 5, 1),
    "update_block.flow_head.conv1.weight": (256, 128, 3, 3),
    "update_block.flow_head.conv2.bias": (2,),
    "mask_predictor.convrelu.0.weight": (256, 128, 3, 3),
    "mask_predictor.conv.weight": (576, 256, 1, 1),
}
# Feature encoder (instance norm, no norm tensors): stem 2 + layer1 8 + layer2 10 + layer3 10 +
# conv 2; context encoder (batch norm, 5 tensors each): 5 stem + 4x7 + 5x7 + 5x7 + 2; update
# block 10 + 12 + 4; mask predictor 4.
PUBLISHED_KEYS = (2 + 8 + 10 + 10 + 2) + (7 + 28 + 35 + 35 + 2) + (10 + 12 + 4) + 4
PUBLISHED_PARAMETERS = 5_257_536  # torchvision's Raft_Large_Weights meta "num_params"
PUBLISHED_MIB = 20.128829  # its meta "_weight_size", the file's size in MiB


@pytest.fixture(scope="module")
def weights() -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    return Raft().state_dict()


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory, weights) -> Path:
    path = tmp_path_factory.mktemp("raft") / RAFT_WEIGHTS.name
    torch.save(weights, path)
    return path


def test_the_state_dict_has_torchvisions_names_shapes_and_counts(weights):
    assert len(weights) == PUBLISHED_KEYS == 169
    for name, shape in PUBLISHED_SAMPLE.items():
        assert tuple(weights[name].shape) == shape, name
    assert not any(name.startswith("feature_encoder.layer1.0.downsample") for name in weights)
    assert not any(".convnormrelu.1." in name for name in weights
                   if name.startswith("feature_encoder"))
    assert sum(p.numel() for p in Raft().parameters()) == PUBLISHED_PARAMETERS


def test_a_saved_file_is_the_published_size(weights_file):
    assert weights_file.stat().st_size / 2**20 == pytest.approx(PUBLISHED_MIB, abs=0.05)


def test_the_weights_load_strictly_and_a_foreign_dict_is_refused(weights):
    assert isinstance(load_raft(weights, "test"), Raft)
    renamed = {("flow_head." + k if k.startswith("mask") else k): v for k, v in weights.items()}
    with pytest.raises(DepthModelError, match="lacks tensors"):
        load_raft(renamed, "renamed.pth")
    bad_shape = {**weights, "mask_predictor.conv.bias": torch.zeros(9)}
    with pytest.raises(DepthModelError, match="wrong-shaped tensors .*mask_predictor.conv.bias"):
        load_raft(bad_shape, "shape.pth")


def test_correlation_windows_move_x_along_the_first_axis():
    """Level 0 of the features at zero flow, channel (i, j): the dot product of the first
    frame's vector at (y, x) with the second's at (y + j - r, x + i - r), over sqrt(channels)."""
    generator = torch.Generator().manual_seed(1)
    fmap1 = torch.randn(1, 4, 12, 12, generator=generator)
    fmap2 = torch.randn(1, 4, 12, 12, generator=generator)
    ys, xs = torch.meshgrid(torch.arange(12.0), torch.arange(12.0), indexing="ij")
    coords = torch.stack([xs, ys])[None]
    features = _corr_features(_correlation_pyramid(fmap1, fmap2), coords)
    side = 2 * CORR_RADIUS + 1
    assert features.shape == (1, 4 * side * side, 12, 12)
    y, x = 5, 6
    for i, j in ((0, 0), (1, 4), (4, 1), (8, 3), (2, 7)):
        expected = (fmap1[0, :, y, x] @ fmap2[0, :, y + j - 4, x + i - 4]) / 2.0
        assert features[0, i * side + j, y, x].item() == pytest.approx(expected.item(), abs=1e-5)


def test_upsampling_a_uniform_flow_keeps_it_uniform_at_eight_times_its_length():
    flow = torch.zeros(1, 2, 5, 6)
    flow[:, 0], flow[:, 1] = 1.5, -0.25
    mask = torch.randn(1, 576, 5, 6, generator=torch.Generator().manual_seed(2))
    up = _upsample_flow(flow, mask)
    assert up.shape == (1, 2, 40, 48)
    interior = up[0, :, 8:-8, 8:-8]  # the outer ring mixes in the zero padding
    assert torch.allclose(interior[0], torch.tensor(12.0)) and torch.allclose(interior[1],
                                                                              torch.tensor(-2.0))


def test_flow_is_full_size_and_finite_for_any_frame_size(weights):
    model = RaftFlow(load_raft(weights, "test"))
    first = make_texture(70, 90, seed=3)
    second = np.roll(first, 2, axis=1)
    flow = estimate_flow(first, second, "raft", model=model)
    assert flow.shape == (70, 90, 2) and flow.dtype == np.float32
    assert np.isfinite(flow).all()
    grey = estimate_flow(first[..., 0], second[..., 0], "raft", model=model)
    assert grey.shape == (70, 90, 2)


def _pinned(path: Path) -> RemoteFile:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return RemoteFile(RAFT_WEIGHTS.name, RAFT_WEIGHTS.url, sha256=digest)


def test_a_file_in_the_model_folder_without_the_published_checksum_is_refused(tmp_path,
                                                                              weights_file):
    folder = tmp_path / RAFT_FOLDER
    folder.mkdir()
    (folder / RAFT_WEIGHTS.name).write_bytes(weights_file.read_bytes())
    with pytest.raises(DepthModelError, match="start with ff5fadd5") as caught:
        load_raft_flow(tmp_path)
    assert "\n" not in str(caught.value)


def test_a_cut_off_or_tampered_file_is_refused_in_one_line(tmp_path, weights_file):
    whole = weights_file.read_bytes()
    pinned = _pinned(weights_file)
    folder = tmp_path / RAFT_FOLDER
    folder.mkdir()
    target = folder / RAFT_WEIGHTS.name
    for damaged in (whole[: len(whole) // 2], whole[:-1] + bytes([whole[-1] ^ 1])):
        target.write_bytes(damaged)
        with pytest.raises(DepthModelError, match="checksum mismatch") as caught:
            ensure_files("RAFT", [pinned], folder)
        assert "\n" not in str(caught.value)
    cut = tmp_path / "cut.pth"
    cut.write_bytes(whole[: len(whole) // 3])
    with pytest.raises(DepthModelError, match="cannot read the RAFT weights"):
        read_raft(cut)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=4096) | st.sampled_from([b"PK\x03\x04" + b"\0" * 64, b"\x80\x02}q."]))
def test_hostile_bytes_are_refused_in_one_line(tmp_path, data):
    path = tmp_path / "hostile.pth"
    path.write_bytes(data)
    with pytest.raises(DepthModelError) as caught:
        read_raft(path)
    assert "\n" not in str(caught.value)


def test_a_missing_torch_is_one_line(tmp_path, weights_file, monkeypatch):
    options = _models(tmp_path, weights_file)
    monkeypatch.delitem(sys.modules, "lib_animation.motion.raft")
    monkeypatch.setitem(sys.modules, "torch", None)  # any "import torch" now raises ImportError
    with pytest.raises(DepthModelError, match="RAFT flow needs torch"):
        load_raft_flow(options.models_dir, weights=options.raft_weights)


def test_the_other_flow_methods_and_the_render_do_not_import_torch():
    script = (
        "import sys, numpy as np\n"
        "import lib_animation.render, lib_animation.cli\n"
        "from lib_animation.motion.flow import estimate_flow\n"
        "frame = np.random.default_rng(0).integers(0, 256, (32, 48, 3), dtype=np.uint8)\n"
        "estimate_flow(frame, frame, 'dis_fine')\n"
        "print('torch' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "False"


def test_a_file_holding_no_tensor_dictionary_is_refused(tmp_path):
    path = tmp_path / "list.pth"
    buffer = io.BytesIO()
    torch.save([torch.zeros(2)], buffer)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(DepthModelError, match="no tensor dictionary"):
        read_raft(path)


RAFT_RUN = {**QUIET, "W": 64, "H": 64, "animation_mode": "2D", "max_frames": 3,
            "diffusion_cadence": 2, "optical_flow_cadence": "RAFT", "seed_behavior": "fixed"}


def _models(tmp_path: Path, weights_file: Path) -> RenderOptions:
    """A model folder holding the test's weights under the published name, pinned by their
    sha256 (the published file is checked against torchvision's prefix instead)."""
    models = tmp_path / "models"
    (models / RAFT_FOLDER).mkdir(parents=True)
    (models / RAFT_FOLDER / RAFT_WEIGHTS.name).write_bytes(weights_file.read_bytes())
    return RenderOptions(models_dir=models, raft_weights=_pinned(weights_file))


def test_a_run_with_raft_cadence_flow_renders_with_the_weights_in_the_model_folder(
        tmp_path, weights_file):
    run_dir = new_run(tmp_path / "raft", **RAFT_RUN)
    result = render_folder(run_dir, RecordingHost(), _models(tmp_path, weights_file))
    assert result.completed == 3
    assert complete_frames(run_dir) == [0, 1, 2]
    faded = new_run(tmp_path / "fade", **{**RAFT_RUN, "optical_flow_cadence": "None"})
    render_folder(faded, RecordingHost())
    assert np.array_equal(read_frame(frame_path(run_dir, 2)), read_frame(frame_path(faded, 2)))
    # the tween between them was moved along RAFT's flow, not only cross-faded
    assert not np.array_equal(read_frame(frame_path(run_dir, 1)),
                              read_frame(frame_path(faded, 1)))


def test_hybrid_video_motion_and_the_redo_flow_run_on_raft(tmp_path, weights_file):
    video = write_video(tmp_path / "pan.mp4", 4)
    run_dir = hybrid_run(tmp_path, video, animation_mode="2D", hybrid_motion="Optical Flow",
                         hybrid_flow_method="RAFT", hybrid_flow_consistency=True,
                         optical_flow_redo_generation="RAFT")
    assert raft_flow_settings(open_run(run_dir, RecordingHost()).plan.settings) == [
        "optical_flow_redo_generation", "hybrid_flow_method"]
    result = render_folder(run_dir, RecordingHost(), _models(tmp_path, weights_file))
    assert result.completed == 4


def test_without_a_model_folder_a_raft_run_is_refused_before_frame_0(tmp_path, capsys):
    file = tmp_path / "raft.json"
    file.write_text(json.dumps({**RAFT_RUN, "batch_name": "raft"}))
    assert main(["render", str(file), "--out", str(tmp_path / "out")]) != 0
    err = capsys.readouterr().err
    problem = [line for line in err.splitlines() if "RAFT" in line]
    assert len(problem) == 1 and "--models-dir" in problem[0]
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()  # no run folder is left behind
