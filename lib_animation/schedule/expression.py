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
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Callable, Mapping

import numpy as np

from lib_animation.errors import ScheduleError

__all__ = [
    "CONSTANTS",
    "DEFAULT_NAMES",
    "FUNCTIONS",
    "MAX_EXPRESSION_CHARS",
    "MAX_NESTING",
    "Expression",
    "compile_expression",
    "evaluate_scalar",
    "parse_prefix",
    "plain_number",
    "unexpected_after",
]

#: Variables a schedule value may use.
DEFAULT_NAMES: frozenset[str] = frozenset({"t", "max_f", "s", "fps"})
#: Longest accepted expression, in characters.
MAX_EXPRESSION_CHARS = 4000
#: Deepest accepted nesting (brackets, unary operators, ``**`` exponents, conditionals).
MAX_NESTING = 32
#: Numbers with more digits than this are refused.
MAX_LITERAL_DIGITS = 100
#: Numbers larger in magnitude than this are refused.
MAX_LITERAL = 1e300

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

_KEYWORDS = frozenset({"if", "else", "and", "or", "not"})
_FORBIDDEN_KEYWORDS = frozenset(
    {
        "lambda",
        "for",
        "in",
        "is",
        "import",
        "from",
        "as",
        "def",
        "class",
        "return",
        "yield",
        "await",
        "async",
        "del",
        "global",
        "nonlocal",
        "assert",
        "pass",
        "break",
        "continue",
        "while",
        "with",
        "try",
        "except",
        "finally",
        "raise",
        "elif",
    }
)
_PYTHON_LITERALS = {"True": "1", "False": "0", "None": "a number"}


# --------------------------------------------------------------------------------------------
# Functions


def _where(cond, a, b):
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
    "where": (_where, 3, 3),
    "clip": (_clip, 3, 3),
    "min": (_min, 2, None),
    "max": (_max, 2, None),
}


def _as_float(x):
    return np.asarray(x, dtype=np.float64)


def _truth(x):
    return np.not_equal(x, 0.0)


