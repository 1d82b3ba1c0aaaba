"""Sweeps: lists of values for any settings, crossed (grid) or paired (zip), and the runs they
make from each base settings. Every value is validated against the schema before anything runs.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lib_animation.deforum_import import closest_name
from lib_animation.errors import KeyframesError, KeyframesErrors, SettingsError
from lib_animation.schema import BY_NAME, NAME, Settings

GRID, ZIP = "grid", "zip"
SWEEP_MODES = (GRID, ZIP)
MAX_VALUES = 1000  # values for one setting
MAX_SETTINGS = 32  # settings one sweep varies
HARD_MAX_RUNS = 10_000  # no confirmation makes a batch larger than this
# The batch names each run's folder and resumes its runs itself.
NOT_SWEPT = (NAME.batch_name, NAME.resume_from_timestring, NAME.resume_timestring)


@dataclass(frozen=True)
class Sweep:
    """Values for settings; `grid` runs every combination, `zip` the n-th value of each."""

    values: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    mode: str = GRID

    @property
    def size(self) -> int:
        """How many runs the sweep makes of each base settings (1 without values)."""
        if not self.values:
            return 1
        counts = [len(values) for values in self.values.values()]
        return math.prod(counts) if self.mode == GRID else counts[0]

    def combinations(self) -> list[dict[str, Any]]:
        """Each run's values, in order: the last setting varies fastest in a grid."""
        if not self.values:
            return [{}]
        names = list(self.values)
        rows = (itertools.product(*self.values.values()) if self.mode == GRID
                else zip(*self.values.values(), strict=True))
        return [dict(zip(names, row, strict=True)) for row in rows]

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "values": {name: list(values)
                                              for name, values in self.values.items()}}


def sweep_from_data(data: Any, *, source: str) -> Sweep:
    """A sweep from JSON: `{"mode": "grid"|"zip", "values": {"seed": [1, 2], ...}}`."""
    if not isinstance(data, Mapping):
        raise SettingsError("'sweep' must be a JSON object with 'values'", source=source)
    unknown = sorted(str(key) for key in data if key not in ("mode", "values"))
    if unknown:
        raise SettingsError(f"'sweep' has an unknown key {unknown[0][:40]!r}", source=source,
                            hint="a sweep has 'mode' (grid or zip) and 'values'")
    mode = data.get("mode", GRID)
    if mode not in SWEEP_MODES:
        raise SettingsError(f"sweep mode must be grid or zip, not {_short(mode)}",
                            source=source)
    values = data.get("values", {})
    if not isinstance(values, Mapping):
        raise SettingsError("sweep 'values' must be a JSON object of lists", source=source)
    return checked_sweep({str(name): value for name, value in values.items()}, mode,
                         source=source)


def checked_sweep(values: Mapping[str, Any], mode: str, *, source: str) -> Sweep:
    """The sweep, once its names are settings, each has a list of values, and the sizes fit."""
    if len(values) > MAX_SETTINGS:
        raise SettingsError(f"a sweep varies at most {MAX_SETTINGS} settings, not {len(values)}",
                            source=source)
    problems: list[KeyframesError] = []
    checked: dict[str, tuple[Any, ...]] = {}
    for name, listed in values.items():
        problem = _value_list_problem(name, listed)
        if problem is not None:
            problems.append(problem)
        else:
            checked[name] = tuple(listed)
    if problems:
        raise _one_or_all(problems, source)
    if mode == ZIP and len({len(listed) for listed in checked.values()}) > 1:
        counts = ", ".join(f"{name} {len(listed)}" for name, listed in checked.items())
        raise SettingsError(f"a zip sweep pairs the n-th values, so every list needs as many "
                            f"values ({counts})", source=source, hint="or use mode grid")
    sweep = Sweep(checked, mode)
    if sweep.size > HARD_MAX_RUNS:
        raise SettingsError(f"the sweep makes {sweep.size} runs; a batch has at most "
                            f"{HARD_MAX_RUNS}", source=source)
    return sweep


def _value_list_problem(name: str, listed: Any) -> SettingsError | None:
    shown = name[:60]
    if name not in BY_NAME:
        suggestion = closest_name(name, BY_NAME)
        return SettingsError("not a Keyframes setting", setting=shown,
                             hint=f"did you mean {suggestion}?" if suggestion else None)
    if name in NOT_SWEPT:
        return SettingsError("cannot be swept: a batch names and resumes its runs itself",
                             setting=name)
    if not isinstance(listed, list) or not listed:
        return SettingsError("a sweep needs a non-empty list of values", setting=name)
    if len(listed) > MAX_VALUES:
        return SettingsError(f"a sweep takes at most {MAX_VALUES} values, not {len(listed)}",
                             setting=name)
    return None


def parse_sweep_option(text: str) -> tuple[str, list[Any]]:
    """One `--sweep` option: `NAME=V1,V2,V3` (values as text, read by the setting's kind), or
    `NAME=[...]`, a JSON list (for values that hold commas, such as schedules)."""
    name, equals, listed = text.partition("=")
    name = name.strip()
    if not equals or not name:
        raise SettingsError(f"--sweep {_short(text)}: write NAME=V1,V2 or NAME=[JSON list]")
    listed = listed.strip()
    if listed.startswith("["):
        try:
            values = json.loads(listed)
        except (ValueError, RecursionError):
            raise SettingsError(f"--sweep {name}: the values are not a JSON list",
                                hint='e.g. strength_schedule=["0:(0.5)", "0:(0.6)"]') from None
        if not isinstance(values, list):
            raise SettingsError(f"--sweep {name}: the values are not a JSON list")
        return name, values
    return name, [value.strip() for value in listed.split(",") if value.strip()]


def swept_settings(base: Settings, values: Mapping[str, Any], *, item: str) -> Settings:
    """`base` with one run's swept values, validated (SettingsError naming the item)."""
    try:
        return base.replace(**values)
    except KeyframesErrors as errors:
        raise KeyframesErrors(errors.errors, source=item) from None
    except KeyframesError as error:
        error.source = item
        raise


def _one_or_all(problems: Sequence[KeyframesError], source: str) -> KeyframesError:
    if len(problems) == 1:
        problems[0].source = source
        return problems[0]
    return KeyframesErrors(list(problems), source=source)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
