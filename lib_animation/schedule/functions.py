"""What an expression can compute: its constants, functions and operators, as numpy code.

Each function works elementwise on float64 scalars or arrays, so one call covers every frame.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np

__all__ = ["BINARY_OPERATORS", "COMPARISONS", "CONSTANTS", "FUNCTIONS", "where"]

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


def where(cond, a, b):
    """``a`` where ``cond`` is non-zero, else ``b``, elementwise."""
    return np.where(np.not_equal(cond, 0.0), a, b)


def _clip(x, lo, hi):
    return np.minimum(np.maximum(x, lo), hi)


def _min(*args):
    return functools.reduce(np.minimum, args)


def _max(*args):
    return functools.reduce(np.maximum, args)


# name -> (implementation, min args, max args or None for "any")
FUNCTIONS: dict[str, tuple[Callable[..., object], int, int | None]] = {
    "sin": (np.sin, 1, 1),
    "cos": (np.cos, 1, 1),
    "tan": (np.tan, 1, 1),
    "arcsin": (np.arcsin, 1, 1),
    "arccos": (np.arccos, 1, 1),
    "arctan": (np.arctan, 1, 1),
    "arctan2": (np.arctan2, 2, 2),
    "sinh": (np.sinh, 1, 1),
    "cosh": (np.cosh, 1, 1),
    "tanh": (np.tanh, 1, 1),
    "exp": (np.exp, 1, 1),
    "log": (np.log, 1, 1),
    "log10": (np.log10, 1, 1),
    "log1p": (np.log1p, 1, 1),
    "expm1": (np.expm1, 1, 1),
    "sqrt": (np.sqrt, 1, 1),
    "abs": (np.abs, 1, 1),
    "floor": (np.floor, 1, 1),
    "ceil": (np.ceil, 1, 1),
    "round": (np.round, 1, 1),
    "where": (where, 3, 3),
    "clip": (_clip, 3, 3),
    "min": (_min, 2, None),
    "max": (_max, 2, None),
}

# operator text -> numpy implementation
BINARY_OPERATORS: dict[str, Callable[[object, object], object]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.true_divide,
    "%": np.mod,
    "**": np.power,
}
COMPARISONS: dict[str, Callable[[object, object], object]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
