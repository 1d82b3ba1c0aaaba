"""A parsed mask expression: its operands and a postfix program that combines them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from .names import UNSUPPORTED_NAMES

NAMED_MASK = "name"  # {video_mask}
FILE_MASK = "file"  # [masks/a.png]
WORD_MASK = "word"  # <hair>: a CLIPSeg word mask
UNARY = ("!",)
BINARY = ("&", "|", "^", "\\")

Mask = TypeVar("Mask")


@dataclass(frozen=True)
class MaskLeaf:
    """One operand: a named mask, an image file or a word mask."""

    kind: str  # NAMED_MASK, FILE_MASK or WORD_MASK
    text: str  # the name, the file's path text or the words, stripped

    @property
    def is_unsupported(self) -> bool:
        """A mask made by a model Keyframes does not ship: a word mask or {human_mask}."""
        return self.kind == WORD_MASK or (self.kind == NAMED_MASK
                                          and self.text in UNSUPPORTED_NAMES)

    def __str__(self) -> str:
        opening, closing = {NAMED_MASK: "{}", FILE_MASK: "[]", WORD_MASK: "<>"}[self.kind]
        return f"{opening}{self.text}{closing}"


Step = MaskLeaf | str  # an operand, or an operator symbol of UNARY or BINARY


@dataclass(frozen=True)
class MaskExpression:
    """An expression as written (`text`) and as a postfix program (`steps`); an empty
    expression has no steps and means the whole frame."""

    text: str
    steps: tuple[Step, ...]

    @property
    def leaves(self) -> tuple[MaskLeaf, ...]:
        return tuple(step for step in self.steps if isinstance(step, MaskLeaf))

    def leaves_of(self, kind: str) -> tuple[MaskLeaf, ...]:
        return tuple(leaf for leaf in self.leaves if leaf.kind == kind)

    @property
    def is_supported(self) -> bool:
        return not any(leaf.is_unsupported for leaf in self.leaves)

    def evaluate(self, value_of: Callable[[MaskLeaf], Mask],
                 operators: Mapping[str, Callable[..., Mask]], whole: Callable[[], Mask]) -> Mask:
        """The combined mask: `value_of` gives each operand's mask, `operators` maps each
        operator symbol to its function, `whole` makes the whole-frame mask (for an empty
        expression). A stack, no recursion, however deep the expression nests."""
        if not self.steps:
            return whole()
        stack: list[Mask] = []
        for step in self.steps:
            if isinstance(step, MaskLeaf):
                stack.append(value_of(step))
            elif step in UNARY:
                stack.append(operators[step](stack.pop()))
            else:
                right = stack.pop()
                stack.append(operators[step](stack.pop(), right))
        return stack[0]
