"""Tokenizer: expression text -> number, name and operator tokens, read one at a time.

Number literals are bounded (digits and magnitude) and parsed as float64. Characters and
operators outside the grammar are refused here, each with a hint.
"""

from __future__ import annotations

import re

from .error_context import ErrorContext

__all__ = [
    "DIGITS",
    "END_TOKEN",
    "NAME_RE",
    "NAME_TOKEN",
    "NUMBER_TOKEN",
    "OP_TOKEN",
    "Token",
    "next_token",
    "plain_number",
]

#: Numbers with more digits than this are refused.
MAX_LITERAL_DIGITS = 100
#: Numbers larger in magnitude than this are refused.
MAX_LITERAL = 1e300

_NUMBER_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_IDENT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
DIGITS = frozenset("0123456789")
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

NUMBER_TOKEN, NAME_TOKEN, OP_TOKEN, END_TOKEN = "number", "name", "op", "end"


class Token:
    """One token: its kind (one of the ``*_TOKEN`` names), text, start index in the text and,
    for a number, its value."""

    __slots__ = ("kind", "text", "start", "value")

    def __init__(self, kind: str, text: str, start: int, value: float = 0.0) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.value = value


def _show_char(ch: str) -> str:
    return ch if ch.isprintable() else repr(ch)[1:-1]


def _literal_value(text: str, index: int, ctx: ErrorContext) -> float:
    """Value of a number literal (already matched by the number pattern), bounded."""
    mantissa, _, exponent = text.lower().partition("e")
    digits = sum(1 for ch in mantissa if ch in DIGITS)
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
    if sum(1 for ch in mantissa if ch in DIGITS) > MAX_LITERAL_DIGITS or len(exponent) > 6:
        return None
    value = float(text)
    return value if abs(value) <= MAX_LITERAL else None


def next_token(text: str, i: int, ctx: ErrorContext) -> Token:
    """The token starting at or after index ``i`` (tokens are read on demand, so the first
    problem in reading order is the one reported)."""
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in DIGITS or (ch == "." and i + 1 < n and text[i + 1] in DIGITS):
            m = _NUMBER_RE.match(text, i)
            end = m.end()
            if end < n and (text[end] in _IDENT_CHARS or text[end] == "."):
                j = end
                while j < n and (text[j] in _IDENT_CHARS or text[j] == "."):
                    j += 1
                bad = text[i:j]
                hint = None
                if NAME_RE.fullmatch(text[end:j]):
                    hint = f"to multiply, write {text[i:end]}*{text[end:j]}"
                raise ctx.error(f"invalid number '{bad[:40]}'", i, hint)
            return Token(NUMBER_TOKEN, text[i:end], i, _literal_value(text[i:end], i, ctx))
        if ch in _IDENT_CHARS:
            m = NAME_RE.match(text, i)
            word = m.group()
            if word.startswith("__"):
                raise ctx.error(f"names starting with '__' are not allowed: '{word[:40]}'", i)
            return Token(NAME_TOKEN, word, i)
        pair = text[i : i + 2]
        if pair in _TWO_CHAR_OPS:
            return Token(OP_TOKEN, pair, i)
        if pair in _BAD_TWO_CHAR:
            message, hint = _BAD_TWO_CHAR[pair]
            raise ctx.error(message, i, hint)
        if ch in _ONE_CHAR_OPS:
            return Token(OP_TOKEN, ch, i)
        if ch in _BAD_CHARS:
            message, hint = _BAD_CHARS[ch]
            raise ctx.error(message, i, hint)
        if ch in "\u201c\u201d\u2018\u2019":
            raise ctx.error("quoted text is not allowed in a number expression", i)
        hint = "names and operators use plain ASCII letters and symbols" if ord(ch) > 127 else None
        raise ctx.error(f"unexpected character '{_show_char(ch)}'", i, hint)
    return Token(END_TOKEN, "", n)
