"""Keyframe schedules: ``frame:(value)`` text -> :class:`Schedule` -> values for every frame.

See SYNTAX.md beside this file for the user-facing description.
"""

from __future__ import annotations

import bisect
import functools
import math
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from lib_animation.errors import ScheduleError

from .expression import Expression, compile_expression, parse_prefix, unexpected_after
from .interpolation import ease, hermite, monotone_slopes, normalise_interpolation
from .parser import DEFAULT_NAMES, MAX_NESTING
from .tokens import plain_number

__all__ = [
    "MAX_FRAMES",
    "MAX_SCHEDULE_CHARS",
    "KINDS",
    "Keyframe",
    "Schedule",
    "ScheduleResult",
    "ScheduleVariables",
    "parse_schedule",
]

#: Longest accepted schedule text, in characters (long enough for per-frame exports).
MAX_SCHEDULE_CHARS = 250_000
#: Largest accepted frame count.
MAX_FRAMES = 10_000_000
KINDS = ("number", "string")
#: Names a frame position may use (not ``t``: a position cannot depend on the frame).
POSITION_NAMES: frozenset[str] = frozenset({"max_f", "s", "fps"})

_QUOTES = "\"'"
_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_NUM = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_WORD = r"[A-Za-z_][A-Za-z0-9_-]*"
_FAST_VALUE_RE = re.compile(
    rf"\s*(?:\(\s*(?P<a>{_NUM})\s*\)\s*(?P<wa>{_WORD})?|(?P<b>{_NUM})(?:\s+(?P<wb>{_WORD}))?)\s*"
)
_INT_RE = re.compile(r"\s*[+-]?[0-9]{1,30}\s*")
_SPECIAL_RE = re.compile(r"[()\[\]{}\"',:]")
_CLOSERS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True, eq=False)
class ScheduleVariables:
    """The values a schedule may read besides the frame ``t``.

    ``series`` are named per-frame variables, one finite value per frame: a schedule parsed
    with their names (``parse_schedule(..., series=...)``) reads each frame's value. A name a
    schedule may read but ``series`` lacks is an error naming where it is used, with
    ``missing_series_hint`` as its hint.
    """

    max_frames: int  # frames are 0 .. max_frames-1
    seed: int = 0  # the run's resolved seed, variable `s`
    fps: float = 15.0  # variable `fps`
    series: Mapping[str, np.ndarray] = field(default_factory=dict)
    missing_series_hint: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= operator.index(self.max_frames) <= MAX_FRAMES:
            raise ValueError(f"max_frames must be in 0..{MAX_FRAMES}, got {self.max_frames}")
        if not math.isfinite(float(self.fps)) or not math.isfinite(float(self.seed)):
            raise ValueError("seed and fps must be finite numbers")
        for name, values in self.series.items():
            if np.shape(values) != (self.max_frames,) or not np.isfinite(values).all():
                raise ValueError(f"series {name!r} must hold {self.max_frames} finite values")

    @property
    def max_f(self) -> int:
        """The last frame, ``max_frames - 1`` (Deforum's ``max_f``)."""
        return self.max_frames - 1

    def scalars(self) -> dict[str, float]:
        return {"max_f": float(self.max_f), "s": float(self.seed), "fps": float(self.fps)}

    def frames(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """``t`` and every series over frames ``start .. stop-1``."""
        series = {name: np.asarray(values[start:stop], dtype=np.float64)
                  for name, values in self.series.items()}
        return {**series, "t": np.arange(start, stop, dtype=np.float64)}

    def check_series(self, expression: Expression, series: frozenset[str]) -> None:
        """ScheduleError at the first use of a name of ``series`` that has no values here."""
        missing = [(column, name) for name, column in expression.name_columns.items()
                   if name in series and name not in self.series]
        if missing:
            column, name = min(missing)
            raise ScheduleError(f"'{name}' has no values in this run",
                                setting=expression.setting, keyframe=expression.keyframe,
                                column=column, hint=self.missing_series_hint)


@dataclass(frozen=True)
class Keyframe:
    """One ``frame:(value)`` pair, as written."""

    index: int  # 1-based keyframe number in text order
    position: str  # the frame position text (quotes removed)
    value: str  # the value text (outer parentheses removed; for strings, the string itself)
    interpolation: str  # "linear" by default for numbers; always "step" for strings
    column: int  # 1-based column of the keyframe's first character in the schedule text
    position_column: int
    value_column: int
    interpolation_given: bool = False
    frame: int | None = None  # the position, when it does not depend on max_f, s or fps
    constant: float | None = None  # the value, for a number keyframe that uses no variable
    position_expression: Expression | None = field(default=None, compare=False, repr=False)
    expression: Expression | None = field(default=None, compare=False, repr=False)

    @property
    def is_expression(self) -> bool:
        """True for a number keyframe whose value uses a variable (it is followed frame by
        frame until the next keyframe instead of being interpolated)."""
        return self.expression is not None


@dataclass(frozen=True)
class ScheduleResult:
    """Every frame's value. ``values`` is read-only."""

    values: np.ndarray | tuple[str, ...]
    keyframe_frames: tuple[int, ...]  # keyframe positions inside 0..max_frames-1, sorted
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; immutable and reusable for any :class:`ScheduleVariables`."""

    setting: str
    kind: str
    keyframes: tuple[Keyframe, ...]
    text: str = field(default="", repr=False)
    series: frozenset[str] = frozenset()  # names of per-frame series its values may read

    def evaluate(self, variables: ScheduleVariables) -> ScheduleResult:
        warnings: list[str] = []
        kept = self._resolve_positions(variables, warnings)
        n = variables.max_frames
        frames = tuple(p for p, _ in kept)
        if n == 0:
            empty = np.empty(0) if self.kind == "number" else ()
            return _result(empty, frames, warnings)
        if not kept:
            raise ScheduleError(
                f"no keyframe inside frames 0..{variables.max_f}",
                setting=self.setting,
                hint="add a keyframe at frame 0, e.g. 0:(1.0)",
            )
        if self.kind == "string":
            return _result(_hold_strings(kept, n), frames, warnings)
        return _result(self._numbers(kept, variables), frames, warnings)

    def _resolve_positions(self, variables, warnings) -> list[tuple[int, Keyframe]]:
        """Keyframes inside 0..max_f as sorted (frame, keyframe); later duplicates win."""
        by_frame: dict[int, Keyframe] = {}
        env = None
        for kf in self.keyframes:
            if kf.frame is not None:
                frame = kf.frame
            else:
                env = env or variables.scalars()
                value = float(kf.position_expression.evaluate(env))
                frame = math.trunc(value)
            if frame < 0 or frame >= variables.max_frames:
                where = (
                    "is before frame 0"
                    if frame < 0
                    else f"is past the last frame ({variables.max_f})"
                )
                warnings.append(
                    f"{self.setting}, keyframe {kf.index}: frame {_frame_text(frame)} "
                    f"{where}, so this keyframe is ignored"
                )
                continue
            earlier = by_frame.get(frame)
            if earlier is not None:
                warnings.append(
                    f"{self.setting}, keyframe {kf.index}: frame {frame} is also the frame of "
                    f"keyframe {earlier.index}; the later one (keyframe {kf.index}) is used"
                )
            by_frame[frame] = kf
        return sorted(by_frame.items(), key=lambda item: item[0])

    def _numbers(self, kept, variables) -> np.ndarray:
        n = variables.max_frames
        count = len(kept)
        first = kept[0][0]
        if count == 1 and kept[0][1].expression is None:
            return np.full(n, kept[0][1].constant, dtype=np.float64)
        positions = np.fromiter((p for p, _ in kept), dtype=np.int64, count=count)
        lengths = np.diff(positions, append=n)
        points = np.empty(count, dtype=np.float64)
        segments = []  # (start, values) of expression keyframes
        env = None
        for i, (p, kf) in enumerate(kept):
            if kf.expression is None:
                points[i] = kf.constant
                continue
            # An expression keyframe fills its segment frame by frame; its value at its own
            # frame is also where the interpolated segment before it arrives.
            if env is None:
                env = variables.scalars()
            variables.check_series(kf.expression, self.series)
            segment = kf.expression.evaluate({**env, **variables.frames(p, p + lengths[i])})
            segments.append((p, segment))
            points[i] = segment[0]
        # Every frame from the first keyframe on, by segment: a + (b - a) * ease(u).
        kinds = [kf.interpolation if kf.expression is None else "expression" for _, kf in kept]
        kinds[-1] = "step"  # after the last keyframe its value holds
        targets = np.append(points[1:], points[-1])
        hold = np.fromiter((k == "step" for k in kinds), dtype=bool, count=count)
        targets[hold] = points[hold]
        seg = np.repeat(np.arange(count), lengths)
        offsets = np.arange(n - first, dtype=np.float64) - (positions - first)[seg]
        h = lengths[seg].astype(np.float64)
        values = np.empty(n, dtype=np.float64)
        with np.errstate(all="ignore"):  # an overflow is reported by the finiteness check
            a = points[seg]
            delta = (targets - points)[seg]
            # multiply before dividing so whole-number keyframes give exact in-betweens
            values[first:] = a + delta * offsets / h
            for kind in set(kinds) - {"linear", "step", "expression"}:
                mask = np.fromiter((k == kind for k in kinds), dtype=bool, count=count)[seg]
                u = offsets[mask] / h[mask]
                if kind == "cubic":
                    slopes = np.asarray(monotone_slopes(positions.tolist(), points.tolist()))
                    s = seg[mask]
                    values[first:][mask] = hermite(
                        a[mask], targets[s], slopes[s], slopes[s + 1], h[mask], u
                    )
                else:
                    values[first:][mask] = a[mask] + delta[mask] * ease(kind, u)
        values[:first] = points[0]
        for p, segment in segments:
            values[p : p + len(segment)] = segment
        finite = np.isfinite(values)
        if not finite.all():
            frame = int(np.argmin(finite))
            k = int(bisect.bisect_right(positions.tolist(), frame)) - 1
            kf = kept[k][1]
            nxt = f" and keyframe {kept[k + 1][1].index}" if k + 1 < count else ""
            raise ScheduleError(
                f"interpolating between keyframe {kf.index}{nxt} gives a value too large to "
                "represent",
                setting=self.setting,
                keyframe=kf.index,
                frame=frame,
                column=kf.column,
                hint="use smaller values",
            )
        return values


def _hold_strings(kept, n: int) -> tuple[str, ...]:
    values: list[str] = [kept[0][1].value] * kept[0][0]
    for i, (p, kf) in enumerate(kept):
        end = kept[i + 1][0] if i + 1 < len(kept) else n
        values.extend([kf.value] * (end - p))
    return tuple(values)


def _result(values, frames, warnings) -> ScheduleResult:
    if isinstance(values, np.ndarray):
        values.flags.writeable = False
    return ScheduleResult(values, tuple(frames), tuple(warnings))


def _frame_text(frame: int) -> str:
    return str(frame) if abs(frame) < 10**12 else f"{float(frame):g}"


# --------------------------------------------------------------------------------------------
# Parsing


def _error(message, setting, keyframe=None, index=None, hint=None) -> ScheduleError:
    return ScheduleError(
        message,
        setting=setting,
        keyframe=keyframe,
        column=None if index is None else index + 1,
        hint=hint,
    )


class _Item:
    """The text span of one comma-separated keyframe, with its top-level colons."""

    __slots__ = ("start", "end", "colon", "second_colon")

    def __init__(self, start: int) -> None:
        self.start = start
        self.end = start
        self.colon: int | None = None
        self.second_colon: int | None = None


def _scan(text: str, setting: str) -> list[_Item]:
    """Split on top-level commas (outside brackets and quotes); check brackets and quotes."""
    items = [_Item(0)]
    stack: list[tuple[str, int]] = []
    pos = 0
    search = _SPECIAL_RE.search
    while True:
        m = search(text, pos)
        if m is None:
            break
        i = m.start()
        ch = text[i]
        pos = i + 1
        if ch in _QUOTES:
            close = text.find(ch, i + 1)
            if close < 0:
                raise _error(
                    "this quote is never closed",
                    setting,
                    len(items),
                    i,
                    f"add the closing {ch}, or write the value without quotes",
                )
            pos = close + 1
        elif ch in "([{":
            stack.append((ch, i))
            if len(stack) > MAX_NESTING:
                raise _error(
                    f"brackets are nested too deeply (more than {MAX_NESTING} levels)",
                    setting,
                    len(items),
                    i,
                )
        elif ch in _CLOSERS:
            if not stack:
                raise _error(
                    f"unmatched '{ch}'",
                    setting,
                    len(items),
                    i,
                    f"remove it or add the matching '{_CLOSERS[ch]}'",
                )
            opener, at = stack.pop()
            if opener != _CLOSERS[ch]:
                raise _error(
                    f"'{ch}' does not match the '{opener}' at column {at + 1}",
                    setting,
                    len(items),
                    i,
                )
        elif stack:
            continue
        elif ch == ",":
            items[-1].end = i
            items.append(_Item(i + 1))
        elif ch == ":":
            item = items[-1]
            if item.colon is None:
                item.colon = i
            elif item.second_colon is None:
                item.second_colon = i
    if stack:
        opener, at = stack[-1]
        closer = {v: k for k, v in _CLOSERS.items()}[opener]
        raise _error(f"'{opener}' is never closed", setting, len(items), at, f"add '{closer}'")
    items[-1].end = len(text)
    return items


def _matching_paren(text: str, open_index: int) -> int:
    """Index of the ')' matching the '(' at open_index (brackets were checked by _scan)."""
    depth = 0
    i = open_index
    while True:
        m = _SPECIAL_RE.search(text, i)
        j = m.start()
        ch = text[j]
        i = j + 1
        if ch in _QUOTES:
            i = text.find(ch, j + 1) + 1
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return j


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def parse_schedule(text: str, *, setting: str, kind: str = "number",
                   series: frozenset[str] = frozenset()) -> Schedule:
    """Parse a schedule such as ``0:(1.0), 30:(1.0+0.5*sin(t/10)) ease_in, 60:(2)``.

    ``kind`` is "number" or "string"; number values may also read the per-frame variables
    named in ``series`` (their values come with :class:`ScheduleVariables`). Raises
    ScheduleError naming the setting, the keyframe (1-based), the column (1-based, in the whole
    text) and a hint.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if not isinstance(text, str):
        raise ScheduleError(f"expected text, got {type(text).__name__}", setting=setting)
    series = frozenset(series)
    if len(text) <= 20_000:
        return _parse_cached(text, setting, kind, series)
    return _parse(text, setting, kind, series)


@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str, setting: str, kind: str, series: frozenset[str]) -> Schedule:
    return _parse(text, setting, kind, series)


