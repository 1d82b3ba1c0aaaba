"""Sampler, scheduler and checkpoint names are matched exactly as the WebUI matches them."""

from __future__ import annotations

import pytest

from lib_animation.errors import RenderError
from lib_animation.host import NamesInUse
from lib_animation.host_names import HostNames, check_names, checkpoint_ids, lower_set

SHORT = "6abc81d7cd"
SHA = SHORT + "0" * 54
# CheckpointInfo.ids of models/Stable-diffusion/tiny-sd1.safetensors, written out by hand from
# the WebUI 1.10.1 rules (host-api.md A6), without the legacy 8-hex hash.
TINY_IDS = {"tiny-sd1.safetensors", "tiny-sd1", f"tiny-sd1.safetensors [{SHORT}]", SHORT, SHA,
            f"tiny-sd1 [{SHORT}]"}


def _host() -> HostNames:
    return HostNames(
        samplers=("Euler a", "DPM++ 2M"),
        sampler_aliases=lower_set(["Euler a", "k_euler_a", "DPM++ 2M", "k_dpmpp_2m"]),
        schedulers=("Automatic", "Karras"),
        scheduler_aliases=lower_set(["automatic", "Automatic", "karras", "Karras"]),
        checkpoints=(f"tiny-sd1.safetensors [{SHORT}]",),
        checkpoint_aliases=frozenset(checkpoint_ids("tiny-sd1.safetensors", SHORT, SHA)),
    )


def _names(samplers=("Euler a",), schedulers=("Karras",), checkpoints=()):
    return NamesInUse(set(samplers), set(schedulers), set(checkpoints))


def test_checkpoint_ids_are_the_webuis():
    assert checkpoint_ids("tiny-sd1.safetensors", SHORT, SHA) == TINY_IDS
    assert "sub_tiny" in checkpoint_ids("sub/tiny.ckpt", None, None)


@pytest.mark.parametrize("alias", sorted(TINY_IDS))
def test_every_alias_the_webui_accepts_passes(alias):
    check_names(_names(checkpoints=[alias]), _host())


@pytest.mark.parametrize("almost", ["sd1", "tiny", "TINY-SD1", "tiny-sd1.ckpt", f"[{SHORT}]"])
def test_a_substring_or_other_case_of_a_title_is_refused(almost):
    with pytest.raises(RenderError) as caught:
        check_names(_names(checkpoints=[almost]), _host())
    assert caught.value.setting == "checkpoint_schedule"
    assert "tiny-sd1.safetensors" in caught.value.hint


def test_sampler_and_scheduler_names_ignore_case_and_take_aliases():
    check_names(_names(samplers=["k_euler_a", "dpm++ 2m"], schedulers=["karras"]), _host())
    with pytest.raises(RenderError) as caught:
        check_names(_names(samplers=["Euler b"]), _host())
    assert caught.value.setting == "sampler" and "Euler a" in caught.value.hint
