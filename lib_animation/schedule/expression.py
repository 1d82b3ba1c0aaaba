"""Safe, vectorised maths expressions: text -> tokens -> syntax tree -> numpy closures.

No user text ever reaches Python's ``eval``/``exec``/``compile`` (nor numexpr, which calls
``eval`` internally). The text is read by a small hand-written tokenizer and recursive-descent
parser that only knows the whitelisted grammar, so anything outside it (attribute access,
indexing, lambdas, strings, keyword arguments, comprehensions, walrus, dunder names, unknown
functions) cannot even be represented. Input is bounded before parsing (length, bracket and
operator nesting), numbers are parsed as float64 (so ``9**9**9`` is a float overflow, never a
big-integer computation), sub-expressions without variables are folded once at compile time,
and the rest becomes one numpy closure per node that is run once over the whole frame array.

Results that are not finite (NaN or infinite) are a :class:`ScheduleError` naming the setting,
the keyframe, the first bad frame and the column.

The stages live beside this module: ``tokens`` (tokenizer), ``nodes`` (syntax tree),
``parser``, ``compiler`` (tree -> folded constants or numpy closures), ``functions`` (what the
functions and operators compute) and ``error_context`` (error locations). This module is the
public entry point: :func:`compile_expression` and the :class:`Expression` it returns.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np

from lib_animation.errors import ScheduleError

from .compiler import Compiled, compile_node, non_finite_reason
from .error_context import ErrorContext
from .nodes import Num, Unary, first_uses
from .parser import DEFAULT_NAMES, Parser
from .tokens import DIGITS, NAME_RE

__all__ = [
    "MAX_EXPRESSION_CHARS",
    "Expression",
    "compile_expression",
    "evaluate_scalar",
    "parse_prefix",
    "unexpected_after",
]

#: Longest accepted expression, in characters.
MAX_EXPRESSION_CHARS = 4000


def _as_float(x):
    return np.asarray(x, dtype=np.float64)


class Expression:
    """A compiled, immutable expression. :meth:`evaluate` runs it over whole arrays at once."""

    __slots__ = ("text", "setting", "keyframe", "column", "name_columns", "_fn", "_literal")

    def __init__(self, text, setting, keyframe, column, name_columns, fn, literal):
        self.text = text
        self.setting = setting
        self.keyframe = keyframe
        #: 1-based column of the expression's first character in the full text.
        self.column = column
        #: Each variable the expression reads -> the 1-based column of its first use.
        self.name_columns: Mapping[str, int] = name_columns
        self._fn: Compiled = fn
        self._literal = literal

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    @property
    def names_used(self) -> frozenset[str]:
        """Variables the expression reads (constants such as pi are not variables)."""
        return frozenset(self.name_columns)

    @property
    def is_constant(self) -> bool:
        """True when the expression uses no variable; its value is then :attr:`constant`."""
        return not callable(self._fn)

    @property
    def constant(self) -> float | None:
        return None if callable(self._fn) else self._fn

    @property
    def is_literal(self) -> bool:
        """True when the expression is one plain number such as ``5`` or ``-0.5``."""
        return self._literal

    def evaluate(self, env: Mapping[str, float | np.ndarray]) -> np.ndarray:
        """Evaluate over ``env`` (scalars or arrays) -> float64 array broadcast over the arrays.

        Raises ScheduleError if the result is NaN or infinite anywhere; where ``env["t"]`` is an
        array, the error names the first bad frame.
        """
        shapes = [np.shape(v) for v in env.values() if np.ndim(v) > 0]
        shape = np.broadcast_shapes(*shapes) if shapes else ()
        fn = self._fn
        if not callable(fn):
            return np.full(shape, fn, dtype=np.float64)
        values = {}
        for name in self.names_used:
            if name not in env:
                raise ScheduleError(
                    f"no value for variable '{name}'",
                    setting=self.setting,
                    keyframe=self.keyframe,
                    column=self.column,
                )
            values[name] = _as_float(env[name])
        with np.errstate(all="ignore"):
            result = np.asarray(fn(values), dtype=np.float64)
        if result.shape != shape:
            result = np.array(np.broadcast_to(result, shape))
        finite = np.isfinite(result)
        if not finite.all():
            self._raise_non_finite(result, finite, env)
        return result

    def _raise_non_finite(self, result, finite, env) -> None:
        index = int(np.argmin(finite.ravel()))
        bad = result.ravel()[index]
        frame = None
        t = env.get("t")
        if t is not None and np.shape(t) == result.shape:
            frame_value = np.ravel(t)[index]
            frame = int(frame_value) if float(frame_value).is_integer() else None
        elif t is not None and np.ndim(t) == 0 and float(t).is_integer():
            frame = int(t)
        hint = (
            "check for a division by zero, or log/sqrt/arcsin of a value outside its range"
            if np.isnan(bad)
            else "check for a division by zero or a value that grows too large"
        )
        raise ScheduleError(
            f"the value {non_finite_reason(bad)}",
            setting=self.setting,
            keyframe=self.keyframe,
            frame=frame,
            column=self.column,
            hint=hint,
        )


def _check_text(text: str, ctx: ErrorContext) -> None:
    if not isinstance(text, str):
        raise ctx.error(f"expected text, got {type(text).__name__}", None)
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ctx.error(
            f"expression is too long ({len(text)} characters; at most {MAX_EXPRESSION_CHARS})", 0
        )


def parse_prefix(
    text: str, *, setting: str, names: frozenset[str], keyframe: int | None, column_offset: int
) -> tuple[Expression, int]:
    """Parse the longest expression at the start of ``text``.

    Returns the compiled expression (its text is the part parsed, stripped) and the index in
    ``text`` of the first token not consumed (``len(text)`` when everything was consumed). The
    schedule parser uses this to find an interpolation word after a keyframe's value.
    """
    ctx = ErrorContext(setting, keyframe, column_offset)
    _check_text(text, ctx)
    try:
        fn, uses, literal, stop = _build_cached(text, names)
    except ScheduleError:
        # Errors are not cached; build again where the error can name its real location.
        fn, uses, literal, stop = _build(text, names, ctx)
    first = len(text) - len(text.lstrip())
    columns = {name: column_offset + index + 1 for name, index in uses}
    expression = Expression(
        text[first:stop].strip(), setting, keyframe, column_offset + first + 1, columns, fn,
        literal,
    )
    return expression, stop


def _build(text: str, names: frozenset[str], ctx: ErrorContext):
    """Parse and compile -> (compiled, (name, index of its first use) pairs, is a literal, index
    where parsing stopped)."""
    parser = Parser(text, names, ctx)
    try:
        node = parser.parse()
    except RecursionError:  # pragma: no cover - guarded by MAX_NESTING; a last safety net
        raise ctx.error("expression is nested too deeply", 0) from None
    uses = tuple(sorted(first_uses(node).items()))
    literal = isinstance(node, Num) or (
        isinstance(node, Unary) and node.op in "+-" and isinstance(node.operand, Num)
    )
    return compile_node(node, ctx), uses, literal, parser.tok.start


@functools.lru_cache(maxsize=4096)
def _build_cached(text: str, names: frozenset[str]):
    """:func:`_build` for texts that compile; the result holds no location, so it is shared."""
    return _build(text, names, ErrorContext("", None, 0))


def unexpected_after(
    text: str, stop: int, setting: str, keyframe: int | None, column_offset: int
) -> ScheduleError:
    """The error for text left over after a complete expression (``text[stop:]``)."""
    ctx = ErrorContext(setting, keyframe, column_offset)
    rest = text[stop:]
    word = NAME_RE.match(rest)
    token = word.group() if word else rest[:1]
    if token == ")":
        return ctx.error("unmatched ')'", stop, "remove it or add the matching '('")
    hint = None
    if token == ",":
        hint = "commas only separate the arguments of a function such as max(a, b)"
    elif word or token in DIGITS or token == "(" or token == ".":
        hint = "an operator such as * or + is missing"
    return ctx.error(f"unexpected '{token}'", stop, hint)


@functools.lru_cache(maxsize=4096)
def compile_expression(
    text: str,
    *,
    setting: str,
    names: frozenset[str] = DEFAULT_NAMES,
    keyframe: int | None = None,
    column_offset: int = 0,
) -> Expression:
    """Compile ``text`` once into an :class:`Expression` allowed to read ``names``.

    Raises ScheduleError (with setting, keyframe, 1-based column = column_offset + index + 1,
    and a hint) for anything outside the whitelisted grammar.
    """
    expression, stop = parse_prefix(
        text, setting=setting, names=names, keyframe=keyframe, column_offset=column_offset
    )
    if stop < len(text) and text[stop:].strip():
        raise unexpected_after(text, stop, setting, keyframe, column_offset)
    return expression


def evaluate_scalar(text: str, *, setting: str, env: Mapping[str, float]) -> float:
    """Compile and evaluate ``text`` with exactly ``env``'s names allowed; returns a float."""
    expression = compile_expression(text, setting=setting, names=frozenset(env))
    return float(expression.evaluate(env))