def _parse(text: str, setting: str, kind: str, series: frozenset[str]) -> Schedule:
    if len(text) > MAX_SCHEDULE_CHARS:
        raise ScheduleError(
            f"schedule is too long ({len(text)} characters; at most {MAX_SCHEDULE_CHARS})",
            setting=setting,
        )
    if not text.strip():
        raise ScheduleError(
            "empty schedule", setting=setting, hint="write at least one keyframe, e.g. 0:(1.0)"
        )
    items = _scan(text, setting)
    keyframes = []
    for number, item in enumerate(items, 1):
        start, end = _strip_span(text, item.start, item.end)
        if start == end:
            if number == len(items):
                continue  # a trailing comma
            raise _error("empty keyframe", setting, number, item.start, "remove the extra ','")
        keyframes.append(
            _parse_keyframe(text, item, number, start, end, setting, kind, DEFAULT_NAMES | series)
        )
    return Schedule(setting, kind, tuple(keyframes), text, series)


def _parse_keyframe(text, item, number, start, end, setting, kind, names) -> Keyframe:
    if item.colon is None:
        raise _error(
            f"expected frame:(value), found '{_clip_text(text[start:end])}'",
            setting,
            number,
            start,
            "each keyframe is frame:(value), e.g. 0:(1.0)",
        )
    if item.second_colon is not None:
        raise _error(
            "a keyframe has only one ':' outside its value",
            setting,
            number,
            item.second_colon,
            "is a ',' missing between two keyframes? Put values that contain ':' "
            "in quotes or parentheses",
        )
    frame, position, position_expression, position_column = _parse_position(
        text, start, item.colon, number, setting
    )
    value_start, value_end = _strip_span(text, item.colon + 1, end)
    if value_start == value_end:
        raise _error(
            "missing value after ':'",
            setting,
            number,
            item.colon,
            "write frame:(value), e.g. 0:(1.0)",
        )
    common = {
        "index": number,
        "position": position,
        "column": start + 1,
        "position_column": position_column,
        "value_column": value_start + 1,
        "frame": frame,
        "position_expression": position_expression,
    }
    if kind == "string":
        value = _parse_string_value(text, value_start, value_end, number, setting)
        return Keyframe(value=value, interpolation="step", **common)
    return _parse_number_value(text, value_start, value_end, number, setting, common, names)


