"""Mask expression text -> MaskExpression, by operator precedence (shunting-yard), with no
recursion, so no nesting can exhaust the stack.

Precedence, tightest first, as Deforum applies its operators: `!` (not), `&` (and), `|` (or),
`^` (xor), `\\` (difference); the binary operators group from the left, and parentheses group
as usual. Deforum meant this order but its text substitution gets some expressions wrong
(`![a] & [b]`, `!!{x}`, `[a] | [b] & [c]`, nested `\\`); here every expression means what its
precedence says.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib_animation.errors import ScheduleError

from .expression import (
    BINARY,
    FILE_MASK,
    NAMED_MASK,
    UNARY,
    WORD_MASK,
    MaskExpression,
    MaskLeaf,
    Step,
)
from .names import MASK_NAMES, UNSUPPORTED_NAMES

MAX_OPERANDS = 64  # masks in one expression (each is a whole frame in memory while combined)
MAX_EXPRESSION_CHARS = 4000
PRECEDENCE = {"!": 5, "&": 4, "|": 3, "^": 2, "\\": 1}
_CLOSING = {"{": "}", "[": "]", "<": ">"}
_KIND = {"{": NAMED_MASK, "[": FILE_MASK, "<": WORD_MASK}


@dataclass(frozen=True)
class _Where:
    setting: str | None
    keyframe: int | None
    column: int | None  # 1-based column of the expression's first character, if known

    def error(self, message: str, index: int | None, hint: str | None = None) -> ScheduleError:
        column = None if self.column is None or index is None else self.column + index
        return ScheduleError(message, setting=self.setting, keyframe=self.keyframe,
                             column=column, hint=hint)


def parse_mask_expression(text: str, *, setting: str | None = None, keyframe: int | None = None,
                          column: int | None = None) -> MaskExpression:
    """Parse one expression; ScheduleError naming `setting`, `keyframe` and the column
    (`column` = where the expression starts in the schedule text) otherwise."""
    where = _Where(setting, keyframe, column)
    if not isinstance(text, str):
        raise where.error(f"a mask expression must be text, not {type(text).__name__}", None)
    if len(text) > MAX_EXPRESSION_CHARS:
        raise where.error(f"mask expression is too long ({len(text)} characters; at most "
                          f"{MAX_EXPRESSION_CHARS})", None)
    return MaskExpression(text, _Parser(text, where).run())


class _Parser:
    def __init__(self, text: str, where: _Where) -> None:
        self.text = text
        self.where = where
        self.output: list[Step] = []
        self.pending: list[tuple[str, int]] = []  # operators and '(' with their index
        self.operands = 0
        self.expect_operand = True

    def run(self) -> tuple[Step, ...]:
        index = 0
        text = self.text
        while index < len(text):
            char = text[index]
            if char.isspace():
                index += 1
            elif char in _CLOSING:
                index = self._leaf(index)
            elif char == "(":
                self._need_operand(index, "(")
                self.pending.append(("(", index))
                index += 1
            elif char == ")":
                self._close(index)
                index += 1
            elif char in UNARY:
                self._need_operand(index, char)
                self.pending.append((char, index))
                index += 1
            elif char in BINARY:
                self._binary(char, index)
                index += 1
            else:
                raise self.where.error(
                    f"unexpected '{char}' in the mask expression", index,
                    "masks are {name}, [file] or <words>, joined by & | ^ \\ and ! ( )")
        return self._finish()

    def _need_operand(self, index: int, found: str) -> None:
        if not self.expect_operand:
            raise self.where.error(f"missing operator before '{found}'", index,
                                   "join masks with &, |, ^ or \\")

    def _leaf(self, index: int) -> int:
        opening = self.text[index]
        self._need_operand(index, opening)
        close = self.text.find(_CLOSING[opening], index + 1)
        if close < 0:
            raise self.where.error(f"this '{opening}' is never closed", index,
                                   f"close it with '{_CLOSING[opening]}'")
        inner = self.text[index + 1:close].strip()
        kind = _KIND[opening]
        leaf = MaskLeaf(kind, _unquoted(inner) if kind == FILE_MASK else inner)
        self._check_leaf(leaf, index)
        self.operands += 1
        if self.operands > MAX_OPERANDS:
            raise self.where.error(f"more than {MAX_OPERANDS} masks in one expression", index)
        self.output.append(leaf)
        self.expect_operand = False
        return close + 1

    def _check_leaf(self, leaf: MaskLeaf, index: int) -> None:
        if leaf.kind == NAMED_MASK and leaf.text not in MASK_NAMES + UNSUPPORTED_NAMES:
            raise self.where.error(f"unknown mask name {{{leaf.text}}}", index,
                                   "use {" + "}, {".join(MASK_NAMES) + "}")
        if leaf.kind == FILE_MASK and not leaf.text:
            raise self.where.error("empty file name in []", index,
                                   "write the mask image's path, e.g. [masks/face.png]")

    def _binary(self, symbol: str, index: int) -> None:
        if self.expect_operand:
            raise self.where.error(f"'{symbol}' needs a mask before it", index)
        while self.pending and self.pending[-1][0] != "(" and (
                PRECEDENCE[self.pending[-1][0]] >= PRECEDENCE[symbol]):
            self.output.append(self.pending.pop()[0])
        self.pending.append((symbol, index))
        self.expect_operand = True

    def _close(self, index: int) -> None:
        if self.expect_operand:
            raise self.where.error("')' needs a mask before it", index)
        while self.pending and self.pending[-1][0] != "(":
            self.output.append(self.pending.pop()[0])
        if not self.pending:
            raise self.where.error("this ')' has no matching '('", index)
        self.pending.pop()

    def _finish(self) -> tuple[Step, ...]:
        if not self.output and not self.pending:
            return ()  # empty: the whole frame
        if self.expect_operand:
            symbol, index = self.pending[-1]
            raise self.where.error(f"'{symbol}' needs a mask after it", index)
        while self.pending:
            symbol, index = self.pending.pop()
            if symbol == "(":
                raise self.where.error("this '(' is never closed", index)
            self.output.append(symbol)
        return tuple(self.output)


def _unquoted(text: str) -> str:
    """A file name with one pair of surrounding quotes removed, as Deforum files may hold."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    return text
