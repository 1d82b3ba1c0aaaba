"""The engines by the names the settings use, and the weights RIFE and FILM download on first
use into `<Keyframes model folder>/interpolation/`, checked against the BLAKE2b-512 digests
Deforum pins for the same files (a wrong or cut-off file is refused in one line)."""

from __future__ import annotations

from pathlib import Path

from lib_animation.errors import DepthModelError
from lib_animation.interpolation.engine import Interpolator
from lib_animation.interpolation.optical_flow import OpticalFlowInterpolator
from lib_animation.motion.depth_download import Progress, RemoteFile, ensure_files

OPTICAL_FLOW = "Optical flow"
RIFE = "RIFE v4.6"
FILM = "FILM"
ENGINES = (OPTICAL_FLOW, RIFE, FILM)
WEIGHTS_FOLDER = "interpolation"


# RIFE46.pkl: about 21 MB (5.3 million float32 weights); film_net_fp16.pt: about 69 MB (34.4
# million float16 weights and the TorchScript program).
WEIGHTS = {
    RIFE: RemoteFile(
        "RIFE46.pkl", "https://github.com/hithereai/Practical-RIFE/releases/download/rife46/"
        "RIFE46.pkl",
        blake2b="af6f0b4bed96dea2c9f0624b449216c7adfaf7f0b722fba0c8f5c6e20b2ec39559cf33f3d238d5"
                "3b160c22f00c6eaa47dc54a6e4f8aa4f59a6e4a9e90e1a808a"),
    FILM: RemoteFile(
        "film_net_fp16.pt", "https://github.com/hithereai/frame-interpolation-pytorch/releases/"
        "download/film_net_fp16.pt/film_net_fp16.pt",
        blake2b="0a823815b111488ac2b7dd7fe6acdd25d35a22b703e8253587764cf1ee3f8f93676d24154d9536"
                "d2ce5bc3b2f102fb36dfe0ca230dfbe289d5cd7bde5a34ec12"),
}


def weights_path(engine: str, models_dir: Path) -> Path:
    return Path(models_dir) / WEIGHTS_FOLDER / WEIGHTS[engine].name


def make_interpolator(engine: str, models_dir: Path | None, device: str = "cpu",
                      progress: Progress | None = None) -> Interpolator:
    """The engine named `engine`, its weights fetched into `models_dir` first when it has any."""
    if engine == OPTICAL_FLOW:
        return OpticalFlowInterpolator()
    if engine not in WEIGHTS:
        raise DepthModelError(f"unknown frame interpolation engine {engine!r}; choose one of "
                              f"{', '.join(ENGINES)}")
    if models_dir is None:
        raise DepthModelError(f"{engine} needs a model folder for its weights",
                              hint="pass --models-dir DIR, or use the Optical flow engine")
    spec = WEIGHTS[engine]
    ensure_files(engine, [spec], Path(models_dir) / WEIGHTS_FOLDER, progress)
    path = weights_path(engine, models_dir)
    # torch is imported only by the engines that run in it
    if engine == RIFE:
        from lib_animation.interpolation.rife import RifeInterpolator, load_ifnet
        from lib_animation.motion.torch_weights import read_tensor_file
        return RifeInterpolator(load_ifnet(read_tensor_file(path, "RIFE"), str(path)), device)
    from lib_animation.interpolation.film import FilmInterpolator, read_film
    return FilmInterpolator(read_film(path), device)
