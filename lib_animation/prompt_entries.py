"""The animation prompts setting as written, read into its entries: JSON text or a mapping ->
(key, prompt) pairs in the order written, repeated keys kept, every prompt text. Keys are not
evaluated here (`prompts` does that); nothing here knows the settings, so the declaration's
validator reads prompts with it too."""

from __future__ import annotations

import json
from collections.abc import Mapping

from lib_animation.errors import PromptError

PROMPTS_EXAMPLE = 'write prompts as {"0": "a cat --neg blurry", "30": "a dog"}'


def prompt_entries(value: str | Mapping[str, str], *, setting: str) -> list[tuple[str, str]]:
    """The (key, prompt) pairs; PromptError naming `setting` for anything else."""
    pairs = _load_json(value, setting) if isinstance(value, str) else _mapping_pairs(value, setting)
    return _checked(pairs, setting)


def load_prompts_json(text: str, *, setting: str) -> dict[str, str]:
    """The prompts setting's JSON text as {key: prompt}; a repeated key keeps its last prompt."""
    return dict(prompt_entries(text, setting=setting))


def _checked(pairs: list[tuple[str, object]], setting: str) -> list[tuple[str, str]]:
    if not pairs:
        raise PromptError("there are no prompts", setting=setting, hint=PROMPTS_EXAMPLE)
    for key, prompt in pairs:
        if not isinstance(prompt, str):
            raise PromptError(
                f'prompt "{key}" must be text, not {_json_type(prompt)}',
                setting=setting,
                hint='put the prompt in double quotes, e.g. {"0": "a cat"}',
            )
    return pairs  # type: ignore[return-value]


class _JsonObject(list):
    """The key-value pairs of one JSON object, in order, duplicates kept."""


def _load_json(text: str, setting: str) -> list[tuple[str, object]]:
    try:
        loaded = json.loads(text, object_pairs_hook=_JsonObject)
    except json.JSONDecodeError as error:
        raise PromptError(
            f"not valid JSON on line {error.lineno}: {error.msg}",
            setting=setting,
            column=error.colno,
            hint=_json_hint(error),
        ) from None
    except (ValueError, RecursionError) as error:
        raise PromptError(f"not valid JSON: {error}", setting=setting,
                          hint=PROMPTS_EXAMPLE) from None
    if not isinstance(loaded, _JsonObject):
        raise PromptError(
            f"must be a JSON object of frame: prompt pairs, not {_json_type(loaded)}",
            setting=setting,
            hint=PROMPTS_EXAMPLE,
        )
    return list(loaded)


def _json_hint(error: json.JSONDecodeError) -> str:
    if error.msg.startswith("Expecting property name"):
        return "keys need double quotes, and the last prompt has no comma after it"
    if error.msg.startswith("Invalid control character"):
        return r"write a line break inside a prompt as \n"
    return PROMPTS_EXAMPLE


def _mapping_pairs(value: Mapping[str, str], setting: str) -> list[tuple[str, object]]:
    if not isinstance(value, Mapping):
        raise PromptError(
            f"must be a mapping of frame: prompt pairs, not {type(value).__name__}",
            setting=setting,
            hint=PROMPTS_EXAMPLE,
        )
    pairs = []
    for key, prompt in value.items():
        if isinstance(key, int) and not isinstance(key, bool):
            key = str(key)
        if not isinstance(key, str):
            raise PromptError(
                f"prompt key {key!r} must be a frame number or expression",
                setting=setting,
            )
        pairs.append((key, prompt))
    return pairs


def _json_type(value: object) -> str:
    names = {bool: "true/false", type(None): "null", int: "a number", float: "a number"}
    if isinstance(value, _JsonObject):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "text"
    return names.get(type(value), type(value).__name__)
