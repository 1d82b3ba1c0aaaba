"""The guided-images setting as written (`init_images`), read into its entries: Deforum's JSON
text `{"0": "a.png", "max_f/2": "https://.../b.png"}` or a mapping -> (key, image) pairs in the
order written. Keys are checked as expressions over `max_f`, `s` and `fps` but not evaluated
here (the plan does that, knowing the frame count); images are path or URL texts, not opened."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lib_animation.errors import ScheduleError, SettingsError
from lib_animation.schedule import compile_expression

KEY_NAMES = frozenset({"max_f", "s", "fps"})
MAX_GUIDE_IMAGES = 100
MAX_KEY_LENGTH = 200
MAX_IMAGE_TEXT_LENGTH = 4096
MAX_JSON_LENGTH = 200_000
EXAMPLE = 'write guide images as {"0": "first.png", "max_f/2": "second.png"}'


def guide_entries(value: Any, *, setting: str) -> list[tuple[str, str]]:
    """The (key, image) pairs of the setting's value; SettingsError naming the setting (and the
    keyframe, 1-based, where one is at fault) for anything else. A key written twice keeps its
    place and last image, as JSON readers do."""
    if isinstance(value, str):
        pairs = _json_pairs(value, setting)
    elif isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        raise SettingsError(f"must be a JSON object of frame: image pairs, not {_kind(value)}",
                            setting=setting, hint=EXAMPLE)
    if len(pairs) > MAX_GUIDE_IMAGES:
        raise SettingsError(f"has {len(pairs)} guide images; at most {MAX_GUIDE_IMAGES}",
                            setting=setting)
    entries: dict[str, str] = {}
    for position, (key, image) in enumerate(pairs, start=1):
        key_text = _key_text(key, position, setting)
        entries[key_text] = _image_text(image, key_text, position, setting)
    return list(entries.items())


def _json_pairs(text: str, setting: str) -> list[tuple[Any, Any]]:
    if len(text) > MAX_JSON_LENGTH:
        raise SettingsError(f"is {len(text)} characters long; at most {MAX_JSON_LENGTH}",
                            setting=setting)
    try:
        loaded = json.loads(text, object_pairs_hook=_Pairs) if text.strip() else _Pairs()
    except json.JSONDecodeError as error:
        raise SettingsError(f"not valid JSON on line {error.lineno}: {error.msg}",
                            setting=setting, column=error.colno, hint=EXAMPLE) from None
    except (ValueError, RecursionError):
        raise SettingsError("not valid JSON: nested too deeply", setting=setting,
                            hint=EXAMPLE) from None
    if not isinstance(loaded, _Pairs):
        raise SettingsError(f"must be a JSON object of frame: image pairs, not {_kind(loaded)}",
                            setting=setting, hint=EXAMPLE)
    return list(loaded)


class _Pairs(list):
    """The key-value pairs of one JSON object, in order."""


def _key_text(key: Any, position: int, setting: str) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        key = str(key)
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_KEY_LENGTH:
        shown = repr(key)[:40]
        raise SettingsError(f"key {shown} must be a frame number or an expression over max_f, "
                            "s and fps", setting=setting, keyframe=position, hint=EXAMPLE)
    try:
        compile_expression(key.strip(), setting=setting, names=KEY_NAMES, keyframe=position)
    except ScheduleError as error:
        raise SettingsError(f'key "{key.strip()}" is not a frame number or an expression over '
                            f"max_f, s and fps: {error.message}", setting=setting,
                            keyframe=position, hint=error.hint) from None
    return key.strip()


def _image_text(image: Any, key: str, position: int, setting: str) -> str:
    if not isinstance(image, str) or not image.strip():
        raise SettingsError(f'image of key "{key}" must be a file path or URL, not '
                            f"{_kind(image)}", setting=setting, keyframe=position,
                            hint='put the path in double quotes, e.g. {"0": "a.png"}')
    if len(image) > MAX_IMAGE_TEXT_LENGTH or "\x00" in image:
        raise SettingsError(f'image of key "{key}" is not a usable path', setting=setting,
                            keyframe=position)
    return image.strip()


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "empty text" if not value.strip() else "text"
    if isinstance(value, (Mapping, _Pairs)):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return "null" if value is None else type(value).__name__
