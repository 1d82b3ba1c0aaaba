"""The samplers of 1.10.1 by name, with their aliases and the options the host keeps for them
(``scheduler`` is the schedule a sampler uses under "Automatic"). Fake samplers do nothing."""

from __future__ import annotations

import logging
from collections import namedtuple

import numpy as np
import torch
from modules import sd_schedulers, shared
from PIL import Image

SamplerData = namedtuple("SamplerData", ["name", "constructor", "aliases", "options"])

# (name, aliases, options): the host's table of sampler facts.
_FACTS = [
    ("DPM++ 2M", ["k_dpmpp_2m"], {"scheduler": "karras"}),
    ("DPM++ SDE", ["k_dpmpp_sde"], {"scheduler": "karras", "second_order": True,
                                    "brownian_noise": True}),
    ("DPM++ 2M SDE", ["k_dpmpp_2m_sde"], {"scheduler": "exponential", "brownian_noise": True}),
    ("DPM++ 2M SDE Heun", ["k_dpmpp_2m_sde_heun"], {"scheduler": "exponential",
                                                    "brownian_noise": True,
                                                    "solver_type": "heun"}),
    ("DPM++ 2S a", ["k_dpmpp_2s_a"], {"scheduler": "karras", "uses_ensd": True,
                                      "second_order": True}),
    ("DPM++ 3M SDE", ["k_dpmpp_3m_sde"], {"scheduler": "exponential",
                                          "discard_next_to_last_sigma": True,
                                          "brownian_noise": True}),
    ("Euler a", ["k_euler_a", "k_euler_ancestral"], {"uses_ensd": True}),
    ("Euler", ["k_euler"], {}),
    ("LMS", ["k_lms"], {}),
    ("Heun", ["k_heun"], {"second_order": True}),
    ("DPM2", ["k_dpm_2"], {"scheduler": "karras", "discard_next_to_last_sigma": True,
                           "second_order": True}),
    ("DPM2 a", ["k_dpm_2_a"], {"scheduler": "karras", "discard_next_to_last_sigma": True,
                               "uses_ensd": True, "second_order": True}),
    ("DPM fast", ["k_dpm_fast"], {"uses_ensd": True}),
    ("DPM adaptive", ["k_dpm_ad"], {"uses_ensd": True}),
    ("Restart", ["restart"], {"scheduler": "karras", "second_order": True}),
    ("DDIM", ["ddim"], {}),
    ("DDIM CFG++", ["ddim_cfgpp"], {}),
    ("PLMS", ["plms"], {}),
    ("UniPC", ["unipc"], {}),
    ("LCM", ["k_lcm"], {}),
]


class FakeSampler:
    """What ``create_sampler`` returns: a name and its config; sampling happens in processing."""

    def __init__(self, config, model):
        self.config = config
        self.name = config.name
        self.model = model


def _constructor(name):
    return lambda model: FakeSampler(all_samplers_map[name], model)


all_samplers = [SamplerData(name, _constructor(name), aliases, options)
                for name, aliases, options in _FACTS]
all_samplers_map = {x.name: x for x in all_samplers}
samplers = all_samplers
samplers_for_img2img = all_samplers
samplers_hidden = set()
samplers_map = {}


def set_samplers():
    global samplers, samplers_for_img2img, samplers_hidden
    samplers_hidden = set(shared.opts.hide_samplers) if shared.opts else set()
    samplers = samplers_for_img2img = all_samplers
    samplers_map.clear()
    for sampler in all_samplers:
        for key in [sampler.name, *sampler.aliases]:
            samplers_map[key.lower()] = sampler.name


def visible_sampler_names():
    return [x.name for x in samplers if x.name not in samplers_hidden]


def find_sampler_config(name):
    if name is None:
        return all_samplers[0]
    return all_samplers_map.get(name) or all_samplers_map.get(samplers_map.get(name.lower()))


def create_sampler(name, model):
    config = find_sampler_config(name)
    assert config is not None, f"bad sampler name: {name}"
    return config.constructor(model)


def get_sampler_and_scheduler(sampler_name, scheduler_name, *, convert_automatic=True):
    """(sampler name, schedule label) for possibly combined names such as "Euler a Karras"."""
    fallback = all_samplers[0]
    scheduler = sd_schedulers.schedulers_map.get(scheduler_name, sd_schedulers.schedulers[0])
    name = sampler_name or fallback.name
    for candidate in sd_schedulers.schedulers:
        suffix = next((s for s in [candidate.label, candidate.name, *(candidate.aliases or [])]
                       if name.endswith(" " + s)), None)
        if suffix is not None:
            scheduler = candidate
            name = name[: -len(suffix) - 1]
            break
    sampler = all_samplers_map.get(name, fallback)
    if convert_automatic and sampler.options.get("scheduler") == scheduler.name:
        scheduler = sd_schedulers.schedulers[0]
    return sampler.name, scheduler.label


def fix_p_invalid_sampler_and_scheduler(p):
    before = p.sampler_name, p.scheduler
    p.sampler_name, p.scheduler = get_sampler_and_scheduler(
        p.sampler_name, p.scheduler, convert_automatic=False)
    if before != (p.sampler_name, p.scheduler):
        logging.warning(f"Sampler Scheduler autocorrection: {before} -> "
                        f"{(p.sampler_name, p.scheduler)}")


def latent_to_image(latent):
    """fake-only: the fake "latents" are (batch, 3, H, W) pixels in -1..1; the first image."""
    pixels = ((latent[0].float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return Image.fromarray(np.ascontiguousarray(pixels.permute(1, 2, 0).numpy()))


set_samplers()
