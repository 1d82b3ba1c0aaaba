"""Numbers as users read and write them: `2`, not `2.0`; `0.125`, not `1.250000e-01`."""

from __future__ import annotations


def format_number(value: float, decimals: int | None = None) -> str:
    """Integral values without a decimal point; others in their shortest form, or rounded to
    `decimals` places with trailing zeros dropped."""
    value = float(value)
    if value.is_integer() and abs(value) < 2**63:
        return str(int(value))
    if decimals is None:
        return repr(value)
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
