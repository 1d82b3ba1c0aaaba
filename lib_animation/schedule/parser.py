"""Parser: tokens -> syntax tree, for the whitelisted grammar only.

Anything outside it (attribute access, indexing, lambdas, strings, keyword arguments,
comprehensions, walrus, dunder names, unknown functions) cannot be represented in the tree and
is refused with a hint. Nesting is bounded, so parsing never recurses deeply.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from lib_animation.errors import ScheduleError

from .error_context import ErrorContext
from .functions import COMPARISONS, CONSTANTS, FUNCTIONS
from .nodes import Call, Chain, IfExp, Name, Node, Num, Pow, Unary
from .tokens import END_TOKEN, NAME_TOKEN, NUMBER_TOKEN, OP_TOKEN, Token, next_token

__all__ = ["DEFAULT_NAMES", "MAX_NESTING", "Parser"]

#: Variables a schedule value may use.
DEFAULT_NAMES: frozenset[str] = frozenset({"t", "max_f", "s", "fps"})
#: Deepest accepted nesting (brackets, unary operators, ``**`` exponents, conditionals).
MAX_NESTING = 32

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


def _did_you_mean(word: str, candidates) -> str | None:
    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    if not matches and len(word) > 1:
        lowered = word.lower()
        matches = [c for c in sorted(candidates) if c.lower() == lowered]
    return f"did you mean {matches[0]}?" if matches else None


class Parser:
    """Recursive descent over the tokens, with Python's precedences:

    ``a if c else b`` < ``or`` < ``and`` < ``not`` < comparisons < ``+ -`` < ``* / %``
    < unary ``+ -`` < ``**`` (right-associative; ``-2**2`` is -4) < calls, names, numbers, ( ).
    """

    def __init__(self, text: str, names: frozenset[str], ctx: ErrorContext):
        self.text = text
        self.tok = next_token(text, 0, ctx)
        self.depth = 0
        self.names = names
        self.ctx = ctx

    # helpers
    def _advance(self) -> None:
        tok = self.tok
        self.tok = next_token(self.text, tok.start + len(tok.text), self.ctx)

    def _is_op(self, *ops: str) -> bool:
        tok = self.tok
        return tok.kind == OP_TOKEN and tok.text in ops

    def _is_word(self, word: str) -> bool:
        tok = self.tok
        return tok.kind == NAME_TOKEN and tok.text == word

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
        if tok.kind == END_TOKEN:
            return self.ctx.error(f"expected {what}, but the expression ends here", tok.start)
        hint = None
        if tok.kind == OP_TOKEN and tok.text in ("*", "**"):
            hint = "unpacking with * is not supported" if what == "a value" else None
        if tok.kind == OP_TOKEN and tok.text == ",":
            hint = "commas only separate the arguments of a function"
        if tok.kind == NAME_TOKEN and tok.text in _KEYWORDS:
            return self.ctx.error(f"expected {what} before '{tok.text}'", tok.start)
        return self.ctx.error(f"expected {what}, found '{tok.text}'", tok.start, hint)

    # grammar
    def parse(self) -> Node:
        if self.tok.kind == END_TOKEN:
            raise self.ctx.error("empty expression", 0, "write a number or a formula such as 1.0")
        return self.ternary()

    def ternary(self) -> Node:
        self._enter(self.tok.start)
        body = self.disjunction()
        if self._is_word("if"):
            self._advance()
            test = self.disjunction()
            if not self._is_word("else"):
                raise self._unexpected("'else'")
            self._advance()
            orelse = self.ternary()
            body = IfExp(body, test, orelse)
        self.depth -= 1
        return body

    def _bool_chain(self, word: str, operand: Callable[[], Node]) -> Node:
        first = operand()
        rest = []
        while self._is_word(word):
            start = self.tok.start
            self._advance()
            rest.append((word, start, operand()))
        return Chain(word, first, rest) if rest else first

    def disjunction(self) -> Node:
        return self._bool_chain("or", self.conjunction)

    def conjunction(self) -> Node:
        return self._bool_chain("and", self.inversion)

    def inversion(self) -> Node:
        if self._is_word("not"):
            start = self.tok.start
            self._enter(start)
            self._advance()
            node = Unary(start, "not", self.inversion())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        first = self.arith()
        rest = []
        while self.tok.kind == OP_TOKEN and self.tok.text in COMPARISONS:
            op, start = self.tok.text, self.tok.start
            self._advance()
            rest.append((op, start, self.arith()))
        if self.tok.kind == NAME_TOKEN and self.tok.text in ("in", "is"):
            raise self.ctx.error(
                f"'{self.tok.text}' is not allowed",
                self.tok.start,
                "use == or != to compare numbers",
            )
        return Chain("compare", first, rest) if rest else first

    def arith(self) -> Node:
        first = self.term()
        rest = []
        while self._is_op("+", "-"):
            op, start = self.tok.text, self.tok.start
            self._advance()
            rest.append((op, start, self.term()))
        return Chain("arith", first, rest) if rest else first

    def term(self) -> Node:
        first = self.factor()
        rest = []
        while self._is_op("*", "/", "%"):
            op, start = self.tok.text, self.tok.start
            self._advance()
            rest.append((op, start, self.factor()))
        return Chain("arith", first, rest) if rest else first

    def factor(self) -> Node:
        if self._is_op("+", "-"):
            op, start = self.tok.text, self.tok.start
            self._enter(start)
            self._advance()
            node = Unary(start, op, self.factor())
            self.depth -= 1
            return node
        return self.power()

    def power(self) -> Node:
        base = self.primary()
        if self._is_op("**"):
            start = self.tok.start
            self._enter(start)
            self._advance()
            exponent = self.factor()
            self.depth -= 1
            return Pow(base, exponent, start)
        return base

    def primary(self) -> Node:
        tok = self.tok
        if tok.kind == NUMBER_TOKEN:
            self._advance()
            return Num(tok.start, tok.value)
        if tok.kind == NAME_TOKEN:
            return self.name()
        if tok.kind == OP_TOKEN and tok.text == "(":
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

    def _closing(self, opening: Token) -> ScheduleError:
        tok = self.tok
        col = self.ctx.offset + opening.start + 1
        if tok.kind == END_TOKEN:
            return self.ctx.error("'(' is never closed", opening.start, "add ')'")
        if tok.kind in (NAME_TOKEN, NUMBER_TOKEN):
            return self.ctx.error(
                f"unexpected '{tok.text}'",
                tok.start,
                f"an operator such as * or + is missing, or a ')' to close the '(' at column {col}",
            )
        return self.ctx.error(
            f"expected ')' to close the '(' at column {col}, found '{tok.text}'", tok.start
        )

    def name(self) -> Node:
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
            return Name(tok.start, word)
        if word in CONSTANTS:
            self._advance()
            return Num(tok.start, CONSTANTS[word])
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

    def call(self, name_tok: Token) -> Node:
        func = name_tok.text
        open_tok = self.tok
        self._advance()  # "("
        args: list[Node] = []
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
        return Call(name_tok.start, func, args)