def _clip_text(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _parse_position(text, start, colon, number, setting):
    pos_start, pos_end = _strip_span(text, start, colon)
    if pos_start == pos_end:
        raise _error(
            "missing frame number before ':'",
            setting,
            number,
            colon,
            "write frame:(value), e.g. 0:(1.0)",
        )
    if (
        text[pos_start] in _QUOTES
        and pos_end - pos_start >= 2
        and text[pos_end - 1] == text[pos_start]
    ):
        pos_start, pos_end = _strip_span(text, pos_start + 1, pos_end - 1)
        if pos_start == pos_end:
            raise _error("empty frame position", setting, number, pos_start - 1)
    source = text[pos_start:pos_end]
    if _INT_RE.fullmatch(source):
        return int(source), source, None, pos_start + 1
    expression = compile_expression(
        source, setting=setting, names=POSITION_NAMES, keyframe=number, column_offset=pos_start
    )
    if expression.is_constant:
        value = expression.constant
        if expression.is_literal and not value.is_integer():
            raise _error(
                f"frame position {source} is not a whole number",
                setting,
                number,
                pos_start,
                "frames are numbered 0, 1, 2, ...; a position computed "
                "by an expression such as max_f/3 is truncated toward zero",
            )
        return math.trunc(value), source, None, pos_start + 1
    return None, source, expression, pos_start + 1


def _parse_number_value(text, start, end, number, setting, common, names) -> Keyframe:
    region = text[start:end]
    fast = _FAST_VALUE_RE.fullmatch(region)
    constant = plain_number(fast.group("a") or fast.group("b")) if fast else None
    if constant is not None:
        value_text = (fast.group("a") or fast.group("b")).strip()
        word = fast.group("wa") or fast.group("wb")
        word_index = start + fast.start("wa" if fast.group("wa") else "wb") if word else None
        expression = None
    else:
        parsed, stop = parse_prefix(
            region, setting=setting, names=names, keyframe=number, column_offset=start
        )
        word = word_index = None
        rest = region[stop:].strip()
        if rest:
            if not _WORD_RE.fullmatch(rest):
                raise unexpected_after(region, stop, setting, number, start)
            word, word_index = rest, start + stop
        value_text = _unwrap(parsed.text)
        if parsed.is_constant:
            constant, expression = parsed.constant, None
        else:
            expression = parsed
    interpolation = "linear"
    if word is not None:
        interpolation, hint = normalise_interpolation(word)
        if interpolation is None:
            raise _error(f"unknown interpolation '{word}'", setting, number, word_index, hint)
        if expression is not None:
            raise _error(
                f"'{word}' has no effect after a keyframe whose value uses a variable",
                setting,
                number,
                word_index,
                "such a keyframe follows its expression frame by frame until the next "
                f"keyframe; remove '{word}'",
            )
    return Keyframe(
        value=value_text,
        interpolation=interpolation,
        interpolation_given=word is not None,
        constant=constant,
        expression=expression,
        **common,
    )


def _unwrap(value: str) -> str:
    """``(expr)`` -> ``expr`` when one pair of parentheses wraps the whole value."""
    if value.startswith("(") and _matching_paren(value, 0) == len(value) - 1:
        return value[1:-1].strip()
    return value


def _parse_string_value(text, start, end, number, setting) -> str:
    inner_start, inner_end = start, end
    if text[start] == "(":
        close = _matching_paren(text, start)
        after_start, after_end = _strip_span(text, close + 1, end)
        if after_start < after_end:
            after = text[after_start:after_end]
            if _WORD_RE.fullmatch(after) and normalise_interpolation(after)[0] is not None:
                raise _error(
                    f"interpolation '{after}' cannot be used in a text schedule",
                    setting,
                    number,
                    after_start,
                    "a text value is held until the next keyframe; remove it",
                )
            raise _error(
                f"unexpected '{_clip_text(after, 20)}' after the value",
                setting,
                number,
                after_start,
                "put a value that contains parentheses in quotes",
            )
        inner_start, inner_end = _strip_span(text, start + 1, close)
    if inner_start < inner_end and text[inner_start] in _QUOTES:
        quote = text[inner_start]
        close = text.find(quote, inner_start + 1)
        if close != inner_end - 1:
            raise _error(
                "unexpected text after the quoted value",
                setting,
                number,
                close + 1,
                "put the whole value in one pair of quotes",
            )
        return text[inner_start + 1 : close]
    for i in range(inner_start, inner_end):
        if text[i] in _QUOTES:
            raise _error(
                "unexpected quote inside the value",
                setting,
                number,
                i,
                'put the whole value in quotes, e.g. 0:("Euler a")',
            )
    return text[inner_start:inner_end]
