"""Animation prompts: frame -> (positive, negative) prompt.

The `animation_prompts` setting maps a frame, or an expression over `max_f`, `s` and `fps`, to
a prompt: `{"0": "a cat --neg blurry", "max_f/2": "a dog"}`. The text after `--neg` is the
negative prompt. Keys are evaluated by the schedule module's safe evaluator, the same way in
every animation mode, and truncated toward zero.

Common parts are joined with a single space, exactly as Deforum joins them, so a Deforum prompt
sends the same text to A1111: positive = "{animation_prompts_positive} {positive}", negative =
"{negative} {animation_prompts_negative}". Empty parts are skipped, and a part the prompt
already starts (positive) or ends (negative) with is not added a second time.

Inline maths: every ``` `expression` ``` in a prompt or a common part is evaluated for each
frame with `t` (the frame), `max_f`, `s` and `fps`, and replaced by its value rounded to 4
decimals with trailing zeros trimmed (`0.5`, `1`, `-0.1235`).

Frames take the latest keyframe at or before them; frames before the first key hold the first
key. With blending, the frames strictly between two keys get A1111 composable prompts,
`cat :0.75 AND dog :0.25` a quarter of the way from "cat" to "dog"; A1111 does not parse AND
in negative prompts, so those frames use the negative of the nearer keyframe (the later one at
the exact middle). Two keys with the same positive text need no weights and keep it plain; a
segment whose prompt already contains AND is not blended (it would nest) and gives a warning.

A key after the last frame is not used, except with blending: there, as in Deforum, the first key
after the last frame still sets the blend of the frames before it, so a travel can stop part-way
(keys 0, 20 and 45 in 30 frames: frame 29 is 0.64 of key 20 and 0.36 of key 45).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from lib_animation.audio_variables import AUDIO_VARIABLE_NAMES
from lib_animation.errors import KeyframesError, PromptError, ScheduleError
from lib_animation.numbers import format_number
from lib_animation.prompt_entries import PROMPTS_EXAMPLE, prompt_entries
from lib_animation.schedule import ScheduleVariables, compile_expression, evaluate_scalar
from lib_animation.schema import NAME

if TYPE_CHECKING:
    from lib_animation.schedule.expression import Expression

PROMPTS_SETTING = NAME.animation_prompts
POSITIVE_COMMON_SETTING = NAME.animation_prompts_positive
NEGATIVE_COMMON_SETTING = NAME.animation_prompts_negative

NEGATIVE_MARKER = "--neg"
INLINE_NAMES = frozenset({"t", "max_f", "s", "fps"}) | AUDIO_VARIABLE_NAMES
NUMBER_DECIMALS = 4

# A1111 splits composable prompts on this pattern (modules/prompt_parser.py).
_COMPOSABLE_AND = re.compile(r"\bAND\b")
_WHOLE_NUMBER = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class PromptKeyframe:
    """One prompt keyframe.

    For error messages: `position` is the prompt's 1-based place in the setting (the
    "keyframe" an error names, as in schedules; 0 when unknown) and the columns say where each
    part starts in the typed prompt.
    """

    frame: int
    key: str
    positive: str
    negative: str
    position: int = field(default=0, compare=False, repr=False)
    positive_column: int = field(default=1, compare=False, repr=False)
    negative_column: int = field(default=1, compare=False, repr=False)


def parse_animation_prompts(
    value: str | Mapping[str, str],
    *,
    variables: ScheduleVariables,
    setting: str = PROMPTS_SETTING,
    blend: bool = False,
) -> tuple[list[PromptKeyframe], list[str]]:
    """Parse the prompts setting into keyframes sorted by frame, and warnings to show.

    With `blend`, the first key after the last frame is kept (last in the list): it sets the
    blend of the frames before it.
    """
    warnings: list[str] = []
    by_frame: dict[int, PromptKeyframe] = {}
    entries = [
        (position, key, prompt, _key_frame(key, position, variables, setting))
        for position, (key, prompt) in enumerate(prompt_entries(value, setting=setting), start=1)
    ]
    after_end = [frame for *_, frame in entries if frame >= variables.max_frames]
    blend_target = min(after_end) if blend and after_end else None
    for position, key, prompt, frame in entries:
        if frame >= variables.max_frames and frame != blend_target:
            warnings.append(
                f'{setting}: prompt "{key}" is for frame {frame}, after the last frame '
                f"{variables.max_f}; it is not used"
            )
            continue
        keyframe = _keyframe(frame, key, position, prompt, setting)
        _template(keyframe.positive, setting, key, position, keyframe.positive_column)
        _template(keyframe.negative, setting, key, position, keyframe.negative_column)
        earlier = by_frame.get(frame)
        if earlier is not None:
            warnings.append(
                f'{setting}: prompts "{earlier.key}" and "{key}" are both for frame {frame}; '
                f'"{key}" is used'
            )
        by_frame[frame] = keyframe
    if not by_frame or min(by_frame) >= variables.max_frames:
        raise PromptError(
            f"no prompt is for a frame of this {variables.max_frames}-frame animation",
            setting=setting,
            hint="add a prompt for frame 0",
        )
    return [by_frame[frame] for frame in sorted(by_frame)], warnings


def inline_names(texts: Sequence[str], *, setting: str = PROMPTS_SETTING) -> frozenset[str]:
    """The variables the inline maths of these prompt texts read (texts whose maths cannot be
    read are skipped: planning reports them)."""
    names: set[str] = set()
    for text in texts:
        try:
            pieces = _template(text, setting, None, None, 1).pieces
        except KeyframesError:
            continue
        names.update(name for piece in pieces if isinstance(piece, _Inline)
                     for name in piece.expression.names_used)
    return frozenset(names)


def split_negative(prompt: str, *, key: str, setting: str = PROMPTS_SETTING) -> tuple[str, str]:
    """Split "a cat --neg blurry" into ("a cat", "blurry"), whitespace trimmed."""
    positive, negative, _, _ = _split_with_columns(prompt, key, setting)
    return positive, negative


def strip_common_parts(prompt: str, positive_common: str, negative_common: str) -> str:
    """Undo Deforum's merge "{positive_common} {prompt} --neg {negative_common}".

    Deforum saves prompts with the common parts already merged in; stripping them on load keeps
    them from being added twice. Text without the common parts comes back trimmed, otherwise
    unchanged.
    """
    text = prompt.strip()
    positive_common = positive_common.strip()
    negative_common = _clean_negative_common(negative_common)
    if positive_common and _starts_with_phrase(text, positive_common):
        text = text[len(positive_common) :].lstrip()
    parts = text.split(NEGATIVE_MARKER)
    if len(parts) != 2:
        return text
    positive, negative = parts[0].strip(), parts[1].strip()
    if negative_common and _ends_with_phrase(negative, negative_common):
        negative = negative[: -len(negative_common)].rstrip()
    if not negative:
        return positive
    return f"{positive} {NEGATIVE_MARKER} {negative}".strip()


def frame_prompts(
    keyframes: Sequence[PromptKeyframe],
    *,
    variables: ScheduleVariables,
    positive_common: str = "",
    negative_common: str = "",
    blend: bool = False,
    warnings: list[str] | None = None,
) -> list[tuple[str, str]]:
    """The (positive, negative) prompt of every frame 0 .. max_frames-1.

    With `blend`, the last keyframe may lie after the last frame: the frames before it blend
    toward it as far as the animation goes. Warnings (blending skipped where a prompt already
    contains AND) are appended to `warnings` when a list is given.
    """
    ordered = sorted(keyframes, key=lambda keyframe: keyframe.frame)
    if not ordered:
        raise PromptError("there are no prompts", setting=PROMPTS_SETTING, hint=PROMPTS_EXAMPLE)
    last = variables.max_frames
    inside = ordered if ordered[-1].frame < last or not blend else ordered[:-1]
    if ordered[0].frame < 0 or not inside or inside[-1].frame >= last:
        raise ValueError("prompt keyframes must lie in 0 .. max_frames-1 (one may follow, to "
                         "blend toward)")
    renderer = _Renderer(variables)
    commons = _Commons.build(positive_common, negative_common)
    merged = [commons.merge(keyframe) for keyframe in ordered]
    prompts: list[tuple[str, str]] = []
    for index, keyframe in enumerate(inside):
        following = ordered[index + 1] if index + 1 < len(ordered) else None
        start = 0 if index == 0 else keyframe.frame
        end = last if following is None else min(following.frame, last)
        if not blend or following is None or following.frame - keyframe.frame < 2:
            prompts.extend(renderer.step(merged[index], start, end))
            continue
        if _composable(merged[index][0]) or _composable(merged[index + 1][0]):
            if warnings is not None:
                warnings.append(
                    f'{PROMPTS_SETTING}: prompt "{keyframe.key}" or "{following.key}" already '
                    f"contains AND, so frames {keyframe.frame + 1}..{end - 1} are not blended"
                )
            prompts.extend(renderer.step(merged[index], start, end))
            continue
        prompts.extend(renderer.step(merged[index], start, keyframe.frame + 1))
        prompts.extend(
            renderer.blend(merged[index], merged[index + 1], keyframe.frame, following.frame,
                           stop=end)
        )
    return prompts


@dataclass(frozen=True)
class _Inline:
    """One backtick expression and where it was typed, for errors found while evaluating."""

    expression: Expression
    source: str
    setting: str
    key: str | None
    keyframe: int | None
    column: int


@dataclass(frozen=True)
class _Template:
    """A prompt part as literal text and inline maths."""

    pieces: tuple[str | _Inline, ...]

    @property
    def literal(self) -> str | None:
        if any(isinstance(piece, _Inline) for piece in self.pieces):
            return None
        return "".join(self.pieces)  # type: ignore[arg-type]


def _key_frame(key: str, position: int, variables: ScheduleVariables, setting: str) -> int:
    stripped = key.strip()
    if _WHOLE_NUMBER.fullmatch(stripped):
        return int(stripped)
    env = {"max_f": float(variables.max_f), "s": float(variables.seed), "fps": variables.fps}
    try:
        value = evaluate_scalar(stripped, setting=setting, env=env)
    except ScheduleError as error:
        raise PromptError(
            f'prompt key "{key}" is not a frame number or expression over max_f, s and fps: '
            f"{error.message}",
            setting=setting,
            keyframe=position,
            hint=error.hint,
        ) from None
    if not math.isfinite(value) or math.trunc(value) < 0:
        raise PromptError(
            f'prompt key "{key}" gives frame {value:g}; frames start at 0',
            setting=setting,
            keyframe=position,
        )
    return math.trunc(value)


def _keyframe(frame: int, key: str, position: int, prompt: str, setting: str) -> PromptKeyframe:
    positive, negative, positive_column, negative_column = _split_with_columns(
        prompt, key, setting, keyframe=position
    )
    return PromptKeyframe(
        frame, key, positive, negative, position, positive_column, negative_column
    )


def _split_with_columns(
    prompt: str, key: str, setting: str, keyframe: int | None = None
) -> tuple[str, str, int, int]:
    """Positive and negative parts, trimmed, and the 1-based column where each starts."""
    parts = prompt.split(NEGATIVE_MARKER)
    if len(parts) > 2:
        second = prompt.index(NEGATIVE_MARKER, prompt.index(NEGATIVE_MARKER) + 1)
        raise PromptError(
            f'prompt "{key}" has {len(parts) - 1} "{NEGATIVE_MARKER}" markers; only one is allowed',
            setting=setting,
            keyframe=keyframe,
            column=second + 1,
        )
    positive_raw = parts[0]
    positive_column = 1 + len(positive_raw) - len(positive_raw.lstrip())
    if len(parts) == 1:
        return positive_raw.strip(), "", positive_column, 1
    negative_raw = parts[1]
    negative_start = len(positive_raw) + len(NEGATIVE_MARKER)
    negative_column = 1 + negative_start + len(negative_raw) - len(negative_raw.lstrip())
    return positive_raw.strip(), negative_raw.strip(), positive_column, negative_column


def _template(
    text: str, setting: str, key: str | None, keyframe: int | None, column: int
) -> _Template:
    """Split `text` (starting at 1-based `column` of its setting) into literal text and maths."""
    pieces: list[str | _Inline] = []
    position = 0
    while True:
        opening = text.find("`", position)
        if opening < 0:
            pieces.append(text[position:])
            break
        closing = text.find("`", opening + 1)
        where = column + opening
        if closing < 0:
            raise PromptError(
                f"{_owner(key)} has an unclosed backtick",
                setting=setting,
                keyframe=keyframe,
                column=where,
                hint="inline maths goes between two backticks, e.g. `0.5+0.5*sin(t/10)`",
            )
        source = text[opening + 1 : closing]
        expression = _compile(source, setting, key, keyframe, where)
        pieces.append(text[position:opening])
        pieces.append(_Inline(expression, source, setting, key, keyframe, where))
        position = closing + 1
    return _Template(tuple(piece for piece in pieces if piece != ""))


def _compile(
    source: str, setting: str, key: str | None, keyframe: int | None, where: int
) -> Expression:
    if not source.strip():
        raise PromptError(
            f"{_owner(key)} has empty inline maths ``",
            setting=setting,
            keyframe=keyframe,
            column=where,
        )
    try:
        return compile_expression(
            source, setting=setting, names=INLINE_NAMES, keyframe=keyframe, column_offset=where
        )
    except ScheduleError as error:
        raise PromptError(
            f"{_owner(key)}: inline maths `{source}`: {error.message}",
            setting=setting,
            keyframe=keyframe,
            column=error.column if error.column is not None else where,
            hint=error.hint,
        ) from None


def _owner(key: str | None) -> str:
    return "the text" if key is None else f'prompt "{key}"'


def _starts_with_phrase(text: str, phrase: str) -> bool:
    return text.startswith(phrase) and (len(text) == len(phrase) or text[len(phrase)].isspace())


def _ends_with_phrase(text: str, phrase: str) -> bool:
    before = len(text) - len(phrase) - 1
    return text.endswith(phrase) and (before < 0 or text[before].isspace())


def _clean_negative_common(text: str) -> str:
    # Deforum removes any --neg typed into the negative field; so do we.
    return text.replace(NEGATIVE_MARKER, "").strip()


def _composable(template: _Template) -> bool:
    return any(
        isinstance(piece, str) and _COMPOSABLE_AND.search(piece) for piece in template.pieces
    )


@dataclass(frozen=True)
class _Commons:
    positive: str
    positive_template: _Template
    negative: str
    negative_template: _Template

    @classmethod
    def build(cls, positive_common: str, negative_common: str) -> _Commons:
        positive = positive_common.strip()
        marker = positive.find(NEGATIVE_MARKER)
        if marker >= 0:
            raise PromptError(
                f'"{NEGATIVE_MARKER}" belongs in the prompts, not in the common positive part',
                setting=POSITIVE_COMMON_SETTING,
                column=1 + len(positive_common) - len(positive_common.lstrip()) + marker,
            )
        negative = _clean_negative_common(negative_common)
        return cls(
            positive,
            _template(positive, POSITIVE_COMMON_SETTING, None, None, _lead(positive_common)),
            negative,
            _template(negative, NEGATIVE_COMMON_SETTING, None, None, _lead(negative_common)),
        )

    def merge(self, keyframe: PromptKeyframe) -> tuple[_Template, _Template]:
        """The keyframe's positive and negative with the common parts joined in."""
        position = keyframe.position or None
        own_positive = _template(
            keyframe.positive, PROMPTS_SETTING, keyframe.key, position, keyframe.positive_column
        )
        own_negative = _template(
            keyframe.negative, PROMPTS_SETTING, keyframe.key, position, keyframe.negative_column
        )
        positive = own_positive
        if self.positive and not _starts_with_phrase(keyframe.positive, self.positive):
            positive = _joined(self.positive_template, own_positive)
        negative = own_negative
        if self.negative and not _ends_with_phrase(keyframe.negative, self.negative):
            negative = _joined(own_negative, self.negative_template)
        return positive, negative


