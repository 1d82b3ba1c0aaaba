"""A batch's items: each one ordinary run, named so the values it varies show in its folder."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lib_animation.batch_name import safe_folder_name
from lib_animation.batches.sweep import HARD_MAX_RUNS, Sweep, swept_settings
from lib_animation.errors import SettingsError
from lib_animation.schema import NAME, Settings

_CONSTANT_SCHEDULE = re.compile(r"^\s*0\s*:\s*\(([^()]*)\)\s*$")
MAX_VALUE_LABEL = 24  # characters of one value in a folder name
SOURCE = "source"  # the varied value that says which settings file or preset a run came from


@dataclass(frozen=True)
class BaseSettings:
    """One settings file or preset a batch lists, with the name it shows in labels."""

    label: str
    settings: Settings


@dataclass(frozen=True)
class BatchItem:
    """One run of a batch: its folder's name, the values that tell it from the other runs,
    and its complete settings."""

    name: str
    varied: Mapping[str, Any]
    settings: Settings

    def label(self, max_value: int = 60) -> str:
        """The varied values as one line, for the contact sheet and the summary."""
        return ", ".join(f"{key}={_cut(_text(value), max_value)}"
                         for key, value in self.varied.items()) or self.name

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "varied": dict(self.varied),
                "settings": self.settings.changed()}


def expand(bases: Sequence[BaseSettings], sweep: Sweep) -> list[BatchItem]:
    """Every base settings crossed with every combination of the sweep, in order; each item's
    settings validated, and named `NN_source_name=value_...`."""
    count = len(bases) * sweep.size
    if count > HARD_MAX_RUNS:
        raise SettingsError(f"the batch makes {count} runs; a batch has at most {HARD_MAX_RUNS}")
    combinations = sweep.combinations()
    width = len(str(count))
    items: list[BatchItem] = []
    for base in bases:
        for values in combinations:
            index = len(items) + 1
            source = {SOURCE: base.label} if len(bases) > 1 else {}
            labels = source | {name: _label_value(name, value, sweep)
                               for name, value in values.items()}
            settings = swept_settings(base.settings, values, item=f"run {index} ({base.label})")
            name = item_name(index, width, labels)
            varied = source | {name: settings[name] for name in values}
            items.append(BatchItem(name, varied, settings.replace(**{NAME.batch_name: name})))
    return items


def item_name(index: int, width: int, labels: Mapping[str, Any]) -> str:
    """`03_seed=7_strength_schedule=0(0.6)`: the index keeps names unique and in order."""
    parts = [f"{index:0{width}d}"] + [f"{key}={_text(value)}" for key, value in labels.items()]
    name = "_".join(parts)
    # Braces would read as batch_name placeholders, spaces make names hard to type.
    name = name.replace("{", "(").replace("}", ")").replace(" ", "-")
    return safe_folder_name(name, fallback=f"{index:0{width}d}")


def _label_value(name: str, value: Any, sweep: Sweep) -> Any:
    """A value as its label shows it: a constant schedule by its value (`0: (0.6)` as 0.6),
    short scalars as they are, anything longer by its position in the sweep's list (`@2`)."""
    constant = _CONSTANT_SCHEDULE.match(value) if isinstance(value, str) else None
    text = constant.group(1).strip() if constant else _text(value)
    if isinstance(value, (Mapping, list)) or len(text) > MAX_VALUE_LABEL:
        return f"@{sweep.values[name].index(value) + 1}"
    return text if constant else value


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."
