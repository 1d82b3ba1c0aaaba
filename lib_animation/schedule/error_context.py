"""Where an expression sits in the schedule text, so every error can name its location."""

from __future__ import annotations

from lib_animation.errors import ScheduleError

__all__ = ["ErrorContext"]


class ErrorContext:
    """Where an expression sits, for error messages."""

    __slots__ = ("setting", "keyframe", "offset")

    def __init__(self, setting: str, keyframe: int | None, offset: int) -> None:
        self.setting = setting
        self.keyframe = keyframe
        self.offset = offset

    def error(
        self, message: str, index: int | None, hint: str | None = None, **kw
    ) -> ScheduleError:
        column = None if index is None else self.offset + index + 1
        return ScheduleError(
            message, setting=self.setting, keyframe=self.keyframe, column=column, hint=hint, **kw
        )