def _lead(text: str) -> int:
    return 1 + len(text) - len(text.lstrip())


def _joined(first: _Template, second: _Template) -> _Template:
    if not first.pieces:
        return second
    if not second.pieces:
        return first
    pieces: list[str | _Inline] = []
    for piece in (*first.pieces, " ", *second.pieces):
        if isinstance(piece, str) and pieces and isinstance(pieces[-1], str):
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return _Template(tuple(pieces))


class _Renderer:
    """Turns merged keyframe templates into per-frame text, vectorised over frame ranges."""

    def __init__(self, variables: ScheduleVariables) -> None:
        self._variables = variables
        self._constants = variables.scalars()

    def step(
        self, merged: tuple[_Template, _Template], start: int, end: int
    ) -> list[tuple[str, str]]:
        positive = self.texts(merged[0], start, end)
        negative = self.texts(merged[1], start, end)
        if isinstance(positive, str) and isinstance(negative, str):
            return [(positive, negative)] * (end - start)
        return list(zip(_each(positive, end - start), _each(negative, end - start), strict=True))

    def blend(
        self,
        first: tuple[_Template, _Template],
        second: tuple[_Template, _Template],
        first_frame: int,
        second_frame: int,
        stop: int | None = None,
    ) -> list[tuple[str, str]]:
        """Frames strictly between two keyframes (and before `stop`), as weighted composable
        prompts."""
        start = first_frame + 1
        end = second_frame if stop is None else min(second_frame, stop)
        count = end - start
        # In floats: a keyframe key may name a frame far beyond int64 (1E100).
        later = np.round(
            (np.arange(start, end) - first_frame) / float(second_frame - first_frame),
            NUMBER_DECIMALS,
        )
        earlier = np.round(1.0 - later, NUMBER_DECIMALS)
        positive_a = self.texts(first[0], start, end)
        positive_b = self.texts(second[0], start, end)
        if isinstance(positive_a, str) and positive_a == positive_b:
            positives: list[str] | str = positive_a
        else:
            positives = [
                f"{a} :{wa} AND {b} :{wb}"
                for a, wa, b, wb in zip(
                    _each(positive_a, count),
                    _format_numbers(earlier),
                    _each(positive_b, count),
                    _format_numbers(later),
                    strict=True,
                )
            ]
        middle = min((first_frame + second_frame + 1) // 2, end)
        negatives = [
            *_each(self.texts(first[1], start, middle), middle - start),
            *_each(self.texts(second[1], middle, end), end - middle),
        ]
        return list(zip(_each(positives, count), negatives, strict=True))

    def texts(self, template: _Template, start: int, end: int) -> str | list[str]:
        """The template's text for frames start .. end-1: one string if it has no maths."""
        literal = template.literal
        if literal is not None:
            return literal
        columns = [
            [piece] * (end - start) if isinstance(piece, str)
            else self._numbers(piece, start, end)
            for piece in template.pieces
        ]
        return ["".join(parts) for parts in zip(*columns, strict=True)]

    def _numbers(self, inline: _Inline, start: int, end: int) -> list[str]:
        try:
            self._variables.check_series(inline.expression, AUDIO_VARIABLE_NAMES)
            values = inline.expression.evaluate(
                {**self._constants, **self._variables.frames(start, end)})
        except ScheduleError as error:
            raise PromptError(
                f"{_owner(inline.key)}: inline maths `{inline.source}`: {error.message}",
                setting=inline.setting,
                keyframe=inline.keyframe,
                frame=error.frame,
                column=error.column,
                hint=error.hint,
            ) from None
        return _format_numbers(values)


def _each(texts: str | list[str], count: int) -> list[str]:
    return [texts] * count if isinstance(texts, str) else texts


def _format_numbers(values: np.ndarray) -> list[str]:
    """Format each value; frames often repeat values, so each distinct value is formatted once."""
    distinct, inverse = np.unique(values, return_inverse=True)
    texts = [format_number(value, NUMBER_DECIMALS) for value in distinct.tolist()]
    return [texts[index] for index in inverse.ravel().tolist()]
