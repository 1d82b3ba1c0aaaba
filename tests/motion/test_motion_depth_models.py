"""Model providers with tiny random DPT networks: loading, inference geometry, cache, unload."""

from __future__ import annotations

import functools
import gc
import hashlib
import math
import threading
import weakref
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from lib_animation.errors import DepthModelError  # noqa: E402
from lib_animation.motion.depth import DepthModelCache, DepthModelSpec, ModelDepth  # noqa: E402
from lib_animation.motion.depth_download import RemoteFile  # noqa: E402
from lib_animation.motion.depth_dpt import DptNet, letterbox, load_dpt  # noqa: E402

TINY = {
    "hidden_size": 32,
    "num_hidden_layers": 4,
    "num_attention_heads": 2,
    "intermediate_size": 37,
    "image_size": 64,
    "patch_size": 16,
    "fusion_hidden_size": 16,
    "backbone_out_indices": [0, 1, 2, 3],
}
TINY_VIT = {**TINY, "neck_hidden_sizes": [8, 8, 8, 8], "reassemble_factors": [4, 2, 1, 0.5]}
TINY_HYBRID = {
    **TINY,
    "is_hybrid": True,
    "neck_hidden_sizes": [8, 16, 32, 32],
    "reassemble_factors": [1, 1, 1, 0.5],
    "backbone_featmap_shape": [1, 32, 4, 4],
    "backbone_config": {
        "global_padding": "same",
        "layer_type": "bottleneck",
        "depths": [1, 1, 1],
        "hidden_sizes": [8, 16, 32],
        "embedding_size": 8,
        "num_groups": 2,
        "out_features": ["stage1", "stage2", "stage3"],
        "embedding_dynamic_padding": True,
    },
}


def save_tiny_dpt(folder: Path, config: dict) -> Path:
    torch.manual_seed(0)
    model = transformers.DPTForDepthEstimation(transformers.DPTConfig(**config))
    model.save_pretrained(folder)
    return folder


def frame(height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


class Brightness(torch.nn.Module):
    """A stand-in network whose 'inverse depth' is the input brightness: bright = near."""

    def forward(self, pixel_values: torch.Tensor) -> SimpleNamespace:
        return SimpleNamespace(predicted_depth=pixel_values.mean(dim=1))


@pytest.mark.parametrize("config", [TINY_VIT, TINY_HYBRID], ids=["vit", "hybrid"])
def test_tiny_dpt_loads_from_a_folder_and_predicts_depth_at_frame_size(
    tmp_path: Path, config: dict
) -> None:
    net = load_dpt(save_tiny_dpt(tmp_path, config), "cpu")
    assert (net.size, net.half) == (64, False)
    z = ModelDepth("tiny", net).predict(frame(45, 70))
    assert z.shape == (45, 70)
    assert z.dtype == np.float32
    assert np.isfinite(z).all()
    assert z.min() >= 1.0 and z.max() <= 2.0


def test_a_broken_weights_file_is_a_one_line_depth_model_error(tmp_path: Path) -> None:
    save_tiny_dpt(tmp_path, TINY_VIT)
    (tmp_path / "pytorch_model.bin").write_bytes(b"not a checkpoint")
    with pytest.raises(DepthModelError) as caught:
        load_dpt(tmp_path, "cpu")
    assert str(caught.value).startswith(f"could not load the depth model in {tmp_path} on cpu:")
    assert "\n" not in str(caught.value)


def test_letterbox_keeps_the_aspect_ratio_and_mirrors_the_padding() -> None:
    square, box = letterbox(frame(45, 70), 64)
    assert square.shape == (64, 64, 3)
    # 70 -> 64 wide, so 45 -> round(45 * 64 / 70) = 41 tall, centred: 11 rows above, 12 below
    assert (box.top, box.left, box.height, box.width) == (11, 0, 41, 64)
    np.testing.assert_array_equal(square[box.top - 1], square[box.top + 1])
    np.testing.assert_array_equal(square[box.top + box.height], square[box.top + box.height - 2])


@pytest.mark.parametrize("shape", [(45, 70), (70, 45), (64, 64), (60, 200)])
def test_depth_follows_the_picture_without_flips_or_shifts(shape: tuple[int, int]) -> None:
    height, width = shape
    row_edge, col_edge = height // 4, width // 4
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[:row_edge] = 255  # bright (near) top band
    image[:, :col_edge] = 255  # and left band
    net = DptNet(Brightness(), device="cpu", half=False, size=64)

    z = ModelDepth("brightness", net).predict(image)

    assert z.shape == shape
    # edges blur over about two network pixels, each max(shape) / 64 frame pixels wide
    margin = math.ceil(2 * max(shape) / 64) + 1
    assert z[: row_edge - margin].max() < 1.1
    assert z[:, : col_edge - margin].max() < 1.1
    assert z[row_edge + margin :, col_edge + margin :].min() > 1.9


@pytest.fixture
def served_tiny_model(tmp_path: Path) -> Iterator[DepthModelSpec]:
    folder = save_tiny_dpt(tmp_path / "served", TINY_VIT)
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    weights = (folder / "pytorch_model.bin").read_bytes()
    yield DepthModelSpec(
        "tiny-dpt",
        (
            RemoteFile("config.json", f"{url}/config.json"),
            RemoteFile(
                "pytorch_model.bin",
                f"{url}/pytorch_model.bin",
                sha256=hashlib.sha256(weights).hexdigest(),
                size=len(weights),
            ),
        ),
    )
    httpd.shutdown()
    httpd.server_close()


def test_first_use_downloads_then_the_cache_returns_the_same_provider(
    served_tiny_model: DepthModelSpec, tmp_path: Path
) -> None:
    cache = DepthModelCache({"tiny-dpt": served_tiny_model})
    models_dir = tmp_path / "models"
    seen: list[str] = []

    first = cache.get(
        "tiny-dpt", models_dir=models_dir, progress=lambda d, t, text: seen.append(text)
    )
    again = cache.get("tiny-dpt", models_dir=models_dir)

    assert again is first
    assert first.name == "tiny-dpt"
    assert {"config.json", "pytorch_model.bin"} <= {
        p.name for p in (models_dir / "tiny-dpt").iterdir()
    }
    assert any("config.json" in text for text in seen)
    assert any("pytorch_model.bin" in text for text in seen)
    assert first.predict(frame(45, 70)).shape == (45, 70)


def test_unload_frees_the_network_and_the_next_request_loads_a_new_one(
    served_tiny_model: DepthModelSpec, tmp_path: Path
) -> None:
    cache = DepthModelCache({"tiny-dpt": served_tiny_model})
    provider = cache.get("tiny-dpt", models_dir=tmp_path)
    network = weakref.ref(provider.net.model)

    cache.unload()
    gc.collect()

    assert network() is None
    with pytest.raises(DepthModelError, match="unloaded"):
        provider.predict(frame(8, 8))
    fresh = cache.get("tiny-dpt", models_dir=tmp_path)
    assert fresh is not provider
    assert fresh.predict(frame(8, 8)).shape == (8, 8)
