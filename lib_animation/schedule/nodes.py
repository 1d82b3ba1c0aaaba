"""Syntax tree of an expression: the node kinds the parser builds and the compiler reads."""

from __future__ import annotations

__all__ = ["Call", "Chain", "IfExp", "Name", "Node", "Num", "Pow", "Unary", "names_in"]


class Node:
    """A syntax-tree node; ``start`` is its index in the expression text."""

    __slots__ = ("start",)


class Num(Node):
    __slots__ = ("value",)

    def __init__(self, start: int, value: float) -> None:
        self.start = start
        self.value = value


class Name(Node):
    __slots__ = ("name",)

    def __init__(self, start: int, name: str) -> None:
        self.start = start
        self.name = name


class Unary(Node):
    __slots__ = ("op", "operand")

    def __init__(self, start: int, op: str, operand: Node) -> None:
        self.start = start
        self.op = op
        self.operand = operand


class Chain(Node):
    """``first op1 x1 op2 x2 ...`` for one precedence level (left-associative), kept flat so a
    long sum never makes a deep tree. ``kind`` is "arith", "compare", "and" or "or"."""

    __slots__ = ("kind", "first", "rest")

    def __init__(self, kind: str, first: Node, rest: list[tuple[str, int, Node]]) -> None:
        self.start = first.start
        self.kind = kind
        self.first = first
        self.rest = rest


class Pow(Node):
    __slots__ = ("base", "exponent", "op_start")

    def __init__(self, base: Node, exponent: Node, op_start: int) -> None:
        self.start = base.start
        self.base = base
        self.exponent = exponent
        self.op_start = op_start


class IfExp(Node):
    __slots__ = ("body", "test", "orelse")

    def __init__(self, body: Node, test: Node, orelse: Node) -> None:
        self.start = body.start
        self.body = body
        self.test = test
        self.orelse = orelse


class Call(Node):
    __slots__ = ("func", "args")

    def __init__(self, start: int, func: str, args: list[Node]) -> None:
        self.start = start
        self.func = func
        self.args = args


def names_in(node: Node, out: set[str]) -> None:
    """Add the variable names ``node`` and its children read to ``out``."""
    if isinstance(node, Name):
        out.add(node.name)
    elif isinstance(node, Unary):
        names_in(node.operand, out)
    elif isinstance(node, Chain):
        names_in(node.first, out)
        for _, _, operand in node.rest:
            names_in(operand, out)
    elif isinstance(node, Pow):
        names_in(node.base, out)
        names_in(node.exponent, out)
    elif isinstance(node, IfExp):
        names_in(node.body, out)
        names_in(node.test, out)
        names_in(node.orelse, out)
    elif isinstance(node, Call):
        for arg in node.args:
            names_in(arg, out)
