"""Keyframe schedules: grammar -> syntax tree -> whitelist -> safe vectorised evaluation.

``parse_schedule("0:(1.0), 30:(1.0+0.5*sin(t/10))", setting="zoom")`` parses Deforum's
``frame:(value)`` schedules (plus per-keyframe interpolation words such as ``ease_in``) into an
immutable :class:`Schedule`; ``Schedule.evaluate(ScheduleVariables(max_frames=...))`` gives every
frame's value at once. Expressions never reach Python's ``eval`` or numexpr: they are parsed by
a small whitelisted parser and run as numpy operations over the whole frame array.

The user-facing syntax is documented in ``SYNTAX.md`` beside this file. Every error is a
:class:`~lib_animation.errors.ScheduleError` naming the setting, the keyframe (1-based) and the
column (1-based, in the whole schedule text), with a hint.
"""

from lib_animation.errors import ScheduleError

from .expression import Expression, compile_expression, evaluate_scalar
from .functions import CONSTANTS, FUNCTIONS
from .interpolation import INTERPOLATIONS
from .schedule import (
    Keyframe,
    Schedule,
    ScheduleResult,
    ScheduleVariables,
    parse_schedule,
)

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "INTERPOLATIONS",
    "Expression",
    "Keyframe",
    "Schedule",
    "ScheduleError",
    "ScheduleResult",
    "ScheduleVariables",
    "compile_expression",
    "evaluate_scalar",
    "parse_schedule",
]
