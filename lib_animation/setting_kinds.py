"""What a setting is: its kinds, the declaration of one setting, and the validators that turn
a value from a file, the UI or the API into the setting's canonical type.

The table of every setting lives in `schema.py`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lib_animation.audio_variables import AUDIO_VARIABLE_NAMES
from lib_animation.errors import SettingsError
from lib_animation.guide_entries import guide_entries
from lib_animation.numbers import format_number
from lib_animation.prompt_entries import load_prompts_json

BOOL = "bool"
INT = "int"
FLOAT = "float"
CHOICE = "choice"
TEXT = "text"
PATH = "path"
SCHEDULE = "schedule"
STRING_SCHEDULE = "string_schedule"
PROMPTS = "prompts"
IMAGE_KEYFRAMES = "image_keyframes"  # {"frame expression": "image path or URL"}

KINDS = (BOOL, INT, FLOAT, CHOICE, TEXT, PATH, SCHEDULE, STRING_SCHEDULE, PROMPTS,
         IMAGE_KEYFRAMES)
SCHEDULE_KINDS = (SCHEDULE, STRING_SCHEDULE)

MAX_TEXT_LENGTH = 20_000
MAX_PROMPTS = 10_000


@dataclass(frozen=True)
class Requirement:
    """Another setting's value this setting needs to matter: `Requirement("use_mask", (True,))`
    for a switch, `Requirement("noise_type", ("perlin",))` for a choice."""

    setting: str
    values: tuple[Any, ...] = (True,)

    @property
    def is_switch(self) -> bool:
        return self.values == (True,)


@dataclass(frozen=True)
class Setting:
    """One setting: everything every face of the product needs to know about it."""

    name: str
    kind: str
    default: Any
    group: str
    label: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    open_choices: bool = False  # choices are suggestions; other values pass (the host decides)
    modes: tuple[str, ...] = ()  # the animation modes that read it; () = every mode
    requires: tuple[Requirement, ...] = ()  # other settings' values it needs to matter
    multiple_of: int | None = None
    not_before: str | None = None  # a frame setting that, unless -1 (the end), is at least this one
    max_length: int = MAX_TEXT_LENGTH  # the most characters a text value may have
    since: str = "0.1.0"

    @property
    def is_schedule(self) -> bool:
        return self.kind in SCHEDULE_KINDS

    @property
    def enabled_by(self) -> str | None:
        """The on/off switch that turns this setting on, if it has one."""
        for requirement in self.requires:
            if requirement.is_switch:
                return requirement.setting
        return None

    def validate(self, value: Any) -> Any:
        """Return the value in its canonical type, or raise SettingsError naming what is allowed."""
        return _VALIDATORS[self.kind](self, value)

    def allowed(self) -> str:
        """A short description of the allowed values, for errors and the docs table."""
        if self.kind == BOOL:
            return "true or false"
        if self.kind in (INT, FLOAT):
            what = "a whole number" if self.kind == INT else "a number"
            low = "" if self.minimum is None else format_number(self.minimum)
            high = "" if self.maximum is None else format_number(self.maximum)
            if low and high:
                return f"{what} from {low} to {high}"
            if low:
                return f"{what} of at least {low}"
            return what
        if self.kind == CHOICE:
            listed = ", ".join(self.choices)
            return f"any name the host has ({listed}, ...)" if self.open_choices else listed
        if self.kind == SCHEDULE:
            text = "a keyframe schedule such as 0:(1.0), 30:(2.0)"
            return f"{text}, values {self.value_range()}" if self.value_range() else text
        if self.kind == STRING_SCHEDULE:
            return 'a text schedule such as 0:("Euler a"), 30:("DPM++ 2M")'
        if self.kind == PROMPTS:
            return 'a JSON object {"frame": "prompt"}'
        if self.kind == IMAGE_KEYFRAMES:
            return 'a JSON object {"frame": "image path or URL"}'
        return "text"


    def value_range(self) -> str:
        """For schedules, the range every frame's value must lie in ('' when unbounded)."""
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"from {format_number(low)} to {format_number(high)}"
        if low is not None:
            return f"of at least {format_number(low)}"
        if high is not None:
            return f"of at most {format_number(high)}"
        return ""


