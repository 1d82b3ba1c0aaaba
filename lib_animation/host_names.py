"""Checking a run's sampler, scheduler and checkpoint names against what the host has, before
the first frame: the WebUI silently ignores a checkpoint name it does not know and renders with
whatever is loaded, so a misspelt name would cost a whole run.

Every host builds a `HostNames` from its own lists (the in-process WebUI from its modules, the
HTTP host from the API) and calls `check_names`; the matching rules live only here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from lib_animation.errors import RenderError
from lib_animation.host import Host, NamesInUse
from lib_animation.schema import NAME, Settings

SHOWN_NAMES = 20


@dataclass(frozen=True)
class HostNames:
    samplers: tuple[str, ...]  # display names, for the error's list
    sampler_aliases: frozenset[str]  # lower-case names and aliases the host accepts
    schedulers: tuple[str, ...]  # labels ("Karras"), for the error's list
    scheduler_aliases: frozenset[str]  # lower-case names and labels
    checkpoints: tuple[str, ...]  # titles, for the error's list
    checkpoint_aliases: frozenset[str]  # exact ids the host resolves (case matters)


def check_names(names: NamesInUse, host: HostNames) -> None:
    """RenderError naming the first kind of name the host does not have, with what it has."""
    _refuse(NAME.sampler, [n for n in names.samplers if n.lower() not in host.sampler_aliases],
            host.samplers)
    _refuse(NAME.scheduler,
            [n for n in names.schedulers if n.lower() not in host.scheduler_aliases],
            host.schedulers)
    _refuse(NAME.checkpoint_schedule,
            [n for n in names.checkpoints if n not in host.checkpoint_aliases], host.checkpoints)


def check_upscaler(upscaler: str, available: Sequence[str]) -> None:
    """RenderError naming the upscaler setting when the host has no upscaler of that name."""
    if upscaler in available:
        return
    listed = ", ".join(available) or "none"
    hint = f"it has: {listed}"
    if upscaler.startswith("R-ESRGAN "):
        # The WebUI lists only the Real-ESRGAN models its owner ticked (two by default).
        hint += ("; a Real-ESRGAN model appears once ticked in the WebUI's Settings -> "
                 "Upscaling -> Select which Real-ESRGAN models to show")
    raise RenderError(f"the host has no upscaler {upscaler!r}", setting=NAME.upscaler,
                      hint=hint)


def check_upscale(settings: Settings, host: Host) -> None:
    """Before the first frame: the upscaler a run will use after its render, when it asks for
    one, is one the host has."""
    if settings.upscale_after_render:
        check_upscaler(settings.upscaler, host.upscaler_names())


def checkpoint_ids(name: str, shorthash: str | None, sha256: str | None,
                   model_name: str | None = None, legacy_hash: str | None = None) -> set[str]:
    """The ids under which the WebUI registers one checkpoint (its `CheckpointInfo.ids`):
    `name` is the file's path inside the checkpoint folder, e.g. `sub/tiny-sd1.safetensors`."""
    stem = PurePath(name.replace("\\", "/")).stem
    model = model_name or PurePath(name.replace("\\", "/").replace("/", "_")).stem
    ids = {name, stem, model, name if not shorthash else f"{name} [{shorthash}]"}
    if legacy_hash:
        ids |= {legacy_hash, f"{name} [{legacy_hash}]"}
    if shorthash:
        ids |= {shorthash, f"{name} [{shorthash}]", f"{stem} [{shorthash}]"}
        if sha256:
            ids.add(sha256)
    return ids


def lower_set(values: Iterable[str]) -> frozenset[str]:
    return frozenset(value.lower() for value in values if value)


def _refuse(setting: str, unknown: list[str], available: tuple[str, ...]) -> None:
    if not unknown:
        return
    listed = ", ".join(available[:SHOWN_NAMES]) or "none"
    if len(available) > SHOWN_NAMES:
        listed += f" and {len(available) - SHOWN_NAMES} more"
    names = ", ".join(repr(name) for name in sorted(unknown))
    raise RenderError(f"the WebUI has no {names}", setting=setting, hint=f"it has: {listed}")
