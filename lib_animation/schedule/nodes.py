"""Syntax tree of an expression: the node kinds the parser builds and the compiler reads."""

from __future__ import annotations

__all__ = [
    "Call", "Chain", "IfExp", "Name", "Node", "Num", "Pow", "Unary", "first_uses",
]


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


def first_uses(node: Node) -> dict[str, int]:
    """Each variable ``node`` reads -> the index of its first use in the expression text."""
    found: dict[str, int] = {}
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Name):
            found[current.name] = min(current.start, found.get(current.name, current.start))
        elif isinstance(current, Unary):
            stack.append(current.operand)
        elif isinstance(current, Chain):
            stack.append(current.first)
            stack.extend(operand for _, _, operand in current.rest)
        elif isinstance(current, Pow):
            stack.extend((current.base, current.exponent))
        elif isinstance(current, IfExp):
            stack.extend((current.body, current.test, current.orelse))
        elif isinstance(current, Call):
            stack.extend(current.args)
    return found
