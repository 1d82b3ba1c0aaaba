"""Property tests: no exception but ScheduleError escapes, and the vectorised evaluator agrees
with a tiny independent per-frame reference written with Python's math module."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lib_animation.errors import ScheduleError
from lib_animation.schedule import ScheduleVariables, parse_schedule

PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALID = [
    "0:(1.0), 30:(1.0+0.5*sin(t/10))",
    "0:(1.0025+0.002*sin(1.25*3.14*t/30))",
    '0:(where(t>5, 1, 0)), max_f/2:(max(t, 3)) ease_in, "max_f-1":(2),',
    "0:(0) ease-in-out, 10:(5) cubic, 20:(0) step, 30:(1)",
    "0: 1.0,\n 5 : (t if t > 3 else -t), 'max_f' : 2",
    "0:(clip(t, 1, 2) ** 2 % 3 and not t or 1 < t <= 4), s%7:(fps)",
    '0:("Euler a"), 10:("DPM++ 2M"), 20:("model:v2, final.safetensors")',
    "0:(Euler a), 5:('x, y'), 7:(a:b)",
]
ALPHABET = "0123456789:(),.'\" \n\ttmax_fsincoewhrlp+-*/%<>=!^&|~[]{}é\u2212\x00"


def check(text: str, kind: str, variables: list[ScheduleVariables]) -> None:
    """parse + evaluate either succeed or raise a well-formed ScheduleError."""
    try:
        schedule = parse_schedule(text, setting="prop", kind=kind)
        for v in variables:
            result = schedule.evaluate(v)
            assert len(result.values) == v.max_frames
            if kind == "number":
                assert result.values.dtype == np.float64
                assert np.isfinite(result.values).all()
    except ScheduleError as error:
        message = str(error)
        assert message.startswith("prop")
        assert "\n" not in message
        if error.column is not None:
            assert 1 <= error.column <= len(text) + 1, message
        if error.keyframe is not None:
            assert 1 <= error.keyframe <= text.count(",") + 1, message


VARIABLES = st.lists(
    st.builds(
        ScheduleVariables,
        max_frames=st.integers(0, 40),
        seed=st.integers(-(2**32), 2**32),
        fps=st.floats(0.1, 120, allow_nan=False),
    ),
    min_size=1,
    max_size=3,
)
KINDS = st.sampled_from(["number", "string"])


@PROPERTY
@given(text=st.text(max_size=80), kind=KINDS, variables=VARIABLES)
def test_any_unicode_text(text, kind, variables):
    check(text, kind, variables)


@PROPERTY
@given(text=st.text(alphabet=ALPHABET, max_size=60), kind=KINDS, variables=VARIABLES)
def test_schedule_like_text(text, kind, variables):
    check(text, kind, variables)


@st.composite
def mutated(draw):
    text = list(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(1, 5))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        i = draw(st.integers(0, len(text)))
        if op == "insert":
            text.insert(i, draw(st.sampled_from(ALPHABET)))
        elif text and op == "delete":
            del text[min(i, len(text) - 1)]
        elif text and op == "replace":
            text[min(i, len(text) - 1)] = draw(st.sampled_from(ALPHABET))
        elif text:
            j = draw(st.integers(i, min(len(text), i + 10)))
            text[i:i] = text[i:j]
    return "".join(text)


@PROPERTY
@given(text=mutated(), kind=KINDS, variables=VARIABLES)
def test_mutations_of_valid_schedules(text, kind, variables):
    check(text, kind, variables)


NESTING = st.recursive(
    st.sampled_from(["t", "1", "max_f", "", "x", "-", ","]),
    lambda inner: st.one_of(
        st.tuples(st.sampled_from("([{\"'"), inner, st.sampled_from(")]}\"'")).map("".join),
        st.tuples(
            inner, st.sampled_from(["+", "**", ",", " if ", " else ", "-", "not "]), inner
        ).map("".join),
        st.tuples(st.sampled_from(["sin", "max", "where", "clip", "__x", ""]), inner).map(
            lambda p: f"{p[0]}({p[1]})"
        ),
    ),
    max_leaves=60,
)


@PROPERTY
@given(
    value=NESTING,
    position=st.sampled_from(["0", "max_f/2", "'max_f-1'", "-3", "50"]),
    kind=KINDS,
    variables=VARIABLES,
)
def test_random_nesting(value, position, kind, variables):
    check(f"{position}:({value})", kind, variables)
    check(f"0:(1), {position}: {value}, ", kind, variables)


@settings(max_examples=50, deadline=None)
@given(depth=st.integers(1, 3000), opener=st.sampled_from(["(", "-", "not ", "sin(", "2**"]))
def test_deep_nesting_is_a_schedule_error_not_a_recursion_error(depth, opener):
    text = "0:(" + opener * depth + "1" + ")" * (depth * opener.count("(")) + ")"
    check(text, "number", [ScheduleVariables(5)])


# --- the vectorised evaluator against a per-frame reference ---------------------------------


class Failed(Exception):
    """The reference met a non-finite value, a domain error or an exception."""


def finite(x) -> float:
    if isinstance(x, complex):
        raise Failed
    x = float(x)
    if not math.isfinite(x):
        raise Failed
    return x


def guard(fn, *args):
    try:
        return finite(fn(*args))
    except (ArithmeticError, ValueError) as exc:
        raise Failed from exc


# Each strategy yields (text, reference) where reference(env) -> float for one frame.
# "exact" expressions use only correctly rounded operations (+ - * / % sqrt floor ...), so
# numpy and Python agree to the last bit and discontinuous operations (comparisons, floor,
# %) may use them. "smooth" expressions may also use transcendental functions, whose last bit
# may differ between numpy and libm, so they only feed continuous operations.

LEAVES = st.one_of(
    st.integers(0, 12).map(lambda n: (str(n), lambda env, n=n: float(n))),
    st.sampled_from(["0.5", "1.25", "2.75", ".5", "1e-1", "3."]).map(
        lambda s: (s, lambda env, v=float(s): v)
    ),
    st.sampled_from(["t", "max_f", "s", "fps"]).map(lambda name: (name, lambda env: env[name])),
    st.just(("pi", lambda env: math.pi)),
)


def binary(op: str):
    fns = {
        "+": lambda a, b: a + b,
        "-": lambda a, b: a - b,
        "*": lambda a, b: a * b,
        "/": lambda a, b: a / b,
        "%": lambda a, b: a % b,
    }

    def build(pair):
        (ta, fa), (tb, fb) = pair
        return f"({ta} {op} {tb})", lambda env: guard(fns[op], fa(env), fb(env))

    return build


def unary(name: str, fn):
    def build(arg):
        ta, fa = arg
        return f"{name}({ta})", lambda env: guard(fn, fa(env))

    return build


def compare(op: str):
    fns = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, "==": float.__eq__}

    def build(pair):
        (ta, fa), (tb, fb) = pair
        return f"({ta} {op} {tb})", lambda env: 1.0 if fns[op](fa(env), fb(env)) else 0.0

    return build


def ternary(parts):
    (ta, fa), (tc, fc), (tb, fb) = parts

    def ref(env):
        a, c, b = fa(env), fc(env), fb(env)  # eager, like the vectorised evaluator
        return a if c != 0 else b

    return f"({ta} if {tc} else {tb})", ref


def where(parts):
    (tc, fc), (ta, fa), (tb, fb) = parts

    def ref(env):
        c, a, b = fc(env), fa(env), fb(env)
        return a if c != 0 else b

    return f"where({tc}, {ta}, {tb})", ref


def logic(op: str):
    def build(pair):
        (ta, fa), (tb, fb) = pair

        def ref(env):
            a, b = fa(env) != 0, fb(env) != 0
            return 1.0 if (a and b if op == "and" else a or b) else 0.0

        return f"({ta} {op} {tb})", ref

    return build


def many(name: str, fn):
    def build(args):
        text = f"{name}({', '.join(t for t, _ in args)})"
        return text, lambda env: fn(f(env) for _, f in args)

    return build


def pair(s):
    return st.tuples(s, s)


def triple(s):
    return st.tuples(s, s, s)


def round_half_even(x: float) -> float:
    return float(round(x))


EXACT = st.recursive(
    LEAVES,
    lambda e: st.one_of(
        *[pair(e).map(binary(op)) for op in "+-*/%"],
        e.map(lambda a: (f"(-{a[0]})", lambda env: -a[1](env))),
        e.map(lambda a: (f"(not {a[0]})", lambda env: 0.0 if a[1](env) != 0 else 1.0)),
        e.map(unary("floor", math.floor)),
        e.map(unary("ceil", math.ceil)),
        e.map(unary("round", round_half_even)),
        e.map(unary("abs", abs)),
        e.map(unary("sqrt", math.sqrt)),
        *[pair(e).map(compare(op)) for op in ("<", "<=", ">", "==")],
        pair(e).map(logic("and")),
        pair(e).map(logic("or")),
        triple(e).map(ternary),
        triple(e).map(where),
        st.lists(e, min_size=2, max_size=3).map(many("min", min)),
        st.lists(e, min_size=2, max_size=3).map(many("max", max)),
        triple(e).map(
            lambda p: (
                f"clip({p[0][0]}, {p[1][0]}, {p[2][0]})",
                lambda env: min(max(p[0][1](env), p[1][1](env)), p[2][1](env)),
            )
        ),
    ),
    max_leaves=12,
)

SMOOTH_FUNCTIONS = {
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "arctan": math.atan,
    "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "exp": math.exp,
    "log": math.log, "log10": math.log10, "log1p": math.log1p, "expm1": math.expm1,
    "arcsin": math.asin, "arccos": math.acos, "arctan2": math.atan2, "pow": math.pow,
}  # fmt: skip


def wobbled(name: str, *args_fns):
    """Apply a transcendental function; with env["eps"] != 0 its result is nudged by a relative
    eps (sign varying with the argument), to detect ill-conditioned expressions."""
    fn = SMOOTH_FUNCTIONS[name]

    def ref(env):
        args = [f(env) for f in args_fns]
        if name == "arctan2" and args[0] == 0 and args[1] <= 0:
            raise Failed  # on the branch cut the sign of a zero decides: +-pi or +-0
        y = guard(fn, *args)
        sign = 1.0 if hash((name, *args)) & 1 else -1.0
        return y * (1.0 + env["eps"] * sign)

    return ref


SMOOTH = st.recursive(
    EXACT,
    lambda s: st.one_of(
        *[pair(s).map(binary(op)) for op in "+-*"],
        st.tuples(st.sampled_from(sorted(set(SMOOTH_FUNCTIONS) - {"arctan2", "pow"})), s).map(
            lambda p: (f"{p[0]}({p[1][0]})", wobbled(p[0], p[1][1]))
        ),
        pair(s).map(
            lambda p: (f"arctan2({p[0][0]}, {p[1][0]})", wobbled("arctan2", p[0][1], p[1][1]))
        ),
        st.tuples(s, st.integers(0, 3)).map(
            lambda p: (f"({p[0][0]}) ** {p[1]}", wobbled("pow", p[0][1], lambda env, n=p[1]: n))
        ),
        st.tuples(s, EXACT, s).map(ternary),
        st.tuples(EXACT, s, s).map(where),
        st.lists(s, min_size=2, max_size=3).map(many("max", max)),
    ),
    max_leaves=10,
)


def reference(fn, variables: ScheduleVariables, eps: float = 0.0) -> list[float] | None:
    values = []
    for t in range(variables.max_frames):
        env = {"t": float(t), "max_f": float(variables.max_f), "s": float(variables.seed),
               "fps": float(variables.fps), "eps": eps}  # fmt: skip
        try:
            values.append(finite(fn(env)))
        except Failed:
            return None
    return values


def well_conditioned(fn, variables, expected) -> bool:
    """Nudging every transcendental result by 1e-12 moves the result by less than 1e-6
    (relative): last-bit differences between numpy and libm then stay below 1e-9."""
    for eps in (1e-12, -1e-12):
        nudged = reference(fn, variables, eps)
        if nudged is None or not np.allclose(nudged, expected, rtol=1e-6, atol=1e-9):
            return False
    return True


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    expr=st.one_of(EXACT, SMOOTH),
    frames=st.integers(1, 25),
    seed=st.integers(-50, 50),
    fps=st.sampled_from([12, 15, 24.0, 29.97]),
)
def test_vectorised_evaluation_matches_per_frame_reference(expr, frames, seed, fps):
    text, fn = expr
    variables = ScheduleVariables(frames, seed=seed, fps=fps)
    expected = reference(fn, variables)
    try:
        got = parse_schedule(f"0:({text})", setting="ref").evaluate(variables).values
    except ScheduleError:
        # The tree walker folds constant sub-expressions and checks the final result; the
        # reference is stricter (every step, eagerly), so it must have failed too.
        assert expected is None or not well_conditioned(fn, variables, expected), text
        return
    assume(expected is not None and well_conditioned(fn, variables, expected))
    np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10, err_msg=text)


@settings(max_examples=200, deadline=None)
@given(
    points=st.lists(
        st.tuples(st.integers(0, 40), st.integers(-1000, 1000)), min_size=1, max_size=6
    ),
    frames=st.integers(1, 50),
)
def test_linear_schedule_matches_reference(points, frames):
    text = ", ".join(f"{p}:({v})" for p, v in points)
    schedule = parse_schedule(text, setting="ref")
    keys: dict[int, float] = {}
    for p, v in points:
        if p < frames:
            keys[p] = float(v)  # later duplicates win
    if not keys:
        with pytest.raises(ScheduleError, match="no keyframe inside"):
            schedule.evaluate(ScheduleVariables(frames))
        return
    got = schedule.evaluate(ScheduleVariables(frames)).values
    xs = sorted(keys)
    expected = []
    for f in range(frames):
        if f <= xs[0]:
            expected.append(keys[xs[0]])
        elif f >= xs[-1]:
            expected.append(keys[xs[-1]])
        else:
            i = max(k for k in range(len(xs)) if xs[k] <= f)
            a, b = xs[i], xs[i + 1]
            expected.append(keys[a] + (keys[b] - keys[a]) * (f - a) / (b - a))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-9)
    # whole-number in-betweens are exact (integer settings are int()-truncated downstream)
    for g, e in zip(got, expected, strict=True):
        if e.is_integer():
            assert g == e
