"""The one exception family of Keyframes.

Every error a user can cause carries where it happened (setting, keyframe, frame, column) and
prints as one readable line, so the UI and the CLI never show a traceback for bad input.
"""

from __future__ import annotations


class KeyframesError(Exception):
    """An error caused by user input or the user's environment, shown as one line."""

    def __init__(
        self,
        message: str,
        *,
        setting: str | None = None,
        keyframe: int | None = None,
        frame: int | None = None,
        column: int | None = None,
        hint: str | None = None,
        source: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.setting = setting
        self.keyframe = keyframe
        self.frame = frame
        self.column = column
        self.hint = hint
        self.source = source

    def location(self, *, with_setting: bool = True) -> str:
        parts = []
        if self.setting and with_setting:
            parts.append(self.setting)
        if self.keyframe is not None:
            parts.append(f"keyframe {self.keyframe}")
        if self.frame is not None:
            parts.append(f"frame {self.frame}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def describe(self, *, with_setting: bool = True) -> str:
        """One line: where (setting, keyframe, frame, column), what, and the hint."""
        where = self.location(with_setting=with_setting)
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return " ".join(text.split("\n"))

    def __str__(self) -> str:
        text = self.describe()
        return f"{self.source}: {text}" if self.source else text


class ScheduleError(KeyframesError):
    """A keyframe schedule or expression that cannot be parsed or evaluated."""


class SettingsError(KeyframesError):
    """A settings file, preset or value that is malformed or out of range."""


class PromptError(KeyframesError):
    """An animation prompt that cannot be parsed."""


class RenderError(KeyframesError):
    """A render that cannot start or continue (missing input, unreadable video, bad run folder)."""


class DepthModelError(KeyframesError):
    """A depth model that cannot be loaded (offline, bad checksum, missing weights)."""


class KeyframesErrors(KeyframesError):
    """Several independent problems found at once (e.g. every bad value in a settings file)."""

    def __init__(self, errors: list[KeyframesError], *, source: str | None = None) -> None:
        super().__init__(f"{len(errors)} problems", source=source)
        self.errors = list(errors)

    def lines(self) -> list[str]:
        prefix = f"{self.source}: " if self.source else ""
        return [prefix + str(error) for error in self.errors]

    def __str__(self) -> str:
        return "; ".join(self.lines())
