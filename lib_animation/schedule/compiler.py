"""Compilation: syntax tree -> a folded constant, or one numpy closure per node.

Sub-expressions without variables are computed once here (a NaN or infinite constant is an
error at its column); the rest runs later over the whole frame array at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .error_context import ErrorContext
from .functions import BINARY_OPERATORS, COMPARISONS, FUNCTIONS, where
from .nodes import Call, Chain, IfExp, Name, Node, Num, Pow, Unary

__all__ = ["Compiled", "compile_node", "non_finite_reason"]

Compiled = float | Callable[[dict], object]


def non_finite_reason(value) -> str:
    return "is not a number (NaN)" if np.isnan(value) else "is too large (infinite)"


def _fold(fn, args: list[float], node_start: int, what: str, ctx: ErrorContext) -> float:
    with np.errstate(all="ignore"):
        value = float(fn(*[np.float64(a) for a in args]))
    if not math.isfinite(value):
        raise ctx.error(f"{what} {non_finite_reason(value)}", node_start)
    return value


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


def _truth(x):
    return np.not_equal(x, 0.0)


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


def compile_node(node: Node, ctx: ErrorContext) -> Compiled:
    """``node`` as a float when it reads no variable, else a closure ``env -> array``."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Name):
        name = node.name
        return lambda env: env[name]
    if isinstance(node, Unary):
        operand = compile_node(node.operand, ctx)
        fn = {"-": np.negative, "+": np.positive, "not": _not}[node.op]
        if not callable(operand):
            return _fold(fn, [operand], node.start, "the value", ctx)
        return _call(fn, [operand])
    if isinstance(node, Pow):
        base = compile_node(node.base, ctx)
        exponent = compile_node(node.exponent, ctx)
        if not callable(base) and not callable(exponent):
            return _fold(np.power, [base, exponent], node.op_start, "the power", ctx)
        return _call(np.power, [base, exponent])
    if isinstance(node, Call):
        fn = FUNCTIONS[node.func][0]
        args = [compile_node(arg, ctx) for arg in node.args]
        if not any(callable(a) for a in args):
            return _fold(fn, args, node.start, f"{node.func}(...)", ctx)
        return _call(fn, args)
    if isinstance(node, IfExp):
        test = compile_node(node.test, ctx)
        body = compile_node(node.body, ctx)
        orelse = compile_node(node.orelse, ctx)
        if not callable(test):
            return body if test != 0.0 else orelse
        return _call(where, [test, body, orelse])
    if isinstance(node, Chain):
        return _compile_chain(node, ctx)
    raise AssertionError(f"unknown node {node!r}")  # pragma: no cover


def _compile_chain(node: Chain, ctx: ErrorContext) -> Compiled:
    first = compile_node(node.first, ctx)
    rest = [(op, start, compile_node(operand, ctx)) for op, start, operand in node.rest]

    if node.kind == "arith":
        # Fold the constant prefix (1 + 2 + t -> 3 + t), then loop over the rest at run time.
        acc = first
        i = 0
        while i < len(rest) and not callable(acc) and not callable(rest[i][2]):
            op, start, value = rest[i]
            if op in ("/", "%") and value == 0.0:
                raise ctx.error("division by zero", start)
            acc = _fold(BINARY_OPERATORS[op], [acc, value], start, _DESCRIBE_OP[op], ctx)
            i += 1
        for op, start, value in rest[i:]:
            if op in ("/", "%") and not callable(value) and value == 0.0:
                raise ctx.error("division by zero", start)
        steps = [(BINARY_OPERATORS[op], value) for op, _, value in rest[i:]]
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
        fns = [COMPARISONS[op] for op, _, _ in rest]
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