_BINARY: dict[str, Callable[[object, object], object]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.true_divide,
    "%": np.mod,
    "**": np.power,
}
_COMPARE: dict[str, Callable[[object, object], object]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


# --------------------------------------------------------------------------------------------
# Tokens

_NUMBER_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IDENT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_DIGITS = frozenset("0123456789")
_PLAIN_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

_TWO_CHAR_OPS = frozenset({"**", "<=", ">=", "==", "!="})
_ONE_CHAR_OPS = frozenset("+-*/%<>(),")
_BAD_TWO_CHAR = {
    "//": ("'//' is not allowed", "use floor(a / b) for whole-number division"),
    "<<": ("'<<' is not allowed", "bit shifts are not supported"),
    ">>": ("'>>' is not allowed", "bit shifts are not supported"),
    ":=": ("':=' is not allowed", "expressions cannot assign variables"),
    "->": ("'->' is not allowed", None),
    "<>": ("'<>' is not allowed", "use != for 'not equal'"),
}
_BAD_CHARS = {
    "^": ("'^' is not a power operator", "use ** for powers, e.g. t**2"),
    "&": ("'&' is not allowed", "use 'and'"),
    "|": ("'|' is not allowed", "use 'or'"),
    "~": ("'~' is not allowed", "use 'not'"),
    "=": ("'=' is not allowed", "use == to compare; keyword arguments are not supported"),
    "!": ("'!' is not allowed", "use 'not', or != for 'not equal'"),
    ".": ("'.' is not allowed here", "attribute access is not supported"),
    "[": ("'[' is not allowed", "indexing and lists are not supported"),
    "]": ("']' is not allowed", "indexing and lists are not supported"),
    "{": ("'{' is not allowed", "sets and dictionaries are not supported"),
    "}": ("'}' is not allowed", "sets and dictionaries are not supported"),
    ":": (
        "':' is not allowed in an expression",
        "each keyframe is written frame:(value); slices and assignments are not supported",
    ),
    ";": ("';' is not allowed", "one expression only"),
    "@": ("'@' is not allowed", None),
    "#": ("'#' is not allowed", "comments are not supported"),
    "$": ("'$' is not allowed", None),
    "?": ("'?' is not allowed", "write 'a if condition else b'"),
    "`": ("'`' is not allowed here", None),
    "\\": ("'\\' is not allowed", None),
    '"': ("quoted text is not allowed in a number expression", "remove the quotes"),
    "'": ("quoted text is not allowed in a number expression", "remove the quotes"),
    "\u2212": ("unexpected character '\u2212'", "use the ASCII minus sign '-'"),
    "\u00d7": ("unexpected character '\u00d7'", "use '*' to multiply"),
    "\u00f7": ("unexpected character '\u00f7'", "use '/' to divide"),
}

_NUM, _NAME, _OP, _END = "number", "name", "op", "end"


class _Token:
    __slots__ = ("kind", "text", "start", "value")

    def __init__(self, kind: str, text: str, start: int, value: float = 0.0) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.value = value


def _show_char(ch: str) -> str:
    return ch if ch.isprintable() else repr(ch)[1:-1]


class _Context:
    """Where an expression sits, for error messages."""

    __slots__ = ("setting", "keyframe", "offset")

    def __init__(self, setting: str, keyframe: int | None, offset: int) -> None:
        self.setting = setting
        self.keyframe = keyframe
        self.offset = offset

    def error(
        self, message: str, index: int | None, hint: str | None = None, **kw
    ) -> ScheduleError:
        column = None if index is None else self.offset + index + 1
        return ScheduleError(
            message, setting=self.setting, keyframe=self.keyframe, column=column, hint=hint, **kw
        )


def _literal_value(text: str, index: int, ctx: _Context) -> float:
    """Value of a number literal (already matched by the number pattern), bounded."""
    mantissa, _, exponent = text.lower().partition("e")
    digits = sum(1 for ch in mantissa if ch in _DIGITS)
    if digits > MAX_LITERAL_DIGITS:
        raise ctx.error(f"number has too many digits (more than {MAX_LITERAL_DIGITS})", index)
    if len(exponent.lstrip("+-")) > 5:
        raise ctx.error("number is too large", index, f"numbers must be at most {MAX_LITERAL:g}")
    value = float(text)
    if not abs(value) <= MAX_LITERAL:
        raise ctx.error("number is too large", index, f"numbers must be at most {MAX_LITERAL:g}")
    return value


def plain_number(text: str) -> float | None:
    """The value of ``text`` if it is a plain number such as ``-0.5`` or ``1e-3``, else None."""
    text = text.strip()
    if not _PLAIN_NUMBER_RE.fullmatch(text):
        return None
    mantissa, _, exponent = text.lower().partition("e")
    if sum(1 for ch in mantissa if ch in _DIGITS) > MAX_LITERAL_DIGITS or len(exponent) > 6:
        return None
    value = float(text)
    return value if abs(value) <= MAX_LITERAL else None


def _next_token(text: str, i: int, ctx: _Context) -> _Token:
    """The token starting at or after index ``i`` (tokens are read on demand, so the first
    problem in reading order is the one reported)."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in _DIGITS or (ch == "." and i + 1 < n and text[i + 1] in _DIGITS):
            m = _NUMBER_RE.match(text, i)
            end = m.end()
            if end < n and (text[end] in _IDENT_CHARS or text[end] == "."):
                j = end
                while j < n and (text[j] in _IDENT_CHARS or text[j] == "."):
                    j += 1
                bad = text[i:j]
                hint = None
                if _NAME_RE.fullmatch(text[end:j]):
                    hint = f"to multiply, write {text[i:end]}*{text[end:j]}"
                raise ctx.error(f"invalid number '{bad[:40]}'", i, hint)
            return _Token(_NUM, text[i:end], i, _literal_value(text[i:end], i, ctx))
        if ch in _IDENT_CHARS:
            m = _NAME_RE.match(text, i)
            word = m.group()
            if word.startswith("__"):
                raise ctx.error(f"names starting with '__' are not allowed: '{word[:40]}'", i)
            return _Token(_NAME, word, i)
        pair = text[i : i + 2]
        if pair in _TWO_CHAR_OPS:
            return _Token(_OP, pair, i)
        if pair in _BAD_TWO_CHAR:
            message, hint = _BAD_TWO_CHAR[pair]
            raise ctx.error(message, i, hint)
        if ch in _ONE_CHAR_OPS:
            return _Token(_OP, ch, i)
        if ch in _BAD_CHARS:
            message, hint = _BAD_CHARS[ch]
            raise ctx.error(message, i, hint)
        if ch in "\u201c\u201d\u2018\u2019":
            raise ctx.error("quoted text is not allowed in a number expression", i)
        hint = "names and operators use plain ASCII letters and symbols" if ord(ch) > 127 else None
        raise ctx.error(f"unexpected character '{_show_char(ch)}'", i, hint)
    return _Token(_END, "", n)


# --------------------------------------------------------------------------------------------
# Syntax tree


class _Node:
    __slots__ = ("start",)


class _Num(_Node):
    __slots__ = ("value",)

    def __init__(self, start: int, value: float) -> None:
        self.start = start
        self.value = value


class _Name(_Node):
    __slots__ = ("name",)

    def __init__(self, start: int, name: str) -> None:
        self.start = start
        self.name = name


class _Unary(_Node):
    __slots__ = ("op", "operand")

    def __init__(self, start: int, op: str, operand: _Node) -> None:
        self.start = start
        self.op = op
        self.operand = operand


class _Chain(_Node):
    """``first op1 x1 op2 x2 ...`` for one precedence level (left-associative), kept flat so a
    long sum never makes a deep tree. ``kind`` is "arith", "compare", "and" or "or"."""

    __slots__ = ("kind", "first", "rest")

    def __init__(self, kind: str, first: _Node, rest: list[tuple[str, int, _Node]]) -> None:
        self.start = first.start
        self.kind = kind
        self.first = first
        self.rest = rest


class _Pow(_Node):
    __slots__ = ("base", "exponent", "op_start")

    def __init__(self, base: _Node, exponent: _Node, op_start: int) -> None:
        self.start = base.start
        self.base = base
        self.exponent = exponent
        self.op_start = op_start


class _IfExp(_Node):
    __slots__ = ("body", "test", "orelse")

    def __init__(self, body: _Node, test: _Node, orelse: _Node) -> None:
        self.start = body.start
        self.body = body
        self.test = test
        self.orelse = orelse


class _Call(_Node):
    __slots__ = ("func", "args")

    def __init__(self, start: int, func: str, args: list[_Node]) -> None:
        self.start = start
        self.func = func
        self.args = args


def _did_you_mean(word: str, candidates) -> str | None:
    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    if not matches and len(word) > 1:
        lowered = word.lower()
        matches = [c for c in sorted(candidates) if c.lower() == lowered]
    return f"did you mean {matches[0]}?" if matches else None


class _Parser:
    """Recursive descent over the tokens, with Python's precedences:

    ``a if c else b`` < ``or`` < ``and`` < ``not`` < comparisons < ``+ -`` < ``* / %``
    < unary ``+ -`` < ``**`` (right-associative; ``-2**2`` is -4) < calls, names, numbers, ( ).
    """

    def __init__(self, text: str, names: frozenset[str], ctx: _Context):
        self.text = text
        self.tok = _next_token(text, 0, ctx)
        self.depth = 0
        self.names = names
        self.ctx = ctx

    # helpers
    def _advance(self) -> None:
        tok = self.tok
        self.tok = _next_token(self.text, tok.start + len(tok.text), self.ctx)

    def _is_op(self, *ops: str) -> bool:
        tok = self.tok
        return tok.kind == _OP and tok.text in ops

    def _is_word(self, word: str) -> bool:
        tok = self.tok
        return tok.kind == _NAME and tok.text == word

    def _enter(self, index: int) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.ctx.error(
                f"expression is nested too deeply (more than {MAX_NESTING} levels)",
                index,
                "simplify the expression",
            )

    def _unexpected(self, what: str = "a value") -> ScheduleError:
        tok = self.tok
        if tok.kind == _END:
            return self.ctx.error(f"expected {what}, but the expression ends here", tok.start)
        hint = None
        if tok.kind == _OP and tok.text in ("*", "**"):
            hint = "unpacking with * is not supported" if what == "a value" else None
        if tok.kind == _OP and tok.text == ",":
            hint = "commas only separate the arguments of a function"
        if tok.kind == _NAME and tok.text in _KEYWORDS:
            return self.ctx.error(f"expected {what} before '{tok.text}'", tok.start)
        return self.ctx.error(f"expected {what}, found '{tok.text}'", tok.start, hint)

    # grammar
    def parse(self) -> _Node:
        if self.tok.kind == _END:
            raise self.ctx.error("empty expression", 0, "write a number or a formula such as 1.0")
        return self.ternary()

    def ternary(self) -> _Node:
        self._enter(self.tok.start)
        body = self.disjunction()
        if self._is_word("if"):
            self._advance()
            test = self.disjunction()
            if not self._is_word("else"):
                raise self._unexpected("'else'")
            self._advance()
            orelse = self.ternary()
            body = _IfExp(body, test, orelse)
        self.depth -= 1
        return body

    def _bool_chain(self, word: str, operand: Callable[[], _Node]) -> _Node:
        first = operand()
        rest = []
        while self._is_word(word):
            start = self.tok.start
            self._advance()
            rest.append((word, start, operand()))
        return _Chain(word, first, rest) if rest else first

    def disjunction(self) -> _Node:
        return self._bool_chain("or", self.conjunction)

    def conjunction(self) -> _Node:
        return self._bool_chain("and", self.inversion)

    def inversion(self) -> _Node:
        if self._is_word("not"):
            start = self.tok.start
            self._enter(start)
            self._advance()
            node = _Unary(start, "not", self.inversion())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> _Node:
        first = self.arith()
        rest = []
        while self.tok.kind == _OP and self.tok.text in _COMPARE:
            op, start = self.tok.text, self.tok.start
            self._advance()
            rest.append((op, start, self.arith()))
        if self.tok.kind == _NAME and self.tok.text in ("in", "is"):
            raise self.ctx.error(
                f"'{self.tok.text}' is not allowed",
                self.tok.start,
                "use == or != to compare numbers",
            )
        return _Chain("compare", first, rest) if rest else first

    def arith(self) -> _Node:
        first = self.term()
        rest = []
        while self._is_op("+", "-"):
            op, start = self.tok.text, self.tok.start
            self._advance()
            rest.append((op, start, self.term()))
        return _Chain("arith", first, rest) if rest else first

    def term(self) -> _Node:
        first = self.factor()
        rest = []
        while self._is_op("*", "/", "%"):
            op, start = self.tok.text, self.tok.start
            self._advance()
            rest.append((op, start, self.factor()))
        return _Chain("arith", first, rest) if rest else first

    def factor(self) -> _Node:
        if self._is_op("+", "-"):
            op, start = self.tok.text, self.tok.start
            self._enter(start)
            self._advance()
            node = _Unary(start, op, self.factor())
            self.depth -= 1
            return node
        return self.power()

    def power(self) -> _Node:
        base = self.primary()
        if self._is_op("**"):
            start = self.tok.start
            self._enter(start)
            self._advance()
            exponent = self.factor()
            self.depth -= 1
            return _Pow(base, exponent, start)
        return base

    def primary(self) -> _Node:
        tok = self.tok
        if tok.kind == _NUM:
            self._advance()
            return _Num(tok.start, tok.value)
        if tok.kind == _NAME:
            return self.name()
        if tok.kind == _OP and tok.text == "(":
            self._advance()
            if self._is_op(")"):
                raise self.ctx.error("empty parentheses", tok.start, "write a value inside ( )")
            node = self.ternary()
            if self._is_op(","):
                raise self.ctx.error(
                    "unexpected ','",
                    self.tok.start,
                    "commas only separate the arguments of a function such as max(a, b)",
                )
            if not self._is_op(")"):
                raise self._closing(tok)
            self._advance()
            return node
        raise self._unexpected()

    def _closing(self, opening: _Token) -> ScheduleError:
        tok = self.tok
        col = self.ctx.offset + opening.start + 1
        if tok.kind == _END:
            return self.ctx.error("'(' is never closed", opening.start, "add ')'")
        if tok.kind in (_NAME, _NUM):
            return self.ctx.error(
                f"unexpected '{tok.text}'",
                tok.start,
                f"an operator such as * or + is missing, or a ')' to close the '(' at column {col}",
            )
        return self.ctx.error(
            f"expected ')' to close the '(' at column {col}, found '{tok.text}'", tok.start
        )

    def name(self) -> _Node:
        tok = self.tok
        word = tok.text
        if word in _KEYWORDS:
            raise self.ctx.error(f"expected a value before '{word}'", tok.start)
        if word in _FORBIDDEN_KEYWORDS:
            raise self.ctx.error(
                f"'{word}' is not allowed in an expression",
                tok.start,
                "only arithmetic, comparisons, 'and', 'or', 'not', "
                "'a if c else b' and the listed functions are supported",
            )
        if word in _PYTHON_LITERALS:
            raise self.ctx.error(
                f"unknown name '{word}'", tok.start, f"use {_PYTHON_LITERALS[word]}"
            )
        # Look at the raw text, not the next token, so that an error further on is not
        # reported before a problem with this name.
        after = tok.start + len(word)
        while after < len(self.text) and self.text[after].isspace():
            after += 1
        if self.text[after : after + 1] == "(":
            if word in FUNCTIONS:
                self._advance()
                return self.call(tok)
            if word in self.names or word in CONSTANTS:
                raise self.ctx.error(
                    f"'{word}' is not a function", tok.start, f"to multiply, write {word}*(...)"
                )
            raise self.ctx.error(
                f"unknown function '{word}'",
                tok.start,
                _did_you_mean(word, FUNCTIONS) or "see the list of functions",
            )
        if word in self.names:
            self._advance()
            return _Name(tok.start, word)
        if word in CONSTANTS:
            self._advance()
            return _Num(tok.start, CONSTANTS[word])
        if self.text[after : after + 1] == "=" and self.text[after + 1 : after + 2] != "=":
            raise self.ctx.error(
                f"'{word}=' is not allowed",
                tok.start,
                "keyword arguments and assignments are not supported; use == to compare",
            )
        if word in FUNCTIONS:
            raise self.ctx.error(f"'{word}' is a function", tok.start, f"call it like {word}(t)")
        if word in DEFAULT_NAMES:
            allowed = ", ".join(sorted(self.names)) or "none"
            raise self.ctx.error(
                f"'{word}' cannot be used here", tok.start, f"names allowed here: {allowed}"
            )
        hint = _did_you_mean(word, set(self.names) | set(CONSTANTS) | set(FUNCTIONS))
        if hint is None:
            allowed = ", ".join(sorted(self.names | set(CONSTANTS)))
            hint = f"names allowed here: {allowed}"
        raise self.ctx.error(f"unknown name '{word}'", tok.start, hint)

    def call(self, name_tok: _Token) -> _Node:
        func = name_tok.text
        open_tok = self.tok
        self._advance()  # "("
        args: list[_Node] = []
        if not self._is_op(")"):
            while True:
                if self._is_op("*", "**"):
                    raise self.ctx.error("starred arguments are not allowed", self.tok.start)
                args.append(self.ternary())
                if self._is_op(","):
                    self._advance()
                    continue
                if self._is_op(")"):
                    break
                raise self._closing(open_tok)
        self._advance()  # ")"
        _, lo, hi = FUNCTIONS[func]
        if len(args) < lo or (hi is not None and len(args) > hi):
            if hi is None:
                wanted = f"at least {lo} arguments"
            elif lo == hi:
                wanted = f"{lo} argument" + ("s" if lo != 1 else "")
            else:
                wanted = f"{lo} to {hi} arguments"
            raise self.ctx.error(f"{func}() takes {wanted}, got {len(args)}", name_tok.start)
        return _Call(name_tok.start, func, args)


# --------------------------------------------------------------------------------------------
# Compilation: tree -> folded constants or numpy closures

Compiled = float | Callable[[dict], object]


def _non_finite_reason(value) -> str:
    return "is not a number (NaN)" if np.isnan(value) else "is too large (infinite)"


def _fold(fn, args: list[float], node_start: int, what: str, ctx: _Context) -> float:
    with np.errstate(all="ignore"):
        value = float(fn(*[np.float64(a) for a in args]))
    if not math.isfinite(value):
        raise ctx.error(f"{what} {_non_finite_reason(value)}", node_start)
    return value


def _names_in(node: _Node, out: set[str]) -> None:
    if isinstance(node, _Name):
        out.add(node.name)
    elif isinstance(node, _Unary):
        _names_in(node.operand, out)
    elif isinstance(node, _Chain):
        _names_in(node.first, out)
        for _, _, operand in node.rest:
            _names_in(operand, out)
    elif isinstance(node, _Pow):
        _names_in(node.base, out)
        _names_in(node.exponent, out)
    elif isinstance(node, _IfExp):
        _names_in(node.body, out)
        _names_in(node.test, out)
        _names_in(node.orelse, out)
    elif isinstance(node, _Call):
        for arg in node.args:
            _names_in(arg, out)


def _call(fn, parts: list[Compiled]) -> Callable[[dict], object]:
    """A closure applying ``fn`` to compiled parts (constants captured, functions called)."""
    if len(parts) == 1:
        (a,) = parts
        return lambda env: fn(a(env))
    if len(parts) == 2:
        a, b = parts
        if not callable(a):
            return lambda env: fn(a, b(env))
        if not callable(b):
            return lambda env: fn(a(env), b)
        return lambda env: fn(a(env), b(env))
    return lambda env: fn(*[p(env) if callable(p) else p for p in parts])


def _not(x):
    return np.equal(x, 0.0).astype(np.float64)


_DESCRIBE_OP = {
    "+": "the sum",
    "-": "the difference",
    "*": "the product",
    "/": "the division",
    "%": "the remainder",
    "**": "the power",
}


def _compile(node: _Node, ctx: _Context) -> Compiled:
    if isinstance(node, _Num):
        return node.value
    if isinstance(node, _Name):
        name = node.name
        return lambda env: env[name]
    if isinstance(node, _Unary):
        operand = _compile(node.operand, ctx)
        fn = {"-": np.negative, "+": np.positive, "not": _not}[node.op]
        if not callable(operand):
            return _fold(fn, [operand], node.start, "the value", ctx)
        return _call(fn, [operand])
    if isinstance(node, _Pow):
        base = _compile(node.base, ctx)
        exponent = _compile(node.exponent, ctx)
        if not callable(base) and not callable(exponent):
            return _fold(np.power, [base, exponent], node.op_start, "the power", ctx)
        return _call(np.power, [base, exponent])
    if isinstance(node, _Call):
        fn = FUNCTIONS[node.func][0]
        args = [_compile(arg, ctx) for arg in node.args]
        if not any(callable(a) for a in args):
            return _fold(fn, args, node.start, f"{node.func}(...)", ctx)
        return _call(fn, args)
    if isinstance(node, _IfExp):
        test = _compile(node.test, ctx)
        body = _compile(node.body, ctx)
        orelse = _compile(node.orelse, ctx)
        if not callable(test):
            return body if test != 0.0 else orelse
        return _call(_where, [test, body, orelse])
    if isinstance(node, _Chain):
        return _compile_chain(node, ctx)
    raise AssertionError(f"unknown node {node!r}")  # pragma: no cover


def _compile_chain(node: _Chain, ctx: _Context) -> Compiled:
    first = _compile(node.first, ctx)
    rest = [(op, start, _compile(operand, ctx)) for op, start, operand in node.rest]

    if node.kind == "arith":
        # Fold the constant prefix (1 + 2 + t -> 3 + t), then loop over the rest at run time.
        acc = first
        i = 0
        while i < len(rest) and not callable(acc) and not callable(rest[i][2]):
            op, start, value = rest[i]
            if op in ("/", "%") and value == 0.0:
                raise ctx.error("division by zero", start)
            acc = _fold(_BINARY[op], [acc, value], start, _DESCRIBE_OP[op], ctx)
            i += 1
        for op, start, value in rest[i:]:
            if op in ("/", "%") and not callable(value) and value == 0.0:
                raise ctx.error("division by zero", start)
        steps = [(_BINARY[op], value) for op, _, value in rest[i:]]
        if not steps:
            return acc
        if len(steps) == 1:
            return _call(steps[0][0], [acc, steps[0][1]])
        head = acc

        def arith(env):
            value = head(env) if callable(head) else head
            for fn, operand in steps:
                value = fn(value, operand(env) if callable(operand) else operand)
            return value

        return arith

    if node.kind == "compare":
        parts = [first] + [value for _, _, value in rest]
        fns = [_COMPARE[op] for op, _, _ in rest]
        if not any(callable(p) for p in parts):
            ok = all(bool(fn(parts[k], parts[k + 1])) for k, fn in enumerate(fns))
            return 1.0 if ok else 0.0

        def compare(env):
            values = [p(env) if callable(p) else p for p in parts]
            result = fns[0](values[0], values[1])
            for k in range(1, len(fns)):
                result = np.logical_and(result, fns[k](values[k], values[k + 1]))
            return np.asarray(result, dtype=np.float64)

        return compare

    # "and" / "or": elementwise truth, result 1.0 or 0.0
    parts = [first] + [value for _, _, value in rest]
    combine = np.logical_and if node.kind == "and" else np.logical_or
    if not any(callable(p) for p in parts):
        truths = [p != 0.0 for p in parts]
        return 1.0 if (all(truths) if node.kind == "and" else any(truths)) else 0.0

    def boolean(env):
        result = _truth(parts[0](env) if callable(parts[0]) else parts[0])
        for p in parts[1:]:
            result = combine(result, _truth(p(env) if callable(p) else p))
        return np.asarray(result, dtype=np.float64)

    return boolean


# --------------------------------------------------------------------------------------------
# Public API


class Expression:
    """A compiled, immutable expression. :meth:`evaluate` runs it over whole arrays at once."""

    __slots__ = ("text", "setting", "keyframe", "column", "names_used", "_fn", "_literal")

    def __init__(self, text, setting, keyframe, column, names_used, fn, literal):
        self.text = text
        self.setting = setting
        self.keyframe = keyframe
        #: 1-based column of the expression's first character in the full text.
        self.column = column
        #: Variables the expression reads (constants such as pi are not variables).
        self.names_used: frozenset[str] = names_used
        self._fn: Compiled = fn
        self._literal = literal

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

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
            f"the value {_non_finite_reason(bad)}",
            setting=self.setting,
            keyframe=self.keyframe,
            frame=frame,
            column=self.column,
            hint=hint,
        )


def _check_text(text: str, ctx: _Context) -> None:
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
    ctx = _Context(setting, keyframe, column_offset)
    _check_text(text, ctx)
    try:
        fn, used, literal, stop = _build_cached(text, names)
    except ScheduleError:
        # Errors are not cached; build again where the error can name its real location.
        fn, used, literal, stop = _build(text, names, ctx)
    first = len(text) - len(text.lstrip())
    expression = Expression(
        text[first:stop].strip(), setting, keyframe, column_offset + first + 1, used, fn, literal
    )
    return expression, stop


def _build(text: str, names: frozenset[str], ctx: _Context):
    """Parse and compile -> (compiled, names used, is a literal, index where parsing stopped)."""
    parser = _Parser(text, names, ctx)
    try:
        node = parser.parse()
    except RecursionError:  # pragma: no cover - guarded by MAX_NESTING; a last safety net
        raise ctx.error("expression is nested too deeply", 0) from None
    used: set[str] = set()
    _names_in(node, used)
    literal = isinstance(node, _Num) or (
        isinstance(node, _Unary) and node.op in "+-" and isinstance(node.operand, _Num)
    )
    return _compile(node, ctx), frozenset(used), literal, parser.tok.start


@functools.lru_cache(maxsize=4096)
def _build_cached(text: str, names: frozenset[str]):
    """:func:`_build` for texts that compile; the result holds no location, so it is shared."""
    return _build(text, names, _Context("", None, 0))


def unexpected_after(
    text: str, stop: int, setting: str, keyframe: int | None, column_offset: int
) -> ScheduleError:
    """The error for text left over after a complete expression (``text[stop:]``)."""
    ctx = _Context(setting, keyframe, column_offset)
    rest = text[stop:]
    word = _NAME_RE.match(rest)
    token = word.group() if word else rest[:1]
    if token == ")":
        return ctx.error("unmatched ')'", stop, "remove it or add the matching '('")
    hint = None
    if token == ",":
        hint = "commas only separate the arguments of a function such as max(a, b)"
    elif word or token in _DIGITS or token == "(" or token == ".":
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
