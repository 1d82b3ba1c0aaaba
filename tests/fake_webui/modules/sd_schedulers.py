"""The noise schedules ("Schedule type") of 1.10.1; the fake never computes sigmas."""

import dataclasses
from typing import Any


@dataclasses.dataclass
class Scheduler:
    name: str
    label: str
    function: Any

    default_rho: float = -1
    need_inner_model: bool = False
    aliases: list = None


def _table():
    plain = ("automatic", "uniform", "karras", "exponential", "polyexponential", "sgm_uniform",
             "kl_optimal", "align_your_steps", "simple", "normal", "ddim", "beta")
    labels = {"sgm_uniform": "SGM Uniform", "kl_optimal": "KL Optimal", "ddim": "DDIM",
              "align_your_steps": "Align Your Steps"}
    rho = {"karras": 7.0, "polyexponential": 1.0}
    inner = {"uniform", "sgm_uniform", "simple", "normal", "ddim", "beta"}
    return [Scheduler(name, labels.get(name, name.capitalize()), None,
                      default_rho=rho.get(name, -1), need_inner_model=name in inner,
                      aliases=["SGMUniform"] if name == "sgm_uniform" else None)
            for name in plain]


schedulers = _table()
schedulers_map = {**{x.name: x for x in schedulers}, **{x.label: x for x in schedulers}}
