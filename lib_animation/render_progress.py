"""How far a render has got, as the frame loop reports it after each frame it writes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderProgress:
    done: int
    total: int
    elapsed_s: float
    rendered_now: int  # frames made in this session (a resume does not count earlier ones)
    text: str

    @property
    def frames_per_second(self) -> float:
        return self.rendered_now / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def seconds_left(self) -> float | None:
        rate = self.frames_per_second
        return (self.total - self.done) / rate if rate > 0 else None