def is_inline_json(text: str) -> bool:
    """Whether a text setting that may also name a file or URL holds a JSON object itself."""
    return text.lstrip().startswith("{")


def _fail(setting: Setting, value: Any, message: str | None = None) -> SettingsError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return SettingsError(
        message or f"{shown} is not allowed: expected {setting.allowed()}", setting=setting.name
    )


def as_bool(value: Any) -> bool | None:
    """true/false as files write them (true, "True", 1), or None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return None


def _validate_bool(setting: Setting, value: Any) -> bool:
    checked = as_bool(value)
    if checked is None:
        raise _fail(setting, value)
    return checked


def _as_number(setting: Setting, value: Any) -> float:
    if isinstance(value, bool):
        raise _fail(setting, value)
    if isinstance(value, (int, float)):
        number = float(value) if isinstance(value, float) else value
    elif isinstance(value, str) and len(value) <= 64:
        try:
            number = float(value.strip())
        except ValueError:
            raise _fail(setting, value) from None
    else:
        raise _fail(setting, value)
    if isinstance(number, float) and not math.isfinite(number):
        raise _fail(setting, value)
    return number


def _check_range(setting: Setting, value: Any, number: float) -> None:
    if setting.minimum is not None and number < setting.minimum:
        raise _fail(setting, value)
    if setting.maximum is not None and number > setting.maximum:
        raise _fail(setting, value)


def _validate_int(setting: Setting, value: Any) -> int:
    number = _as_number(setting, value)
    if isinstance(number, float):
        if not number.is_integer():
            raise _fail(setting, value)
        number = int(number)
    _check_range(setting, value, number)
    return int(number)


def _validate_float(setting: Setting, value: Any) -> float:
    number = float(_as_number(setting, value))
    _check_range(setting, value, number)
    return number


def _validate_choice(setting: Setting, value: Any) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise _fail(setting, value)
    for choice in setting.choices:
        if value.strip().lower() == choice.lower():
            return choice
    if setting.open_choices and value.strip():
        return value.strip()
    raise _fail(setting, value)


def _validate_text(setting: Setting, value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _fail(setting, value)
    if len(value) > setting.max_length:
        raise _fail(setting, value,
                    f"is {len(value)} characters long; at most {setting.max_length}")
    if "\x00" in value:
        raise _fail(setting, value, "contains a NUL character")
    return value


def _validate_schedule(setting: Setting, value: Any) -> str:
    from lib_animation.schedule import parse_schedule

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise _fail(setting, value)
        value = f"0: ({format_number(value)})"
    text = _validate_text(setting, value)
    kind = "string" if setting.kind == STRING_SCHEDULE else "number"
    parse_schedule(text, setting=setting.name, kind=kind, series=AUDIO_VARIABLE_NAMES)
    return text


def _validate_prompts(setting: Setting, value: Any) -> dict[str, str]:
    if isinstance(value, str):
        value = load_prompts_json(value, setting=setting.name)
    if not isinstance(value, Mapping):
        raise _fail(setting, value)
    if not value:
        raise _fail(setting, value, "has no prompts; give at least one, e.g. {\"0\": \"a cat\"}")
    if len(value) > MAX_PROMPTS:
        raise _fail(setting, value, f"has {len(value)} prompts; at most {MAX_PROMPTS}")
    prompts: dict[str, str] = {}
    for key, prompt in value.items():
        if not isinstance(key, str) or not isinstance(prompt, str):
            raise _fail(setting, {key: prompt}, f"key {key!r}: prompts must be text")
        if len(prompt) > MAX_TEXT_LENGTH or len(key) > 200:
            raise _fail(setting, key, f"key {key!r}: prompt or key too long")
        prompts[key.strip()] = prompt
    return prompts


def _validate_image_keyframes(setting: Setting, value: Any) -> dict[str, str]:
    return dict(guide_entries(value, setting=setting.name))


_VALIDATORS = {
    BOOL: _validate_bool,
    INT: _validate_int,
    FLOAT: _validate_float,
    CHOICE: _validate_choice,
    TEXT: _validate_text,
    PATH: _validate_text,
    SCHEDULE: _validate_schedule,
    STRING_SCHEDULE: _validate_schedule,
    PROMPTS: _validate_prompts,
    IMAGE_KEYFRAMES: _validate_image_keyframes,
}
