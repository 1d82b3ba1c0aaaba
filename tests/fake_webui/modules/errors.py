"""Error reporting that prints and carries on, as the host does for extension code."""

import sys
import traceback


def report(message: str, *, exc_info: bool = False) -> None:
    print(f"*** {message}", file=sys.stderr)
    if exc_info:
        print(textwrap_indent(traceback.format_exc()), file=sys.stderr)
        print("---", file=sys.stderr)


def textwrap_indent(text: str) -> str:
    return "".join(f"    {line}" for line in text.splitlines(keepends=True))


def display(e: Exception, task, *, full_traceback=False):
    print(f"{task or 'error'}: {type(e).__name__}", file=sys.stderr)
    print(textwrap_indent("".join(traceback.format_exception(type(e), e, e.__traceback__))),
          file=sys.stderr)


def print_error_explanation(message):
    print(message, file=sys.stderr)


def run(code, task):
    try:
        code()
    except Exception as e:
        display(e, task)
