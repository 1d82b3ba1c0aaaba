"""Checkpoints: the list and aliases the host builds from the models folder, and a fake "model"
whose loading only records which checkpoint it is. sha256 hashes are cached in cache.json
(``$SD_WEBUI_CACHE_FILE``) as the host caches them.

fake-only: ``weights_load_log`` lists the titles of checkpoints whose weights were loaded;
``models_cleared_hook`` lets a test act while ``list_models()`` has emptied the lists.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import threading
import time
from pathlib import Path

from modules import errors, paths, script_callbacks, shared

model_dir = "Stable-diffusion"
model_path = str(Path(paths.models_path) / model_dir)
checkpoints_list: dict = {}
checkpoint_aliases: dict = {}
checkpoints_loaded: dict = {}
weights_load_log: list[str] = []
# fake-only: if set, list_models() calls it once both lists are empty, before refilling them.
models_cleared_hook = None


def _cache_file() -> Path:
    return Path(os.environ.get("SD_WEBUI_CACHE_FILE", Path(paths.data_path) / "cache.json"))


def _read_cache() -> dict:
    try:
        return json.loads(_cache_file().read_text(encoding="utf8"))
    except (FileNotFoundError, ValueError):
        return {}


def _cached_sha256(filename, title):
    entry = _read_cache().get("hashes", {}).get(title)
    if not entry or Path(filename).stat().st_mtime > entry.get("mtime", 0):
        return None
    return entry.get("sha256")


def _sha256(filename, title):
    found = _cached_sha256(filename, title)
    if found is not None or shared.cmd_opts.no_hashing:
        return found
    digest = hashlib.sha256(Path(filename).read_bytes()).hexdigest()
    cache = _read_cache()
    cache.setdefault("hashes", {})[title] = {"mtime": Path(filename).stat().st_mtime,
                                             "sha256": digest}
    _cache_file().write_text(json.dumps(cache, indent=4), encoding="utf8")
    return digest


def model_hash(filename):
    """The old short hash: sha256 of the 64 KiB at offset 1 MiB, 8 hex digits."""
    try:
        with open(filename, "rb") as file:
            file.seek(0x100000)
            return hashlib.sha256(file.read(0x10000)).hexdigest()[:8]
    except FileNotFoundError:
        return "NOFILE"


def read_metadata_from_safetensors(filename):
    with open(filename, "rb") as file:
        size = int.from_bytes(file.read(8), "little")
        header = json.loads(file.read(size))
    return dict(header.get("__metadata__", {}))


class CheckpointInfo:
    def __init__(self, filename):
        self.filename = filename
        path = Path(filename).resolve()
        roots = [Path(d).resolve() for d in (shared.cmd_opts.ckpt_dir, model_path) if d]
        root = next((r for r in roots if path.is_relative_to(r)), None)
        name = path.relative_to(root).as_posix() if root else path.name
        self.is_safetensors = path.suffix.lower() == ".safetensors"
        self.metadata = {}
        if self.is_safetensors:
            try:
                self.metadata = read_metadata_from_safetensors(filename)
            except Exception as e:
                errors.display(e, f"reading metadata for {filename}")
        self.name = name
        self.name_for_extra = Path(filename).stem
        self.model_name = str(Path(name.replace("/", "_").replace("\\", "_")).with_suffix(""))
        self.hash = model_hash(filename)
        self.sha256 = _cached_sha256(filename, f"checkpoint/{name}")
        self.shorthash = self.sha256[:10] if self.sha256 else None
        self.ids = [self.hash, self.model_name, name, self.name_for_extra, f"{name} [{self.hash}]"]
        self._name_with_hash()

    def _name_with_hash(self):
        short = self.shorthash
        self.title = self.name if short is None else f"{self.name} [{short}]"
        self.short_title = self.name_for_extra if short is None else \
            f"{self.name_for_extra} [{short}]"
        extra = [self.title]
        if short:
            extra += [short, self.sha256, f"{self.name} [{short}]",
                      f"{self.name_for_extra} [{short}]"]
        self.ids += [i for i in extra if i not in self.ids]

    def register(self):
        checkpoints_list[self.title] = self
        for alias in self.ids:
            checkpoint_aliases[alias] = self

    def calculate_shorthash(self):
        self.sha256 = _sha256(self.filename, f"checkpoint/{self.name}")
        if self.sha256 is None:
            return None
        if self.shorthash == self.sha256[:10]:
            return self.shorthash
        old_title = self.title
        self.shorthash = self.sha256[:10]
        self._name_with_hash()
        # keep the list's order: the entry is renamed in place
        renamed = {(self.title if k == old_title else k): v for k, v in checkpoints_list.items()}
        checkpoints_list.clear()
        checkpoints_list.update(renamed)
        self.register()
        return self.shorthash


def _natural_key(text):
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def setup_model():
    Path(model_path).mkdir(parents=True, exist_ok=True)


def list_models():
    checkpoints_list.clear()
    checkpoint_aliases.clear()
    if models_cleared_hook is not None:
        models_cleared_hook()
    folders = [model_path, shared.cmd_opts.ckpt_dir]
    found = [str(p) for folder in folders if folder and Path(folder).is_dir()
             for p in Path(folder).rglob("*") if p.suffix.lower() in (".ckpt", ".safetensors")]
    if shared.cmd_opts.ckpt and Path(shared.cmd_opts.ckpt).is_file():
        found.insert(0, shared.cmd_opts.ckpt)
    for filename in sorted(dict.fromkeys(found), key=lambda f: _natural_key(Path(f).name)):
        CheckpointInfo(filename).register()


def checkpoint_tiles(use_short=False):
    return [x.short_title if use_short else x.title
            for x in sorted(checkpoints_list.values(), key=lambda x: _natural_key(x.title))]


def get_closet_checkpoint_match(search_string):
    if not search_string:
        return None
    found = checkpoint_aliases.get(search_string)
    if found is not None:
        return found
    titles = sorted((x for x in checkpoints_list.values() if search_string in x.title),
                    key=lambda x: len(x.title))
    if titles:
        return titles[0]
    bare = re.sub(r"\s*\[[^]]*]\s*$", "", search_string)
    titles = sorted((x for x in checkpoints_list.values() if bare in x.title),
                    key=lambda x: len(x.title))
    return titles[0] if titles else None


def select_checkpoint():
    """The checkpoint of ``opts.sd_model_checkpoint``, else the first listed one."""
    wanted = shared.opts.sd_model_checkpoint
    info = checkpoint_aliases.get(wanted)
    if info is not None:
        return info
    if not checkpoints_list:
        raise FileNotFoundError(f"No checkpoints found. Looked in {model_path}. "
                                "Can't run without a checkpoint.")
    info = next(iter(checkpoints_list.values()))
    if wanted is not None:
        print(f"Checkpoint {wanted} not found; loading fallback {info.title}", file=sys.stderr)
    return info


class FakeModel:
    """Stands in for a LatentDiffusion model: only what callers read about the checkpoint."""

    cond_stage_key = "crossattn"
    is_sdxl = is_sd2 = is_sd3 = False
    is_sd1 = True
    lowvram = False

    def __init__(self, info):
        self.sd_checkpoint_info = info
        self.sd_model_checkpoint = info.filename
        self.sd_model_hash = None

    def ema_scope(self):
        return contextlib.nullcontext()


class ModelData:
    def __init__(self):
        self.sd_model = None
        self.loaded_sd_models = []
        self.was_loaded_at_least_once = False
        self.lock = threading.Lock()

    def get_sd_model(self):
        if self.sd_model is None and not self.was_loaded_at_least_once:
            with self.lock:
                if self.sd_model is None and not self.was_loaded_at_least_once:
                    try:
                        load_model()
                    except Exception as e:
                        errors.display(e, "loading stable diffusion model")
                        print("Stable diffusion model failed to load", file=sys.stderr)
                        self.sd_model = None
        return self.sd_model

    def set_sd_model(self, v, already_loaded=False):
        self.sd_model = v
        if already_loaded:
            return
        if v in self.loaded_sd_models:
            self.loaded_sd_models.remove(v)
        if v is not None:
            self.loaded_sd_models.insert(0, v)


model_data = ModelData()


def load_model_weights(model, checkpoint_info, state_dict=None, timer=None):
    model.sd_model_hash = checkpoint_info.calculate_shorthash()
    model.sd_checkpoint_info = checkpoint_info
    model.sd_model_checkpoint = checkpoint_info.filename
    shared.opts.data["sd_model_checkpoint"] = checkpoint_info.title
    weights_load_log.append(checkpoint_info.title)


def model_load_seconds() -> float:
    return float(os.environ.get("FAKE_WEBUI_MODEL_LOAD_S") or 0)


_loads_running = []


def load_model(checkpoint_info=None, already_loaded_state_dict=None):
    """As in the host, two loads at once spoil each other: the second one fails as torch does
    when it copies weights the first one has left on the meta device."""
    if _loads_running:
        raise RuntimeError("Error(s) in loading state_dict for LatentDiffusion: Cannot copy out "
                           "of meta tensor; no data!")
    _loads_running.append(True)
    try:
        time.sleep(model_load_seconds())
        return _load_model(checkpoint_info)
    finally:
        _loads_running.pop()


def _load_model(checkpoint_info):
    checkpoint_info = checkpoint_info or select_checkpoint()
    model = FakeModel(checkpoint_info)
    load_model_weights(model, checkpoint_info)
    model_data.loaded_sd_models.clear()
    model_data.set_sd_model(model)
    model_data.was_loaded_at_least_once = True
    script_callbacks.model_loaded_callback(model)
    return model


def reload_model_weights(sd_model=None, info=None, forced_reload=False):
    checkpoint_info = info or select_checkpoint()
    sd_model = sd_model or model_data.sd_model
    if sd_model is None:
        return load_model(checkpoint_info)
    if sd_model.sd_model_checkpoint == checkpoint_info.filename and not forced_reload:
        return sd_model
    load_model_weights(sd_model, checkpoint_info)
    script_callbacks.model_loaded_callback(sd_model)
    return sd_model


def unload_model_weights(sd_model=None, info=None):
    model_data.sd_model = None
    model_data.loaded_sd_models.clear()


def apply_token_merging(sd_model, token_merging_ratio):
    pass
